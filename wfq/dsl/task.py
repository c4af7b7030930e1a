"""A task of a workflow: what it runs, with which input, what it publishes, where it goes next.

Input precedence: inline parameters (`action: std.echo output="a"`) and `input:` are merged, and
for a parameter given both ways the one under `input:` wins. That is what Mistral's documentation
states ("Input syntax" note); Mistral's code (`merge_dicts(input, inline)`) lets inline win.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from wfq.dsl import inline, schema
from wfq.dsl.on_clause import OnClause, parse_on_clause
from wfq.dsl.policies import Policies, parse_policies
from wfq.dsl.publish import EMPTY, PublishSpec, branch_publish
from wfq.dsl.retry import RetrySpec
from wfq.dsl.revert import RevertSpec, parse_revert
from wfq.dsl.schema import join_path
from wfq.dsl.task_defaults import TRANSITION_KEYS, as_names
from wfq.errors import Issue

MAX_TASK_NAME = 255
MAX_JOIN_TASK_NAME = MAX_TASK_NAME - 47  # Mistral: room for "join-task-<uuid>-" in lock names
NOOP_ACTION = "std.noop"
_WITH_ITEMS = re.compile(r"(?s)\s*([\w-]+)\s*in\s*(\[.*\]|<%.*%>|\{\{.*\}\})\s*")


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """One task, parsed; `raw` is the mapping as written (names not rewritten)."""

    name: str
    type: str = "direct"
    description: str | None = None
    tags: tuple[str, ...] = ()
    action: str | None = NOOP_ACTION
    workflow: str | None = None
    input: dict[str, Any] | str = field(default_factory=dict)
    publish: PublishSpec = EMPTY
    publish_on_error: PublishSpec = EMPTY
    publish_on_skip: PublishSpec = EMPTY
    on_success: OnClause | None = None
    on_error: OnClause | None = None
    on_complete: OnClause | None = None
    on_skip: OnClause | None = None
    join: str | int | None = None
    requires: tuple[str, ...] = ()
    with_items: tuple[tuple[str, str | list[Any]], ...] = ()
    concurrency: int | str = 0
    retry: RetrySpec | None = None
    wait_before: int | str = 0
    wait_after: int | str = 0
    timeout: int | str = 0
    pause_before: bool | str = False
    fail_on: bool | str = False
    keep_result: bool | str = True
    safe_rerun: bool | str = False
    target: str | None = None
    revert: RevertSpec | None = None
    """What undoes the task once it completed (`revert:`, a wfq extension)."""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def own_policies(self) -> Policies:
        """This task's own policy values (safe_rerun None when the key is absent)."""
        return Policies(
            retry=self.retry,
            wait_before=self.wait_before,
            wait_after=self.wait_after,
            timeout=self.timeout,
            pause_before=self.pause_before,
            concurrency=self.concurrency,
            fail_on=self.fail_on,
            safe_rerun=self.safe_rerun if "safe-rerun" in self.raw else None,
        )


