"""A decision reads no database (issue #20): what it needs beyond the execution's rows (an
ad-hoc action, another execution's tasks, `executions()`, the with-items lists) is read between
two decisions, and the outcome is what it always was."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from wfq_testing import inline_services

from wfq import engine
from wfq.services import action_definitions, definitions, executions, queries

P = "<default-project>"

ACTIONS = """
version: '2.0'
greet:
  base: std.echo
  base-input:
    output: <% 'hello ' + $.who %>
  input: [who]
loud:
  base: greet
  base-input:
    who: <% $.who %>
  input: [who]
  output: <% $.toUpper() %>
"""

WORKFLOWS = """
version: '2.0'
main:
  input: [other]
  output:
    said: <% $.said %>
    other: <% $.other_tasks %>
    seen: <% $.seen %>
    items: <% $.items %>
  tasks:
    say:
      action: loud
      input:
        who: world
      publish:
        said: <% task().result %>
      on-success: [look]
    look:
      action: <% 'gr' + 'eet' %>
      input:
        who: again
      publish:
        other_tasks: <% tasks($.other).name.orderBy($) %>
        seen: <% executions(id => $.other).select($.state) %>
      on-success: [many]
    many:
      with-items: x in <% range(5) %>
      concurrency: 2
      action: std.echo output=<% $.x %>
      publish:
        items: <% task().result %>
leaf:
  tasks:
    l1:
      action: std.noop
      on-success: [l2]
    l2:
      action: std.noop
"""


@pytest.fixture
def svc(sqlite_url: str) -> Any:
    svc = inline_services(sqlite_url)
    action_definitions.create_actions(svc, ACTIONS, project_id=P)
    definitions.create_workflows(svc, WORKFLOWS, project_id=P)
    return svc


@pytest.fixture
def statements_in_decisions(svc: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL statements issued while the engine decides (none is expected)."""
    seen: list[str] = []
    deciding = [False]
    real_handle = engine.handle

    def handle(*args: Any, **kwargs: Any) -> Any:
        deciding[0] = True
        try:
            return real_handle(*args, **kwargs)
        finally:
            deciding[0] = False

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if deciding[0]:
            seen.append(statement)

    monkeypatch.setattr(engine, "handle", handle)
    engines = {svc.db.engine, svc.db._write_engine}
    for db_engine in engines:
        event.listen(db_engine, "before_cursor_execute", count)
    yield seen
    for db_engine in engines:
        event.remove(db_engine, "before_cursor_execute", count)


def _run(svc: Any, workflow: str, **wf_input: Any) -> dict[str, Any]:
    ex_id = executions.start_execution(svc, workflow, project_id=P, wf_input=wf_input)
    svc.dispatcher.drain()
    return queries.get(svc, "execution", ex_id, project_id=P)


def test_a_decision_issues_no_sql(svc: Any, statements_in_decisions: list[str]) -> None:
    leaf = _run(svc, "leaf")
    ex = _run(svc, "main", other=leaf["id"])
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"] == {
        "said": "HELLO WORLD",
        "other": ["l1", "l2"],
        "seen": ["SUCCESS"],
        "items": [0, 1, 2, 3, 4],
    }
    assert statements_in_decisions == []


def test_a_read_that_changes_at_every_round_still_gets_its_answer(svc: Any) -> None:
    # `tasks(uuid())` asks for another execution at each round: after MAX_ROUNDS the decision
    # reads as it goes, and the answer is what it always was.
    definitions.create_workflows(
        svc,
        "version: '2.0'\nodd:\n  output:\n    n: <% $.n %>\n  tasks:\n    t:\n      action: std.noop\n"
        "      publish:\n        n: <% len(tasks(uuid())) %>\n",
        project_id=P,
    )
    ex = _run(svc, "odd")
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"] == {"n": 0}


def test_execution_function_in_the_first_transition(
    svc: Any, statements_in_decisions: list[str]
) -> None:
    definitions.create_workflows(
        svc,
        "version: '2.0'\nfirst:\n  output:\n    same: <% $.same %>\n  tasks:\n    t:\n"
        "      action: std.echo output=<% execution().id %>\n      publish:\n"
        "        same: <% task().result = execution().id and execution().updated_at != null %>\n",
        project_id=P,
    )
    ex = _run(svc, "first")
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"] == {"same": True}
    assert statements_in_decisions == []


def test_starting_several_ad_hoc_actions_reads_them_together(
    svc: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    definitions.create_workflows(
        svc,
        "version: '2.0'\nfork:\n  tasks:\n    a:\n      action: loud\n      input: {who: a}\n"
        "    b:\n      action: greet\n      input: {who: b}\n    c:\n      action: loud\n      input: {who: c}\n",
        project_id=P,
    )
    calls = []
    real_handle = engine.handle

    def handle(snap: Any, event: Any, **kwargs: Any) -> Any:
        calls.append(type(event).__name__)
        return real_handle(snap, event, **kwargs)

    monkeypatch.setattr(engine, "handle", handle)
    ex = _run(svc, "fork")
    assert ex["state"] == "SUCCESS", ex["state_info"]
    # The start decides twice (the first unknown action brings every one the spec names);
    # each completion once.
    assert calls.count("WorkflowStarted") == 2
    assert calls.count("ActionCompleted") == 3


def test_plain_copies_share_values_and_write_back_only_what_changed(sqlite_url: str) -> None:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.orm import Session

    from wfq.engine.snapshot import ReadNeeded, Task
    from wfq.persistence import plain
    from wfq.persistence.models import TaskExecution

    with Session(create_engine(sqlite_url)) as session:
        session.add(
            TaskExecution(
                id="t1",
                workflow_execution_id="e1",
                name="t",
                state="RUNNING",
                in_context={"big": [1] * 1000},
                workflow_id="w",
                workflow_name="w",
                project_id=P,
                with_items_values={"x": [1, 2]},
            )
        )
        session.commit()
        row = session.get(TaskExecution, "t1")
        assert row is not None
        copy = plain.copy_of(row, Task)
        assert copy.in_context is row.in_context  # a reference, not a copy
        with pytest.raises(ReadNeeded) as need:
            _ = copy.with_items_values  # deferred: a request, not a lazy load
        assert need.value.read.key == ("task", "t1", "with_items_values")
        copy.state, copy.published = "SUCCESS", {"y": 1}
        plain.write_back(copy, row)
        changed = {a.key for a in inspect(row).attrs if a.history.has_changes()}
        assert changed == {"state", "published"}
