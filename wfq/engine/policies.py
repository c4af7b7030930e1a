"""Task policies as engine decisions: timeout, pause-before, wait-before, retry, wait-after.

Timers are durable: the due time lives in the task's `runtime_context["timers"]` (and its
earliest in `timer_at`), and `ScheduleTimer` asks the shell to deliver `TimerFired` then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from wfq.dsl import Policies
from wfq.engine import data_flow
from wfq.engine.commands import ScheduleTimer
from wfq.engine.run import Run
from wfq.engine.snapshot import TaskRecord
from wfq.errors import ExpressionError
from wfq.states import State


class PolicyError(Exception):
    """A policy value is not what it must be (after evaluating its expression)."""


def policies(run: Run, task: TaskRecord) -> Policies:
    return run.snap.spec.policies(task.name)


def value(run: Run, task: TaskRecord, raw: Any, kind: type, name: str, extra: dict[str, Any] | None = None) -> Any:
    """Evaluate a policy value and check its type (Mistral's message on a bad one)."""
    try:
        v = data_flow.evaluate(raw, run.snap, task, extra=extra)
    except ExpressionError as exc:
        raise PolicyError(str(exc)) from exc
    if kind is bool:
        return bool(v)
    try:
        if isinstance(v, bool) or v is None:
            raise ValueError
        return kind(v)
    except (TypeError, ValueError):
        raise PolicyError(
            f"Invalid data type in {name}: {v}. Value(s) can be shown after YAQL evaluating. "
            "If you use YAQL here, please correct it."
        ) from None


def arm(run: Run, task: TaskRecord, kind: str, seconds: float) -> None:
    """Start a timer of `kind` on the task, replacing an older one of the same kind."""
    timers = dict(task.runtime_context.get("timers", {}))
    token = int(timers.get(kind, {}).get("token", 0)) + 1
    due = run.now + dt.timedelta(seconds=max(0.0, seconds))
    timers[kind] = {"token": token, "due": due.isoformat()}
    task.runtime_context = {**task.runtime_context, "timers": timers}
    _sync_timer_at(task)
    run.emit(ScheduleTimer(task.id, kind, token, due))


def disarm(task: TaskRecord, kind: str) -> None:
    timers = dict(task.runtime_context.get("timers", {}))
    if timers.pop(kind, None) is not None:
        task.runtime_context = {**task.runtime_context, "timers": timers}
        _sync_timer_at(task)


def take(task: TaskRecord, kind: str, token: int) -> bool:
    """True (and the timer is consumed) if `kind`/`token` is the timer the task waits for."""
    timer = task.runtime_context.get("timers", {}).get(kind)
    if timer is None or int(timer["token"]) != token:
        return False
    disarm(task, kind)
    return True


def _sync_timer_at(task: TaskRecord) -> None:
    dues = [dt.datetime.fromisoformat(t["due"]) for t in task.runtime_context.get("timers", {}).values()]
    task.timer_at = min(dues) if dues else None


def delay(run: Run, task: TaskRecord, kind: str, seconds: float) -> None:
    """Put the task in DELAYED for `seconds`, with Mistral's state_info."""
    run.set_task_state(task, State.RUNNING_DELAYED, f"Delayed by '{kind}' policy [delay={_num(seconds)}]")
    arm(run, task, kind, seconds)


def _num(seconds: float) -> Any:
    return int(seconds) if float(seconds).is_integer() else seconds


def retry_decision(run: Run, task: TaskRecord, success: bool) -> float | None:
    """Seconds to wait before the next attempt, or None when the task must not be retried."""
    spec = policies(run, task).retry
    if spec is None:
        return None
    outbound = data_flow.outbound_context(task)
    count = value(run, task, spec.count, int, "retry")
    if int(task.runtime_context.get("retry_no", 0)) >= count:
        return None
    if not success and spec.break_on is not None:
        if value(run, task, spec.break_on, bool, "retry", outbound):
            return None
    if spec.continue_on is None:
        if success:
            return None
    elif not value(run, task, spec.continue_on, bool, "retry", outbound):
        return None
    return float(value(run, task, spec.delay or 0, float, "retry"))
