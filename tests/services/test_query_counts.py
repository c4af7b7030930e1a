"""Algorithmic guards (not timings): the SQL a transition issues does not grow with the length
of the workflow, and a with-items item costs the same whatever the number of items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from wfq_testing import inline_services

from wfq.services import definitions, executions, queries

P = "<default-project>"


def _chain(n: int) -> str:
    lines = ["version: '2.0'", f"chain{n}:", "  tasks:"]
    for i in range(n):
        lines += [f"    t{i}:", "      action: std.noop"]
        if i + 1 < n:
            lines.append(f"      on-success: [t{i + 1}]")
    return "\n".join(lines) + "\n"


def _count_statements(svc: Any) -> list[int]:
    seen = [0]

    def count(*_: Any) -> None:
        seen[0] += 1

    for engine in {svc.db.engine, svc.db._write_engine}:
        event.listen(engine, "before_cursor_execute", count)
    return seen


def _statements_of_one_run(tmp_path: Any, name: str, text: str) -> int:
    """SQL statements of one execution of workflow `name` (defined by `text`), on a fresh
    SQLite database, from its start until it ends in SUCCESS."""
    from wfq.persistence.migrate import upgrade

    url = f"sqlite:///{tmp_path}/{name}.sqlite"
    upgrade(url)
    svc = inline_services(url)
    definitions.create_workflows(svc, text, project_id=P)
    seen = _count_statements(svc)
    ex_id = executions.start_execution(svc, name, project_id=P)
    svc.dispatcher.drain()
    assert queries.get(svc, "execution", ex_id, project_id=P)["state"] == "SUCCESS"
    return seen[0]


def test_statements_per_task_do_not_grow_with_the_chain(tmp_path: Any) -> None:
    short, long = (_statements_of_one_run(tmp_path, f"chain{n}", _chain(n)) / n for n in (5, 40))
    assert long <= short * 1.1, (short, long)
    # On SQLite (its BEGIN IMMEDIATE counts as a statement): the transition is BEGIN, the
    # execution lock read together with the completed action, its tasks, and the writes (action
    # result, task state, next task, next action) = 7 per task. The next action is stored
    # already claimed by the worker that runs it (the eager chain): no claim of its own.
    assert long <= 7.5, long


def _fork(n: int) -> str:
    branches = [f"b{i}" for i in range(n)]
    lines = ["version: '2.0'", f"fork{n}:", "  tasks:", "    start:", "      action: std.noop"]
    lines.append(f"      on-success: [{', '.join(branches)}]")
    for b in branches:
        lines += [f"    {b}:", "      action: std.noop", "      on-success: [done]"]
    lines += ["    done:", "      join: all", "      action: std.noop"]
    return "\n".join(lines) + "\n"


def test_statements_per_branch_do_not_grow_with_the_fork(tmp_path: Any) -> None:
    per_task = [_statements_of_one_run(tmp_path, f"fork{n}", _fork(n)) / (n + 2) for n in (4, 24)]
    # Every branch's completion takes the execution lock and arrives at the join: the statements
    # it costs stay the same however many siblings it has (they are read in one statement).
    assert per_task[1] <= per_task[0] * 1.1, per_task


def test_statements_per_item_do_not_grow_with_the_items(tmp_path: Any) -> None:
    per_item = [_statements_of_one_run(tmp_path, f"items{n}", _items(n)) / n for n in (20, 200)]
    assert per_item[1] <= per_item[0] * 1.1, per_item
    # BEGIN IMMEDIATE, the result's UPDATE (no read), the UPDATE ... RETURNING of the next item;
    # plus, once per batch of items (100 here), the transition that creates the batch (~16).
    assert per_item[1] <= 3.4, per_item


def _items(n: int) -> str:
    return f"""version: '2.0'
items{n}:
  tasks:
    each:
      with-items: x in <% range(0, {n}) %>
      concurrency: 4
      action: std.echo output=<% $.x %>
"""


def test_a_late_items_completed_reads_no_item_result(tmp_path: Any) -> None:
    """Lanes that end together may each send ItemsCompleted: once the task is completed, the
    others find it so without reading its items' results (thousands of rows each)."""
    from sqlalchemy import select

    from wfq.engine import ItemsCompleted
    from wfq.persistence.migrate import upgrade
    from wfq.persistence.models import TaskExecution
    from wfq.services.continuing import continue_execution

    url = f"sqlite:///{tmp_path}/late.sqlite"
    upgrade(url)
    svc = inline_services(url)
    definitions.create_workflows(svc, _items(30), project_id=P)
    ex_id = executions.start_execution(svc, "items30", project_id=P)
    svc.dispatcher.drain()
    assert queries.get(svc, "execution", ex_id, project_id=P)["state"] == "SUCCESS"
    with svc.db.read() as session:
        task_id = session.scalars(select(TaskExecution.id)).one()
    read: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # the items' results: action_executions.output (the tasks' read under the lock names
        # action_executions only to find the task of an action the event is about)
        if statement.lstrip().upper().startswith("SELECT") and "action_executions.output" in (
            statement
        ):
            read.append(statement)

    for engine in {svc.db.engine, svc.db._write_engine}:
        event.listen(engine, "before_cursor_execute", note)
    continue_execution(svc, ItemsCompleted(task_id).to_dict())
    assert read == []
    assert queries.get(svc, "execution", ex_id, project_id=P)["state"] == "SUCCESS"
