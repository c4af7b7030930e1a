"""What follows in a direct workflow: its start tasks, a completed task's transitions (and
engine commands), and joins. How the execution ends is completion.py."""

from __future__ import annotations

from typing import Any

from wfq.dsl import Transition
from wfq.engine import completion, data_flow, tasks, versions
from wfq.engine.snapshot import TaskRecord
from wfq.engine.turn import Turn
from wfq.errors import ExpressionError
from wfq.states import COMPLETED, State, change


def start(turn: Turn) -> None:
    """Schedule the workflow's start tasks (the execution has just started)."""
    for name in turn.snap.spec.start_tasks():
        if not turn.running:
            break
        schedule(turn, name, {}, None, "")


def schedule(
    turn: Turn, name: str, in_context: dict[str, Any], source: TaskRecord | None, event: str
) -> None:
    """A transition reached task `name` with the context `in_context`."""
    spec = turn.snap.spec.tasks[name]
    if spec.join:
        _arrive_at_join(turn, name, source)
        return
    rc: dict[str, Any] = (
        {"triggered_by": [{"task_id": source.id, "event": event}]} if source else {}
    )
    counts = versions.outbound(source)[1] if source is not None else {}
    if counts:
        rc["versions"] = counts
    task = turn.new_task(name, in_context, State.IDLE, runtime_context=rc)
    tasks.start(turn, task)


def next_transitions(turn: Turn, task: TaskRecord) -> list[tuple[Transition, str]]:
    """The transitions `task` takes now that it is done, with the clause each came from, in
    Mistral's order: on-error (or on-success), then on-complete."""
    if task.state == State.ERROR:
        kinds = ["error", "complete"]
    elif task.state == State.SUCCESS:
        kinds = ["success", "complete"]
    elif task.state == State.SKIPPED:
        # on-skip, or on-success when no on-skip transition fires; never on-complete.
        return _fired(turn, task, "skip") or _fired(turn, task, "success")
    else:
        kinds = []
    return [chosen for kind in kinds for chosen in _fired(turn, task, kind)]


def _fired(turn: Turn, task: TaskRecord, kind: str) -> list[tuple[Transition, str]]:
    """The transitions of the task's `kind` clause whose guard holds, in order."""
    clause = turn.snap.spec.on_clause(task.name, kind)
    outbound = data_flow.outbound_context(task)
    return [
        (tr, f"on-{kind}")
        for tr in (clause.transitions if clause else ())
        if tr.condition is None or data_flow.evaluate(tr.condition, turn.snap, task, extra=outbound)
    ]


def on_task_completed(turn: Turn, task: TaskRecord) -> None:
    """Follow the transitions of a finished task, then see whether the execution is done."""
    try:
        chosen = next_transitions(turn, task)
    except ExpressionError as exc:
        wf = turn.snap.execution.workflow_name
        action = turn.snap.spec.tasks[task.name].action
        completion.force_fail(
            turn,
            task,
            f"Failed to handle action completion [error={exc}, wf={wf}, task={task.name}, action={action}]",
        )
        return
    # Only on-error handles an error; on-complete never does (Mistral 23.0).
    task.error_handled = task.state == State.ERROR and any(ev == "on-error" for _, ev in chosen)
    next_tasks = [(tr.name, ev) for tr, ev in chosen if not tr.is_engine_command]
    task.runtime_context = {**task.runtime_context, "next_tasks": next_tasks}
    if turn.snap.execution.state == State.PAUSED:
        return  # not processed: resuming follows its transitions
    task.processed = True
    if turn.running:
        _dispatch(turn, task, [(tr, ev) for tr, ev in chosen if tr.name != "noop"])
    _check_joins(turn)
    completion.check_completion(turn)


def _dispatch(turn: Turn, task: TaskRecord, chosen: list[tuple[Transition, str]]) -> None:
    """Mistral's order: tasks before the first state command start, then that command runs;
    whatever follows a state command is dropped."""
    outbound = data_flow.outbound_context(task)
    for i, (tr, event) in enumerate(chosen):
        if not turn.running:
            return
        if tr.is_engine_command:
            _engine_command(turn, task, tr, outbound)
            if tr.name == "pause":
                # What follows a pause runs on resume (Mistral's backlog).
                backlog = [[t.name, ev] for t, ev in chosen[i + 1 :]]
                task.runtime_context = {**task.runtime_context, "backlog": backlog}
            return
        schedule(turn, tr.name, outbound, task, event)


