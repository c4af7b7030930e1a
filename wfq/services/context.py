"""The service container: settings, database, dispatcher and action registry of one process,
and the place where committed commands are carried out."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from wfq import expressions
from wfq.actions.registry import ActionRegistry
from wfq.dispatch import names
from wfq.dispatch.base import Dispatcher, DispatchFailed
from wfq.engine import (
    Command,
    ExecutionCompleted,
    ExecutionPausedOrResumed,
    RunAction,
    StartSubworkflow,
)
from wfq.engine.commands import Notify, RunItems, ScheduleTimer, StartLanes
from wfq.engine.events import ItemsWanted, TimerFired
from wfq.persistence.db import Database
from wfq.persistence.ids import new_id
from wfq.services.timers import Timers
from wfq.settings import Settings

log = logging.getLogger("wfq.services")

_WORK = threading.local()
"""`pending`: the work list of the `carry_out` running in this thread (None when none runs)."""


def utcnow() -> dt.datetime:
    """Naive UTC now, the form every timestamp column stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass
class Services:
    """Everything a use case needs. Built once per process by its entry point."""

    settings: Settings
    db: Database
    dispatcher: Dispatcher
    registry: ActionRegistry = field(default_factory=ActionRegistry.default)
    timers: Timers | None = None
    """The engine lane of a worker process (parks actions that only wait); None elsewhere:
    an action that waits then holds its thread, as in a direct run or an inline test."""

    new_id = staticmethod(new_id)
    now = staticmethod(utcnow)

    def __post_init__(self) -> None:
        # Expressions run in many places (transitions, environments, events): one process-wide
        # bound, taken from the settings of the process's services.
        expressions.configure(
            timeout_s=self.settings.expression_timeout_s, memory_mb=self.settings.expression_memory_mb
        )

    def carry_out(self, commands: Sequence[Command]) -> None:
        """Do what a committed engine decision asks: send actions, start or end subworkflows.

        A message the broker cannot take is logged and dropped: the decision is committed, and
        the integrity check finds the work it stranded (unclaimed actions and lanes, late
        timers) and sends it again once the broker is back. Only webhooks are lost that way.

        Starting a subworkflow, or telling a parent its child ended, commits another transition
        whose commands are carried out in turn. Those are queued on a work list of this thread
        and done one after another by the outermost call, so a chain of nested subworkflows
        does not nest calls (it used to end in a RecursionError deep in the chain).
        """
        pending: deque[Sequence[Command]] | None = getattr(_WORK, "pending", None)
        if pending is not None:
            pending.append(commands)
            return
        _WORK.pending = pending = deque([commands])
        try:
            while pending:
                self._carry_out_one(pending.popleft())
        finally:
            _WORK.pending = None

    def _carry_out_one(self, commands: Sequence[Command]) -> None:
        from wfq.services import executions  # executions uses this module

        runs = [(c.action_execution_id, c.queue) for c in commands if isinstance(c, RunAction)]
        if runs:
            labels = {c.action_execution_id: c.label for c in commands if isinstance(c, RunAction)}
            self.publish(self.dispatcher.run_actions, runs, labels=labels)
        for c in commands:
            if isinstance(c, StartSubworkflow):
                executions.start_subworkflow(self, c)
            elif isinstance(c, ExecutionCompleted) and c.parent_task_execution_id:
                executions.notify_parent(self, c)
            elif isinstance(c, ExecutionPausedOrResumed):
                executions.follow_pause_or_resume(self, c)
            elif isinstance(c, Notify):
                self.publish(
                    self.dispatcher.send, names.NOTIFY, [list(c.targets), list(c.events)], queue=self.settings.queue
                )
            elif isinstance(c, RunItems):
                self.publish(
                    self.dispatcher.run_items,
                    c.task_execution_id, c.action_execution_ids, c.queue, label=c.label,
                )
            elif isinstance(c, StartLanes):
                event = ItemsWanted(c.task_execution_id, lanes=True).to_dict()
                self.publish(self.dispatcher.send, names.CONTINUE_EXECUTION, [event])
            elif isinstance(c, ScheduleTimer):
                event = TimerFired(c.task_execution_id, c.kind, c.token).to_dict()
                self.publish(self.dispatcher.send, names.CONTINUE_EXECUTION, [event], eta=c.due_at)

    @staticmethod
    def publish(send: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """`send(*args)` through the dispatcher, logging (not raising) a broker outage."""
        try:
            send(*args, **kwargs)
        except DispatchFailed as exc:
            log.warning("broker unavailable, the integrity check will send this again: %s", exc)
