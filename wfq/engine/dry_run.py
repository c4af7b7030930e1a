"""A dry run: one execution driven through the real engine (`conductor.handle`) in memory, with
every action answered by a mock (`wfq.engine.mocks`) instead of a worker. Nothing is stored and
no action with side effects runs. Timers fire on a virtual clock; a paused execution is resumed;
subworkflows run the same way, each as its own dry run.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wfq import dsl
from wfq.engine import adhoc, completion, conductor, direct, events, with_items
from wfq.engine import commands as cmd
from wfq.engine.catalog import ActionCatalog
from wfq.engine.mocks import Emulator, Mocks
from wfq.engine.snapshot import Action, ActionRecord, Execution, Snapshot, Task, TaskRecord
from wfq.engine.turn import Turn
from wfq.errors import WfqError
from wfq.states import COMPLETED, State, change
from wfq.types import ActionInfo

MAX_STEPS = 5_000
"""Engine events one dry run may take."""
MAX_TASKS = 500
"""Task executions one dry run may create: a workflow looping forever stops there (the report
says so and keeps the state it had)."""
MAX_EVENTS = 20_000
"""Engine events of one whole dry run, subworkflows included."""
MAX_DEPTH = 10
"""Nesting of subworkflows."""
MAX_RESUMES = 100
MAX_ITEMS = 10_000
"""with-items items one whole dry run may run (subworkflows included)."""


@dataclass
class World:
    """What every dry run of one request shares: the mocks, the workflows it may start, how to
    check a child's input, the action catalog, the emulator of harmless actions, the clock."""

    mocks: Mocks
    workflows: Callable[[str], dsl.WorkflowSpec | None]
    check_input: Callable[[dsl.WorkflowSpec, dict[str, Any]], dict[str, Any]]
    catalog: ActionCatalog
    emulate: Emulator
    now: dt.datetime
    mocked_actions: set[str] = field(default_factory=set)
    """Action names a mock answers: accepted even when no worker here knows them."""
    counter: itertools.count[int] = field(default_factory=itertools.count)
    events: int = 0
    items: int = 0

    def new_id(self) -> str:
        return f"dry-run-{next(self.counter):05d}"


class _Catalog:
    """The real catalog, plus any unknown action the mocks answer (it may exist only on workers)."""

    def __init__(self, world: World) -> None:
        self.world = world

    def get(
        self, name: str, *, namespace: str = "", workbook: str | None = None
    ) -> ActionInfo | None:
        info = self.world.catalog.get(name, namespace=namespace, workbook=workbook)
        if info is None and name in self.world.mocked_actions:
            return ActionInfo(name=name, accepts_any=True, class_name="(mocked)")
        return info


