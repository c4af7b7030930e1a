"""A transition reads and writes the engine's plain records without ORM rows
(wfq/persistence/records.py; on PostgreSQL through psycopg's pipeline mode): values of every
shape come back as they went in, on both databases, and rows are stored as the ORM stored
them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from wfq_testing import inline_services, recording_services

from wfq.dsl import workflow as dsl_workflow
from wfq.persistence import records
from wfq.services import controls, definitions, executions, queries

TRICKY = {
    "quotes": "it's \"quoted\" ''",
    "placeholders": "%s %(x)s %% {0} $1 ?",
    "backslashes": "C:\\path\\n \\x00-ish \\\\",
    "statements": "x'); DROP TABLE task_executions; --",
    "unicode": "héllo ✓ 日本語 \U0001f600",
    "nested": {"list": [1, 2.5, None, True, {"deep": ["a", {"b": None}]}], "empty": {}},
    "null": None,
    "number": 12345678901234567890,
}

FORK = """version: '2.0'
fork:
  input: [v]
  tasks:
    start:
      action: std.echo output=<% $.v %>
      publish: {got: <% task().result %>}
      on-success: [left, right]
    left:
      action: std.noop
      publish: {left: <% $.got %>}
      on-success: [done]
    right:
      action: std.noop
      publish: {right: <% $.got.quotes %>}
      on-success: [done]
    done:
      join: all
      action: std.echo output=<% [$.left, $.right] %>
      publish: {out: <% task().result %>}
  output:
    out: <% $.out %>
"""


@pytest.fixture
def run(any_db_url: str) -> Any:
    """(services, project) on a fresh SQLite file or the session's PostgreSQL database, with
    the workflow `fork` in a project of this test's own."""
    svc = inline_services(any_db_url)
    project = f"records-{uuid.uuid4().hex[:8]}"
    definitions.create_workflows(svc, FORK, project_id=project)
    yield svc, project
    svc.db.dispose()


def _run(svc: Any, project: str) -> str:
    ex_id = executions.start_execution(svc, "fork", project_id=project, wf_input={"v": TRICKY})
    svc.dispatcher.drain()
    return ex_id


def test_values_of_every_shape_come_back_as_they_went_in(run: Any) -> None:
    svc, project = run
    ex_id = _run(svc, project)
    ex = queries.get(svc, "execution", ex_id, project_id=project)
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"] == {"out": [TRICKY, TRICKY["quotes"]]}


def test_rows_are_stored_as_the_orm_stored_them(run: Any) -> None:
    svc, project = run
    ex_id = _run(svc, project)
    with svc.db.connection() as conn:
        actions = conn.execute(
            text(
                "SELECT tags IS NULL, description, created_at IS NOT NULL, worker IS NOT NULL "
                "FROM action_executions WHERE workflow_execution_id = :id"
            ),
            {"id": ex_id},
        ).all()
        tasks = conn.execute(
            text(
                "SELECT result IS NULL, tags, updated_at IS NOT NULL FROM task_executions "
                "WHERE workflow_execution_id = :id AND name = 'left'"
            ),
            {"id": ex_id},
        ).all()
    # An action's tags were never set: SQL NULL; its defaults applied; each was claimed.
    assert sorted(actions) == [(True, "", True, True)] * 4
    # A task's result None is JSON null (not SQL NULL), as the ORM stores a None in a JSON
    # column; its tags default to []; the UPDATE that finished it set updated_at.
    assert [(r[0], r[2]) for r in tasks] == [(False, True)]
    assert tasks[0][1] in ([], "[]")


def test_an_edit_and_a_decision_in_one_transaction(run: Any) -> None:
    """A PUT with a description and a state: the edit is written before the decision, which
    sees it; the view shows both."""
    svc, project = run
    ex_id = executions.start_execution(svc, "fork", project_id=project, wf_input={"v": TRICKY})
    view = controls.update_execution(
        svc,
        ex_id,
        project_id=project,
        state="PAUSED",
        description="it's %s",
        env={"k": "v'"},
    )
    assert view["state"] == "PAUSED"
    assert view["description"] == "it's %s"
    assert view["params"]["env"]["k"] == "v'"


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(run: Any) -> None:
    """A write that breaks a constraint fails as a SQLAlchemy IntegrityError on both databases
    (on PostgreSQL it is raised when the pipeline is read, by the driver: wrapped as SQLAlchemy
    wraps it, so `Database.retrying` and the outage handling see what they expect)."""
    svc, project = run
    ex_id = _run(svc, project)
    with svc.db.write() as session:
        locked = records.lock_execution(session, ex_id, tasks=True)
        assert locked is not None and locked.tasks
        twice = records.copy(locked.tasks[0])
    with pytest.raises(IntegrityError), svc.db.write() as session:
        writes = records.Writes(svc.db.state_info_max)
        writes.created(twice)  # its id is taken
        writes.execute(session)
    assert queries.get(svc, "execution", ex_id, project_id=project)["state"] == "SUCCESS"


