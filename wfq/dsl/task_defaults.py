"""`task-defaults`: workflow defaults for policies, on-clauses (direct) and requires (reverse).

How they apply is decided by WorkflowSpec: on-clauses by Mistral's DirectWorkflowSpec rule (see
workflow.py), policies by policies.resolve, requires by union (reverse workflows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wfq.dsl import schema
from wfq.dsl.on_clause import OnClause, parse_on_clause
from wfq.dsl.policies import Policies, parse_policies
from wfq.dsl.schema import join_path
from wfq.errors import Issue

TRANSITION_KEYS = ("on-success", "on-error", "on-complete", "on-skip")


@dataclass(frozen=True, slots=True)
class TaskDefaultsSpec:
    """Parsed `task-defaults` of one workflow."""

    policies: Policies = field(default_factory=Policies)
    on_success: OnClause | None = None
    on_error: OnClause | None = None
    on_complete: OnClause | None = None
    on_skip: OnClause | None = None
    requires: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)

    def clause(self, kind: str) -> OnClause | None:
        """The default clause for kind 'success', 'error', 'complete' or 'skip'."""
        return {
            "success": self.on_success,
            "error": self.on_error,
            "complete": self.on_complete,
            "skip": self.on_skip,
        }[kind]


def as_names(raw: Any) -> tuple[str, ...]:
    """A `requires` value (a name or a list of names) as a tuple."""
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list):
        return tuple(x for x in raw if isinstance(x, str))
    return ()


def parse_task_defaults(
    raw: Any, path: str, wf_type: str, issues: list[Issue]
) -> TaskDefaultsSpec | None:
    """Parse and check `task-defaults`; keys that do not fit `wf_type` are reported."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        return None  # the workflow schema reports it
    schema.check_into(issues, raw, schema.TASK_DEFAULTS, path)
    if wf_type == "reverse":
        for key in TRANSITION_KEYS:
            if key in raw:
                issues.append(
                    Issue(
                        join_path(path, key),
                        f"'{key}' is not allowed in a reverse workflow (use 'requires')",
                        "semantics",
                    )
                )
    elif "requires" in raw:
        issues.append(
            Issue(
                join_path(path, "requires"),
                "'requires' is only allowed in a reverse workflow",
                "semantics",
            )
        )
    clauses = {
        key: parse_on_clause(raw.get(key), join_path(path, key), issues) for key in TRANSITION_KEYS
    }
    return TaskDefaultsSpec(
        policies=parse_policies(raw, path, issues),
        on_success=clauses["on-success"],
        on_error=clauses["on-error"],
        on_complete=clauses["on-complete"],
        on_skip=clauses["on-skip"],
        requires=as_names(raw.get("requires")),
        raw=raw,
    )
