"""`wfq.engine.dry_run` driven directly: the virtual clock, engine commands, mocks with
expressions, unknown actions, and the bounds that stop a workflow looping forever."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from harness import Catalog

from wfq import dsl
from wfq.actions.registry import ActionRegistry
from wfq.engine import dry_run
from wfq.engine.mocks import Mocks
from wfq.errors import InvalidInput


def _run(
    text: str, mocks: dict[str, Any] | None = None, wf_input: dict[str, Any] | None = None
) -> dict[str, Any]:
    doc = dsl.parse_document(text)
    specs = {w.name: dsl.workflow_from_dict(w.to_dict()) for w in doc.workflows}
    world = dry_run.World(
        mocks=Mocks.from_dict(mocks),
        workflows=specs.get,
        check_input=lambda spec, given: given,
        catalog=Catalog(ActionRegistry.default()),
        emulate=lambda name, given: None,
        now=dt.datetime(2026, 1, 1),
    )
    return dry_run.DryRun(world, doc.workflows[0], wf_input or {}, {}).run().report()


def test_timers_run_on_a_virtual_clock_and_a_pause_is_resumed() -> None:
    report = _run(
        """
version: '2.0'
slow:
  tasks:
    flaky:
      action: std.http url="https://x.invalid"
      retry: {count: 5, delay: 3600}
      wait-after: 86400
      publish: {code: <% task().result.status %>}
      on-success:
        - pause
        - done
    done:
      action: std.noop
""",
        {"tasks": {"flaky": [{"error": "503"}, {"error": "503"}, {"result": {"status": 200}}]}},
    )
    assert report["state"] == "SUCCESS", report
    assert report["path"] == ["flaky", "done"]
    flaky = report["tasks"][0]
    assert [(a["attempt"], a["success"]) for a in flaky["actions"]] == [
        (0, False),
        (1, False),
        (2, True),
    ]
    assert flaky["published"] == {"code": 200}
    assert report["notes"] == ["paused (pause), resumed"]
    taken = {(t["to"], t["taken"]) for t in report["transitions"]}
    assert taken == {("pause", True), ("done", True)}


def test_a_mock_result_may_read_the_action_input() -> None:
    report = _run(
        """
version: '2.0'
echoing:
  input: [who]
  output: {said: <% $.said %>}
  tasks:
    say:
      action: corp.say text="hello <% $.who %>"
      publish: {said: <% task().result %>}
""",
        {"actions": {"corp.say": {"result": "<% $.text.toUpper() %>"}}},
        {"who": "ann"},
    )
    assert report["output"] == {"said": "HELLO ANN"}
    assert report["tasks"][0]["actions"][0]["mocked_by"] == "action:corp.say"


def test_an_unknown_action_without_mock_fails_as_the_engine_says_and_unmocked_ones_answer_null() -> (
    None
):
    report = _run("""
version: '2.0'
unknown:
  tasks:
    first:
      action: std.http url="https://x.invalid"
      on-success: [second]
    second:
      action: corp.nowhere
""")
    assert report["state"] == "ERROR"
    assert "Failed to find action [action_name=corp.nowhere" in report["state_info"]
    assert report["unmocked"] == ["first"]
    assert report["tasks"][0]["result"] is None


def test_a_workflow_looping_forever_stops_at_the_bound() -> None:
    report = _run("""
version: '2.0'
loop:
  tasks:
    start:
      action: std.noop
      on-success: [again]
    again:
      action: std.noop
      on-success: [again]
""")
    assert report["state"] == "RUNNING"
    assert len(report["path"]) == dry_run.MAX_TASKS + 1
    assert report["notes"] == [
        f"stopped after {dry_run.MAX_TASKS} task executions: does the workflow loop forever?"
    ]


@pytest.mark.parametrize(
    "mocks",
    [
        {"tasks": {"t": {"result": 1, "error": 2}}},
        {"tasks": {"t": "plain"}},
        {"tasks": []},
        "text",
    ],
)
def test_malformed_mocks_are_refused(mocks: Any) -> None:
    with pytest.raises(InvalidInput):
        Mocks.from_dict(mocks)


MANY_ITEMS = """
version: '2.0'
many:
  input: [n, lanes]
  output: {doubled: <% $.doubled %>}
  tasks:
    each:
      with-items: x in <% range($.n) %>
      concurrency: <% $.lanes %>
      action: corp.double x=<% $.x %>
      publish: {doubled: <% task().result %>}