def _engine_command(turn: Turn, task: TaskRecord, tr: Transition, outbound: dict[str, Any]) -> None:
    try:
        params = data_flow.evaluate(dict(tr.params), turn.snap, task, extra=outbound)
    except ExpressionError as exc:
        wf = turn.snap.execution.workflow_name
        completion.force_fail(
            turn,
            task,
            f"Failed to handle action completion [error={exc}, wf={wf}, task={task.name}]",
        )
        return
    msg = params.get("msg")
    msg = None if msg is None else str(msg)
    if tr.name == "fail":
        completion.finish(turn, State.ERROR, msg)
    elif tr.name == "succeed":
        completion.finish(turn, State.SUCCESS, msg)
    elif tr.name == "pause":
        change(turn.snap.execution, State.PAUSED)
        turn.snap.execution.state_info = msg


def _arrive_at_join(turn: Turn, name: str, source: TaskRecord | None) -> None:
    waiting = [t for t in turn.snap.tasks_named(name) if t.state == State.WAITING]
    if waiting:
        task = waiting[-1]
    elif turn.snap.tasks_named(name):
        return  # released already: wfq does not re-run a join for a late branch
    else:
        task = turn.new_task(name, {}, State.WAITING, runtime_context={"triggered_by": []})
        task.state_info = "Task is waiting."
    arrived = list(task.runtime_context.get("triggered_by", []))
    if source is not None:
        arrived.append({"task_id": source.id, "event": "join", "task_name": source.name})
    task.runtime_context = {**task.runtime_context, "triggered_by": arrived}
    if "retry" not in task.runtime_context.get("timers", {}):
        evaluate_join(turn, task)


def _join_need(turn: Turn, name: str) -> int:
    join = turn.snap.spec.tasks[name].join
    assert join is not None, name  # only a task with `join` waits for its inbound tasks
    inbound = turn.snap.spec.inbound_tasks(name)
    return len(inbound) if join == "all" else int(join)


def evaluate_join(turn: Turn, task: TaskRecord) -> None:
    """Run the waiting join if enough inbound tasks arrived, fail it if they no longer can."""
    arrived = {a.get("task_name") for a in task.runtime_context.get("triggered_by", [])}
    need = _join_need(turn, task.name)
    if len(arrived) >= need:
        versions.join_context(turn.snap, task)
        tasks.start(turn, task)
        return
    inbound = turn.snap.spec.inbound_tasks(task.name)
    waiting = [
        n for n in inbound if n not in arrived and _can_still_arrive(turn, n, task.name, set())
    ]
    # A join that can no longer be released fails once no inbound task is left that may still
    # arrive: its publish-on-error and the execution's output then see every branch that did,
    # whichever order the branches ended in (Mistral re-checks a waiting join later, by which
    # time its quick branches have arrived).
    if len(arrived) + len(waiting) < need and not waiting:
        dead = [n for n in inbound if n not in arrived]
        info = f"Failed by tasks: {dead}"
        tasks.complete(turn, task, success=False, result=info, state_info=info)


def _can_still_arrive(turn: Turn, name: str, join_name: str, seen: set[str]) -> bool:
    """Can task `name` still transition into `join_name`?"""
    if name in seen:
        return False
    seen.add(name)
    execs = turn.snap.tasks_named(name)
    if execs:
        last = execs[-1]
        if last.state not in COMPLETED or not last.processed:
            return True
        return any(n == join_name for n, _ in last.runtime_context.get("next_tasks", []))
    return any(
        _can_still_arrive(turn, n, join_name, seen) for n in turn.snap.spec.inbound_tasks(name)
    )


def _check_joins(turn: Turn) -> None:
    for task in list(turn.snap.tasks):
        # A join waiting out its retry delay is looked at again when the delay is over.
        if (
            task.state == State.WAITING
            and turn.running
            and "retry" not in task.runtime_context.get("timers", {})
        ):
            evaluate_join(turn, task)
