"""The difference between two versions of a definition: a unified diff of their text and the
changed paths of their YAML documents (a wfq extension; Mistral keeps no versions)."""

from __future__ import annotations

import difflib
from typing import Any

import yaml

_MISSING = object()


def unified(old_text: str, new_text: str, old_label: str, new_label: str) -> str:
    """`diff -u` of two definitions ("" when the texts are equal)."""
    lines = difflib.unified_diff(
        old_text.splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=old_label,
        tofile=new_label,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def changes(old_text: str, new_text: str) -> list[dict[str, Any]]:
    """The paths whose values differ between the two YAML documents, in document order:
    `{"path": "wf.tasks.b.action", "change": "added" | "removed" | "changed", "old", "new"}`
    (no `old` for an added path, no `new` for a removed one). A dict is compared key by key;
    any other value (a list included) is compared whole."""
    out: list[dict[str, Any]] = []
    _walk(_load(old_text), _load(new_text), [], out)
    return out


def _load(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _walk(old: Any, new: Any, path: list[str], out: list[dict[str, Any]]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            _walk(old.get(key, _MISSING), new.get(key, _MISSING), [*path, str(key)], out)
        return
    if old == new:
        return
    entry: dict[str, Any] = {"path": ".".join(path)}
    if old is _MISSING:
        entry.update(change="added", new=new)
    elif new is _MISSING:
        entry.update(change="removed", old=old)
    else:
        entry.update(change="changed", old=old, new=new)
    out.append(entry)


def summary(entries: list[dict[str, Any]]) -> dict[str, int]:
    """How many paths were added, removed and changed."""
    counts = {"added": 0, "removed": 0, "changed": 0}
    for entry in entries:
        counts[entry["change"]] += 1
    return counts