"""

UNBOUNDED_ITEMS = MANY_ITEMS.replace("      concurrency: <% $.lanes %>\n", "")


@pytest.mark.parametrize(
    ("text", "lanes"),
    [
        (UNBOUNDED_ITEMS, None),  # DEFAULT_LANES: 16 lanes sent at once, the rest by StartLanes
        (MANY_ITEMS, 3),  # fewer lanes than items: lanes ask for more items (ItemsWanted)
        (MANY_ITEMS, 20),  # more lanes than FIRST_LANES and fewer than the items: both
    ],
)
def test_with_items_over_more_items_than_first_lanes_runs_every_item_in_order(
    text: str, lanes: int | None
) -> None:
    report = _run(
        text, {"actions": {"corp.double": {"result": "<% $.x * 2 %>"}}}, {"n": 40, "lanes": lanes}
    )
    assert report["state"] == "SUCCESS", report["notes"]
    assert report["notes"] == []
    assert report["output"] == {"doubled": [2 * x for x in range(40)]}
    (each,) = report["tasks"]
    assert each["state"] == "SUCCESS"
    assert [(a["item_index"], a["input"]) for a in each["actions"]] == [
        (x, {"x": x}) for x in range(40)
    ]


@pytest.mark.parametrize("lanes", [None, 3, 20])
def test_with_items_over_many_items_with_a_failing_item_fails_after_every_item_ran(
    lanes: int | None,
) -> None:
    outcomes = [{"result": "<% $.x * 2 %>"}] * 40
    outcomes[29] = {"error": "no double for <% $.x %>"}  # successive calls: the items, in order
    text = UNBOUNDED_ITEMS if lanes is None else MANY_ITEMS
    report = _run(text, {"tasks": {"each": outcomes}}, {"n": 40, "lanes": lanes})
    assert report["state"] == "ERROR", report["notes"]
    assert report["notes"] == []
    (each,) = report["tasks"]
    assert each["state"] == "ERROR"
    assert each["state_info"] == "One or more actions had failed."
    assert len(each["actions"]) == 40
    assert [a["item_index"] for a in each["actions"] if not a["success"]] == [29]
    assert each["result"] == [2 * x if x != 29 else "no double for 29" for x in range(40)]


@pytest.mark.parametrize("lanes", [3, 20])
def test_with_items_over_many_items_retried_runs_every_item_again(lanes: int) -> None:
    text = MANY_ITEMS.replace(
        "      publish:", "      retry: {count: 1, delay: 10}\n      publish:"
    )
    outcomes = [{"result": "<% $.x * 2 %>"}] * 80
    outcomes[29] = {"error": "not this time"}  # the first attempt's item 29
    report = _run(text, {"tasks": {"each": outcomes}}, {"n": 40, "lanes": lanes})
    assert report["state"] == "SUCCESS", report["notes"]
    (each,) = report["tasks"]
    assert [(a["attempt"], a["item_index"]) for a in each["actions"]] == [
        (attempt, x) for attempt in (0, 1) for x in range(40)
    ]
    assert report["output"] == {"doubled": [2 * x for x in range(40)]}


def test_a_dry_run_stops_at_the_bound_of_with_items_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dry_run, "MAX_ITEMS", 25)
    report = _run(MANY_ITEMS, {"actions": {"corp.double": {"result": 1}}}, {"n": 40, "lanes": 3})
    assert report["state"] == "RUNNING"
    assert len(report["tasks"][0]["actions"]) == 25
    assert report["notes"] == ["stopped after 25 with-items items in this dry run"]
