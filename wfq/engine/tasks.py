"""Task lifecycle: start (before-start policies, then the action, subworkflow or items), and
complete (publish, fail-on, retry, wait-after), after which the workflow's flow (`turn.flow`)
follows the task's transitions."""

from __future__ import annotations

from typing import Any

from wfq.engine import backoff, completion, data_flow, inputs, policies, versions, with_items
from wfq.engine.commands import RunAction, StartSubworkflow
from wfq.engine.inputs import TaskFailure
from wfq.engine.snapshot import ActionRecord, TaskRecord
from wfq.engine.turn import Turn
from wfq.errors import ExpressionError
from wfq.states import COMPLETED, State, change


def start(turn: Turn, task: TaskRecord) -> None:
    """Start `task`, applying its before-start policies: pause-before, wait-before (every
    policy value is evaluated and checked first, as Mistral does)."""
    try:
        values = policies.evaluate(turn, task)
    except policies.PolicyError as exc:
        wf = turn.snap.execution.workflow_name
        completion.force_fail(
            turn, task, f"Failed to run task [error={exc}, wf={wf}, task={task.name}]"
        )
        return
    extra = {"timeout": values.timeout} if values.timeout > 0 else {}
    if values.concurrency > 0:
        extra["concurrency"] = values.concurrency
    if extra:
        task.runtime_context = {**task.runtime_context, **extra}
    if values.pause_before:
        turn.set_task_state(task, State.IDLE, "Set by 'pause-before' policy")
        change(turn.snap.execution, State.PAUSED)
        return
    if values.wait_before > 0:
        turn.set_task_state(task, State.RUNNING)
        policies.delay(turn, task, "wait-before", values.wait_before)
        return
    run_now(turn, task)


def run_now(turn: Turn, task: TaskRecord) -> None:
    """Run `task` without policies: start its subworkflow or send its action to a worker.

    The `timeout` starts with the first action (after wait-before, a pause-before or a join's
    wait) and covers the retries; it stops when the task completes, before wait-after."""
    spec = turn.snap.spec.tasks[task.name]
    turn.set_task_state(task, State.RUNNING)
    timeout = task.runtime_context.get("timeout")
    if timeout and not policies.armed(task, "timeout"):
        policies.arm(turn, task, "timeout", float(timeout))
    try:
        if spec.workflow:
            _start_subworkflow(turn, task)
        else:
            _start_action(turn, task)
    except TaskFailure as exc:
        wf = turn.snap.execution.workflow_name
        completion.force_fail(
            turn, task, f"Failed to run task [error={exc}, wf={wf}, task={task.name}]"
        )


def _start_subworkflow(turn: Turn, task: TaskRecord) -> None:
    spec = turn.snap.spec.tasks[task.name]
    name = inputs.evaluate(turn, task, spec.workflow)
    if spec.with_items:
        end_items(turn, task, with_items.start_subworkflows(turn, task, name))
        return
    wf_input = inputs.task_input(turn, task)
    params = inputs.subworkflow_params(turn)
    # Kept on the task so that the integrity check can start a child that a crash lost.
    task.runtime_context = {
        **task.runtime_context,
        "subworkflow": {"name": name, "input": wf_input, "params": params},
    }
    turn.emit(StartSubworkflow(task.id, name, wf_input, params))


def _start_action(turn: Turn, task: TaskRecord) -> None:
    spec = turn.snap.spec.tasks[task.name]
    name = inputs.evaluate(turn, task, spec.action)
    if spec.with_items:
        end_items(turn, task, with_items.start(turn, task, name))
        return
    action_input = inputs.with_env_defaults(turn, name, inputs.task_input(turn, task))
    runtime = inputs.resolve_action(turn, task, name, action_input)
    runtime.update(inputs.delivery(turn, task))
    action = turn.new_action(
        task,
        name,
        action_input,
        runtime=runtime,
        item_index=0,
        attempt=int(task.runtime_context.get("retry_no", 0)),
    )
    turn.emit(RunAction(action.id, runtime["queue"], inputs.label(turn, task, name)))


def end_items(turn: Turn, task: TaskRecord, done: with_items.ItemsDone | None) -> None:
    """Complete a with-items task whose items have all ended (`done`; None: some still run).
    Cancelled items cancel the task: no publish, no policies, its transitions follow."""
    if done is None:
        return
    if done.cancelled:
        turn.set_task_state(task, State.CANCELLED, done.state_info)
        task.result = done.result
        turn.flow.on_task_completed(turn, task)
        return
    complete(
        turn,
        task,
        success=done.success,
        result=done.result,
        state_info=done.state_info,
        retry_all=done.retry_all,
    )


