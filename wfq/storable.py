"""What the database can store: text without NUL or lone UTF-16 surrogates, names that fit
their column and can be written in a URL path and a terminal.

A leaf module (imports nothing from wfq): the DSL loader, the API and the services ask it.
PostgreSQL refuses NUL (`\\u0000`) in text and jsonb, and text that is not valid UTF-8 (a lone
surrogate such as `\\ud800` cannot be encoded); SQLite stores both, so the check is made before
the database is reached, for every backend alike.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

NAME_LIMIT = 255
"""Longest name (the `varchar(255)` columns of names and namespaces)."""
NUL_MESSAGE = "The request must not contain NUL characters"
SURROGATE_MESSAGE = (
    "The request must not contain lone UTF-16 surrogates (\\ud800-\\udfff): "
    "they are not valid Unicode text"
)
NON_FINITE_MESSAGE = (
    "The request must not contain NaN or Infinity: they are not JSON numbers and cannot be stored"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_BAD_NAME_CHAR = re.compile("[\x00-\x1f\x7f-\x9f/\ud800-\udfff]")


def text_problem(value: Any) -> str | None:
    """Why a decoded JSON/YAML value cannot be stored (NUL or a lone surrogate in one of its
    strings or keys; NaN or Infinity, which Python's JSON reader accepts and PostgreSQL's jsonb
    refuses), or None when it can."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return NUL_MESSAGE
            if _SURROGATE.search(item):
                return SURROGATE_MESSAGE
        elif isinstance(item, float) and not math.isfinite(item):
            return NON_FINITE_MESSAGE
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return None


def json_size(value: Any) -> int:
    """Bytes of `value` as JSON (what `field_size_limit_kb` measures)."""
    return len(json.dumps(value, default=str))


def size_exceeded(cls: str, field: str, size: int, limit_kb: int) -> str:
    """Mistral's text for a value of `size` bytes over `limit_kb` (SizeLimitExceededException)."""
    return f"Field size limit exceeded [class={cls}, field={field}, size={size // 1024}KB, limit={limit_kb}KB]"


def oversize(value: Any, limit_kb: int, cls: str, field: str) -> str | None:
    """`size_exceeded`'s text when `value` as JSON is larger than `limit_kb` KiB (0: no
    limit), else None."""
    if not limit_kb:
        return None
    size = json_size(value)
    return size_exceeded(cls, field, size, limit_kb) if size > limit_kb * 1024 else None


def name_problem(kind: str, name: Any, *, limit: int = NAME_LIMIT) -> str | None:
    """Why `name` cannot name a `kind` (a workflow, an environment...), or None.

    Refused: a name that is not a string, is empty, `.` or `..`, longer than `limit`
    characters, or holding `/` (a name must fit in one URL path segment), a control character (C0, DEL, C1;
    ANSI escape sequences start with ESC) or a lone surrogate.
    """
    if not isinstance(name, str) or not name:
        return f"The {kind} name must be a non-empty string"
    if len(name) > limit:
        return f"The {kind} name is {len(name)} characters long, more than the limit of {limit}"
    if name in (".", ".."):
        return f"The {kind} name must not be '{name}' (it cannot be written in a URL path)"
    bad = _BAD_NAME_CHAR.search(name)
    if bad:
        return (
            f"The {kind} name {ascii(name)[:80]} contains {_describe(bad.group())}: "
            "names must not contain '/' or control characters"
        )
    return None


def _describe(char: str) -> str:
    if char == "/":
        return f"'{char}'"
    if char == "\x1b":
        return "an escape character (ANSI escape sequence)"
    return f"the character U+{ord(char):04X}"
