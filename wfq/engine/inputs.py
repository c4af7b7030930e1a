"""What a task sends when it starts: its evaluated input (with the `env.__actions` defaults),
the registered action its ad-hoc chain resolves to, the delivery (queue, safe-rerun), a
subworkflow's params, and the label workers show. Also the failure that stops such a start."""

from __future__ import annotations

from typing import Any

from wfq.engine import adhoc, data_flow, policies
from wfq.engine.snapshot import TaskRecord
from wfq.engine.turn import Turn
from wfq.errors import ActionNotFound, ExpressionError, InvalidInput

MAX_ADHOC_DEPTH = 10


class TaskFailure(Exception):
    """The task cannot start; the message is the `error=` part of Mistral's text."""


def evaluate(turn: Turn, task: TaskRecord, value: Any) -> Any:
    """`value` evaluated in the task's context; a broken expression is a TaskFailure."""
    try:
        return data_flow.evaluate(value, turn.snap, task)
    except ExpressionError as exc:
        raise TaskFailure(str(exc)) from exc


def task_input(turn: Turn, task: TaskRecord, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The task's evaluated `input`: a dict, or one expression that must yield a dict."""
    raw = turn.snap.spec.tasks[task.name].input
    try:
        value = data_flow.evaluate(
            raw if isinstance(raw, str) else dict(raw), turn.snap, task, extra=extra
        )
    except ExpressionError as exc:
        raise TaskFailure(str(exc)) from exc
    if not isinstance(value, dict):
        raise TaskFailure(
            f"Wrong dynamic input for task: {task.name}. Dict type is expected. "
            f"Actual type: {type(value)}. Actual value: {value}"
        )
    return value


def with_env_defaults(turn: Turn, action_name: str, given: dict[str, Any]) -> dict[str, Any]:
    """`env.__actions.<action>` supplies default inputs that the task's input overrides."""
    defaults = (turn.snap.env.get("__actions") or {}).get(action_name) or {}
    return {**defaults, **given} if isinstance(defaults, dict) else given


def subworkflow_params(turn: Turn) -> dict[str, Any]:
    """What a child execution inherits: the root's env and the notify webhooks."""
    params: dict[str, Any] = {"env": turn.snap.env} if turn.snap.env else {}
    notify = turn.snap.execution.params.get("notify")
    if notify:
        params["notify"] = notify
    return params


def delivery(turn: Turn, task: TaskRecord) -> dict[str, Any]:
    """How the task's actions travel: `safe_rerun` (task-defaults apply) and `queue` (the
    task's `target`), each evaluated first when it is an expression."""
    spec = turn.snap.spec.tasks[task.name]
    safe_rerun = policies.policies(turn, task).safe_rerun
    target = evaluate(turn, task, spec.target) if spec.target else None
    return {
        "safe_rerun": bool(evaluate(turn, task, safe_rerun)),
        "queue": str(target) if target else None,
    }


def label(turn: Turn, task: TaskRecord, action_name: str) -> str:
    """`std.echo task=greet workflow=hello execution=<id>`: how Flower shows the message."""
    ex = turn.snap.execution
    return f"{action_name} task={task.name} workflow={ex.workflow_name} execution={ex.id}"


def resolve_action(
    turn: Turn, task: TaskRecord, name: str, given: dict[str, Any]
) -> dict[str, Any]:
    """Follow ad-hoc actions down to a registered one (see `adhoc.resolve_chain`); any problem
    is the task's failure."""
    wb = turn.snap.spec.workbook_name
    ns = turn.snap.execution.workflow_namespace
    try:
        return adhoc.resolve_chain(
            lambda n: turn.actions.get(n, namespace=ns, workbook=wb),
            name,
            given,
            max_depth=MAX_ADHOC_DEPTH,
            # base-input sees the ad-hoc input first, then the task's context (not the wf input).
            data_of=lambda full: {**turn.snap.execution.context, **task.in_context, **full},
            runtime=data_flow.EngineRuntime(turn.snap, task),
        )
    except ActionNotFound as exc:
        raise TaskFailure(
            f"Failed to find action [action_name={exc.name}, namespace={ns}]"
        ) from exc
    except (InvalidInput, ExpressionError) as exc:
        raise TaskFailure(str(exc)) from exc
