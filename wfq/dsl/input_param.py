"""Declared input of workflows and ad-hoc actions: names, or one-key `{name: default}` mappings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wfq.dsl.schema import join_path
from wfq.errors import Issue


@dataclass(frozen=True, slots=True)
class InputParam:
    """One declared input parameter; `has_default` tells a null default from no default."""

    name: str
    default: Any = None
    has_default: bool = False

    def to_raw(self) -> str | dict[str, Any]:
        """The parameter as written in the DSL."""
        return {self.name: self.default} if self.has_default else self.name


def parse_input(raw: Any, path: str, issues: list[Issue]) -> tuple[InputParam, ...]:
    """Parse an `input` list, reporting bad entries and duplicate names into `issues`."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        return ()  # the schema reports the wrong type
    params: list[InputParam] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        where = join_path(path, index)
        param = _parse_entry(entry, where, issues)
        if param is None:
            continue
        if param.name in seen:
            issues.append(Issue(where, f"Duplicate input parameter '{param.name}'", "semantics"))
            continue
        seen.add(param.name)
        params.append(param)
    return tuple(params)


def _parse_entry(entry: Any, where: str, issues: list[Issue]) -> InputParam | None:
    if isinstance(entry, str) and entry:
        return InputParam(entry)
    if isinstance(entry, dict) and len(entry) == 1:
        name, default = next(iter(entry.items()))
        if name:
            return InputParam(name, default, True)
    issues.append(
        Issue(
            where,
            "An input parameter must be a name or a mapping with one key {name: default}, "
            f"got {entry!r}",
            "semantics",
        )
    )
    return None
