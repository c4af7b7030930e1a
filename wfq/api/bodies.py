"""Checking JSON request bodies the way Mistral's WSME layer does, with its messages: an object,
typed string fields, and fields that hold an object or a JSON-encoded string of one."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from wfq.api.context import refuse_unstorable
from wfq.errors import InvalidInput


def require_object(body: Any, arg: str) -> dict[str, Any]:
    """`body` when it is a JSON object, else 400."""
    if not isinstance(body, dict):
        raise InvalidInput(
            f"Invalid input for field/attribute {arg}. Value: '{body}'. Expected an object"
        )
    return body


def refuse_unknown(body: dict[str, Any], known: Iterable[str], arg: str) -> None:
    """400 naming the attributes of `body` that are not in `known`."""
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise InvalidInput(f"Unknown attribute for argument {arg}: {', '.join(unknown)}")


def strings(body: dict[str, Any], names: Iterable[str]) -> None:
    """400 when one of `names` is present, not null, and not a string."""
    for name in names:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(
                f"Invalid input for field/attribute {name}. Value: '{value}'. Wrong type. "
                f"Expected '{str}', got '{type(value)}'"
            )


def decode(body: dict[str, Any], name: str, arg: str) -> Any:
    """The value of field `name`: a JSON-encoded string is decoded, anything else kept."""
    value = body.get(name)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as exc:
            raise InvalidInput(
                f"Invalid input for field/attribute {arg}. Value: '{body}'. {exc}"
            ) from None
        refuse_unstorable(value)
    return value


def json_object(body: dict[str, Any], name: str, arg: str) -> dict[str, Any]:
    """Field `name` as an object ({} when absent or null), from an object or a JSON string."""
    value = decode(body, name, arg)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"JsonType field value must be a dictionary [actual={value}]")
    return value


def flag(value: Any, name: str) -> bool:
    """A boolean parameter: true/false, or their text forms."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidInput(f"Parameter '{name}' must be true or false, not {value!r}")
