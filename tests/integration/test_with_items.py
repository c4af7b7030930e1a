"""with-items on real workers: lanes in a Celery chord (Redis result backend), results in order."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from test_core_workflows import wf
from wfq_testing import until

pytestmark = pytest.mark.integration


def test_items_results_are_ordered_and_published(api: Any) -> None:
    ex = api.run(
        wf(
            "items",
            """
  input: [names]
  output: {all: <% $.all %>}
  tasks:
    each:
      with-items: name in <% $.names %>
      action: std.echo output="hello <% $.name %>"
      publish: {all: <% task().result %>}
""",
        ),
        {"names": [f"n{i}" for i in range(40)]},
    )
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert json.loads(ex["output"]) == {"all": [f"hello n{i}" for i in range(40)]}
    task = api.tasks(ex["id"])["each"]
    assert json.loads(task["runtime_context"])["with_items"] == {"count": 40, "capacity": None}
    actions = api.c.get(
        f"/v2/action_executions?task_execution_id={task['id']}&limit=100"
    ).get_json()
    assert len(actions["action_executions"]) == 40


def test_concurrency_and_a_failing_item(api: Any) -> None:
    ex = api.run(
        wf(
            "itemsfail",
            """
  tasks:
    each:
      with-items: n in <% range(0, 12) %>
      concurrency: 3
      action: std.fail
      input:
        error_data: <% $.n = 7 and 'seven is bad' or '' %>
""",
        )
    )
    assert ex["state"] == "ERROR"
    task = api.tasks(ex["id"])["each"]
    assert task["state"] == "ERROR" and task["state_info"] == "One or more actions had failed."
    assert "seven is bad" in ex["state_info"]


def test_a_thousand_items(api: Any) -> None:
    ex = api.run(
        wf(
            "kitems",
            """
  tasks:
    each:
      with-items: n in <% range(0, 1000) %>
      action: std.echo output=<% $.n %>
      publish: {total: <% task().result.sum() %>}
""",
        )
    )
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert json.loads(ex["output"]) == {"total": sum(range(1000))}


# ---- items created as lanes need them, progress, cancel, asynchronous items, rerun -----------


def _item_rows(services: Any, task_id: str) -> dict[str, int]:
    """The task's item rows by state, straight from the database (IDLE included)."""
    from sqlalchemy import func, select

    from wfq.persistence.models import ActionExecution as AE

    with services.db.read() as session:
        stmt = (
            select(AE.state, func.count()).where(AE.task_execution_id == task_id).group_by(AE.state)
        )
        return {state: n for state, n in session.execute(stmt)}


