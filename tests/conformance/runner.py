"""The conformance cases: loading, the known gaps, the expected-vs-observed check, and the pure
engine runner (no database, no Celery). The Celery runner lives in
tests/integration/test_conformance_celery.py and produces the same `Outcome`.

See README.md in this directory for the case format.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
GAPS_FILE = HERE / "known_gaps.txt"
RUNNERS = ("engine", "celery")
CASE_KEYS = frozenset(
    {
        "description",
        "definition",
        "actions",
        "workflow",
        "input",
        "params",
        "expect",
        "runners",
        "skip_reason",
    }
)
EXPECT_KEYS = frozenset(
    {
        "state",
        "tasks",
        "output",
        "output_subset",
        "output_keys",
        "published",
        "result",
        "state_info",
        "state_info_contains",
        "state_info_excludes",
        "state_info_matches",
        "task_info",
        "task_info_contains",
        "task_info_matches",
        "action_count",
    }
)
ADHOC_CLASS = "mistral.actions.adhoc.AdHocAction"
NOW = dt.datetime(2026, 1, 1, 12, 0, 0)


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One conformance case file."""

    id: str
    path: Path
    description: str
    definition: str
    expect: dict[str, Any]
    actions: str | None = None
    workflow: str | None = None
    input: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    runners: tuple[str, ...] = RUNNERS
    skip_reason: str = ""

    @property
    def is_workbook(self) -> bool:
        data = yaml.safe_load(self.definition)
        return isinstance(data, dict) and isinstance(data.get("name"), str)

    def main_workflow(self) -> str:
        """The name of the workflow to start (qualified with the workbook name in a workbook)."""
        if self.workflow:
            return self.workflow
        data = yaml.safe_load(self.definition)
        if self.is_workbook:
            return f"{data['name']}.{next(iter(data['workflows']))}"
        return next(k for k in data if k != "version")


def load_case(path: Path) -> Case:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(raw) - CASE_KEYS
    if unknown:
        raise ValueError(f"{path.name}: unknown keys {sorted(unknown)}")
    bad = set(raw["expect"]) - EXPECT_KEYS
    if bad:
        raise ValueError(f"{path.name}: unknown expect keys {sorted(bad)}")
    runners = tuple(raw.get("runners") or RUNNERS)
    if set(runners) - set(RUNNERS):
        raise ValueError(f"{path.name}: unknown runners {runners}")
    return Case(
        id=path.stem,
        path=path,
        description=raw["description"],
        definition=raw["definition"],
        expect=raw["expect"],
        actions=raw.get("actions"),
        workflow=raw.get("workflow"),
        input=raw.get("input") or {},
        params=raw.get("params") or {},
        runners=runners,
        skip_reason=raw.get("skip_reason", ""),
    )


def load_cases() -> list[Case]:
    return [load_case(p) for p in sorted(CASES_DIR.glob("*.yaml"))]


def known_gaps() -> dict[str, str]:
    """`case id -> reason` from known_gaps.txt (`<id> <reason>` lines; `#` starts a comment).

    A reason may be limited to one runner with a prefix: `engine: ...` or `celery: ...`.
    """
    gaps: dict[str, str] = {}
    for line in GAPS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        case_id, _, reason = line.partition(" ")
        gaps[case_id] = reason.strip() or "known gap"
    return gaps


def gap_for(case_id: str, runner: str) -> str | None:
    """The known-gap reason of a case for one runner, or None."""
    reason = known_gaps().get(case_id)
    if reason is None:
        return None
    for name in RUNNERS:
        if reason.startswith(f"{name}:"):
            return reason if name == runner else None
    return reason


def params_for(cases: list[Case], runner: str) -> list[Any]:
    """pytest.param objects of every case for `runner`, with xfail/skip marks applied."""
    import pytest

    out = []
    for case in cases:
        marks = []
        if runner not in case.runners:
            reason = case.skip_reason or f"the {runner} runner cannot drive this case"
            marks.append(pytest.mark.skip(reason=reason))
        else:
            reason = gap_for(case.id, runner)
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


