"""Task policies as engine decisions: timeout, pause-before, wait-before, retry, wait-after.

Values may be expressions. As in Mistral (engine/policies.py), every policy of the task is
evaluated against the task's context and checked **each time it is applied**: before the task
starts and again after it completes. A value of the wrong type (a string where an integer is
needed, a negative number) fails the task with Mistral's text, `Invalid data type in
<Class>Policy: <what is wrong>`, checked with the same JSON schemas Mistral uses.

Timers are durable: the due time lives in the task's `runtime_context["timers"]` (and its
earliest in `timer_at`), and `ScheduleTimer` asks the shell to deliver `TimerFired` then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import jsonschema

from wfq.dsl import Policies
from wfq.engine import backoff, data_flow
from wfq.engine.commands import ScheduleTimer
from wfq.engine.snapshot import TaskRecord
from wfq.engine.turn import Turn
from wfq.errors import ExpressionError
from wfq.states import State

_DELAY = {"type": "integer", "minimum": 0}
_SCHEMAS: dict[str, dict[str, Any]] = {
    "PauseBeforePolicy": {"properties": {"expr": {"type": "boolean"}}},
    "WaitBeforePolicy": {"properties": {"delay": _DELAY}},
    "WaitAfterPolicy": {"properties": {"delay": _DELAY}},
    "RetryPolicy": {"properties": {"delay": _DELAY, "count": _DELAY}},
    "TimeoutPolicy": {"properties": {"delay": _DELAY}},
    "ConcurrencyPolicy": {"properties": {"concurrency": _DELAY}},
}
"""Mistral's policy classes with the schema each checks its evaluated fields against."""

_VALIDATORS = {
    name: jsonschema.validators.validator_for(schema)(schema) for name, schema in _SCHEMAS.items()
}
"""Built once: `jsonschema.validate` checks the schema itself on every call (milliseconds)."""


class PolicyError(Exception):
    """A policy value is not what it must be (after evaluating its expression)."""


@dataclass(frozen=True, slots=True)
class Values:
    """The task's policies, evaluated and checked. 0/False: the policy does not apply."""

    pause_before: bool = False
    wait_before: float = 0
    wait_after: float = 0
    timeout: float = 0
    concurrency: int = 0
    retry_count: int = 0
    retry_delay: float = 0


def policies(turn: Turn, task: TaskRecord) -> Policies:
    return turn.snap.spec.policies(task.name)


def evaluate(turn: Turn, task: TaskRecord) -> Values:
    """Evaluate and check every policy of the task, in Mistral's order; raise PolicyError with
    Mistral's message on the first bad value."""
    pol = policies(turn, task)
    pause = (
        _check("PauseBeforePolicy", expr=_eval(turn, task, pol.pause_before))
        if pol.pause_before
        else False
    )
    wait_before = (
        _check("WaitBeforePolicy", delay=_eval(turn, task, pol.wait_before))
        if pol.wait_before
        else 0
    )
    wait_after = (
        _check("WaitAfterPolicy", delay=_eval(turn, task, pol.wait_after)) if pol.wait_after else 0
    )
    count, delay = 0, 0
    if pol.retry is not None:
        fields = {
            "delay": _eval(turn, task, pol.retry.delay),
            "count": _eval(turn, task, pol.retry.count),
        }
        _check("RetryPolicy", **fields)
        count, delay = fields["count"], fields["delay"]
    timeout = _check("TimeoutPolicy", delay=_eval(turn, task, pol.timeout)) if pol.timeout else 0
    concurrency = (
        _check("ConcurrencyPolicy", concurrency=_eval(turn, task, pol.concurrency))
        if pol.concurrency
        else 0
    )
    return Values(
        bool(pause), wait_before, wait_after, timeout, int(concurrency), int(count), delay
    )


def _eval(turn: Turn, task: TaskRecord, raw: Any, extra: dict[str, Any] | None = None) -> Any:
    try:
        return data_flow.evaluate(raw, turn.snap, task, extra=extra)
    except ExpressionError as exc:
        raise PolicyError(str(exc)) from exc


