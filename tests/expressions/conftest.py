"""Fixtures for expression tests: a fake Runtime and some workflow-context-like data."""

from __future__ import annotations

from typing import Any

import pytest
from expression_helpers import TASKS, FakeRuntime


@pytest.fixture
def runtime() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture
def known_tasks() -> dict[str, dict[str, Any]]:
    """The task executions FakeRuntime knows, by name."""
    return TASKS


@pytest.fixture
def data() -> dict[str, Any]:
    return {
        "a": 1,
        "name": "wfq",
        "list": [1, 2, 3],
        "dict": {"k": "v"},
        "none": None,
        "flag": True,
        "users": [{"name": "ann", "age": 30}, {"name": "bob", "age": 17}],
    }
