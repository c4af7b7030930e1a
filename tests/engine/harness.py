"""Rehearse a workflow through the pure engine: no database, no Celery.

Actions run in-process from the standard registry unless the scenario scripts their results.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from wfq import dsl, engine
from wfq.actions.base import ActionContext
from wfq.actions.registry import ActionRegistry
from wfq.errors import ActionFailed
from wfq.types import ActionInfo

NOW = dt.datetime(2026, 1, 1, 12, 0, 0)


class Record:
    """A stand-in for any persistence row: attributes set from keyword arguments."""

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)


class Catalog:
    def __init__(
        self, registry: ActionRegistry, adhoc: dict[str, ActionInfo] | None = None
    ) -> None:
        self.registry = registry
        self.adhoc = adhoc or {}

    def get(
        self, name: str, *, namespace: str = "", workbook: str | None = None
    ) -> ActionInfo | None:
        return self.registry.info(name) or self.adhoc.get(name)


class Rehearsal:
    """Runs one execution to the end, recording the order in which tasks started."""

    def __init__(
        self,
        text: str,
        wf_input: dict[str, Any] | None = None,
        *,
        workflow: str | None = None,
        scripted: dict[str, list[Any]] | None = None,
        env: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        doc = dsl.parse_document(text)
        specs = {w.name: w for w in doc.workflows}
        spec = specs[workflow] if workflow else doc.workflows[0]
        # Round trip through the stored form, as the service layer does.
        self.spec = dsl.workflow_from_dict(spec.to_dict())
        self.registry = ActionRegistry.default()
        self.catalog = Catalog(self.registry)
        self.scripted = {k: list(v) for k, v in (scripted or {}).items()}
        self.counter = itertools.count()
        inputs = {p.name: p.default for p in self.spec.input if p.has_default}
        inputs.update(wf_input or {})
        self.execution = Record(
            id="ex-1",
            workflow_id="wf-1",
            workflow_name=self.spec.name,
            workflow_namespace="",
            state="IDLE",
            state_info=None,
            input=inputs,
            output={},
            params={"env": env or {}, **(params or {})},
            context={},
            published_global={},
            task_execution_id=None,
            root_execution_id=None,
            project_id="p",
            created_at=NOW,
            updated_at=None,
            finished_at=None,
        )
        self.tasks: list[Any] = []
        self.actions: dict[str, Any] = {}
        self.started: list[str] = []
        self.pending: list[engine.RunAction] = []
        self.timers: list[engine.ScheduleTimer] = []
        self.fired: list[tuple[str, str]] = []
        self.item_batches: list[engine.RunItems] = []
        self.commands: list[engine.Command] = []
        self.env = env or {}
        self.start_lanes = True
        """Carry out StartLanes at once (False: leave it to the test)."""

    def _ids(self) -> str:
        return f"id-{next(self.counter):04d}"

    def _snapshot(self) -> engine.Snapshot:
        def new_task(**kw: Any) -> Any:
            return Record(**kw)

        def new_action(**kw: Any) -> Any:
            rec = Record(**kw)
            self.actions[rec.id] = rec
            return rec

        return engine.Snapshot(
            execution=self.execution,
            spec=self.spec,
            tasks=self.tasks,
            actions=self.actions,
            new_task=new_task,
            new_action=new_action,
            env=self.env,
        )

    def handle(self, event: engine.Event) -> None:
        before = {t.id for t in self.tasks}
        decision = engine.handle(
            self._snapshot(), event, now=NOW, ids=self._ids, actions=self.catalog
        )
        self.started += [t.name for t in self.tasks if t.id not in before]
        self.commands += decision.commands
        self.pending += [c for c in decision.commands if isinstance(c, engine.RunAction)]
        self.timers += [c for c in decision.commands if isinstance(c, engine.ScheduleTimer)]
        self.item_batches += [c for c in decision.commands if isinstance(c, engine.RunItems)]
        for c in decision.commands:
            if isinstance(c, engine.StartLanes) and self.start_lanes:  # what a worker does
                self.handle(engine.ItemsWanted(c.task_execution_id, lanes=True))
        self.timers.sort(key=lambda t: t.due_at)

    def result_of(self, action: Any) -> tuple[bool, Any]:
        task = next(t for t in self.tasks if t.id == action.task_execution_id)
        script = self.scripted.get(task.name)
        if script:
            item = script.pop(0)
            if isinstance(item, dict) and "error" in item:
                return False, item["error"]
            return True, item
        impl = self.registry.get(action.runtime["action"])
        try:
            return True, impl.fn(ActionContext(), **action.runtime["input"])
        except ActionFailed as exc:
            return False, exc.data
        except Exception as exc:
            return False, f"The action raised an exception [msg='{exc}']"

    def run(self, max_steps: int = 1000) -> Rehearsal:
        self.handle(engine.WorkflowStarted())
        for _ in range(max_steps):
            if self.item_batches:
                self.run_items(self.item_batches.pop(0))
                continue
            if not self.pending:
                if not self.timers:
                    break
                # Actions finish instantly here, so a timer fires only when nothing else is due.
                t = self.timers.pop(0)
                self.fired.append((self.task_by_id(t.task_execution_id).name, t.kind))
                self.handle(engine.TimerFired(t.task_execution_id, t.kind, t.token))
                continue
            cmd = self.pending.pop(0)
            ok, result = self.result_of(self.actions[cmd.action_execution_id])
            self.handle(engine.ActionCompleted(cmd.action_execution_id, ok, result))
        return self

    def run_items(self, cmd: engine.RunItems) -> None:
        """What the lanes do: run every item of the task, asking for the next batch while the
        task has items left to create, then the chord callback."""
        task = self.task_by_id(cmd.task_execution_id)
        while True:
            self.run_created_items(cmd.task_execution_id)
            if task.state != "RUNNING" or not task.runtime_context.get("items_todo"):
                break
            self.handle(engine.ItemsWanted(cmd.task_execution_id))
        self.handle(engine.ItemsCompleted(cmd.task_execution_id))

    def run_created_items(self, task_id: str) -> None:
        items = [
            a
            for a in self.actions.values()
            if a.task_execution_id == task_id and a.state in ("RUNNING", "IDLE")
        ]
        for a in sorted(items, key=lambda a: a.item_index):
            ok, result = self.result_of(a)
            a.state = "SUCCESS" if ok else "ERROR"
            a.output = {"result": result}

    def task_states(self) -> dict[str, str]:
        return {t.name: t.state for t in self.tasks}

    def task_by_id(self, task_id: str) -> Any:
        return next(t for t in self.tasks if t.id == task_id)

    def task(self, name: str) -> Any:
        return [t for t in self.tasks if t.name == name][-1]
