"""What a task sends when it starts: its evaluated input (with the `env.__actions` defaults),
the registered action its ad-hoc chain resolves to, the delivery (queue, safe-rerun), a
subworkflow's params, and the label workers show. Also the failure that stops such a start."""

from __future__ import annotations

from typing import Any

from wfq.engine import adhoc, data_flow, policies
from wfq.engine.run import Run
from wfq.engine.snapshot import TaskRecord
from wfq.errors import ActionNotFound, ExpressionError, InvalidInput

MAX_ADHOC_DEPTH = 10


class TaskFailure(Exception):
    """The task cannot start; the message is the `error=` part of Mistral's text."""


def evaluate(run: Run, task: TaskRecord, value: Any) -> Any:
    """`value` evaluated in the task's context; a broken expression is a TaskFailure."""
    try:
        return data_flow.evaluate(value, run.snap, task)
    except ExpressionError as exc:
        raise TaskFailure(str(exc)) from exc


def task_input(run: Run, task: TaskRecord, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The task's evaluated `input`: a dict, or one expression that must yield a dict."""
    raw = run.snap.spec.tasks[task.name].input
    try:
        value = data_flow.evaluate(raw if isinstance(raw, str) else dict(raw), run.snap, task, extra=extra)
    except ExpressionError as exc:
        raise TaskFailure(str(exc)) from exc
    if not isinstance(value, dict):
        raise TaskFailure(
            f"Wrong dynamic input for task: {task.name}. Dict type is expected. "
            f"Actual type: {type(value)}. Actual value: {value}"
        )
    return value


def with_env_defaults(run: Run, action_name: str, given: dict[str, Any]) -> dict[str, Any]:
    """`env.__actions.<action>` supplies default inputs that the task's input overrides."""
    defaults = (run.snap.env.get("__actions") or {}).get(action_name) or {}
    return {**defaults, **given} if isinstance(defaults, dict) else given


def subworkflow_params(run: Run) -> dict[str, Any]:
    """What a child execution inherits: the root's env and the notify webhooks."""
    params: dict[str, Any] = {"env": run.snap.env} if run.snap.env else {}
    notify = run.snap.execution.params.get("notify")
    if notify:
        params["notify"] = notify
    return params


def delivery(run: Run, task: TaskRecord) -> dict[str, Any]:
    """How the task's actions travel: `safe_rerun` (task-defaults apply) and `queue` (the
    task's `target`), each evaluated first when it is an expression."""
    spec = run.snap.spec.tasks[task.name]
    safe_rerun = policies.policies(run, task).safe_rerun
    target = evaluate(run, task, spec.target) if spec.target else None
    return {"safe_rerun": bool(evaluate(run, task, safe_rerun)), "queue": str(target) if target else None}


def label(run: Run, task: TaskRecord, action_name: str) -> str:
    """`std.echo task=greet workflow=hello execution=<id>`: how Flower shows the message."""
    ex = run.snap.execution
    return f"{action_name} task={task.name} workflow={ex.workflow_name} execution={ex.id}"


def resolve_action(run: Run, task: TaskRecord, name: str, given: dict[str, Any]) -> dict[str, Any]:
    """Follow ad-hoc actions down to a registered one (see `adhoc.resolve_chain`); any problem
    is the task's failure."""
    wb = run.snap.spec.workbook_name
    ns = run.snap.execution.workflow_namespace
    try:
        return adhoc.resolve_chain(
            lambda n: run.actions.get(n, namespace=ns, workbook=wb),
            name,
            given,
            max_depth=MAX_ADHOC_DEPTH,
            # base-input sees the ad-hoc input first, then the task's context (not the wf input).
            data_of=lambda full: {**run.snap.execution.context, **task.in_context, **full},
            runtime=data_flow.EngineRuntime(run.snap, task),
        )
    except ActionNotFound as exc:
        raise TaskFailure(f"Failed to find action [action_name={exc.name}, namespace={ns}]") from exc
    except (InvalidInput, ExpressionError) as exc:
        raise TaskFailure(str(exc)) from exc