# --------------------------------------------------------------------------- outcomes


@dataclass
class TaskOutcome:
    name: str
    state: str
    state_info: str | None
    published: Any
    result: Any = None
    action_count: int = 0


@dataclass
class Outcome:
    """What a runner observed once the execution settled."""

    state: str
    state_info: str | None
    output: Any
    tasks: list[TaskOutcome]

    def named(self, name: str) -> list[TaskOutcome]:
        return [t for t in self.tasks if t.name == name]

    def single(self, name: str) -> TaskOutcome:
        found = self.named(name)
        assert len(found) == 1, f"expected one execution of task {name!r}, got {len(found)}"
        return found[0]

    def summary(self) -> str:
        tasks = ", ".join(f"{t.name}={t.state}" for t in self.tasks)
        return f"state={self.state} tasks=[{tasks}]\nstate_info={self.state_info!r}\noutput={self.output!r}"


def check(case: Case, out: Outcome) -> None:
    """Assert that `out` meets every expectation of `case`."""
    exp = case.expect
    where = f"\n--- observed ---\n{out.summary()}"
    assert out.state == exp["state"], f"execution state {out.state} != {exp['state']}{where}"
    _check_tasks(exp, out, where)
    _check_output(exp, out, where)
    _check_state_info(exp.get, out.state_info, "execution state_info", where)
    for name, value in (exp.get("published") or {}).items():
        got = out.single(name).published
        assert got == value, f"published of {name}: {got!r} != {value!r}{where}"
    for name, value in (exp.get("result") or {}).items():
        got = out.single(name).result
        assert got == value, f"result of {name}: {got!r} != {value!r}{where}"
    for name, count in (exp.get("action_count") or {}).items():
        got = out.single(name).action_count
        assert got == count, f"action executions of {name}: {got} != {count}{where}"
    _check_task_infos(exp, out, where)


def _check_tasks(exp: dict[str, Any], out: Outcome, where: str) -> None:
    if "tasks" not in exp:
        return
    want = {k: sorted(v) if isinstance(v, list) else [v] for k, v in exp["tasks"].items()}
    got: dict[str, list[str]] = {}
    for t in out.tasks:
        got.setdefault(t.name, []).append(t.state)
    got = {k: sorted(v) for k, v in got.items()}
    assert got == want, f"task states {got} != {want}{where}"


def _check_output(exp: dict[str, Any], out: Outcome, where: str) -> None:
    if "output" in exp:
        assert out.output == exp["output"], f"output {out.output!r} != {exp['output']!r}{where}"
    if "output_keys" in exp:
        keys = sorted(out.output) if isinstance(out.output, dict) else out.output
        assert keys == sorted(exp["output_keys"]), (
            f"output keys {keys} != {exp['output_keys']}{where}"
        )
    for key, value in (exp.get("output_subset") or {}).items():
        assert isinstance(out.output, dict) and key in out.output, f"output lacks {key!r}{where}"
        assert out.output[key] == value, f"output[{key!r}] {out.output[key]!r} != {value!r}{where}"


def _check_state_info(get: Any, info: str | None, what: str, where: str) -> None:
    if get("state_info", ...) is not ...:
        assert info == get("state_info"), f"{what} {info!r} != {get('state_info')!r}{where}"
    for text in get("state_info_contains") or []:
        assert text in (info or ""), f"{what} lacks {text!r}{where}"
    for text in get("state_info_excludes") or []:
        assert text not in (info or ""), f"{what} contains {text!r}{where}"
    pattern = get("state_info_matches")
    if pattern is not None:
        assert re.search(pattern, info or "", re.S), f"{what} does not match {pattern!r}{where}"


