"""The engine's view of one workflow execution (`snapshot`) and one decision over it (`decide`),
inside the caller's open transaction.

The engine decides on plain records (`engine.snapshot.Execution`, `Task`, `Action`), read into
them with Core statements (`wfq.persistence.records`: no ORM rows, no unit of work). `decide`
lets the engine decide on copies of them (references, no deep copy); `write` then writes what
the engine replaced (one UPDATE per changed record, of its changed columns only) and inserts
the records it created (one INSERT per table).

No database read happens inside a decision. What a decision may need beyond the execution's
own rows (an action definition, the tasks of another execution for `tasks(id)`, `executions()`,
a column not loaded such as `with_items_values`) is a request: the engine raises `ReadNeeded`,
`decide` reads the answer, and decides again from a fresh copy with every answer so far (the
ids handed out are replayed, so a second round sees the same ids). Nothing is preloaded before
the first round: which action a task runs, which execution `tasks()` names, whether more items
are wanted, are often known only by evaluating expressions, i.e. by deciding; a request reads
what the decision uses, in the statements the old mid-decision reads issued, and a decision
that needs nothing (most of them: system actions, no cross-execution expression) runs once.
The cost is a re-run of the decision up to the read for those that do. To keep that to one
re-run, the first unknown action name brings the stored ad-hoc actions of every static action
name of the spec in one query (`StoredCatalog.prefetch`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from wfq import dsl, engine, expressions
from wfq.engine import data_flow
from wfq.engine.snapshot import Action, Execution, KnownTasks, Read, ReadNeeded, Task
from wfq.persistence import plain, records
from wfq.persistence.db import Session
from wfq.persistence.models import WorkflowExecution
from wfq.persistence.repositories import executions as repo
from wfq.persistence.repositories import items as items_repo
from wfq.persistence.repositories import reads
from wfq.services import metrics
from wfq.services.catalog import KnownActions, StoredCatalog
from wfq.services.context import Services

MAX_ROUNDS = 20
"""Decisions of one transition (each after answering a read; each has its own expression time
budget, so this also bounds the time the execution stays locked). A decision that still asks
then (an expression whose arguments change at every round, such as `tasks(uuid())`, or one
naming more executions than rounds) reads the database directly, as before."""


@dataclass
class StoredSnapshot:
    """The records one transition decides over: the locked execution, its task executions in
    creation order and the action executions the event is about (callers may add to `actions`
    before `decide`), as read. `row`: the ORM row of an execution created in this transaction
    (added to the session), on which `write` sets what the engine changed before it inserts
    it with the records the engine created."""

    execution: Execution
    spec: dsl.WorkflowSpec
    tasks: list[Task]
    actions: dict[str, Action]
    env: dict[str, Any] = field(default_factory=dict)
    value_limit_kb: int = 0
    row: WorkflowExecution | None = None


def snapshot(svc: Services, session: Session, locked: records.Locked) -> StoredSnapshot:
    """The records of an execution locked and read by the caller with its tasks (and the
    action executions the event is about); its spec from this process's cache, or read."""
    ex = locked.execution
    assert locked.tasks is not None  # read with the lock
    spec = dsl.known_workflow(locked.spec_checksum) if locked.spec_checksum else None
    if spec is None:
        spec = dsl.workflow_from_dict(records.execution_spec(session, ex.id))
    return StoredSnapshot(
        execution=ex,
        spec=spec,
        tasks=locked.tasks,
        actions=dict(locked.actions),
        env=(ex.params or {}).get("env") or {},
        value_limit_kb=svc.settings.field_size_limit_kb,
    )


def new_snapshot(svc: Services, row: WorkflowExecution) -> StoredSnapshot:
    """The snapshot of an execution created in this transaction: no tasks yet, nobody else
    sees it."""
    return StoredSnapshot(
        execution=plain.copy_of(row, Execution),
        spec=dsl.workflow_from_dict(row.spec),
        tasks=[],
        actions={},
        env=(row.params or {}).get("env") or {},
        value_limit_kb=svc.settings.field_size_limit_kb,
        row=row,
    )


def plain_snapshot(stored: StoredSnapshot, answers: dict[Read, Any]) -> engine.Snapshot:
    """Copies of the stored records, with the answers read so far."""
    copy = records.copy
    return engine.Snapshot(
        execution=copy(stored.execution),
        spec=stored.spec,
        tasks=[copy(t) for t in stored.tasks],
        actions={k: copy(a) for k, a in stored.actions.items()},
        new_task=Task,
        new_action=Action,
        env=stored.env,
        related=KnownTasks(answers),
        value_limit_kb=stored.value_limit_kb,
    )


