"""The state machine table: Mistral's names and the transitions wfq allows."""

from __future__ import annotations

import pytest

from wfq.errors import InvalidStateTransition
from wfq.states import COMPLETED, VALID_TRANSITIONS, State, can_transition, check_transition


def test_state_strings_are_mistrals_plus_the_revert_extension() -> None:
    assert {s.value for s in State} == {
        "IDLE", "WAITING", "RUNNING", "DELAYED", "PAUSED", "SUCCESS", "ERROR", "CANCELLED", "SKIPPED",
        "REVERTING", "REVERTED",
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
