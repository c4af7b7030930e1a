"""Task lifecycle: start (evaluate input, resolve the action), complete (publish), and the
"forced" failure that stops the whole execution, as Mistral does for broken expressions."""

from __future__ import annotations

from typing import Any

from wfq.engine import adhoc, backoff, data_flow, policies, with_items
from wfq.engine.commands import RunAction, StartSubworkflow
from wfq.engine.run import Run
from wfq.engine.snapshot import ActionRecord, TaskRecord
from wfq.errors import ActionNotFound, ExpressionError, InvalidInput
from wfq.states import COMPLETED, State

MAX_ADHOC_DEPTH = 10


class TaskFailure(Exception):
    """The task cannot start; the message is the `error=` part of Mistral's text."""


def start(run: Run, task: TaskRecord) -> None:
    """Start `task`, applying its before-start policies: pause-before, wait-before (every
    policy value is evaluated and checked first, as Mistral does)."""
    try:
        values = policies.evaluate(run, task)
    except policies.PolicyError as exc:
        wf = run.snap.execution.workflow_name
        force_fail(run, task, f"Failed to run task [error={exc}, wf={wf}, task={task.name}]")
        return
    extra = {"timeout": values.timeout} if values.timeout > 0 else {}
    if values.concurrency > 0:
        extra["concurrency"] = values.concurrency
    if extra:
        task.runtime_context = {**task.runtime_context, **extra}
    if values.pause_before:
        run.set_task_state(task, State.IDLE, "Set by 'pause-before' policy")
        run.snap.execution.state = State.PAUSED.value
        return
    if values.wait_before > 0:
        run.set_task_state(task, State.RUNNING)
        policies.delay(run, task, "wait-before", values.wait_before)
        return
    run_now(run, task)


def run_now(run: Run, task: TaskRecord) -> None:
    """Run `task` without policies: start its subworkflow or send its action to a worker.

    The `timeout` starts with the first action (after wait-before, a pause-before or a join's
    wait) and covers the retries; it stops when the task completes, before wait-after."""
    spec = run.snap.spec.tasks[task.name]
    run.set_task_state(task, State.RUNNING)
    timeout = task.runtime_context.get("timeout")
    if timeout and not policies.armed(task, "timeout"):
        policies.arm(run, task, "timeout", float(timeout))
    try:
        if spec.workflow:
            _start_subworkflow(run, task)
        else:
            _start_action(run, task)
    except TaskFailure as exc:
        wf = run.snap.execution.workflow_name
        force_fail(run, task, f"Failed to run task [error={exc}, wf={wf}, task={task.name}]")


def force_fail(run: Run, task: TaskRecord, message: str) -> None:
    """Fail the task and, at once, the whole execution with the same text (no on-error)."""
    from wfq.engine import controller

    run.set_task_state(task, State.ERROR, message)
    task.processed = True
    controller.finish(run, State.ERROR, message)


def _evaluate(run: Run, task: TaskRecord, value: Any) -> Any:
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


def _start_subworkflow(run: Run, task: TaskRecord) -> None:
    spec = run.snap.spec.tasks[task.name]
    name = _evaluate(run, task, spec.workflow)
    if spec.with_items:
        with_items.start_subworkflows(run, task, name)
        return
    wf_input = task_input(run, task)
    params = subworkflow_params(run)
    # Kept on the task so that the integrity check can start a child that a crash lost.
    task.runtime_context = {
        **task.runtime_context,
        "subworkflow": {"name": name, "input": wf_input, "params": params},
    }
    run.emit(StartSubworkflow(task.id, name, wf_input, params))


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
    target = _evaluate(run, task, spec.target) if spec.target else None
    return {"safe_rerun": bool(_evaluate(run, task, safe_rerun)), "queue": str(target) if target else None}


def _start_action(run: Run, task: TaskRecord) -> None:
    spec = run.snap.spec.tasks[task.name]
    name = _evaluate(run, task, spec.action)
    if spec.with_items:
        with_items.start(run, task, name)
        return
    action_input = with_env_defaults(run, name, task_input(run, task))
    runtime = resolve_action(run, task, name, action_input)
    runtime.update(delivery(run, task))
    action = run.new_action(
        task,
        name,
        action_input,
        runtime=runtime,
        item_index=0,
        attempt=int(task.runtime_context.get("retry_no", 0)),
    )
    run.emit(RunAction(action.id, runtime["queue"], label(run, task, name)))


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


