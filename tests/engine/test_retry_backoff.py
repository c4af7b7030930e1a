"""Retry backoff (wfq extension): `backoff`, `max-delay` and `jitter` shape the delays between
attempts; each delay is a durable timer and is kept in the task's runtime_context."""

from __future__ import annotations

import pytest
from harness import NOW, Rehearsal

from wfq import dsl, engine
from wfq.errors import DSLValidationError


def _wf(retry: str, wf_input: str = "[]") -> str:
    return f"""
version: '2.0'
wf:
  input: {wf_input}
  tasks:
    flaky:
      action: std.fail
      retry: {retry}
"""


def _retry_timers(run: Rehearsal) -> list[float]:
    """Seconds until each retry timer the engine asked for (the rehearsal's clock stands still)."""
    return [
        (c.due_at - NOW).total_seconds()
        for c in run.commands
        if isinstance(c, engine.ScheduleTimer) and c.kind == "retry"
    ]


def test_exponential_backoff_capped_by_max_delay() -> None:
    run = Rehearsal(_wf("{count: 5, delay: 1, backoff: 2, max-delay: 10}")).run()
    task = run.task("flaky")
    assert task.state == "ERROR"
    assert task.runtime_context["retry_delays"] == [1, 2, 4, 8, 10]
    # Each delay is a timer the shell must deliver, not a sleep.
    assert _retry_timers(run) == [1, 2, 4, 8, 10]
    assert len([a for a in run.actions.values() if a.task_execution_id == task.id]) == 6


def test_without_extensions_the_delay_is_mistrals_fixed_one() -> None:
    run = Rehearsal(_wf("{count: 3, delay: 2}")).run()
    assert run.task("flaky").runtime_context["retry_delays"] == [2, 2, 2]
    assert _retry_timers(run) == [2, 2, 2]


def test_jitter_shortens_each_delay_by_at_most_its_fraction_and_is_repeatable() -> None:
    first = Rehearsal(_wf("{count: 4, delay: 10, backoff: 1, jitter: 0.5}")).run()
    delays = first.task("flaky").runtime_context["retry_delays"]
    assert all(5 <= d <= 10 for d in delays), delays
    assert len(set(delays)) > 1, "jitter must vary between attempts"
    again = Rehearsal(_wf("{count: 4, delay: 10, backoff: 1, jitter: 0.5}")).run()
    assert again.task("flaky").runtime_context["retry_delays"] == delays


def test_extension_values_may_be_expressions() -> None:
    run = Rehearsal(
        _wf("{count: 2, delay: 3, backoff: <% $.factor %>}", "[factor]"), {"factor": 3}
    ).run()
    assert run.task("flaky").runtime_context["retry_delays"] == [3, 9]


def test_a_bad_evaluated_value_fails_the_task_with_mistrals_policy_wording() -> None:
    run = Rehearsal(
        _wf("{count: 2, delay: 1, backoff: <% $.factor %>}", "[factor]"), {"factor": 0.5}
    ).run()
    assert run.execution.state == "ERROR"
    assert (
        "Invalid data type in RetryPolicy: 0.5 is less than the minimum of 1"
        in run.execution.state_info
    )


@pytest.mark.parametrize(
    ("retry", "message"),
    [
        ("{count: 1, backoff: 0.5}", "retry backoff must be a number >= 1"),
        ("{count: 1, max-delay: -1}", "retry max-delay must be a number >= 0"),
        ("{count: 1, jitter: 2}", "retry jitter must be a number between 0 and 1"),
        ("{count: 1, jitter: yes}", "retry jitter must be a number between 0 and 1"),
    ],
)
def test_bad_literal_values_are_refused_at_upload(retry: str, message: str) -> None:
    with pytest.raises(DSLValidationError) as err:
        dsl.parse_document(_wf(retry))
    assert message in str(err.value)


def test_the_spec_keeps_the_extension_keys_through_its_stored_form() -> None:
    spec = dsl.parse_document(
        _wf("{count: 1, delay: 1, backoff: 2, max-delay: 5, jitter: 0.1}")
    ).workflows[0]
    again = dsl.workflow_from_dict(spec.to_dict())
    retry = again.policies("flaky").retry
    assert (retry.backoff, retry.max_delay, retry.jitter) == (2, 5, 0.1)
