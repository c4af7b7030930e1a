"""Properties of running workflows whose expressions are generated (hypothesis): whatever an
expression in a task's input, publish, transition guard or the workflow output does, the engine
finishes the execution (SUCCESS or ERROR with a reason) without an exception escaping a handler,
and an execution of another workflow running beside it is not disturbed."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import event, given
from hypothesis import strategies as st
from wfq_strategies import grammar_expressions
from wfq_testing import inline_services

from wfq.errors import DSLValidationError
from wfq.persistence.migrate import upgrade
from wfq.services import definitions, executions, queries

P = "<default-project>"
GOOD = """\
version: '2.0'
steady:
  input: [n]
  output: {doubled: <% $.doubled %>}
  tasks:
    double:
      action: std.echo output=<% $.n * 2 %>
      publish: {doubled: <% task().result %>}
"""
_names = (f"generated_{n}" for n in itertools.count())
# Expressions that parse: one bad one gets the whole workflow refused at creation (the
# expression tests feed the evaluators garbage directly).
_slots = grammar_expressions


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('execution-properties') / 'wfq.sqlite'}"
    upgrade(url)
    services = inline_services(url)
    definitions.create_workflows(services, GOOD, project_id=P)
    yield services
    services.db.dispose()


@st.composite
def workflows(draw: st.DrawFn) -> dict[str, Any]:
    """Two or three tasks in a chain; expressions in the places a user writes them."""
    count = draw(st.integers(2, 3))
    tasks: dict[str, Any] = {}
    for index in range(count):
        task: dict[str, Any] = {
            "action": "std.echo",
            "input": {"output": draw(_slots)},
            "publish": {f"v{index}": draw(_slots)},
        }
        if index + 1 < count:
            task["on-success"] = [{f"t{index + 1}": draw(grammar_expressions)}]
            task["on-error"] = [f"t{index + 1}"]
        tasks[f"t{index}"] = task
    return {"output": {"out": draw(_slots)}, "tasks": tasks}


def _state(svc: Any, execution_id: str) -> dict[str, Any]:
    return queries.get(svc, "execution", execution_id, project_id=P)


@given(workflows())
def test_any_expression_ends_in_success_or_error_and_harms_no_other_execution(
    svc: Any, body: dict[str, Any]
) -> None:
    name = next(_names)
    try:
        definitions.create_workflows(
            svc, yaml.safe_dump({"version": "2.0", name: body}), project_id=P
        )
    except DSLValidationError:
        event("refused by validation")
        return  # refused at the door, with every issue listed (tests/dsl covers the messages)
    steady = executions.start_execution(svc, "steady", project_id=P, wf_input={"n": 21})
    generated = executions.start_execution(svc, name, project_id=P)
    svc.dispatcher.drain()  # an exception here is an engine handler failing on an expression
    ended = _state(svc, generated)
    assert ended["state"] in ("SUCCESS", "ERROR"), ended
    event(f"ran: {ended['state']}")
    if ended["state"] == "ERROR":
        assert ended["state_info"]
    assert (_state(svc, steady)["state"], _state(svc, steady)["output"]) == (
        "SUCCESS",
        {"doubled": 42},
    )