class DryRun:
    """One execution (a root or a subworkflow) run to its end."""

    def __init__(
        self,
        world: World,
        spec: dsl.WorkflowSpec,
        wf_input: dict[str, Any],
        params: dict[str, Any],
        parent_task_id: str | None = None,
        depth: int = 0,
    ) -> None:
        self.world, self.spec, self.depth = world, spec, depth
        env = params.get("env") or {}
        self.execution = Execution(
            id=world.new_id(),
            workflow_id=spec.name,
            workflow_name=spec.name,
            workflow_namespace="",
            state=State.IDLE.value,
            state_info=None,
            input=wf_input,
            output={},
            params=dict(params),
            context={},
            published_global={},
            task_execution_id=parent_task_id,
            root_execution_id=None,
            project_id="",
            created_at=world.now,
            updated_at=None,
            finished_at=None,
        )
        self.env = env
        self.tasks: list[TaskRecord] = []
        self.actions: dict[str, ActionRecord] = {}
        self.todo: list[cmd.Command] = []
        self.timers: list[cmd.ScheduleTimer] = []
        self.calls: list[dict[str, Any]] = []
        self.children: dict[str, list[dict[str, Any]]] = {}
        self.notes: list[str] = []
        self.idle: dict[str, deque[ActionRecord]] = {}
        """Per with-items task, its IDLE items in index order, for the lanes to claim (found
        again after each engine event, which may create some)."""
        for name, task in spec.tasks.items():
            if name in world.mocks.tasks and isinstance(task.action, str) and task.action:
                world.mocked_actions.add(task.action.split()[0])
        world.mocked_actions.update(world.mocks.actions)

    def _snapshot(self) -> Snapshot:
        def new_action(**kw: Any) -> Action:
            rec = Action(**kw)
            self.actions[rec.id] = rec
            return rec

        return Snapshot(
            execution=self.execution,
            spec=self.spec,
            tasks=self.tasks,
            actions=self.actions,
            new_task=Task,
            new_action=new_action,
            env=self.env,
        )

    def handle(self, event: events.Event) -> None:
        self.world.events += 1
        self.idle.clear()
        decision = conductor.handle(
            self._snapshot(),
            event,
            now=self.world.now,
            ids=self.world.new_id,
            actions=_Catalog(self.world),
        )
        self.todo += decision.commands

    def run(self) -> DryRun:
        """Drive the execution until it ends (or MAX_STEPS engine events)."""
        self.handle(events.WorkflowStarted())
        resumes = 0
        for _ in range(MAX_STEPS):
            if (
                len(self.tasks) > MAX_TASKS
                or self.world.events > MAX_EVENTS
                or self.world.items > MAX_ITEMS
            ):
                break
            if self.todo:
                self._carry_out(self.todo.pop(0))
            elif self.timers:
                self._fire_next_timer()
            elif self.execution.state == State.PAUSED and resumes < MAX_RESUMES:
                resumes += 1
                self.notes.append(f"paused ({self.execution.state_info or 'pause'}), resumed")
                self.handle(events.StateRequested(State.RUNNING.value))
            else:
                break
        if len(self.tasks) > MAX_TASKS:
            self.notes.append(
                f"stopped after {MAX_TASKS} task executions: does the workflow loop forever?"
            )
        elif self.world.events > MAX_EVENTS:
            self.notes.append(f"stopped after {MAX_EVENTS} engine events in this dry run")
        elif self.world.items > MAX_ITEMS:
            self.notes.append(f"stopped after {MAX_ITEMS} with-items items in this dry run")
        elif self.execution.state not in COMPLETED:
            self.notes.append(f"stopped while {self.execution.state}: nothing left to drive it")
        return self

    def _fire_next_timer(self) -> None:
        self.timers.sort(key=lambda t: t.due_at)
        timer = self.timers.pop(0)
        self.world.now = max(self.world.now, timer.due_at)
        self.handle(events.TimerFired(timer.task_execution_id, timer.kind, timer.token))

    def _carry_out(self, command: cmd.Command) -> None:
        if isinstance(command, cmd.RunAction):
            ok, result = self._call(self.actions[command.action_execution_id])
            self.handle(events.ActionCompleted(command.action_execution_id, ok, result))
        elif isinstance(command, cmd.RunItems):
            self._run_lanes(command)
        elif isinstance(command, cmd.StartLanes):
            # What a worker does with it (services.context): the engine starts the lanes due.
            self.handle(events.ItemsWanted(command.task_execution_id, lanes=True))
        elif isinstance(command, cmd.StartSubworkflow):
            self._subworkflow(command)
        elif isinstance(command, cmd.ScheduleTimer):
            self.timers.append(command)

    def _run_lanes(self, command: cmd.RunItems) -> None:
        """What the lanes of one `RunItems` do (`services.actions.run_lane`): each runs its item,
        then claims the task's next IDLE item, asking the engine for the next batch
        (`ItemsWanted`) when none is left; when every lane has stopped, the chord's callback
        sends `ItemsCompleted`. The lanes take turns one item at a time, so items run (and take
        successive mocks) in index order."""
        task_id = command.task_execution_id
        lanes = [
            self.actions[a]
            for a in command.action_execution_ids
            if self.actions[a].state == State.RUNNING
        ]
        while lanes:
            claimed = []
            for action in lanes:
                self.world.items += 1
                if self.world.items > MAX_ITEMS:
                    return  # the run loop stops and says so
                self._run_item(action)
                nxt = self._claim_next(task_id)
                if nxt is not None:
                    claimed.append(nxt)
            lanes = claimed
        self.handle(events.ItemsCompleted(task_id))

    def _run_item(self, action: ActionRecord) -> None:
        """What a lane does with one item (the ad-hoc output transformation included)."""
        ok, result = adhoc.apply_output(action.runtime, *self._call(action))
        change(action, State.SUCCESS if ok else State.ERROR)
        action.output = {"result": result}

    def _claim_next(self, task_id: str) -> ActionRecord | None:
        """The task's next IDLE item, claimed (RUNNING), as `repo.take_idle_item` does; with
        none left, one of the next batch, which the engine creates on `ItemsWanted`; None when
        the task has no item left to create (or no longer runs)."""
        nxt = self._take_idle(task_id)
        if nxt is None and self._items_to_create(task_id):
            self.handle(events.ItemsWanted(task_id))
            nxt = self._take_idle(task_id)
        return nxt

    def _take_idle(self, task_id: str) -> ActionRecord | None:
        queue = self.idle.get(task_id)
        if queue is None:
            queue = self.idle[task_id] = deque(
                sorted(
                    (
                        a
                        for a in self.actions.values()
                        if a.task_execution_id == task_id and a.state == State.IDLE
                    ),
                    key=lambda a: a.item_index,
                )
            )
        if not queue:
            return None
        action = queue.popleft()
        change(action, State.RUNNING)  # a lane claims an IDLE item before running it
        return action

    def _items_to_create(self, task_id: str) -> bool:
        task = next(t for t in self.tasks if t.id == task_id)
        return task.state == State.RUNNING and bool(
            (task.runtime_context.get(with_items.TODO) or {}).get("ranges")
        )

    def _call(self, action: ActionRecord) -> tuple[bool, Any]:
        task = next(t for t in self.tasks if t.id == action.task_execution_id)
        base = (action.runtime or {}).get("action", action.name)
        base_input = (action.runtime or {}).get("input", action.input)
        found = self.world.mocks.outcome(task.name, action.name, action.input)
        if found is None and base != action.name:
            found = self.world.mocks.outcome(task.name, base, base_input)
        if found is not None:
            outcome, source = found
            ok, result = outcome.success, outcome.value
        else:
            emulated = self.world.emulate(base, base_input)
            source = "emulated" if emulated is not None else "unmocked"
            ok, result = emulated if emulated is not None else (True, None)
        self.calls.append(
            {
                "task": task.name,
                "task_execution_id": task.id,
                "action": action.name,
                "input": action.input,
                "item_index": action.item_index,
                "attempt": action.attempt,
                "mocked_by": source,
                "success": ok,
                "result": result,
            }
        )
        return ok, result

    def _subworkflow(self, command: cmd.StartSubworkflow) -> None:
        index = command.params.get("index")
        spec = self.world.workflows(command.workflow_name)
        if spec is None or self.depth >= MAX_DEPTH:
            msg = (
                f"Failed to find workflow [name={command.workflow_name}] [namespace=]"
                if spec is None
                else f"Subworkflows nested deeper than {MAX_DEPTH} in a dry run"
            )
            self.handle(
                events.SubworkflowCompleted(
                    command.task_execution_id, State.ERROR.value, {"result": msg}, msg, None, index
                )
            )
            return
        given, params = dict(command.input), dict(command.params)
        declared = {p.name for p in spec.input}
        params.update({k: given.pop(k) for k in list(given) if k not in declared})
        try:
            full = self.world.check_input(spec, given)
        except WfqError as exc:
            self.handle(
                events.SubworkflowCompleted(
                    command.task_execution_id,
                    State.ERROR.value,
                    {"result": str(exc)},
                    str(exc),
                    None,
                    index,
                )
            )
            return
        child = DryRun(
            self.world, spec, full, params, command.task_execution_id, self.depth + 1
        ).run()
        self.children.setdefault(command.task_execution_id, []).append(child.report())
        ex = child.execution
        info, cause = ex.state_info, None
        found = completion.child_failure(ex, child.tasks) if ex.state == State.ERROR else None
        if found:  # summarised once, as the services do
            info, cause = found
        self.handle(
            events.SubworkflowCompleted(
                command.task_execution_id, ex.state, ex.output, info, ex.id, index, 0, cause
            )
        )

    def report(self) -> dict[str, Any]:
        """What happened: the path, every published value, the output, transitions covered."""
        ex = self.execution
        return {
            "execution_id": ex.id,
            "workflow_name": self.spec.name,
            "input": ex.input,
            "state": ex.state,
            "state_info": ex.state_info,
            "output": ex.output,
            "path": [t.name for t in self.tasks],
            "tasks": [self._task_report(t) for t in self.tasks],
            "published": {t.name: t.published for t in self.tasks if t.published},
            "published_global": ex.published_global,
            "transitions": self._transitions(),
            "unmocked": sorted({c["task"] for c in self.calls if c["mocked_by"] == "unmocked"}),
            "notes": self.notes,
        }

    def _task_report(self, task: TaskRecord) -> dict[str, Any]:
        out = {
            "name": task.name,
            "task_execution_id": task.id,
            "state": task.state,
            "state_info": task.state_info,
            "published": task.published,
            "result": task.result,
            "actions": [c for c in self.calls if c["task_execution_id"] == task.id],
        }
        if task.id in self.children:
            out["subworkflows"] = self.children[task.id]
        return out

    def _transitions(self) -> list[dict[str, Any]]:
        taken = self._taken()
        found = []
        for name in self.spec.tasks:
            for kind in ("success", "error", "complete", "skip"):
                clause = self.spec.on_clause(name, kind)
                for tr in clause.transitions if clause else ():
                    key = (name, f"on-{kind}", tr.name)
                    found.append(
                        {
                            "from": name,
                            "on": f"on-{kind}",
                            "to": tr.name,
                            "condition": tr.condition,
                            "taken": key in taken,
                        }
                    )
        return found

    def _taken(self) -> set[tuple[str, str, str]]:
        """Transitions followed: the tasks each finished task started (as the engine recorded
        them), plus the engine commands (fail, succeed, pause) whose guards held."""
        taken = set()
        snap = self._snapshot()
        turn = Turn(
            snap, self.world.now, self.world.new_id, _Catalog(self.world), conductor.flow_of(snap)
        )
        for task in self.tasks:
            for target, event in task.runtime_context.get("next_tasks", []):
                taken.add((task.name, event, target))
            if task.state not in COMPLETED or not task.processed:
                continue
            try:
                chosen = direct.next_transitions(turn, task)
            except WfqError:
                continue
            taken.update((task.name, ev, tr.name) for tr, ev in chosen if tr.is_engine_command)
        return taken