def _check_task_infos(exp: dict[str, Any], out: Outcome, where: str) -> None:
    for name, text in (exp.get("task_info") or {}).items():
        got = out.single(name).state_info
        assert got == text, f"state_info of task {name}: {got!r} != {text!r}{where}"
    for name, texts in (exp.get("task_info_contains") or {}).items():
        got = out.single(name).state_info or ""
        for text in [texts] if isinstance(texts, str) else texts:
            assert text in got, f"state_info of task {name} lacks {text!r}: {got!r}{where}"
    for name, pattern in (exp.get("task_info_matches") or {}).items():
        got = out.single(name).state_info or ""
        assert re.search(pattern, got, re.S), (
            f"state_info of task {name} {got!r} !~ {pattern!r}{where}"
        )


# --------------------------------------------------------------------------- pure engine runner


class PureCatalog:
    """System actions from the registry, then the case's ad-hoc actions (workbook-local first)."""

    def __init__(self, registry: Any, adhoc: dict[str, Any]) -> None:
        self.registry = registry
        self.adhoc = adhoc

    def get(self, name: str, *, namespace: str = "", workbook: str | None = None) -> Any:
        info = self.registry.info(name)
        if info is not None:
            return info
        for candidate in ([f"{workbook}.{name}"] if workbook else []) + [name]:
            if candidate in self.adhoc:
                return self.adhoc[candidate]
        return None


def adhoc_info(spec: Any) -> Any:
    """wfq.types.ActionInfo of a parsed ad-hoc ActionSpec."""
    from wfq.types import ActionInfo, Param

    params = tuple(
        Param(p.name, p.default, required=False) if p.has_default else Param(p.name)
        for p in spec.input
    )
    return ActionInfo(
        name=spec.name,
        params=params,
        class_name=ADHOC_CLASS,
        base=spec.base,
        base_input=dict(spec.base_input),
        output=spec.output,
    )


class World:
    """Everything one case defines (workflows, action catalog), and the simulation that drives
    its executions: a virtual clock and a queue of timed callbacks. Actions take no real time;
    std.sleep and std.echo's delay take virtual time, so timers, timeouts and item ordering
    behave as on a real worker without waiting."""

    def __init__(self, case: Case) -> None:
        from wfq import dsl
        from wfq.actions.registry import ActionRegistry

        self.registry = ActionRegistry.default()
        adhoc: dict[str, Any] = {}
        if case.actions:
            for spec in dsl.parse_document(case.actions, kind="actions").actions:
                adhoc[spec.name] = adhoc_info(spec)
        doc = dsl.parse_document(case.definition)
        for spec in doc.actions:
            adhoc[spec.name] = adhoc_info(spec)
        # Round trip through the stored form, as the service layer does.
        self.workflows = {w.name: dsl.workflow_from_dict(w.to_dict()) for w in doc.workflows}
        self.catalog = PureCatalog(self.registry, adhoc)
        self.counter = itertools.count()
        self.clock = NOW
        self.queue: list[tuple[dt.datetime, int, Callable[[], None]]] = []
        self.executions: dict[str, PureExecution] = {}

    def new_id(self) -> str:
        return f"00000000-0000-4000-8000-{next(self.counter):012d}"

    def find_workflow(self, name: str, workbook: str | None) -> Any:
        if workbook and "." not in name and f"{workbook}.{name}" in self.workflows:
            return self.workflows[f"{workbook}.{name}"]
        return self.workflows.get(name)

    def at(self, when: dt.datetime, fn: Callable[[], None]) -> None:
        heapq.heappush(self.queue, (max(when, self.clock), next(self.counter), fn))

    def after(self, seconds: float, fn: Callable[[], None]) -> None:
        self.at(self.clock + dt.timedelta(seconds=seconds), fn)

    def loop(self, max_steps: int = 5000) -> None:
        for _ in range(max_steps):
            if not self.queue:
                return
            when, _, fn = heapq.heappop(self.queue)
            self.clock = when
            fn()
        raise AssertionError("the simulation did not settle")


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def virtual_duration(action: Any) -> float:
    """How long an action takes in virtual time (std.sleep seconds, std.echo delay)."""
    rt = action.runtime or {}
    name, given = rt.get("action", action.name), rt.get("input", action.input) or {}
    key = {"std.sleep": "seconds", "std.echo": "delay"}.get(name)
    try:
        return max(0.0, float(given.get(key, 1 if name == "std.sleep" else 0))) if key else 0.0
    except (TypeError, ValueError):
        return 0.0