def parse_task(
    name: str,
    raw: dict[str, Any],
    *,
    wf_type: str,
    path: str,
    refs: Mapping[str, Mapping[str, str]],
    issues: list[Issue],
) -> TaskSpec:
    """Build a TaskSpec, appending every problem found to `issues`."""
    schema.check_into(issues, raw, schema.TASK, path)
    _check_name_and_type(name, raw, wf_type, path, issues)
    action, workflow, params = _target(raw, path, refs, issues)
    policies = parse_policies(raw, path, issues)
    clauses: dict[str, OnClause | None] = {key: None for key in TRANSITION_KEYS}
    if wf_type == "direct":
        for key in TRANSITION_KEYS:
            clauses[key] = parse_on_clause(raw.get(key), join_path(path, key), issues)
    return TaskSpec(
        name=name,
        type=wf_type,
        description=raw.get("description"),
        tags=schema.tags_of(raw),
        action=action,
        workflow=workflow,
        input=_merge_input(raw.get("input"), params, join_path(path, "input"), issues),
        publish=branch_publish(raw.get("publish")),
        publish_on_error=branch_publish(raw.get("publish-on-error")),
        publish_on_skip=branch_publish(raw.get("publish-on-skip")),
        on_success=clauses["on-success"],
        on_error=clauses["on-error"],
        on_complete=clauses["on-complete"],
        on_skip=clauses["on-skip"],
        join=_join(raw.get("join")) if wf_type == "direct" else None,
        requires=as_names(raw.get("requires")) if wf_type == "reverse" else (),
        with_items=parse_with_items(raw.get("with-items"), join_path(path, "with-items"), issues),
        concurrency=policies.concurrency,
        retry=policies.retry,
        wait_before=policies.wait_before,
        wait_after=policies.wait_after,
        timeout=policies.timeout,
        pause_before=policies.pause_before,
        fail_on=policies.fail_on,
        keep_result=_or(raw.get("keep-result"), True),
        safe_rerun=_or(raw.get("safe-rerun"), False),
        target=raw.get("target"),
        revert=parse_revert(raw, path, refs, issues),
        raw=raw,
    )


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _check_name_and_type(
    name: str, raw: dict[str, Any], wf_type: str, path: str, issues: list[Issue]
) -> None:
    if len(name) > MAX_TASK_NAME:
        issues.append(
            Issue(path, f"The length of a task name must not exceed {MAX_TASK_NAME}", "semantics")
        )
    elif raw.get("join") and len(name) > MAX_JOIN_TASK_NAME:
        issues.append(
            Issue(
                path,
                f"The length of a join task name must not exceed {MAX_JOIN_TASK_NAME}",
                "semantics",
            )
        )
    if "action" in raw and "workflow" in raw:
        issues.append(
            Issue(path, "A task can have either 'action' or 'workflow', not both", "semantics")
        )
    misplaced = ("requires",) if wf_type == "direct" else (*TRANSITION_KEYS, "join")
    for key in misplaced:
        if key in raw:
            hint = (
                "only allowed in a reverse workflow"
                if key == "requires"
                else ("not allowed in a reverse workflow (use 'requires')")
            )
            issues.append(Issue(join_path(path, key), f"'{key}' is {hint}", "semantics"))


def _target(
    raw: dict[str, Any], path: str, refs: Mapping[str, Mapping[str, str]], issues: list[Issue]
) -> tuple[str | None, str | None, dict[str, Any]]:
    """(action, workflow, inline parameters); sibling names in a workbook get qualified."""
    for key, section in (("action", "actions"), ("workflow", "workflows")):
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            continue
        try:
            name, params = inline.parse_command(value)
        except ValueError as exc:
            issues.append(Issue(join_path(path, key), str(exc)))
            name, params = value, {}
        name = refs.get(section, {}).get(name, name)
        return (name, None, params) if key == "action" else (None, name, params)
    return NOOP_ACTION, None, {}


def _merge_input(
    given: Any, params: dict[str, Any], path: str, issues: list[Issue]
) -> dict[str, Any] | str:
    if isinstance(given, str):
        if params:
            issues.append(
                Issue(path, "Inline parameters can't be combined with an 'input' expression")
            )
        return given
    return {**params, **given} if isinstance(given, dict) else params


def _join(raw: Any) -> str | int | None:
    if raw == "all":
        return "all"
    if raw == "one":
        return 1
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return raw
    return None


def parse_with_items(
    raw: Any, path: str, issues: list[Issue]
) -> tuple[tuple[str, str | list[Any]], ...]:
    """`x in <% $.xs %>`, `x in [1, 2]`, or a list of such lines iterated together."""
    if raw is None:
        return ()
    lines = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    found: list[tuple[str, str | list[Any]]] = []
    for index, line in enumerate(lines):
        where = join_path(path, index) if isinstance(raw, list) else path
        match = _WITH_ITEMS.fullmatch(line) if isinstance(line, str) else None
        if not match:
            issues.append(
                Issue(
                    where,
                    "Wrong format of 'with-items' property. Please use format "
                    f"'var in {{[some, list] | <% $.array %> }}': {line!r}",
                )
            )
            continue
        var, source = match.group(1), match.group(2)
        if source.startswith("["):
            items = _literal_list(source, where, issues)
            if items is None:
                continue
            found.append((var, items))
        else:
            found.append((var, source))
    return tuple(found)


def _literal_list(text: str, where: str, issues: list[Issue]) -> list[Any] | None:
    try:
        return list(json.loads(text))
    except ValueError as exc:
        error = str(exc)
    try:  # wfq also accepts YAML flow lists such as ['a', b]
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = None
    if isinstance(value, list):
        return value
    issues.append(Issue(where, f"Invalid array in 'with-items' clause: {text}, error: {error}"))
    return None
