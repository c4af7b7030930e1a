"""Every conformance case through the pure engine: no database, no Celery, actions in-process.

Cases with `runners: [celery]` (timers, policies that need a scheduler) are skipped here; cases
listed in known_gaps.txt are expected to fail (strict xfail: an XPASS means the gap is closed and
its line must go).
"""

from __future__ import annotations

import pytest
from runner import Case, check, load_cases, params_for, run_pure

CASES = load_cases()


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 100
    assert len({c.id.split("_", 1)[0] for c in CASES}) == len(CASES), "case numbers must be unique"


@pytest.mark.parametrize("case", params_for(CASES, "engine"))
def test_case(case: Case) -> None:
    check(case, run_pure(case))
