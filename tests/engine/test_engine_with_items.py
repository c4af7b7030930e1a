"""with-items on the pure engine: items created as lanes need them, a cancel that stops them,
asynchronous items, and rerunning the failed items of action and subworkflow tasks."""

from __future__ import annotations

from typing import Any

from harness import Rehearsal

from wfq import engine
from wfq.engine import with_items


def _wf(body: str) -> str:
    return "version: '2.0'\nwf:\n  tasks:\n" + body


ECHO_ITEMS = _wf("""
    each:
      with-items: x in <% range(0, $.n) %>
      concurrency: <% $.lanes %>
      action: std.echo output=<% $.x * 10 %>
      publish: {all: <% task().result %>}
""").replace("wf:\n", "wf:\n  input: [n, lanes]\n")


def _started(n: int, lanes: int) -> Rehearsal:
    r = Rehearsal(ECHO_ITEMS, {"n": n, "lanes": lanes})
    r.handle(engine.WorkflowStarted())
    return r


def _items_of(r: Rehearsal, task: Any) -> list[Any]:
    return sorted(
        (a for a in r.actions.values() if a.task_execution_id == task.id),
        key=lambda a: a.item_index,
    )


def _finish(r: Rehearsal, actions: list[Any]) -> None:
    """What lanes do with these items: run them and store their results (no engine call)."""
    for a in actions:
        ok, result = r.result_of(a)
        a.state, a.output = ("SUCCESS" if ok else "ERROR"), {"result": result}


def test_starting_creates_only_the_first_lanes_items() -> None:
    r = _started(100_000, 5)
    task = r.task("each")
    items = _items_of(r, task)
    assert [a.item_index for a in items] == [0, 1, 2, 3, 4]
    assert {a.state for a in items} == {"RUNNING"}
    assert [c.action_execution_ids for c in r.item_batches] == [tuple(a.id for a in items)]
    assert task.runtime_context["with_items"] == {"count": 100_000, "capacity": 5}
    assert task.runtime_context["items_todo"]["ranges"] == [[5, 100_000]]
    assert task.with_items_values == {"x": list(range(100_000))}


def test_lanes_beyond_the_first_ones_are_started_by_a_worker_once() -> None:
    r = Rehearsal(ECHO_ITEMS, {"n": 100_000, "lanes": 40})
    r.start_lanes = False
    r.handle(engine.WorkflowStarted())
    task = r.task("each")
    assert len(_items_of(r, task)) == with_items.FIRST_LANES
    assert [type(c).__name__ for c in r.commands] == ["RunItems", "StartLanes"]
    r.handle(engine.ItemsWanted(task.id, lanes=True))
    r.handle(engine.ItemsWanted(task.id, lanes=True))  # a duplicate message
    items = _items_of(r, task)
    assert [a.item_index for a in items] == list(range(40)) and {a.state for a in items} == {
        "RUNNING"
    }
    assert [len(c.action_execution_ids) for c in r.item_batches] == [16, 24]
    assert task.runtime_context["items_todo"]["ranges"] == [[40, 100_000]]


def test_each_batch_is_created_when_a_lane_asks_and_results_keep_their_order() -> None:
    r = _started(250, 5)
    task = r.task("each")
    _finish(r, _items_of(r, task))
    r.handle(engine.ItemsWanted(task.id))
    batch = [a for a in _items_of(r, task) if a.state == "IDLE"]
    assert [a.item_index for a in batch] == list(range(5, 5 + with_items.BATCH_MIN))
    # A duplicate request while items wait adds the next batch only when asked again.
    r.handle(engine.ItemsCompleted(task.id))
    assert task.state == "RUNNING"  # items are still to be created: the callback is early
    while task.runtime_context.get("items_todo"):
        r.handle(engine.ItemsWanted(task.id))
    _finish(r, [a for a in _items_of(r, task) if a.state != "SUCCESS"])
    r.handle(engine.ItemsCompleted(task.id))
    assert task.state == "SUCCESS"
    assert r.execution.output == {"all": [x * 10 for x in range(250)]}
    assert len(_items_of(r, task)) == 250


def test_the_whole_run_through_the_harness_lanes() -> None:
    r = Rehearsal(ECHO_ITEMS, {"n": 1234, "lanes": 7}).run()
    assert r.execution.state == "SUCCESS", r.execution.state_info
    assert r.execution.output == {"all": [x * 10 for x in range(1234)]}


def test_cancel_stops_the_items_at_once_and_the_task_ends_cancelled() -> None:
    r = _started(1000, 3)
    task = r.task("each")
    first = _items_of(r, task)
    _finish(r, first[:1])
    r.handle(engine.ItemsWanted(task.id))
    created = len(_items_of(r, task))
    r.handle(engine.StateRequested("CANCELLED", "stop it"))
    assert r.execution.state == "CANCELLED"
    assert task.state == "CANCELLED" and task.state_info == "One or more actions was cancelled."
    assert "items_todo" not in task.runtime_context
    # A lane asking for more after the cancel gets nothing; the callback changes nothing.
    r.handle(engine.ItemsWanted(task.id))
    assert len(_items_of(r, task)) == created
    _finish(r, first[1:])
    r.handle(engine.ItemsCompleted(task.id))
    assert task.state == "CANCELLED" and r.execution.state == "CANCELLED"
    assert [a.state for a in first] == ["SUCCESS"] * 3  # results in flight are recorded


