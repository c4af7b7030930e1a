"""A `Turn`: one event being applied to one workflow execution (one `handle()` call) — the
snapshot, the injected clock and id factory, the flow of the workflow, and the commands
gathered so far. Every engine module works on a turn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from wfq.engine.catalog import ActionCatalog
from wfq.engine.commands import Command
from wfq.engine.snapshot import ActionRecord, Snapshot, TaskRecord
from wfq.states import COMPLETED, State, change


class Flow(Protocol):
    """What comes next, by workflow type: `direct` (transitions, joins) or `reverse` (the
    tasks the target needs). The conductor passes it in: the modules that complete tasks sit
    below it and never import it (see README.md)."""

    def start(self, turn: Turn) -> None:
        """Start the first tasks of the execution that has just started."""

    def on_task_completed(self, turn: Turn, task: TaskRecord) -> None:
        """Go on from `task`, which has completed, then see whether the execution is done."""


@dataclass
class Turn:
    """One event being applied to one execution: a `handle()` call in progress."""

    snap: Snapshot
    now: dt.datetime
    ids: Callable[[], str]
    actions: ActionCatalog
    flow: Flow
    commands: list[Command] = field(default_factory=list)
    completed: set[str] = field(default_factory=set)
    """Ids of the tasks this turn completed: their policies may still re-decide their state
    (states.COMPLETING_TRANSITIONS)."""

    def emit(self, command: Command) -> None:
        self.commands.append(command)

    @property
    def running(self) -> bool:
        """True while the execution may still start tasks."""
        return self.snap.execution.state == State.RUNNING

    def new_task(
        self,
        name: str,
        in_context: dict[str, Any],
        state: State,
        kind: str | None = None,
        **fields: Any,
    ) -> TaskRecord:
        """A new task execution of this execution (`kind`: ACTION or WORKFLOW, by default what
        the task's spec runs); `fields` override the defaults of a fresh row."""
        ex = self.snap.execution
        if kind is None:
            kind = "WORKFLOW" if self.snap.spec.tasks[name].workflow else "ACTION"
        row: dict[str, Any] = {
            "id": self.ids(),
            "workflow_execution_id": ex.id,
            "name": name,
            "type": kind,
            "state": state.value,
            "state_info": None,
            "in_context": in_context,
            "published": {},
            "result": None,
            "runtime_context": {},
            "processed": False,
            "error_handled": False,
            "workflow_id": ex.workflow_id,
            "workflow_name": ex.workflow_name,
            "workflow_namespace": ex.workflow_namespace,
            "project_id": ex.project_id,
            "created_at": self.now,
            "started_at": None,
            "finished_at": None,
            "timer_at": None,
            "with_items_values": None,
        }
        task = self.snap.new_task(**{**row, **fields})
        self.snap.tasks.append(task)
        return task

    def new_action(
        self,
        task: TaskRecord,
        name: str,
        input: dict[str, Any],
        state: State = State.RUNNING,
        **fields: Any,
    ) -> ActionRecord:
        """A new action execution of `task`, RUNNING unless `state` says otherwise (a with-items
        item waiting for a lane is created IDLE); `fields` add to a fresh row."""
        ex = self.snap.execution
        action = self.snap.new_action(
            id=self.ids(),
            task_execution_id=task.id,
            workflow_execution_id=ex.id,
            name=name,
            state=state.value,
            state_info=None,
            input=input,
            output=None,
            accepted=True,
            workflow_name=ex.workflow_name,
            workflow_namespace=ex.workflow_namespace,
            project_id=ex.project_id,
            created_at=self.now,
            **fields,
        )
        self.snap.actions[action.id] = action
        return action

    def set_task_state(self, task: TaskRecord, state: State, state_info: str | None = None) -> None:
        change(task, state, completing=task.id in self.completed)
        if state in COMPLETED:
            self.completed.add(task.id)
        if state_info is not None or state in (State.RUNNING, State.SUCCESS):
            task.state_info = state_info
        if state == State.RUNNING and task.started_at is None:
            task.started_at = self.now
        if state in (State.SUCCESS, State.ERROR, State.CANCELLED):
            task.finished_at = self.now
