"""A task's large values (its `in_context`, `published`, `result` beyond
`records.LARGE_BYTES`) are not read with the other tasks under the execution's lock; the
engine reads them when a decision needs them. Workflows that use them end as if they had been
read: on both databases, through expressions, a join and the workflow's output."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import pytest
from wfq_testing import inline_services

from wfq.engine.snapshot import ReadNeeded
from wfq.persistence import records
from wfq.services import definitions, executions, queries

BRANCHES = 25  # more than snapshots.MAX_ROUNDS: one read per branch would run out of rounds

FAN = f"""version: '2.0'
fan:
  input: [blob]
  tasks:
    first:
      action: std.echo output=<% $.blob %>
      publish: {{first_len: <% len(task().result) %>}}
      on-success: [{", ".join(f"b{i}" for i in range(BRANCHES))}]
{
    "".join(
        f'''    b{i}:
      action: std.echo output=<% $.blob + '{i}' %>
      publish: {{b{i}: <% task().result %>}}
      on-success: [joined]
'''
        for i in range(BRANCHES)
    )
}    joined:
      join: all
      action: std.echo output=<% len(task(first).result) %>
      publish:
        again: <% task().result %>
        tail: <% $.b{BRANCHES - 1}.substring(len($.blob)) %>
  output:
    first_len: <% $.first_len %>
    again: <% $.again %>
    tail: <% $.tail %>
    seen: <% {" and ".join(f"$.b{i} != null" for i in range(BRANCHES))} %>
"""


@pytest.fixture
def svc(any_db_url: str) -> Any:
    services = inline_services(any_db_url)
    yield services
    services.db.dispose()


def test_large_values_are_read_when_a_decision_needs_them(svc: Any) -> None:
    project = f"large-{uuid.uuid4().hex[:8]}"
    definitions.create_workflows(svc, FAN, project_id=project)
    blob = secrets.token_hex(3 * records.LARGE_BYTES)  # incompressible: large once stored
    ex_id = executions.start_execution(svc, "fan", project_id=project, wf_input={"blob": blob})
    svc.dispatcher.drain()
    ex = queries.get(svc, "execution", ex_id, project_id=project)
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"]["first_len"] == len(blob)
    assert ex["output"]["again"] == len(blob)  # task(first).result, read by the join
    assert ex["output"]["tail"] == str(BRANCHES - 1)  # a branch's published value
    assert ex["output"]["seen"] is True  # every branch's, merged by the join


def test_the_lock_reads_small_values_and_leaves_large_ones_out(svc: Any) -> None:
    project = f"large-{uuid.uuid4().hex[:8]}"
    definitions.create_workflows(svc, FAN, project_id=project)
    blob = secrets.token_hex(3 * records.LARGE_BYTES)
    ex_id = executions.start_execution(svc, "fan", project_id=project, wf_input={"blob": blob})
    svc.dispatcher.drain()
    with svc.db.write() as session:
        locked = records.lock_execution(session, ex_id, tasks=True)
        assert locked is not None and locked.tasks is not None
        first = next(t for t in locked.tasks if t.name == "first")
        joined = next(t for t in locked.tasks if t.name == "joined")
        assert joined.result == len(blob)  # small: read with the task
        assert first.published == {"first_len": len(blob)}
        with pytest.raises(ReadNeeded):
            _ = first.result  # large: the engine asks for it
        with pytest.raises(ReadNeeded):
            _ = joined.in_context  # the branches' published values, merged: large
        records.read_left_out_of(session, first)
        records.read_left_out_of(session, joined)
        assert first.result == blob
        assert joined.in_context[f"b{BRANCHES - 1}"] == blob + str(BRANCHES - 1)


CARRY = """version: '2.0'
carry:
  input: [blob]
  tasks:
    make:
      action: std.echo output=<% $.blob %>
      publish: {data: <% task().result %>}
      on-success: [step1]
    step1:
      action: std.noop
      on-success: [step2]
    step2:
      action: std.noop
      on-success: [step3]
    step3:
      action: std.echo output=<% len($.data) %>
      publish: {size: <% task().result %>}
  output:
    size: <% $.size %>
"""


def test_a_completion_reads_its_own_tasks_large_values_with_the_lock(svc: Any) -> None:
    """Each step's context holds the large value `make` published: a completion needs its
    task's context, and a worker names the task, so it comes with the lock's read instead of
    a read of its own after a first decision asked for it."""
    from sqlalchemy import event

    project = f"large-{uuid.uuid4().hex[:8]}"
    definitions.create_workflows(svc, CARRY, project_id=project)
    blob = secrets.token_hex(3 * records.LARGE_BYTES)
    reads: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        lock_read = "pg_column_size(" in statement or "length(" in statement
        if statement.lstrip().upper().startswith("SELECT") and not lock_read:
            if "task_executions.in_context" in statement:
                reads.append(statement)

    for engine in {svc.db.engine, svc.db._write_engine}:
        event.listen(engine, "before_cursor_execute", note)
    ex_id = executions.start_execution(svc, "carry", project_id=project, wf_input={"blob": blob})
    svc.dispatcher.drain()
    ex = queries.get(svc, "execution", ex_id, project_id=project)
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"] == {"size": len(blob)}
    assert reads == []
