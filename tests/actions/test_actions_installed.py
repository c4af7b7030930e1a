"""A custom action package pip-installed next to wfq is found through its `wfq.actions` entry
points and runs: a decorated function, a plain function and a class written for Mistral. The
test package is installed for the tests only, never into the environment wfq runs from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from action_peers import context

from wfq.actions.registry import ActionRegistry
from wfq.errors import ActionFailed
from wfq.settings import Settings

pytest.importorskip("mistral_lib")


@pytest.fixture(scope="module")
def registry(example_package: Path) -> ActionRegistry:
    return ActionRegistry.load(Settings())


def test_installed_actions_are_registered(registry: ActionRegistry) -> None:
    assert {"example.greet", "example.add", "example.multiply"} <= {a.name for a in registry}
    assert "std.http" in registry  # the standard library is still there
    greet = registry.get("example.greet")
    assert greet is not None
    assert greet.signature_text() == 'name, punctuation="!", api_key=null'
    assert greet.description == "Greets `name`, saying which workflow asked."
    assert "api_key" in greet.secret_params


def test_installed_actions_run(registry: ActionRegistry) -> None:
    ctx: Any = context(workflow_name="nightly", workflow_execution_id="we-7")
    assert registry.get("example.greet").fn(ctx, name="ops") == "Hello, ops! (from nightly)"  # type: ignore[union-attr]
    assert registry.get("example.add").fn(ctx, a=2, b=3) == 5  # type: ignore[union-attr]
    multiply = registry.get("example.multiply")
    assert multiply is not None and multiply.signature_text() == "a, b=2"
    assert multiply.class_name == "wfq_example_actions.mistral_style.MultiplyAction"
    assert multiply.fn(ctx, a=4) == {"product": 8, "execution": "we-7"}
    with pytest.raises(ActionFailed) as err:
        multiply.fn(ctx, a=-1)
    assert err.value.data == {"reason": "negative", "a": -1}


LIST_ACTIONS = """
from wfq.actions.registry import ActionRegistry
from wfq.settings import Settings
print(sorted(a.name for a in ActionRegistry.load(Settings())))
"""


def test_a_later_run_of_wfq_does_not_list_the_test_actions(registry: ActionRegistry) -> None:
    # The test package is installed (registry), yet wfq started afresh from this environment,
    # as in production after `make test`, lists only its own actions.
    assert "example.add" in registry
    proc = subprocess.run(
        [sys.executable, "-c", LIST_ACTIONS],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
        env={},
    )
    names = proc.stdout
    assert "std.echo" in names and "example." not in names