class StoredTasks:
    """`tasks(id)` and `tasks(id, true)` beyond the snapshot: read from the database, within
    the project of the execution being decided."""

    def __init__(self, session: Session, project_id: str) -> None:
        self.session = session
        self.project_id = project_id

    def of_execution(
        self, execution_id: str, recursive: bool, state: str | None
    ) -> list[dict[str, Any]]:
        return self._walk([execution_id], recursive, state)

    def descendants(self, task_ids: list[str], state: str | None) -> list[dict[str, Any]]:
        return self._walk(repo.children_of_tasks(self.session, task_ids), True, state)

    def _walk(
        self, execution_ids: list[str], recursive: bool, state: str | None
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while execution_ids:
            rows = repo.tasks_of_executions(self.session, execution_ids, self.project_id)
            for task, wf_spec in rows:
                if state is None or task.state == state:
                    found.append(
                        data_flow.task_view_with_spec(task, _task_spec(wf_spec, task.name))
                    )
            if not recursive:
                break
            execution_ids = repo.children_of_tasks(self.session, [t.id for t, _ in rows])
        return found

    def executions(self, **filters: str) -> list[dict[str, Any]]:
        rows = reads.executions_of_project(self.session, self.project_id, **filters)
        return [data_flow.execution_view(r, (r.spec or {}).get("raw") or {}) for r in rows]


def _task_spec(wf_spec: dict[str, Any], name: str) -> dict[str, Any]:
    spec = dsl.workflow_from_dict(wf_spec)
    task = spec.tasks.get(name)
    return data_flow.spec_view(name, dict(task.raw), spec.type) if task else {}


def decide(
    svc: Services, session: Session, stored: StoredSnapshot, event: engine.Event, project_id: str
) -> tuple[engine.Snapshot, list[engine.Command]]:
    """Apply `event` to copies of the stored records: the records as the engine left them, and
    its commands. Nothing is written yet (`write`); the caller commits and then carries out
    the commands."""
    with metrics.timed_transition(type(event).__name__):
        snap, decision = _decide_plain(svc, session, stored, event, project_id)
    return snap, decision.commands


def write(
    svc: Services,
    session: Session,
    stored: StoredSnapshot,
    snap: engine.Snapshot,
    extra: dict[str, dict[str, Any]] | None = None,
    *,
    last: bool = False,
) -> None:
    """Write what the engine changed in `snap` and insert what it created (`extra`: more
    columns of a record, by id); the written records become the stored ones. `last`: the
    caller runs no statement after this in the transaction, which the write may commit."""
    extra = extra or {}
    writes = records.Writes(svc.db.state_info_max)
    if stored.row is not None:
        plain.write_back(snap.execution, stored.row)
        writes.created_row(session, stored.row)
    else:
        writes.changed(stored.execution, snap.execution)
    tasks = {t.id: t for t in stored.tasks}
    for task in snap.tasks:
        before = tasks.get(task.id)
        if before is None:
            writes.created(task, extra.get(task.id))
        else:
            writes.changed(before, task, extra.get(task.id))
    for key, action in snap.actions.items():
        was = stored.actions.get(key)
        if was is None:
            writes.created(action, extra.get(action.id))
        else:
            writes.changed(was, action, extra.get(action.id))
    running_items = {
        t.id for t in stored.tasks if t.state == "RUNNING" and t.runtime_context.get("with_items")
    }
    stopped = [t.id for t in snap.tasks if t.id in running_items and t.state != "RUNNING"]
    # The COMMIT goes with the writes when nothing follows them: no item to drop, nothing
    # left for the session to flush.
    last = last and not stopped and not (session.new or session.dirty or session.deleted)
    writes.execute(session, commit=last)
    stored.execution = cast(Execution, snap.execution)
    stored.tasks = cast(list[Task], list(snap.tasks))
    stored.actions = cast(dict[str, Action], dict(snap.actions))
    if stopped:
        # A stopped task (cancelled, timed out, failed) starts no further item: those no lane
        # took are dropped (never shown), those no worker started yet are cancelled.
        items_repo.drop_unstarted_items(session, stopped, svc.now())


def _decide_plain(
    svc: Services, session: Session, stored: StoredSnapshot, event: engine.Event, project_id: str
) -> tuple[engine.Snapshot, engine.Decision]:
    """Decide on plain copies, answering the reads the engine asks for between rounds."""
    # One state change (e.g. starting an execution inside POST /v2/executions, with all its
    # start tasks) gets twice one expression's time in all: a thousand start tasks with a
    # heavy with-items list each fail fast once it is spent, instead of holding the request.
    budget = 2 * svc.settings.expression_timeout_s
    now, ids = svc.now(), _ReplayedIds(svc.new_id)
    answers: dict[Read, Any] = {}
    for _ in range(MAX_ROUNDS):
        snap = plain_snapshot(stored, answers)
        catalog = KnownActions(svc.registry, answers)
        try:
            with expressions.shared_deadline(budget):
                return snap, engine.handle(snap, event, now=now, ids=ids.next, actions=catalog)
        except ReadNeeded as need:
            _read_into(answers, svc, session, stored, need.read, project_id)
            ids.replay()
    # The last decision reads what it asks for as it goes; a field cannot be read that way.
    records.read_left_out(session, stored.tasks)
    snap = plain_snapshot(stored, answers)
    snap.related = _ReadingTasks(answers, StoredTasks(session, project_id))
    reading = _ReadingActions(svc, session, stored, answers, project_id)
    with expressions.shared_deadline(budget):
        return snap, engine.handle(snap, event, now=now, ids=ids.next, actions=reading)


class _ReplayedIds:
    """The id factory of one transition: a decision run again gets the same ids, in order."""

    def __init__(self, new_id: Callable[[], str]) -> None:
        self.new_id = new_id
        self.given: list[str] = []
        self.used = 0

    def next(self) -> str:
        if self.used == len(self.given):
            self.given.append(self.new_id())
        self.used += 1
        return self.given[self.used - 1]

    def replay(self) -> None:
        self.used = 0


def _read_into(
    answers: dict[Read, Any],
    svc: Services,
    session: Session,
    stored: StoredSnapshot,
    read: Read,
    project_id: str,
) -> None:
    """Answer `read`. The first action asked for brings the stored ad-hoc actions of every
    action name the spec calls (one query): a decision that starts several tasks then runs
    twice, not once per action."""
    if read.kind == "field" and read.key[0] == "task" and records.is_large_field(read.key[2]):
        answers[read] = _large_value(session, stored, answers, read)
        return
    first_action = read.kind == "action" and not any(r.kind == "action" for r in answers)
    if first_action:
        _, namespace, workbook = read.key
        names = {read.key[0], *_static_action_names(stored.spec)}
        catalog = StoredCatalog(svc.registry, session, project_id)
        answers.update(catalog.prefetch(names, namespace, workbook))
    if read not in answers:
        answers[read] = _answer(svc, session, stored, read, project_id)


def _large_value(
    session: Session, stored: StoredSnapshot, answers: dict[Read, Any], read: Read
) -> Any:
    """A task's large value the lock's read left out (`records.LARGE_BYTES`), read with the
    task's other large values (a decision that needs one often needs the others). When a
    second task asks for the same one, the decision goes through several (a join, the
    output): it is read for every task at once, so the rounds stay few."""
    _, task_id, name = read.key
    task = next(t for t in stored.tasks if t.id == task_id)
    if any(r.kind == "field" and r.key[0] == "task" and r.key[2] == name for r in answers):
        records.read_left_out(session, stored.tasks, name)
    else:
        records.read_left_out_of(session, task)
    return getattr(task, name)


def _static_action_names(spec: dsl.WorkflowSpec) -> set[str]:
    return {
        t.action
        for t in spec.tasks.values()
        if isinstance(t.action, str) and not expressions.is_expression(t.action)
    }


def _answer(
    svc: Services, session: Session, stored: StoredSnapshot, read: Read, project_id: str
) -> Any:
    """Read what the engine asked for."""
    if read.kind == "action":
        name, namespace, workbook = read.key
        started = lambda: run_started(session, stored.execution)  # noqa: E731
        catalog = StoredCatalog(svc.registry, session, project_id, svc.settings, started)
        return catalog.get(name, namespace=namespace, workbook=workbook)
    if read.kind == "field":
        kind, record_id, name = read.key
        rows_of: dict[str, dict[str, Any]] = {
            "execution": {stored.execution.id: stored.execution},
            "task": {t.id: t for t in stored.tasks},
            "action": stored.actions,
        }
        return records.load_field(session, rows_of[kind][record_id], name)
    return _answer_tasks(StoredTasks(session, project_id), read)


def _answer_tasks(stored_tasks: StoredTasks, read: Read) -> Any:
    if read.kind == "tasks":
        return stored_tasks.of_execution(*read.key)
    if read.kind == "descendants":
        task_ids, state = read.key
        return stored_tasks.descendants(list(task_ids), state)
    if read.kind == "executions":
        return stored_tasks.executions(**dict(read.key))
    raise ValueError(f"unknown read {read.kind}")


class _ReadingTasks(KnownTasks):
    """The last resort after MAX_ROUNDS: unanswered calls read the database."""

    def __init__(self, answers: dict[Read, Any], stored_tasks: StoredTasks) -> None:
        super().__init__(answers)
        self.stored_tasks = stored_tasks

    def _answer(self, read: Read) -> Any:
        if read not in self.answers:
            self.answers[read] = _answer_tasks(self.stored_tasks, read)
        return self.answers[read]


class _ReadingActions:
    """The last resort after MAX_ROUNDS: unanswered action names read the database."""

    def __init__(
        self,
        svc: Services,
        session: Session,
        stored: StoredSnapshot,
        answers: dict[Read, Any],
        project_id: str,
    ) -> None:
        self.svc, self.session, self.stored, self.project_id = svc, session, stored, project_id
        self.known = KnownActions(svc.registry, answers)

    def get(self, name: str, *, namespace: str = "", workbook: str | None = None) -> Any:
        try:
            return self.known.get(name, namespace=namespace, workbook=workbook)
        except ReadNeeded as need:
            answer = _answer(self.svc, self.session, self.stored, need.read, self.project_id)
            self.known.answers[need.read] = answer
            return answer


def run_started(session: Session, ex: Any) -> Any:
    """When the run `ex` belongs to started: its root execution's creation time."""
    root = session.get(WorkflowExecution, ex.root_execution_id) if ex.root_execution_id else None
    return (root or ex).created_at
