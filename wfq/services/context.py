"""The service container: settings, database, dispatcher and action registry of one process,
and the hand-over of committed commands to the dispatcher."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from wfq import expressions
from wfq.actions.registry import ActionRegistry
from wfq.dispatch import names
from wfq.dispatch.base import Dispatcher, DispatchFailed
from wfq.engine import Command, RunAction
from wfq.engine.commands import Notify, RunItems, ScheduleTimer, StartLanes
from wfq.engine.events import ItemsWanted, TimerFired
from wfq.persistence.db import Database
from wfq.persistence.ids import new_id
from wfq.services.timers import Timers
from wfq.settings import Settings

log = logging.getLogger("wfq.services")


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
    spawn: Callable[..., object] | None = None
    """`spawn(fn, *args, undo=None)` runs `fn(*args)` in another action slot of this worker
    process (the threads pool's executor), or calls `undo()` if the pool stops before it
    starts; None where there is none (API, beat, a prefork pool)."""

    new_id = staticmethod(new_id)
    now = staticmethod(utcnow)

    def __post_init__(self) -> None:
        # Expressions run in many places (transitions, environments, events): one process-wide
        # bound, taken from the settings of the process's services.
        expressions.configure(
            timeout_s=self.settings.expression_timeout_s,
            memory_mb=self.settings.expression_memory_mb,
        )

    def carry_out(self, commands: Sequence[Command]) -> None:
        """Hand what a committed engine decision asks to the dispatcher: actions, with-items
        lanes, timers, webhooks. The commands that start or tell other executions are not the
        dispatcher's: `work_list.carry_out` does them after calling this.

        A message the broker cannot take is logged and dropped: the decision is committed, and
        the integrity check finds the work it stranded (unclaimed actions and lanes, late
        timers) and sends it again once the broker is back. Only webhooks are lost that way.
        """
        runs = [(c.action_execution_id, c.queue) for c in commands if isinstance(c, RunAction)]
        if runs:
            labels = {c.action_execution_id: c.label for c in commands if isinstance(c, RunAction)}
            self.publish(self.dispatcher.run_actions, runs, labels=labels)
        for c in commands:
            self._send(c)

    def _send(self, c: Command) -> None:
        if isinstance(c, Notify):
            self.publish(
                self.dispatcher.send,
                names.NOTIFY,
                [list(c.targets), list(c.events)],
                queue=self.settings.queue,
            )
        elif isinstance(c, RunItems):
            self.publish(
                self.dispatcher.run_items,
                c.task_execution_id,
                c.action_execution_ids,
                c.queue,
                label=c.label,
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
