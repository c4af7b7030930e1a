"""Pausing or resuming anywhere in a tree of subworkflows, as Mistral does it: a paused child
pauses its parent task and the parent execution, whose other subworkflows pause with it; a
resumed child resumes its task, and the parent once none of its tasks is paused any more."""

from __future__ import annotations

from typing import Any

import pytest
from wfq_testing import inline_services

from wfq.persistence.migrate import upgrade
from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution
from wfq.services import completing, controls, definitions, executions, queries

P = "<default-project>"

TREE = """\
version: '2.0'
parent:
  tasks:
    left:
      workflow: child
      on-success: [after]
    right:
      workflow: child
      on-success: [after]
    after:
      join: all
      action: std.echo output="done"
child:
  tasks:
    wait:
      action: std.async_noop
      on-success: [tail]
    tail:
      action: std.noop
"""
"""Two subworkflows side by side, each waiting on an asynchronous action (completed through
`complete_action`, as `PUT /v2/action_executions/<id>` does); a join after them."""


class Tree:
    def __init__(self, svc: Any) -> None:
        self.svc = svc
        self.root = executions.start_execution(svc, "parent", project_id=P)
        svc.dispatcher.drain()
        with svc.db.read() as s:
            tasks = {
                t.name: t.id
                for t in s.query(TaskExecution).filter_by(workflow_execution_id=self.root)
            }
            self.task = tasks
            self.child = {
                name: s.query(WorkflowExecution).filter_by(task_execution_id=tid).one().id
                for name, tid in tasks.items()
            }
            self.action = {
                name: s.query(ActionExecution)
                .filter_by(workflow_execution_id=ex, state="RUNNING")
                .one()
                .id
                for name, ex in self.child.items()
            }

    def states(self) -> dict[str, str]:
        """The state of the parent, of its two tasks, and of both children."""
        with self.svc.db.read() as s:
            out = {"parent": s.get(WorkflowExecution, self.root).state}
            for name in ("left", "right"):
                out[f"{name} task"] = s.get(TaskExecution, self.task[name]).state
                out[f"{name} child"] = s.get(WorkflowExecution, self.child[name]).state
        return out

    def put(self, ex_id: str, state: str) -> None:
        controls.update_execution(self.svc, ex_id, project_id=P, state=state)

    def finish_actions(self) -> None:
        for action_id in self.action.values():
            completing.complete_action(self.svc, action_id, True, None)
        self.svc.dispatcher.drain()


@pytest.fixture()
def tree(tmp_path: Any) -> Tree:
    url = f"sqlite:///{tmp_path}/tree.sqlite"
    upgrade(url)
    svc = inline_services(url)
    definitions.create_workflows(svc, TREE, project_id=P)
    return Tree(svc)


ALL_RUNNING = {
    "parent": "RUNNING",
    "left task": "RUNNING",
    "left child": "RUNNING",
    "right task": "RUNNING",
    "right child": "RUNNING",
}
ALL_PAUSED = {k: "PAUSED" for k in ALL_RUNNING}


def test_pausing_a_subworkflow_pauses_its_parent_and_the_other_subworkflows(tree: Tree) -> None:
    assert tree.states() == ALL_RUNNING
    tree.put(tree.child["left"], "PAUSED")
    assert tree.states() == ALL_PAUSED

    # Resuming the left child alone: the parent keeps waiting for the right one.
    tree.put(tree.child["left"], "RUNNING")
    assert tree.states() == {**ALL_PAUSED, "left task": "RUNNING", "left child": "RUNNING"}

    # Resuming the parent resumes what is still paused under it.
    tree.put(tree.root, "RUNNING")
    assert tree.states() == ALL_RUNNING
    tree.finish_actions()
    ex = queries.get(tree.svc, "execution", tree.root, project_id=P)
    assert ex["state"] == "SUCCESS", ex["state_info"]


def test_pausing_the_root_pauses_the_whole_tree_and_resuming_it_finishes(tree: Tree) -> None:
    tree.put(tree.root, "PAUSED")
    assert tree.states() == ALL_PAUSED
    tree.put(tree.root, "RUNNING")
    assert tree.states() == ALL_RUNNING
    tree.finish_actions()
    assert queries.get(tree.svc, "execution", tree.root, project_id=P)["state"] == "SUCCESS"


def test_pausing_an_asynchronous_action_of_a_subworkflow_pauses_the_tree(tree: Tree) -> None:
    controls.set_action_state(tree.svc, tree.action["right"], "PAUSED", project_id=P)
    assert tree.states() == ALL_PAUSED

    controls.set_action_state(tree.svc, tree.action["right"], "RUNNING", project_id=P)
    # Its task and child run again; the parent stays paused while the left side is.
    assert tree.states() == {**ALL_PAUSED, "right task": "RUNNING", "right child": "RUNNING"}
    tree.put(tree.child["left"], "RUNNING")
    assert tree.states() == ALL_RUNNING
    tree.finish_actions()
    assert queries.get(tree.svc, "execution", tree.root, project_id=P)["state"] == "SUCCESS"


def test_a_subworkflow_cancelled_while_paused_ends_its_task(tree: Tree) -> None:
    tree.put(tree.root, "PAUSED")
    tree.put(tree.child["left"], "CANCELLED")
    states = tree.states()
    assert states["left child"] == "CANCELLED"
    assert states["left task"] == "CANCELLED"
    tree.put(tree.root, "RUNNING")
    tree.finish_actions()
    ex = queries.get(tree.svc, "execution", tree.root, project_id=P)
    # The join cannot be reached any more: the parent ends, it is not left waiting.
    assert ex["state"] in ("CANCELLED", "ERROR"), ex


SHORT = """\
version: '2.0'
top:
  tasks:
    call:
      workflow: short
      on-success: [after]
    after:
      action: std.noop
short:
  tasks:
    wait:
      action: std.async_noop
"""
"""A child whose only task can finish while the child is paused."""


def test_a_child_that_ends_as_it_is_resumed_resumes_its_parent(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path}/short.sqlite"
    upgrade(url)
    svc = inline_services(url)
    definitions.create_workflows(svc, SHORT, project_id=P)
    root = executions.start_execution(svc, "top", project_id=P)
    svc.dispatcher.drain()
    with svc.db.read() as s:
        task = s.query(TaskExecution).filter_by(workflow_execution_id=root, name="call").one()
        child = s.query(WorkflowExecution).filter_by(task_execution_id=task.id).one().id
        action = s.query(ActionExecution).filter_by(workflow_execution_id=child).one().id
    controls.update_execution(svc, child, project_id=P, state="PAUSED")
    assert queries.get(svc, "execution", root, project_id=P)["state"] == "PAUSED"
    # Its last task finishes while it is paused: the child stays PAUSED, with nothing left.
    completing.complete_action(svc, action, True, None)
    assert queries.get(svc, "execution", child, project_id=P)["state"] == "PAUSED"
    # Resumed, it ends at once; the parent, paused only for it, goes on and finishes.
    controls.update_execution(svc, child, project_id=P, state="RUNNING")
    svc.dispatcher.drain()
    assert queries.get(svc, "execution", child, project_id=P)["state"] == "SUCCESS"
    ex = queries.get(svc, "execution", root, project_id=P)
    assert ex["state"] == "SUCCESS", ex["state_info"]
