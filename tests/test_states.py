"""The state machine table: Mistral's names and the transitions wfq allows."""

from __future__ import annotations

import pytest

from wfq.errors import InvalidStateTransition
from wfq.states import (
    COMPLETED,
    COMPLETING_TRANSITIONS,
    VALID_TRANSITIONS,
    State,
    can_transition,
    change,
    check_transition,
)


def test_state_strings_are_mistrals_plus_the_revert_extension() -> None:
    assert {s.value for s in State} == {
        "IDLE",
        "WAITING",
        "RUNNING",
        "DELAYED",
        "PAUSED",
        "SUCCESS",
        "ERROR",
        "CANCELLED",
        "SKIPPED",
        "REVERTING",
        "REVERTED",
    }


def test_every_state_has_a_row() -> None:
    assert set(VALID_TRANSITIONS) == set(State)


@pytest.mark.parametrize("old", list(State))
@pytest.mark.parametrize("new", list(State))
def test_check_transition_follows_the_table(old: State, new: State) -> None:
    allowed = old == new or new in VALID_TRANSITIONS[old]
    assert can_transition(old, new) is allowed
    if allowed:
        check_transition(old, new)
    else:
        with pytest.raises(InvalidStateTransition, match=f"from {old} to {new}"):
            check_transition(old, new)


def test_success_is_final_and_error_can_be_rerun() -> None:
    assert VALID_TRANSITIONS[State.SUCCESS] == frozenset()
    assert State.RUNNING in VALID_TRANSITIONS[State.ERROR]
    assert State.SUCCESS in COMPLETED and State.RUNNING not in COMPLETED


def test_an_execution_reverts_from_running_or_paused_and_ends_reverted_or_error() -> None:
    assert can_transition(State.RUNNING, State.REVERTING)
    assert can_transition(State.PAUSED, State.REVERTING)
    assert not can_transition(State.SUCCESS, State.REVERTING)
    assert VALID_TRANSITIONS[State.REVERTING] == {State.REVERTED, State.ERROR, State.CANCELLED}
    assert State.REVERTED in COMPLETED and State.REVERTING not in COMPLETED


class _Record:
    def __init__(self, state: str) -> None:
        self.state = state


def test_change_follows_the_table_and_a_forbidden_change_raises_and_changes_nothing() -> None:
    record = _Record("RUNNING")
    change(record, State.SUCCESS)
    assert record.state == "SUCCESS"
    with pytest.raises(InvalidStateTransition, match="from SUCCESS to RUNNING"):
        change(record, State.RUNNING)
    assert record.state == "SUCCESS"


def test_a_task_being_completed_may_also_take_the_completing_transitions_and_no_others() -> None:
    record = _Record("SUCCESS")
    with pytest.raises(InvalidStateTransition):
        change(record, State.RUNNING_DELAYED)  # outside the completion of a task: SUCCESS is final
    change(record, State.RUNNING_DELAYED, completing=True)  # wait-after
    assert record.state == "DELAYED"
    record = _Record("SUCCESS")
    with pytest.raises(InvalidStateTransition, match="from SUCCESS to IDLE"):
        change(record, State.IDLE, completing=True)
    assert record.state == "SUCCESS"
    assert set(COMPLETING_TRANSITIONS) <= COMPLETED


def test_a_compare_and_set_in_sql_goes_through_the_table_too():
    # The worker stores an action's result with one UPDATE ... WHERE state = 'RUNNING'; a
    # target state the table forbids from RUNNING is refused before any statement is sent.
    from wfq.persistence.repositories import executions as repo

    with pytest.raises(InvalidStateTransition):
        repo.finish_running_actions_each(None, [("no-such-action", "IDLE", None)], None)
    with pytest.raises(InvalidStateTransition):
        repo.finish_running_actions(None, ["no-such-action"], "WAITING", None, None)