def _task(api: Any, task_id: str) -> dict[str, Any]:
    r = api.c.get(f"/v2/tasks/{task_id}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _started_task(api: Any, text: str, wf_input: dict[str, Any] | None = None) -> tuple[str, str]:
    name = api.create_workflow(text)[0]["name"]
    ex = api.start(name, wf_input)
    task = until(lambda: api.tasks(ex["id"]).get("each"), "the task", 30)
    return ex["id"], task["id"]


def test_a_hundred_thousand_items_start_without_creating_their_rows(
    api: Any, services: Any
) -> None:
    ex_id, task_id = _started_task(
        api,
        wf(
            "bigitems",
            """
  tasks:
    each:
      with-items: n in <% range(0, 100000) %>
      concurrency: 8
      action: std.echo output=<% $.n %>
""",
        ),
    )
    rows = sum(_item_rows(services, task_id).values())
    assert rows <= 20_000, (
        f"{rows} item rows exist right after the start: they were created eagerly"
    )
    progress = until(
        lambda: (p := _task(api, task_id)["progress"])["done"] >= 50 and p, "progress", 120
    )
    assert progress["total"] == 100_000 and progress["failed"] == 0
    assert progress["eta_seconds"] is not None and progress["eta_seconds"] > 0
    listed = api.c.get(f"/v2/action_executions?task_execution_id={task_id}&limit=1000").get_json()
    assert {a["state"] for a in listed["action_executions"]} <= {"RUNNING", "SUCCESS"}
    r = api.c.put(f"/v2/executions/{ex_id}", json={"state": "CANCELLED"})
    assert r.status_code == 200 and r.get_json()["state"] == "CANCELLED"
    assert _task(api, task_id)["state"] == "CANCELLED"
    assert "IDLE" not in _item_rows(services, task_id)


def test_cancel_starts_no_further_item_and_the_task_ends_cancelled(api: Any, services: Any) -> None:
    ex_id, task_id = _started_task(
        api,
        wf(
            "cancelitems",
            """
  tasks:
    each:
      with-items: n in <% range(0, 3000) %>
      concurrency: 4
      action: std.sleep seconds=0.02
""",
        ),
    )
    until(lambda: _item_rows(services, task_id).get("SUCCESS", 0) >= 30, "30 items done", 60)
    r = api.c.put(f"/v2/executions/{ex_id}", json={"state": "CANCELLED", "state_info": "enough"})
    assert r.status_code == 200 and r.get_json()["state"] == "CANCELLED"
    at_cancel = sum(n for s, n in _item_rows(services, task_id).items() if s != "IDLE")
    until(lambda: not _item_rows(services, task_id).get("RUNNING"), "items in flight to end", 30)
    time.sleep(1.0)
    after = _item_rows(services, task_id)
    assert sum(after.values()) == at_cancel, (at_cancel, after)
    # Those in flight ran to the end and were recorded; those sent to a lane that no worker had
    # started yet are cancelled (never run).
    assert set(after) <= {"SUCCESS", "CANCELLED"} and after.get("SUCCESS"), after
    task = _task(api, task_id)
    assert (
        task["state"] == "CANCELLED" and task["state_info"] == "One or more actions was cancelled."
    )
    ex = api.execution(ex_id)
    assert ex["state"] == "CANCELLED" and ex["state_info"] == "enough"
    assert at_cancel < 3000


def test_asynchronous_items_complete_the_task_only_when_all_have_results(
    api: Any, services: Any
) -> None:
    ex_id, task_id = _started_task(
        api,
        wf(
            "asyncitems",
            """
  tasks:
    each:
      with-items: n in [1, 2, 3]
      concurrency: 2
      action: std.async_noop
      publish: {all: <% task().result %>}
  output: {all: <% $.all %>}
""",
        ),
    )

    def listed() -> list[dict[str, Any]]:
        body = api.c.get(f"/v2/tasks/{task_id}/action_executions").get_json()
        return sorted(body["action_executions"], key=lambda a: a["created_at"])

    def answer(action_id: str) -> None:
        value = "abc"[_item_index(services, action_id)]
        r = api.c.put(
            f"/v2/action_executions/{action_id}",
            json={"state": "SUCCESS", "output": json.dumps(value)},
        )
        assert r.status_code == 200, r.get_json()

    first = until(lambda: len(got := listed()) == 2 and got, "two items started", 30)
    time.sleep(0.5)
    assert len(listed()) == 2, "concurrency 2: the third item waits for a slot"
    for action in first:
        answer(action["id"])
        assert _task(api, task_id)["state"] == "RUNNING"
    third = until(lambda: [a for a in listed() if a["state"] == "RUNNING"], "the third item", 30)
    assert api.execution(ex_id)["state"] == "RUNNING"
    answer(third[0]["id"])
    ex = api.wait(ex_id)
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert len(listed()) == 3
    assert json.loads(ex["output"]) == {"all": ["a", "b", "c"]}


def _item_index(services: Any, action_id: str) -> int:
    from wfq.persistence.models import ActionExecution

    with services.db.read() as session:
        return int(session.get(ActionExecution, action_id).item_index)


RERUN_ITEMS = """
  tasks:
    actions:
      with-items: n in [0, 1, 2, 3]
      action: std.echo output=<% $.n %> delay=<% $.n in env().bad and 'bad' or 0 %>
      publish: {by_action: <% task().result %>}
      on-success: [children]
    children:
      with-items: n in [0, 1, 2, 3]
      workflow: {child}
      input: {n: <% $.n %>}
      publish: {by_child: <% task().result %>}
  output: {by_action: <% $.by_action %>, by_child: <% $.by_child %>}
"""


def test_rerun_of_failed_items_works_for_action_and_subworkflow_items(
    api: Any, services: Any
) -> None:
    from wfq.services import recovery

    child = api.create_workflow(
        wf(
            "child",
            """
  input: [n]
  output: {n: <% $.n %>}
  tasks:
    check:
      action: std.noop
      on-success:
        - boom: <% $.n in env().bad %>
    boom:
      action: std.fail
""",
        )
    )[0]["name"]
    name = api.create_workflow(wf("rerunitems", RERUN_ITEMS.replace("{child}", child)))[0]["name"]
    ex = api.wait(api.start(name, None, env={"bad": [1, 3]})["id"])
    assert ex["state"] == "ERROR"
    tasks = api.tasks(ex["id"])
    assert tasks["actions"]["state"] == "ERROR" and "children" not in tasks

    def rerun(task_name: str, bad: list[int]) -> None:
        task_id = api.tasks(ex["id"])[task_name]["id"]
        body = {"state": "RUNNING", "reset": False, "env": {"bad": bad}}
        r = api.c.put(f"/v2/tasks/{task_id}", json=body)
        assert r.status_code == 200, r.get_json()

    # Items 1 and 3 run again; item 2 is not rerun although env now calls it bad: it succeeded.
    rerun("actions", [2])
    until(
        lambda: api.tasks(ex["id"]).get("children", {}).get("state") == "ERROR",
        "children to fail",
        60,
    )
    children = api.tasks(ex["id"])["children"]
    assert children["state_info"] == "One or more actions had failed."
    before = api.c.get(f"/v2/executions?task_execution_id={children['id']}").get_json()[
        "executions"
    ]
    assert sorted(json.loads(c["params"])["index"] for c in before) == [0, 1, 2, 3]
    rerun("children", [])
    done = api.wait(ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    assert json.loads(done["output"]) == {
        "by_action": [0, 1, 2, 3],
        "by_child": [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}],
    }
    after = api.c.get(f"/v2/executions?task_execution_id={children['id']}").get_json()["executions"]
    assert len(after) == 5, "only the failed item gets a new child"
    recovery.recover(services)  # the integrity check leaves the rerun task alone
    assert api.tasks(ex["id"])["children"]["state"] == "SUCCESS"
