"""Retry backoff, a wfq extension of Mistral's fixed `retry: delay`.

    retry:
      count: 5
      delay: 1          # the first retry waits 1 s
      backoff: 2        # each next one waits twice as long: 1, 2, 4, 8, 16
      max-delay: 10     # ...but never more than 10 s: 1, 2, 4, 8, 10
      jitter: 0.2       # and up to 20 % less, so that many tasks do not retry in step

Without `backoff`, `max-delay` and `jitter` the delay is Mistral's. The jitter is drawn from the
task execution id and the attempt number, not from a random generator: the engine stays a pure
function of its input, and the same attempt always waits the same time. Every delay a task went
through is kept in its `runtime_context["retry_delays"]`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import jsonschema

from wfq.dsl import RetrySpec
from wfq.engine import data_flow
from wfq.engine.snapshot import TaskRecord
from wfq.engine.turn import Turn
from wfq.errors import ExpressionError

SCHEMA: dict[str, Any] = {
    "properties": {
        "backoff": {"type": "number", "minimum": 1},
        "max-delay": {"type": "number", "minimum": 0},
        "jitter": {"type": "number", "minimum": 0, "maximum": 1},
    }
}
"""What the evaluated extension values must be."""

_VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)


class BackoffError(Exception):
    """An extension value is not what it must be (after evaluating its expression)."""


def next_delay(turn: Turn, task: TaskRecord, spec: RetrySpec, base: float) -> float:
    """Seconds before the next attempt of `task`, whose `retry_no` retries are done."""
    if spec.backoff is None and spec.max_delay is None and spec.jitter is None:
        return float(base)
    values = _evaluate(turn, task, spec)
    attempt = int(task.runtime_context.get("retry_no", 0))
    seconds = float(base) * float(values.get("backoff", 1)) ** attempt
    if values.get("max-delay") is not None:
        seconds = min(seconds, float(values["max-delay"]))
    if values.get("jitter"):
        seconds *= 1 - float(values["jitter"]) * _unit(task.id, attempt)
    return round(seconds, 3)


def _evaluate(turn: Turn, task: TaskRecord, spec: RetrySpec) -> dict[str, Any]:
    raw = {"backoff": spec.backoff, "max-delay": spec.max_delay, "jitter": spec.jitter}
    try:
        values = {
            k: data_flow.evaluate(v, turn.snap, task) for k, v in raw.items() if v is not None
        }
    except ExpressionError as exc:
        raise BackoffError(str(exc)) from exc
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(values))
    if error is not None:
        raise BackoffError(
            f"Invalid data type in RetryPolicy: {error}. Value(s) can be shown after YAQL evaluating. "
            "If you use YAQL here, please correct it."
        )
    return values


def _unit(task_id: str, attempt: int) -> float:
    """A number in [0, 1) fixed by the task and the attempt."""
    digest = hashlib.sha256(f"{task_id}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
