"""Workbooks: a named bundle of workflows and ad-hoc actions, registered as "<workbook>.<name>".

Name resolution: Mistral resolves a short name at run time, trying "<workbook>.<name>" first and
then the plain name (services/workflows and actions `resolve_*_definition`). Since the siblings
are known at upload, wfq rewrites a task's `action:`/`workflow:` (and an action's `base:`) that
names a sibling to the qualified name in the spec; `raw` and `definition` keep the text as written
and `WorkflowSpec.refs` records the mapping. Names that are not siblings (and expressions) are left
as they are, for the run-time lookup with `workbook_name`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wfq.dsl import schema
from wfq.dsl.action import ActionSpec, build_action
from wfq.dsl.schema import join_path
from wfq.dsl.workflow import WorkflowSpec, build_workflow
from wfq.errors import Issue

# (section, short name, item mapping) -> definition text of that item
DefinitionOf = Callable[[str, str, Any], str]


@dataclass(frozen=True, slots=True)
class WorkbookSpec:
    """A workbook and the workflows and actions it defines (with qualified names)."""

    name: str
    description: str | None = None
    tags: tuple[str, ...] = ()
    workflows: tuple[WorkflowSpec, ...] = ()
    actions: tuple[ActionSpec, ...] = ()
    definition: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def _items(raw: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if k != "version" and isinstance(v, dict)}


def build_workbook(
    raw: dict[str, Any], *, definition: str, definition_of: DefinitionOf, issues: list[Issue]
) -> WorkbookSpec:
    """Build a WorkbookSpec from the whole document mapping."""
    schema.check_into(issues, raw, schema.WORKBOOK, "")
    given = raw.get("name")
    name = given if isinstance(given, str) else ""
    workflows, actions = _items(raw.get("workflows")), _items(raw.get("actions"))
    if not workflows and not actions:
        issues.append(Issue("", "A workbook must define at least one workflow or action"))
    refs = {
        "actions": {short: f"{name}.{short}" for short in actions},
        "workflows": {short: f"{name}.{short}" for short in workflows},
    }
    return WorkbookSpec(
        name=name,
        description=raw.get("description"),
        tags=schema.tags_of(raw),
        workflows=tuple(
            build_workflow(
                f"{name}.{short}",
                body,
                path=join_path("workflows", short),
                issues=issues,
                definition=definition_of("workflows", short, body),
                workbook_name=name,
                refs=refs,
            )
            for short, body in workflows.items()
        ),
        actions=tuple(
            build_action(
                f"{name}.{short}",
                body,
                path=join_path("actions", short),
                issues=issues,
                definition=definition_of("actions", short, body),
                workbook_name=name,
                refs=refs["actions"],
            )
            for short, body in actions.items()
        ),
        definition=definition,
        raw=raw,
    )
