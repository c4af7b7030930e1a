"""wfq.services.graphs.build: nodes, edges and levels of direct and reverse workflows."""

from __future__ import annotations

from typing import Any

from wfq import dsl
from wfq.services import graphs

FORK_JOIN = """\
version: '2.0'
fork_join:
  task-defaults:
    on-error: [report]
  tasks:
    start:
      action: std.echo output=go
      on-success: [left, right]
    left:
      action: std.sleep seconds=1
      on-success: [joined]
    right:
      with-items: i in [1, 2]
      action: std.noop
      on-success:
        - joined: <% $.ok %>
    joined:
      join: all
      workflow: child
      on-complete:
        - fail: <% $.bad %>
    report:
      action: std.noop
"""

LOOP = """\
version: '2.0'
poll:
  tasks:
    init:
      action: std.noop
      on-success: [check]
    check:
      action: std.noop
      on-success:
        - done: <% $.ready %>
        - wait: <% not $.ready %>
    wait:
      action: std.sleep seconds=1
      on-success: [check]
    done:
      action: std.noop
"""

REVERSE = """\
version: '2.0'
build:
  type: reverse
  tasks:
    fetch:
      action: std.noop
    compile:
      action: std.noop
      requires: [fetch]
    lint:
      action: std.noop
      requires: [fetch]
    package:
      action: std.noop
      requires: [compile, lint]
"""


def _graph(text: str) -> dict[str, Any]:
    return graphs.build(dsl.parse_document(text).workflows[0]).to_dict()


def _edges(g: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(e["source"], e["target"], e["kind"]) for e in g["edges"]}


def test_fork_join_nodes_edges_and_levels() -> None:
    g = _graph(FORK_JOIN)
    assert g["workflow"] == "fork_join" and g["type"] == "direct"
    assert g["levels"] == [["start"], ["left", "right"], ["joined"], ["report"]]
    assert _edges(g) == {
        ("start", "left", "on-success"),
        ("start", "right", "on-success"),
        ("left", "joined", "on-success"),
        ("right", "joined", "on-success"),
        # task-defaults on-error applies to every task but report itself
        ("start", "report", "on-error"),
        ("left", "report", "on-error"),
        ("right", "report", "on-error"),
        ("joined", "report", "on-error"),
    }
    nodes = {n["name"]: n for n in g["nodes"]}
    assert nodes["start"]["start"] and not nodes["left"]["start"]
    assert nodes["joined"]["join"] == "all"
    assert nodes["joined"]["workflow"] == "child" and nodes["joined"]["action"] is None
    assert nodes["right"]["with_items"] and not nodes["left"]["with_items"]
    assert nodes["joined"]["commands"] == [
        {"kind": "on-complete", "name": "fail", "condition": "<% $.bad %>"}
    ]
    guarded = next(e for e in g["edges"] if e["source"] == "right" and e["target"] == "joined")
    assert guarded["condition"] == "<% $.ok %>"
    assert not any(e["back"] for e in g["edges"])


def test_a_loop_is_a_back_edge_and_does_not_push_levels() -> None:
    g = _graph(LOOP)
    back = [(e["source"], e["target"]) for e in g["edges"] if e["back"]]
    assert back == [("wait", "check")]
    assert g["levels"] == [["init"], ["check"], ["wait", "done"]]


def test_reverse_workflow_requires_edges() -> None:
    g = _graph(REVERSE)
    assert g["type"] == "reverse"
    assert _edges(g) == {
        ("fetch", "compile", "requires"),
        ("fetch", "lint", "requires"),
        ("compile", "package", "requires"),
        ("lint", "package", "requires"),
    }
    assert g["levels"] == [["fetch"], ["compile", "lint"], ["package"]]
    assert [n["name"] for n in g["nodes"] if n["start"]] == ["fetch"]


def test_levels_are_ordered_to_keep_edges_short() -> None:
    text = """\
version: '2.0'
crossed:
  tasks:
    a:
      on-success: [y]
    b:
      on-success: [x]
    x:
      action: std.noop
    y:
      action: std.noop
"""
    g = _graph(text)
    assert g["levels"] == [["a", "b"], ["y", "x"]]


def test_every_task_is_placed_once() -> None:
    names = [f"t{i}" for i in range(40)]
    tasks = "\n".join(
        f"    {n}:\n      action: std.noop\n      on-success: [{names[(i + 1) % 40]}, {names[(i * 7) % 40]}]"
        for i, n in enumerate(names)
    )
    text = f"version: '2.0'\nbig:\n  tasks:\n    start:\n      on-success: [t0]\n{tasks}\n"
    g = _graph(text)
    placed = [n for level in g["levels"] for n in level]
    assert sorted(placed) == sorted(["start", *names])
    levels = {n["name"]: n["level"] for n in g["nodes"]}
    for e in g["edges"]:
        if not e["back"]:
            assert levels[e["target"]] > levels[e["source"]]


def test_long_edges_get_a_lane_in_every_level_they_cross() -> None:
    g = _graph(FORK_JOIN)
    assert [[s["task"] for s in layer if "task" in s] for layer in g["layers"]] == g["levels"]
    level = {n["name"]: n["level"] for n in g["nodes"]}
    for index, e in enumerate(g["edges"]):
        crossed = [i for i, layer in enumerate(g["layers"]) if {"edge": index} in layer]
        if e["back"]:
            assert crossed == []
        else:
            assert crossed == list(range(level[e["source"]] + 1, level[e["target"]]))
    # start -> report spans levels 1 and 2: its lane sits below the tasks it would cross
    start_report = next(
        i for i, e in enumerate(g["edges"]) if (e["source"], e["target"]) == ("start", "report")
    )
    assert g["layers"][1].index({"edge": start_report}) == len(g["layers"][1]) - 1
