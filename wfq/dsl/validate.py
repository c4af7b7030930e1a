"""Checks that need a whole built spec: graph semantics and expression syntax -> list[Issue].

Structure (schema) and per-concept syntax problems are found while building; see document.py.
Expression syntax is checked with `wfq.expressions.validate` when that package is importable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from wfq.dsl import graph
from wfq.dsl.action import ActionSpec
from wfq.dsl.on_clause import OnClause
from wfq.dsl.schema import join_path
from wfq.dsl.task import TaskSpec
from wfq.dsl.task_defaults import TaskDefaultsSpec
from wfq.dsl.workflow import KINDS, WorkflowSpec
from wfq.errors import Issue, WfqError

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
_MARKERS = ("<%", "{{", "{%")
Validator = Callable[[str], list[str]]


def workflow_semantics(spec: WorkflowSpec, path: str) -> list[Issue]:
    """Graph and naming rules of one workflow."""
    issues: list[Issue] = []
    if _UUID.match(spec.name.rsplit(".", 1)[-1]):
        issues.append(Issue(path, "Workflow name cannot be in the format of UUID.", "semantics"))
    if spec.type == "direct":
        issues.extend(_direct(spec, path))
    else:
        issues.extend(_reverse(spec, path))
    return issues


def _unknown_targets(spec: WorkflowSpec, clause: OnClause | None, where: str) -> Iterator[Issue]:
    for t in clause.transitions if clause else ():
        if not t.is_engine_command and t.name not in spec.tasks:
            yield Issue(where, f"Task '{t.name}' not found.", "semantics")


def _direct(spec: WorkflowSpec, path: str) -> Iterator[Issue]:
    defaults = spec.task_defaults
    for kind in KINDS:
        key = f"on-{kind}"
        if defaults is not None:
            yield from _unknown_targets(
                spec, defaults.clause(kind), join_path(path, "task-defaults", key)
            )
        for name, task in spec.tasks.items():
            own = {
                "success": task.on_success,
                "error": task.on_error,
                "complete": task.on_complete,
                "skip": task.on_skip,
            }[kind]
            yield from _unknown_targets(spec, own, join_path(path, "tasks", name, key))
    if spec.tasks and not spec.start_tasks():
        yield Issue(
            path,
            "Failed to find start tasks in direct workflow. "
            "There must be at least one task without inbound transition.",
            "semantics",
        )
    for name, task in spec.tasks.items():
        if task.join is None:
            continue
        inbound = len(spec.inbound_tasks(name))
        where = join_path(path, "tasks", name, "join")
        if task.join == "all" and inbound == 0:
            yield Issue(
                where, f"No inbound tasks for task with 'join: all' [task_name={name}]", "semantics"
            )
        elif isinstance(task.join, int) and inbound < task.join:
            yield Issue(
                where,
                f"Not enough inbound tasks for task with 'join' [task_name={name}, "
                f"join={task.join}, inbound_tasks={inbound}]",
                "semantics",
            )


def _reverse(spec: WorkflowSpec, path: str) -> Iterator[Issue]:
    defaults = spec.task_defaults
    for required in defaults.requires if defaults else ():
        if required not in spec.tasks:
            where = join_path(path, "task-defaults", "requires")
            yield Issue(where, f"Task '{required}' not found.", "semantics")
    for name, task in spec.tasks.items():
        for required in task.requires:
            if required not in spec.tasks:
                where = join_path(path, "tasks", name, "requires")
                yield Issue(where, f"Task '{required}' not found.", "semantics")
    cycle = graph.find_cycle({name: spec.requires(name) for name in spec.tasks})
    if cycle:
        yield Issue(
            join_path(path, "tasks"),
            "Cycle in 'requires': " + " -> ".join(cycle),
            "semantics",
        )


def load_validator() -> Validator | None:
    """`wfq.expressions.validate`, or None while that package is not available."""
    try:
        from wfq import expressions
    except ImportError:
        return None
    check = getattr(expressions, "validate", None)
    return check if callable(check) else None


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, join_path(path, str(key)))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, join_path(path, index))


def check_expressions(values: Iterator[tuple[str, Any]], check: Validator) -> list[Issue]:
    """Validate every string containing an expression among `(path, value)` pairs."""
    issues: list[Issue] = []
    for top, value in values:
        for path, text in _strings(value, top):
            if not any(marker in text for marker in _MARKERS):
                continue
            try:
                errors = list(check(text))
            except WfqError as exc:
                errors = [exc.message]
            except Exception:  # noqa: BLE001 - a checker bug must not block uploads
                continue
            issues.extend(
                Issue(path, error if text in error else f"{text}: {error}", "expressions")
                for error in errors
            )
    return issues


def workflow_expression_values(spec: WorkflowSpec, path: str) -> Iterator[tuple[str, Any]]:
    """Every place of a workflow where an expression may be written, with its path."""
    for index, param in enumerate(spec.input):
        if param.has_default:
            yield join_path(path, "input", index, param.name), param.default
    yield join_path(path, "vars"), spec.vars
    yield join_path(path, "output"), spec.output
    yield join_path(path, "output-on-error"), spec.output_on_error
    if spec.task_defaults is not None:
        yield from _defaults_values(spec.task_defaults, join_path(path, "task-defaults"))
    for name, task in spec.tasks.items():
        yield from _task_values(task, join_path(path, "tasks", name))


def _policy_values(raw: dict[str, Any], path: str) -> Iterator[tuple[str, Any]]:
    for key in (
        "wait-before",
        "wait-after",
        "timeout",
        "pause-before",
        "concurrency",
        "fail-on",
        "safe-rerun",
        "keep-result",
        "target",
        "retry",
    ):
        if key in raw:
            yield join_path(path, key), raw[key]


def _clause_values(clause: OnClause | None, path: str) -> Iterator[tuple[str, Any]]:
    if clause is None:
        return
    for t in clause.transitions:
        yield path, t.condition
        yield path, t.params
    if clause.publish:
        yield join_path(path, "publish"), clause.publish.to_raw()


def _defaults_values(defaults: TaskDefaultsSpec, path: str) -> Iterator[tuple[str, Any]]:
    yield from _policy_values(defaults.raw, path)
    for kind in KINDS:
        yield from _clause_values(defaults.clause(kind), join_path(path, f"on-{kind}"))


def _task_values(task: TaskSpec, path: str) -> Iterator[tuple[str, Any]]:
    yield join_path(path, "action"), task.action
    yield join_path(path, "workflow"), task.workflow
    yield join_path(path, "input"), task.input
    for var, source in task.with_items:
        if isinstance(source, str):
            yield join_path(path, "with-items", var), source
    yield join_path(path, "publish"), task.publish.branch
    yield join_path(path, "publish-on-error"), task.publish_on_error.branch
    yield join_path(path, "publish-on-skip"), task.publish_on_skip.branch
    yield from _policy_values(task.raw, path)
    if task.revert is not None:
        where = join_path(path, "revert" if "revert" in task.raw else "on-revert")
        yield join_path(where, "action"), task.revert.action
        yield join_path(where, "workflow"), task.revert.workflow
        yield join_path(where, "input"), task.revert.input
    for kind, clause in (
        ("success", task.on_success),
        ("error", task.on_error),
        ("complete", task.on_complete),
        ("skip", task.on_skip),
    ):
        yield from _clause_values(clause, join_path(path, f"on-{kind}"))


def action_expression_values(spec: ActionSpec, path: str) -> Iterator[tuple[str, Any]]:
    """Every place of an ad-hoc action where an expression may be written."""
    yield join_path(path, "base-input"), spec.base_input
    yield join_path(path, "output"), spec.output
    for index, param in enumerate(spec.input):
        if param.has_default:
            yield join_path(path, "input", index, param.name), param.default
