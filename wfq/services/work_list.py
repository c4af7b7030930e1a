"""Carrying out committed commands: the dispatcher sends the work (`Services.carry_out`), and
the transitions they cause in other executions (a subworkflow's start, a parent told its
child ended, a pause or resume followed) are done here, one after another, from a work list.

A chain of nested subworkflows is a loop over that list, not nested calls: a self-calling
workflow goes as deep as `max_subworkflow_depth` allows without growing the stack."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from wfq import engine
from wfq.services import subworkflows
from wfq.services.context import Services


def carry_out(svc: Services, commands: Sequence[engine.Command]) -> None:
    """Do what a committed engine decision asks, and what the transitions it causes ask."""
    work: deque[Sequence[engine.Command]] = deque([commands])
    while work:
        batch = work.popleft()
        svc.carry_out(batch)
        for cmd in batch:
            work.extend(subworkflows.follow_up(svc, cmd))