def complete(
    turn: Turn,
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
    """Finish `task`: store its result, publish, apply retry and wait-after, then its flow."""
    task.result = result
    turn.set_task_state(task, State.SUCCESS if success else State.ERROR, state_info)
    if turn.snap.spec.tasks[task.name].join:
        # Branches that arrived after the join started count too (Mistral recomputes it).
        versions.join_context(turn.snap, task)
    try:
        failed_on = success and _fails_on(turn, task)
    except policies.PolicyError as exc:
        _fail_completion(turn, task, str(exc), action_name)
        return
    if failed_on:
        success = False
        turn.set_task_state(task, State.ERROR, "Failed by 'fail-on' policy")
    publish = turn.snap.spec.effective_publish(task.name, success)
    branch, glob = dict(publish.branch or {}), dict(publish.global_ or {})
    try:
        task.published = data_flow.evaluate(branch, turn.snap, task) if branch else {}
        published_global = data_flow.evaluate(glob, turn.snap, task) if glob else {}
    except ExpressionError as exc:
        _fail_completion(turn, task, str(exc), action_name)
        return
    too_big = _too_big(turn, task.published, published_global)
    if too_big:
        task.published = {}
        _fail_completion(turn, task, too_big, action_name)
        return
    if glob:
        ex = turn.snap.execution
        ex.context = data_flow.merge_dicts(ex.context, published_global)
        ex.published_global = data_flow.merge_dicts(ex.published_global, published_global)
    if not _keep_result(turn, task):
        task.result = None
    superseded = retry_all if retry_all is not None else [action] if action is not None else []
    if not timed_out and _after_policies(turn, task, success, superseded, action_name):
        return
    policies.disarm(task, "timeout")
    turn.flow.on_task_completed(turn, task)


def _after_policies(
    turn: Turn,
    task: TaskRecord,
    success: bool,
    superseded: list[ActionRecord],
    action_name: str | None,
) -> bool:
    """Retry or wait-after; True when the task is DELAYED (its transitions wait). Every policy
    is evaluated and checked again, as Mistral does after each completion."""
    if turn.snap.execution.state in COMPLETED:
        return False  # the execution ended (cancelled): it starts nothing more, not even a retry
    try:
        values = policies.evaluate(turn, task)
        retry_in = policies.retry_decision(turn, task, success, values)
    except (policies.PolicyError, backoff.BackoffError) as exc:
        _fail_completion(turn, task, str(exc), action_name)
        return True
    if retry_in is not None:
        _retry(turn, task, superseded, retry_in)
        return True
    if values.wait_after > 0:
        policies.disarm(task, "timeout")  # the timeout counts the action, not the waits
        task.runtime_context = {
            **task.runtime_context,
            "after_state": [task.state, task.state_info],
        }
        policies.delay(turn, task, "wait-after", values.wait_after)
        return True
    return False


def _retry(turn: Turn, task: TaskRecord, superseded: list[ActionRecord], seconds: float) -> None:
    for old in superseded:
        old.accepted = False
    rc = task.runtime_context
    delays = [*rc.get("retry_delays", []), policies._num(seconds)]
    task.runtime_context = {
        **rc,
        "retry_no": int(rc.get("retry_no", 0)) + 1,
        "retry_delays": delays,
    }
    if turn.snap.spec.tasks[task.name].join:
        # A join cannot just run again: it waits, then looks at its inbound tasks (Mistral).
        policies.delay(turn, task, "retry", seconds, State.WAITING)
    elif seconds > 0:
        policies.delay(turn, task, "retry", seconds)
    else:
        run_now(turn, task)


def _too_big(turn: Turn, published: Any, published_global: Any) -> str | None:
    """The size-limit text when a task's published values (branch or global) exceed
    `value_limit_kb`: such a task fails and nothing of its publish is kept."""
    snap = turn.snap
    return data_flow.oversize(snap, published, "TaskExecution", "published") or data_flow.oversize(
        snap, published_global, "TaskExecution", "published_global"
    )


def _fail_completion(turn: Turn, task: TaskRecord, error: str, action_name: str | None) -> None:
    """A forced failure while completing the task (publish, fail-on, after-policies)."""
    wf = turn.snap.execution.workflow_name
    action = action_name or turn.snap.spec.tasks[task.name].action
    completion.force_fail(
        turn,
        task,
        f"Failed to handle action completion [error={error}, wf={wf}, task={task.name}, action={action}]",
    )


def _fails_on(turn: Turn, task: TaskRecord) -> bool:
    """The task's fail-on value after a success; an expression that cannot be evaluated raises
    PolicyError (a forced failure, as in Mistral), it does not count as false."""
    fail_on = policies.policies(turn, task).fail_on
    if not fail_on:
        return False
    return bool(
        policies.value(turn, task, fail_on, bool, "fail-on", data_flow.outbound_context(task))
    )


def _keep_result(turn: Turn, task: TaskRecord) -> bool:
    # Mistral never evaluates keep-result: any non-empty string counts as true.
    return bool(turn.snap.spec.tasks[task.name].keep_result)