def test_cancel_stops_a_retry_from_starting_a_new_action() -> None:
    r = Rehearsal(
        _wf("""
    flaky:
      action: std.fail
      retry: {count: 3, delay: 0}
""")
    )
    r.handle(engine.WorkflowStarted())
    (cmd,) = r.pending
    r.handle(engine.StateRequested("CANCELLED"))
    r.handle(engine.ActionCompleted(cmd.action_execution_id, False, "boom"))
    assert len(r.actions) == 1, "no new attempt starts under a cancelled execution"
    assert r.execution.state == "CANCELLED"


ASYNC_ITEMS = _wf("""
    each:
      with-items: x in [1, 2, 3]
      action: std.async_noop
      publish: {all: <% task().result %>}
""")


def test_an_asynchronous_item_result_does_not_complete_the_task() -> None:
    r = Rehearsal(ASYNC_ITEMS)
    r.handle(engine.WorkflowStarted())
    task = r.task("each")
    items = _items_of(r, task)
    r.handle(engine.ActionCompleted(items[1].id, True, "two"))
    assert task.state == "RUNNING" and r.execution.state == "RUNNING"
    assert items[1].state == "SUCCESS" and items[1].output == {"result": "two"}
    r.handle(engine.ActionCompleted(items[0].id, True, "one"))
    r.handle(engine.ActionCompleted(items[2].id, True, "three"))
    r.handle(engine.ItemsCompleted(task.id))
    assert task.state == "SUCCESS"
    assert r.execution.output == {"all": ["one", "two", "three"]}


def test_rerun_of_failed_action_items_creates_only_those() -> None:
    r = Rehearsal(
        _wf("""
    each:
      with-items: x in [0, 1, 2, 3]
      action: std.echo output=<% $.x %>
      publish: {all: <% task().result %>}
"""),
        scripted={"each": [0, {"error": "bad"}, 2, {"error": "bad"}, 1, 3]},
    ).run()
    task = r.task("each")
    assert task.state == "ERROR"
    r.handle(engine.RerunRequested(task.id, reset=False))
    new = [a for a in _items_of(r, task) if a.state == "RUNNING"]
    assert [a.item_index for a in new] == [1, 3]
    _finish(r, new)
    r.handle(engine.ItemsCompleted(task.id))
    assert task.state == "SUCCESS" and r.execution.state == "SUCCESS"
    assert r.execution.output == {"all": [0, 1, 2, 3]}


SUB_ITEMS = """version: '2.0'
wf:
  tasks:
    each:
      with-items: x in [0, 1, 2]
      workflow: child
      input: {x: <% $.x %>}
      publish: {all: <% task().result %>}
child:
  input: [x]
  output: {x: <% $.x %>}
  tasks:
    t:
      action: std.noop
"""


def _child_done(r: Rehearsal, task: Any, cmd: engine.StartSubworkflow, state: str, n: int) -> None:
    out = {"x": cmd.input["x"]} if state == "SUCCESS" else {"result": "child failed"}
    r.handle(
        engine.SubworkflowCompleted(
            task.id,
            state,
            out,
            None if state == "SUCCESS" else "child failed",
            f"child-{n}",
            cmd.params["index"],
            cmd.params.get("attempt", 0),
        )
    )


def test_rerun_of_failed_subworkflow_items_starts_new_children_for_those_only() -> None:
    r = Rehearsal(SUB_ITEMS)
    r.handle(engine.WorkflowStarted())
    task = r.task("each")
    starts = [c for c in r.commands if isinstance(c, engine.StartSubworkflow)]
    assert [c.params for c in starts] == [{"index": 0}, {"index": 1}, {"index": 2}]
    for n, (cmd, state) in enumerate(zip(starts, ["SUCCESS", "ERROR", "SUCCESS"], strict=True)):
        _child_done(r, task, cmd, state, n)
    assert task.state == "ERROR" and r.execution.state == "ERROR"

    r.commands.clear()
    r.handle(engine.RerunRequested(task.id, reset=False))
    again = [c for c in r.commands if isinstance(c, engine.StartSubworkflow)]
    assert [c.params for c in again] == [{"index": 1, "attempt": 1}]
    # The failed child of the first attempt, delivered again (the integrity check), is ignored.
    _child_done(r, task, starts[1], "ERROR", 1)
    assert task.state == "RUNNING"
    _child_done(r, task, again[0], "SUCCESS", 3)
    assert task.state == "SUCCESS" and r.execution.state == "SUCCESS"
    assert r.execution.output == {"all": [{"x": 0}, {"x": 1}, {"x": 2}]}