def complete(
    run: Run,
    task: TaskRecord,
    *,
    success: bool,
    result: Any,
    state_info: str | None = None,
    action_name: str | None = None,
    action: ActionRecord | None = None,
    timed_out: bool = False,
    retry_all: list[ActionRecord] | None = None,
) -> None:
    """Finish `task`: store its result, publish, apply retry and wait-after, then hand it to
    the workflow controller."""
    from wfq.engine import controller  # the controller calls back into this module

    task.result = result
    run.set_task_state(task, State.SUCCESS if success else State.ERROR, state_info)
    if run.snap.spec.tasks[task.name].join:
        # Branches that arrived after the join started count too (Mistral recomputes it).
        controller.join_context(run, task)
    try:
        failed_on = success and _fails_on(run, task)
    except policies.PolicyError as exc:
        _fail_completion(run, task, str(exc), action_name)
        return
    if failed_on:
        success = False
        run.set_task_state(task, State.ERROR, "Failed by 'fail-on' policy")
    publish = run.snap.spec.effective_publish(task.name, success)
    branch, glob = dict(publish.branch or {}), dict(publish.global_ or {})
    try:
        task.published = data_flow.evaluate(branch, run.snap, task) if branch else {}
        published_global = data_flow.evaluate(glob, run.snap, task) if glob else {}
    except ExpressionError as exc:
        _fail_completion(run, task, str(exc), action_name)
        return
    too_big = _too_big(run, task.published, published_global)
    if too_big:
        task.published = {}
        _fail_completion(run, task, too_big, action_name)
        return
    if glob:
        ex = run.snap.execution
        ex.context = data_flow.merge_dicts(ex.context, published_global)
        ex.published_global = data_flow.merge_dicts(ex.published_global, published_global)
    if not _keep_result(run, task):
        task.result = None
    superseded = retry_all if retry_all is not None else [action] if action is not None else []
    if not timed_out and _after_policies(run, task, success, superseded, action_name):
        return
    policies.disarm(task, "timeout")
    controller.on_task_completed(run, task)


def _after_policies(
    run: Run, task: TaskRecord, success: bool, superseded: list[ActionRecord], action_name: str | None
) -> bool:
    """Retry or wait-after; True when the task is DELAYED (its transitions wait). Every policy
    is evaluated and checked again, as Mistral does after each completion."""
    if run.snap.execution.state in COMPLETED:
        return False  # the execution ended (cancelled): it starts nothing more, not even a retry
    try:
        values = policies.evaluate(run, task)
        retry_in = policies.retry_decision(run, task, success, values)
    except (policies.PolicyError, backoff.BackoffError) as exc:
        _fail_completion(run, task, str(exc), action_name)
        return True
    if retry_in is not None:
        _retry(run, task, superseded, retry_in)
        return True
    if values.wait_after > 0:
        policies.disarm(task, "timeout")  # the timeout counts the action, not the waits
        task.runtime_context = {
            **task.runtime_context,
            "after_state": [task.state, task.state_info],
        }
        policies.delay(run, task, "wait-after", values.wait_after)
        return True
    return False


def _retry(run: Run, task: TaskRecord, superseded: list[ActionRecord], seconds: float) -> None:
    for old in superseded:
        old.accepted = False
    rc = task.runtime_context
    delays = [*rc.get("retry_delays", []), policies._num(seconds)]
    task.runtime_context = {**rc, "retry_no": int(rc.get("retry_no", 0)) + 1, "retry_delays": delays}
    if run.snap.spec.tasks[task.name].join:
        # A join cannot just run again: it waits, then looks at its inbound tasks (Mistral).
        policies.delay(run, task, "retry", seconds, State.WAITING)
    elif seconds > 0:
        policies.delay(run, task, "retry", seconds)
    else:
        run_now(run, task)


def on_timer(run: Run, task: TaskRecord, kind: str) -> None:
    """A timer of the task is due (its token was checked already)."""
    from wfq.engine import controller

    if kind == "timeout":
        if task.state in (State.RUNNING, State.RUNNING_DELAYED, State.WAITING):
            info = f"Task timed out [timeout(s)={policies._num(task.runtime_context.get('timeout', 0))}]."
            complete(run, task, success=False, result=info, state_info=info, timed_out=True)
        return
    if kind == "retry" and task.state == State.WAITING:
        controller.evaluate_join(run, task)
        return
    if task.state != State.RUNNING_DELAYED:
        return
    if kind in ("wait-before", "retry"):
        run_now(run, task)
    elif kind == "wait-after":
        state, info = task.runtime_context.get("after_state", [State.SUCCESS.value, None])
        run.set_task_state(task, State(state), info)
        policies.disarm(task, "timeout")
        controller.on_task_completed(run, task)


def _too_big(run: Run, published: Any, published_global: Any) -> str | None:
    """The size-limit text when a task's published values (branch or global) exceed
    `value_limit_kb`: such a task fails and nothing of its publish is kept."""
    snap = run.snap
    return data_flow.oversize(snap, published, "TaskExecution", "published") or data_flow.oversize(
        snap, published_global, "TaskExecution", "published_global"
    )


def _fail_completion(run: Run, task: TaskRecord, error: str, action_name: str | None) -> None:
    """A forced failure while completing the task (publish, fail-on, after-policies)."""
    wf = run.snap.execution.workflow_name
    action = action_name or run.snap.spec.tasks[task.name].action
    force_fail(
        run, task, f"Failed to handle action completion [error={error}, wf={wf}, task={task.name}, action={action}]"
    )


def _fails_on(run: Run, task: TaskRecord) -> bool:
    """The task's fail-on value after a success; an expression that cannot be evaluated raises
    PolicyError (a forced failure, as in Mistral), it does not count as false."""
    fail_on = policies.policies(run, task).fail_on
    if not fail_on:
        return False
    return bool(policies.value(run, task, fail_on, bool, "fail-on", data_flow.outbound_context(task)))


def _keep_result(run: Run, task: TaskRecord) -> bool:
    # Mistral never evaluates keep-result: any non-empty string counts as true.
    return bool(run.snap.spec.tasks[task.name].keep_result)