def check_workflow_input(spec: Any, given: dict[str, Any]) -> dict[str, Any]:
    """Mistral's `Workflow.prepare_input` + `validate_input`; raises ValueError."""
    names = [p.name for p in spec.input]
    missing = [p.name for p in spec.input if not p.has_default and p.name not in given]
    unexpected = [k for k in given if k not in names]
    if missing or unexpected:
        cls = "DirectWorkflowSpec" if spec.type == "direct" else "ReverseWorkflowSpec"
        parts = [f"name={spec.name}", f"class={cls}"]
        parts += [f"missing={missing}"] if missing else []
        parts += [f"unexpected={unexpected}"] if unexpected else []
        raise ValueError(f"Invalid input [{', '.join(parts)}]")
    return {**{p.name: p.default for p in spec.input if p.has_default}, **given}


class Record:
    """A stand-in for a persistence row."""

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)


def subworkflow_completed(
    task_id: str, state: str, output: Any, state_info: str | None, **extra: Any
) -> Any:
    """engine.SubworkflowCompleted with the optional fields this wfq version knows."""
    import dataclasses

    from wfq import engine

    known = {f.name for f in dataclasses.fields(engine.SubworkflowCompleted)}
    return engine.SubworkflowCompleted(
        task_id, state, output, state_info, **{k: v for k, v in extra.items() if k in known}
    )


