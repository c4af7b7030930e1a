"""Ad-hoc actions: a named wrapper around a `base` action with `base-input` and an `output`.

`base` may carry inline parameters (`base: std.echo output="<% $.x %>"`). They are merged into
`base-input`, and here, unlike task input, the inline value wins: that is Mistral's code
(`merge_dicts(base_input, inline)`) and its documentation does not say otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfq.dsl import inline, schema
from wfq.dsl.input_param import InputParam, parse_input
from wfq.dsl.schema import join_path
from wfq.errors import Issue


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One ad-hoc action. In a workbook `name` is "<workbook>.<name>"."""

    name: str
    base: str
    base_input: dict[str, Any] = field(default_factory=dict)
    input: tuple[InputParam, ...] = ()
    output: Any = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    definition: str = ""
    workbook_name: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form that action_from_dict turns back into this spec."""
        return {
            "version": "2.0",
            "name": self.name,
            "workbook_name": self.workbook_name,
            "refs": self.refs,
            "definition": self.definition,
            "raw": self.raw,
        }


def build_action(
    name: str,
    raw: dict[str, Any],
    *,
    path: str,
    issues: list[Issue],
    definition: str = "",
    workbook_name: str | None = None,
    refs: Mapping[str, str] | None = None,
) -> ActionSpec:
    """Build an ActionSpec; `refs` maps sibling short action names to qualified ones."""
    schema.check_into(issues, raw, schema.ACTION, path)
    base_text = raw.get("base")
    base, params = "", dict[str, Any]()
    if isinstance(base_text, str) and base_text:
        try:
            base, params = inline.parse_command(base_text)
        except ValueError as exc:
            issues.append(Issue(join_path(path, "base"), str(exc)))
            base = base_text
    if refs and base in refs and refs[base] != name:
        base = refs[base]
    base_input = raw.get("base-input")
    return ActionSpec(
        name=name,
        base=base,
        base_input={**(base_input if isinstance(base_input, dict) else {}), **params},
        input=parse_input(raw.get("input"), join_path(path, "input"), issues),
        output=raw.get("output"),
        description=raw.get("description"),
        tags=schema.tags_of(raw),
        definition=definition,
        workbook_name=workbook_name,
        raw=raw,
        refs=dict(refs or {}),
    )


def action_from_dict(data: Mapping[str, Any]) -> ActionSpec:
    """Rebuild an ActionSpec from ActionSpec.to_dict() output, without validation."""
    return build_action(
        data["name"],
        data["raw"],
        path=data["name"],
        issues=schema.Issues(checking=False),
        definition=data.get("definition", ""),
        workbook_name=data.get("workbook_name"),
        refs=data.get("refs"),
    )