def _check(policy: str, **fields: Any) -> Any:
    """Validate the evaluated fields as Mistral does (its schema, its message, the error
    jsonschema's `validate` would pick); return the (last) value."""
    if not all(_plainly_valid(policy, v) for v in fields.values()):
        error = jsonschema.exceptions.best_match(_VALIDATORS[policy].iter_errors(fields))
        if error is not None:
            raise PolicyError(
                f"Invalid data type in {policy}: {error}. Value(s) can be shown after YAQL evaluating. "
                "If you use YAQL here, please correct it."
            )
    return list(fields.values())[-1]


def _plainly_valid(policy: str, value: Any) -> bool:
    """The common case, decided without jsonschema: a boolean for pause-before, else an int >= 0."""
    if policy == "PauseBeforePolicy":
        return isinstance(value, bool)
    return type(value) is int and value >= 0


def value(
    turn: Turn,
    task: TaskRecord,
    raw: Any,
    kind: type,
    name: str,
    extra: dict[str, Any] | None = None,
) -> Any:
    """Evaluate one policy-like value (fail-on, break-on, continue-on, with-items concurrency)."""
    v = _eval(turn, task, raw, extra)
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


def arm(turn: Turn, task: TaskRecord, kind: str, seconds: float) -> None:
    """Start a timer of `kind` on the task, replacing an older one of the same kind."""
    timers = dict(task.runtime_context.get("timers", {}))
    token = int(timers.get(kind, {}).get("token", 0)) + 1
    due = turn.now + dt.timedelta(seconds=max(0.0, seconds))
    timers[kind] = {"token": token, "due": due.isoformat()}
    task.runtime_context = {**task.runtime_context, "timers": timers}
    _sync_timer_at(task)
    turn.emit(ScheduleTimer(task.id, kind, token, due))


def disarm(task: TaskRecord, kind: str) -> None:
    timers = dict(task.runtime_context.get("timers", {}))
    if timers.pop(kind, None) is not None:
        task.runtime_context = {**task.runtime_context, "timers": timers}
        _sync_timer_at(task)


def armed(task: TaskRecord, kind: str) -> bool:
    return kind in task.runtime_context.get("timers", {})


def take(task: TaskRecord, kind: str, token: int) -> bool:
    """True (and the timer is consumed) if `kind`/`token` is the timer the task waits for."""
    timer = task.runtime_context.get("timers", {}).get(kind)
    if timer is None or int(timer["token"]) != token:
        return False
    disarm(task, kind)
    return True


def _sync_timer_at(task: TaskRecord) -> None:
    dues = [
        dt.datetime.fromisoformat(t["due"]) for t in task.runtime_context.get("timers", {}).values()
    ]
    task.timer_at = min(dues) if dues else None


def delay(
    turn: Turn, task: TaskRecord, kind: str, seconds: float, state: State = State.RUNNING_DELAYED
) -> None:
    """Put the task in DELAYED (a join: WAITING) for `seconds`, with Mistral's state_info."""
    turn.set_task_state(task, state, f"Delayed by '{kind}' policy [delay={_num(seconds)}]")
    arm(turn, task, kind, seconds)


def _num(seconds: float) -> Any:
    return int(seconds) if float(seconds).is_integer() else seconds


def retry_decision(turn: Turn, task: TaskRecord, success: bool, values: Values) -> float | None:
    """Seconds to wait before the next attempt, or None when the task must not be retried."""
    spec = policies(turn, task).retry
    if spec is None or values.retry_count == 0:
        return None
    if int(task.runtime_context.get("retry_no", 0)) >= values.retry_count:
        return None
    outbound = data_flow.outbound_context(task)
    if not success and spec.break_on is not None:
        if value(turn, task, spec.break_on, bool, "retry", outbound):
            return None
    if spec.continue_on is None:
        if success:
            return None
    elif not value(turn, task, spec.continue_on, bool, "retry", outbound):
        return None
    return backoff.next_delay(turn, task, spec, values.retry_delay)
