"""A task's timer is due (its token was checked already): the timeout fails the task, a
wait-before or retry delay runs it, a join's retry delay looks at its inbound tasks again, and
the end of wait-after lets its transitions follow."""

from __future__ import annotations

from wfq.engine import direct, policies, tasks
from wfq.engine.snapshot import TaskRecord
from wfq.engine.turn import Turn
from wfq.states import State


def on_timer(turn: Turn, task: TaskRecord, kind: str) -> None:
    """Apply the due timer `kind` of `task`."""
    if kind == "timeout":
        if task.state in (State.RUNNING, State.RUNNING_DELAYED, State.WAITING):
            info = f"Task timed out [timeout(s)={policies._num(task.runtime_context.get('timeout', 0))}]."
            tasks.complete(turn, task, success=False, result=info, state_info=info, timed_out=True)
        return
    if kind == "retry" and task.state == State.WAITING:
        direct.evaluate_join(turn, task)
        return
    if task.state != State.RUNNING_DELAYED:
        return
    if kind in ("wait-before", "retry"):
        tasks.run_now(turn, task)
    elif kind == "wait-after":
        state, info = task.runtime_context.get("after_state", [State.SUCCESS.value, None])
        turn.set_task_state(task, State(state), info)
        policies.disarm(task, "timeout")
        turn.flow.on_task_completed(turn, task)