class PureExecution:
    """One workflow execution driven through `wfq.engine.handle`; its commands are carried out
    as the service layer does, on the world's virtual clock."""

    def __init__(
        self,
        world: World,
        spec: Any,
        wf_input: dict[str, Any],
        params: dict[str, Any],
        parent: tuple[PureExecution, str] | None = None,
    ) -> None:
        self.world = world
        self.spec = spec
        self.parent = parent
        self.tasks: list[Any] = []
        self.actions: dict[str, Any] = {}
        self.lanes: dict[str, dict[str, int]] = {}
        """Lanes still running, by with-items task (the last to end sends ItemsCompleted)."""
        self.env = params.get("env") or {}
        root = (parent[0].execution.root_execution_id or parent[0].execution.id) if parent else None
        self.execution = Record(
            id=world.new_id(),
            workflow_id=f"wf-{spec.name}",
            workflow_name=spec.name,
            workflow_namespace="",
            state="IDLE",
            state_info=None,
            input=check_workflow_input(spec, wf_input),
            output={},
            params={"namespace": "", **params, "env": self.env},
            context={},
            published_global={},
            task_execution_id=parent[1] if parent else None,
            root_execution_id=root,
            project_id="<default-project>",
            created_at=NOW,
            updated_at=None,
            finished_at=None,
            description="",
            spec=spec.to_dict(),
            runtime_context={},
        )
        world.executions[self.execution.id] = self

    def snapshot(self) -> Any:
        from wfq import engine

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

    def handle(self, event: Any) -> None:
        from wfq import engine

        decision = engine.handle(
            self.snapshot(),
            event,
            now=self.world.clock,
            ids=self.world.new_id,
            actions=self.world.catalog,
        )
        for cmd in decision.commands:
            self.carry_out(cmd)

    def carry_out(self, cmd: Any) -> None:
        from wfq import engine

        kind = type(cmd).__name__
        if isinstance(cmd, engine.RunAction):
            action = self.actions[cmd.action_execution_id]
            self.world.after(virtual_duration(action), lambda: self.finish_action(action))
        elif kind in ("RunItems", "StartLanes"):
            self.carry_out_items(cmd)
        elif kind == "ScheduleTimer":
            event = engine.TimerFired(cmd.task_execution_id, cmd.kind, cmd.token)
            self.world.at(cmd.due_at, lambda: self.handle(event))
        elif isinstance(cmd, engine.StartSubworkflow):
            self.world.after(0, lambda: self.start_child(cmd))
        elif isinstance(cmd, engine.ExecutionCompleted):
            if self.parent is not None and cmd.execution_id == self.execution.id:
                self.notify_parent(*self.parent)
        elif isinstance(cmd, engine.ExecutionPausedOrResumed):
            self.follow_pause_or_resume(cmd.state)
        else:
            raise NotImplementedError(f"the pure runner cannot carry out {kind}")

    def notify_parent(self, parent: PureExecution, task_id: str) -> None:
        """This subworkflow ended: its parent task learns how (as services.subworkflows does)."""
        from wfq import engine

        ex = self.execution
        info, cause = ex.state_info, None
        summarise = getattr(engine, "child_failure", None)
        found = summarise(ex, self.tasks) if summarise and ex.state == "ERROR" else None
        if found:  # as services.subworkflows.notify_parent: the child summarised once
            info, cause = found
        event = subworkflow_completed(
            task_id,
            ex.state,
            ex.output,
            info,
            execution_id=ex.id,
            index=ex.params.get("index"),
            attempt=ex.params.get("attempt", 0),
            cause=cause,
        )
        self.world.after(0, lambda: parent.handle(event))

    def follow_pause_or_resume(self, state: str) -> None:
        """As services.subworkflows.follow_pause_or_resume: the children, then the parent."""
        from wfq import engine

        other = "RUNNING" if state == "PAUSED" else "PAUSED"
        for child in list(self.world.executions.values()):
            if child.parent and child.parent[0] is self and child.execution.state == other:
                child.handle(engine.StateRequested(state))
        if self.parent is not None:
            parent, task_id = self.parent
            parent.handle(engine.ChildStateChanged(task_id, state))

    def carry_out_items(self, cmd: Any) -> None:
        """Start with-items lanes (RunItems), or have the rest of them started (StartLanes)."""
        from wfq import engine

        if type(cmd).__name__ == "StartLanes":
            event = engine.ItemsWanted(cmd.task_execution_id, lanes=True)
            self.world.after(0, lambda: self.handle(event))
            return
        lanes = self.lanes.setdefault(cmd.task_execution_id, {"active": 0})
        lanes["active"] += len(cmd.action_execution_ids)
        for action_id in cmd.action_execution_ids:
            self.start_lane(self.actions[action_id], cmd.task_execution_id, lanes)

    def execute(self, action: Any) -> tuple[bool, Any]:
        """Run the action as a worker does (wfq.services.actions.execute), in this process,
        with its virtual duration already spent."""
        import dataclasses

        from wfq.actions.base import ActionContext
        from wfq.services import actions as worker
        from wfq.settings import Settings

        rt = action.runtime or {}
        name = rt.get("action", action.name)
        given = dict(rt.get("input", action.input) or {})
        key = {"std.sleep": "seconds", "std.echo": "delay"}.get(name)
        if key in given and _is_number(given[key]):
            given[key] = 0  # the time was spent on the virtual clock
        elif name == "std.sleep" and key not in given:
            given[key] = 0
        values = {
            "id": action.id,
            "name": action.name,
            "action": name,
            "input": given,
            "output_exprs": tuple(rt.get("output") or ()),
            "context": ActionContext(
                action_execution_id=action.id,
                task_execution_id=action.task_execution_id,
                workflow_execution_id=self.execution.id,
                workflow_name=self.execution.workflow_name,
            ),
        }
        known = {f.name for f in dataclasses.fields(worker.Claimed)}
        claimed = worker.Claimed(**{k: v for k, v in values.items() if k in known})
        svc = SimpleNamespace(registry=self.world.registry, settings=Settings())
        ok, result, _sync = worker.execute(svc, claimed)
        return ok, result

    def finish_action(self, action: Any) -> None:
        from wfq import engine

        ok, result = self.execute(action)
        self.handle(engine.ActionCompleted(action.id, ok, result))

    def start_lane(self, action: Any, task_id: str, lanes: dict[str, int]) -> None:
        self.world.after(virtual_duration(action), lambda: self.finish_item(action, task_id, lanes))

    def finish_item(self, action: Any, task_id: str, lanes: dict[str, int]) -> None:
        """What a with-items lane does: store the item's result without the engine, claim the
        task's next IDLE item, and when the last lane ends send ItemsCompleted."""
        from wfq import engine
        from wfq.engine.adhoc import transform_output
        from wfq.errors import ExpressionError

        ok, result = self.execute(action)
        if ok and (action.runtime or {}).get("output"):
            try:
                result = transform_output(action.runtime, result)
            except ExpressionError as exc:
                ok, result = False, str(exc)
        if action.state == "RUNNING":
            action.state = "SUCCESS" if ok else "ERROR"
            action.output = {"result": result}
        idle = self.idle_items(task_id)
        task = next(t for t in self.tasks if t.id == task_id)
        if not idle and task.state == "RUNNING" and task.runtime_context.get("items_todo"):
            # No item left to claim: the lane asks the engine for the next batch.
            self.handle(engine.ItemsWanted(task_id))
            idle = self.idle_items(task_id)
        if idle:
            idle[0].state = "RUNNING"
            self.start_lane(idle[0], task_id, lanes)
            return
        lanes["active"] -= 1
        if lanes["active"] == 0:
            self.handle(engine.ItemsCompleted(task_id))

    def idle_items(self, task_id: str) -> list[Any]:
        return sorted(
            (
                a
                for a in self.actions.values()
                if a.task_execution_id == task_id and a.state == "IDLE"
            ),
            key=lambda a: a.item_index,
        )

    def start_child(self, cmd: Any) -> None:
        """Start the subworkflow a task asked for, as services.subworkflows.start_subworkflow."""
        from wfq import engine

        index = cmd.params.get("index")
        spec = self.world.find_workflow(cmd.workflow_name, self.spec.workbook_name)
        if spec is None:
            msg = f"Failed to find workflow [name={cmd.workflow_name}] [namespace=]"
            self.handle(
                subworkflow_completed(
                    cmd.task_execution_id,
                    "ERROR",
                    {"result": msg},
                    msg,
                    index=index,
                    attempt=cmd.params.get("attempt", 0),
                )
            )
            return
        declared = {p.name for p in spec.input}
        wf_input = {k: v for k, v in cmd.input.items() if k in declared}
        params = {**cmd.params, **{k: v for k, v in cmd.input.items() if k not in declared}}
        try:
            child = PureExecution(self.world, spec, wf_input, params, (self, cmd.task_execution_id))
        except ValueError as exc:
            msg = str(exc)
            self.handle(
                subworkflow_completed(
                    cmd.task_execution_id,
                    "ERROR",
                    {"result": msg},
                    msg,
                    index=index,
                    attempt=cmd.params.get("attempt", 0),
                )
            )
            return
        child.handle(engine.WorkflowStarted())

    def outcome(self) -> Outcome:
        ex = self.execution
        tasks = [
            TaskOutcome(
                name=t.name,
                state=t.state,
                state_info=t.state_info,
                published=t.published,
                result=t.result,
                action_count=sum(1 for a in self.actions.values() if a.task_execution_id == t.id),
            )
            for t in self.tasks
        ]
        return Outcome(state=ex.state, state_info=ex.state_info, output=ex.output, tasks=tasks)


def run_pure(case: Case) -> Outcome:
    """Run `case` through the pure engine and return what it ended with."""
    world = World(case)
    spec = world.workflows.get(case.main_workflow())
    assert spec is not None, f"no workflow {case.main_workflow()!r} in the definition"
    from wfq import engine

    root = PureExecution(world, spec, dict(case.input), dict(case.params))
    world.after(0, lambda: root.handle(engine.WorkflowStarted()))
    world.loop()
    return root.outcome()
