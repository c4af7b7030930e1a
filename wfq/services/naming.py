"""The checks of user-given names and stored values that every create/update service makes:
a 400 in Mistral's shape instead of the database's error (a 500)."""

from __future__ import annotations

from typing import Any

from wfq import storable
from wfq.errors import InvalidInput, SizeLimitExceeded


def check_name(
    kind: str, name: Any, *, limit: int = storable.NAME_LIMIT, optional: bool = False
) -> None:
    """400 when `name` cannot name a `kind`: too long, with '/' or control characters (an
    `optional` name may be empty)."""
    if optional and not name:
        return
    problem = storable.name_problem(kind, name, limit=limit)
    if problem:
        raise InvalidInput(problem)


def check_size(limit_kb: int, value: Any, *, cls: str, field: str) -> None:
    """400 (Mistral's SizeLimitExceededException) when `value` as JSON is larger than
    `limit_kb` KiB (0: no limit)."""
    problem = storable.oversize(value, limit_kb, cls, field)
    if problem:
        raise SizeLimitExceeded(problem)