def test_a_start_that_fails_to_write_leaves_nothing(run: Any) -> None:
    """A start reads its workflow outside any transaction and sends its BEGIN with its inserts
    (wfq/services/starting.py): when the last insert fails (here, the execution's row, refused
    by a trigger), its tasks and actions inserted before it in the same round trip are rolled
    back with it: no half-started execution is left."""
    svc, project = run
    refuse = f"refuse_{project.replace('-', '_')}"
    ddl = [
        f"""CREATE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.project_id = '{project}' THEN RAISE EXCEPTION 'refused by the test'; END IF;
              RETURN NEW;
            END $$""",
        f"CREATE TRIGGER {refuse} BEFORE INSERT ON workflow_executions "
        f"FOR EACH ROW EXECUTE FUNCTION {refuse}()",
    ]
    if svc.db.is_sqlite:
        ddl = [
            f"CREATE TRIGGER {refuse} BEFORE INSERT ON workflow_executions "
            f"WHEN NEW.project_id = '{project}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
    with svc.db.write() as session:
        for statement in ddl:
            session.execute(text(statement))
    try:
        with pytest.raises(Exception, match="refused"):
            executions.start_execution(svc, "fork", project_id=project, wf_input={"v": 1})
    finally:
        with svc.db.write() as session:
            session.execute(
                text(
                    f"DROP TRIGGER {refuse}"
                    + ("" if svc.db.is_sqlite else " ON workflow_executions")
                )
            )
            if not svc.db.is_sqlite:
                session.execute(text(f"DROP FUNCTION {refuse}()"))
    with svc.db.read() as session:
        left = [
            session.execute(
                text(f"SELECT count(*) FROM {table} WHERE project_id = :p"), {"p": project}
            ).scalar()
            for table in ("workflow_executions", "task_executions", "action_executions")
        ]
    assert left == [0, 0, 0]
    # The workflow still starts once nothing refuses it.
    assert (
        queries.get(svc, "execution", _run(svc, project), project_id=project)["state"] == "SUCCESS"
    )


ITEMS = """version: '2.0'
items:
  tasks:
    each:
      with-items: i in <% range(0, 6) %>
      concurrency: 2
      action: std.noop
"""


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_item_results_and_the_next_items_go_in_one_transaction(
    database: str, sqlite_url: str, request: Any
) -> None:
    # The item writer's transaction (records.finish_and_take; on PostgreSQL one round trip):
    # each result is stored only on an item still RUNNING, and the task's next IDLE items are
    # taken for the lanes, in index order, by the worker named.
    from sqlalchemy import select

    from wfq.persistence.models import ActionExecution
    from wfq.services.items import more_items

    url = sqlite_url if database == "sqlite" else request.getfixturevalue("pg_url")
    svc = recording_services(url)
    project = f"records-{uuid.uuid4().hex[:8]}"
    definitions.create_workflows(svc, ITEMS, project_id=project)
    ex_id = executions.start_execution(svc, "items", project_id=project)

    def items() -> dict[int, Any]:
        with svc.db.read() as session:
            stmt = select(ActionExecution).where(ActionExecution.workflow_execution_id == ex_id)
            return {a.item_index: a for a in session.scalars(stmt)}

    assert more_items(svc, next(iter(items().values())).task_execution_id)  # as a lane asks
    before = items()
    assert [before[i].state for i in range(6)] == ["RUNNING"] * 2 + ["IDLE"] * 4
    task_id = before[0].task_execution_id
    results = [
        (before[0].id, "SUCCESS", {"result": TRICKY}),
        (before[1].id, "ERROR", {"result": "failed"}),
        (before[5].id, "SUCCESS", {"result": "not running: left alone"}),
    ]
    with svc.db.write(begin=False) as session:
        taken = records.finish_and_take(session, results, [(task_id, 1, 2, "w1")], svc.now())
    assert [[row.item_index for row in rows] for rows in taken] == [[2, 3]]
    assert taken[0][0].id == before[2].id and taken[0][0].task_execution_id == task_id
    after = items()
    assert (after[0].state, after[0].output) == ("SUCCESS", {"result": TRICKY})
    assert (after[1].state, after[1].output) == ("ERROR", {"result": "failed"})
    assert [(after[i].state, after[i].worker) for i in (2, 3)] == [("RUNNING", "w1")] * 2
    assert (after[4].state, after[5].state, after[5].output) == ("IDLE", "IDLE", before[5].output)
    svc.db.dispose()


def test_a_process_that_never_built_the_spec_reads_it(run: Any, monkeypatch: Any) -> None:
    """A transition looks the execution's spec up by checksum in the process's cache and reads
    it from the row only when missing there: a worker that starts after the API stored the
    execution (or evicted the spec since) runs it to the same end."""
    svc, project = run
    ex_id = executions.start_execution(svc, "fork", project_id=project, wf_input={"v": TRICKY})
    monkeypatch.setattr(dsl_workflow, "_cache", dsl_workflow._SpecCache(4))
    svc.dispatcher.drain()
    ex = queries.get(svc, "execution", ex_id, project_id=project)
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"] == {"out": [TRICKY, TRICKY["quotes"]]}


def test_a_spec_stored_without_a_checksum_still_runs(run: Any, monkeypatch: Any) -> None:
    svc, project = run
    ex_id = executions.start_execution(svc, "fork", project_id=project, wf_input={"v": TRICKY})
    pg = svc.db.engine.dialect.name == "postgresql"
    without = "spec - 'checksum'" if pg else "json_remove(spec, '$.checksum')"
    with svc.db.connection() as conn:
        conn.execute(
            text(f"UPDATE workflow_executions SET spec = {without} WHERE id = :id"), {"id": ex_id}
        )
        conn.commit()
        left = conn.execute(
            text("SELECT spec FROM workflow_executions WHERE id = :id"), {"id": ex_id}
        ).scalar_one()
    assert "checksum" not in (left if isinstance(left, dict) else json.loads(left))
    monkeypatch.setattr(dsl_workflow, "_cache", dsl_workflow._SpecCache(4))
    svc.dispatcher.drain()
    ex = queries.get(svc, "execution", ex_id, project_id=project)
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"] == {"out": [TRICKY, TRICKY["quotes"]]}
