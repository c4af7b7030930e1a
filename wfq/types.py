"""Small value types shared by several layers (leaf module: imports nothing from wfq)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = Any
"""A value that survives json.dumps: dict, list, str, int, float, bool or None."""


def cap_text(text: str, limit: int) -> str:
    """`text` if it has at most `limit` characters, else its beginning and its end around a
    note of how much was cut (the result has at most `limit` characters, `limit` >= 100)."""
    if len(text) <= limit:
        return text
    widest = f"\n... [{len(text)} characters cut] ...\n"  # the note is never longer than this
    keep = max(0, limit - len(widest))
    head = keep * 2 // 3
    note = f"\n... [{len(text) - keep} characters cut] ...\n"
    return text[:head] + note + text[len(text) - (keep - head) :]


@dataclass(frozen=True, slots=True)
class Param:
    """One input parameter of an action."""

    name: str
    default: Any = None
    required: bool = True


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """An action as the engine sees it.

    `base`/`base_input`/`output` are set for ad-hoc actions only. `accepts_any` is true when the
    action takes arbitrary keyword arguments (no unexpected-input check then).
    """

    name: str
    params: tuple[Param, ...] = ()
    accepts_any: bool = False
    class_name: str = ""
    base: str | None = None
    base_input: dict[str, Any] = field(default_factory=dict)
    output: Any = None

    def check_input(self, given: dict[str, Any]) -> dict[str, Any]:
        """`given` completed with defaults; raises ValueError naming missing or unexpected keys."""
        names = {p.name for p in self.params}
        missing = [p.name for p in self.params if p.required and p.name not in given]
        unexpected = [] if self.accepts_any else [k for k in given if k not in names]
        if missing or unexpected:
            parts = [f"name={self.name}", f"class={self.class_name or self.name}"]
            if missing:
                parts.append(f"missing={missing}")
            if unexpected:
                parts.append(f"unexpected={unexpected}")
            raise ValueError(f"Invalid input [{', '.join(parts)}]")
        full = {p.name: p.default for p in self.params if not p.required}
        full.update(given)
        return full
