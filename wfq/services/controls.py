"""Use cases that change a running execution from outside: pause, resume, cancel, force an
end, delete, and rerun a failed task. Children follow their parent; a rerun wakes the parents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wfq import engine
from wfq.engine.snapshot import Execution
from wfq.errors import InvalidRequest, NotFound
from wfq.logging_setup import log_context
from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution
from wfq.persistence.repositories import executions as repo
from wfq.services import views, work_list
from wfq.services.apply import apply_event
from wfq.services.context import Services
from wfq.states import COMPLETED, State, change

CHANGEABLE = {
    State.PAUSED,
    State.RUNNING,
    State.CANCELLED,
    State.SUCCESS,
    State.ERROR,
    State.REVERTING,
}


def _owned(svc: Services, model: Any, ident: str, project_id: str, missing: str) -> Any:
    with svc.db.read() as session:
        row = session.get(model, ident)
        if row is None or row.project_id != project_id:
            raise NotFound(missing.format(ident))
        return row


def update_execution(
    svc: Services,
    ex_id: str,
    *,
    project_id: str,
    state: str | None = None,
    state_info: str | None = None,
    description: str | None = None,
    env: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Change an execution's description, environment or state (Mistral's PUT), reading the
    execution once: the transaction that changes it returns its view."""
    wanted, invalid = _wanted_state(state)
    edit = (
        _fields_editor(svc, description, env)
        if description is not None or env is not None
        else None
    )
    # A pause or resume reaches the subworkflows and the parent through the engine's
    # ExecutionPausedOrResumed, whatever paused the execution (services.subworkflows).
    event = engine.StateRequested(wanted.value, state_info) if wanted is not None else None
    with log_context(execution_id=ex_id):
        applied = apply_event(svc, ex_id, event, project_id=project_id, edit=edit, show=True)
        work_list.carry_out(svc, applied.commands)
    if invalid is not None:
        raise invalid
    if wanted == State.CANCELLED:
        _cancel_descendants(svc, ex_id, project_id, state_info)
    assert applied.view is not None
    return applied.view


def _cancel_descendants(svc: Services, ex_id: str, project_id: str, state_info: str | None) -> None:
    """Cancel the subworkflows of a cancelled execution, level after level. Each execution is
    cancelled before its children are listed: once it is cancelled none of its tasks starts a
    child, so the children listed then are all there are."""
    cancelled = [ex_id]
    while cancelled:
        for child in _active_children(svc, cancelled.pop()):
            _apply(
                svc,
                child,
                engine.StateRequested(State.CANCELLED.value, state_info),
                project_id=project_id,
            )
            cancelled.append(child)


def _wanted_state(state: str | None) -> tuple[State | None, InvalidRequest | None]:
    """The state a PUT asks for, or the 400 it gets (after its other fields are set)."""
    if state is None:
        return None, None
    try:
        wanted = State(state)
    except ValueError:
        wanted = None
    if wanted not in CHANGEABLE:
        return None, InvalidRequest(f"Invalid state: {state}")
    return wanted, None


def _fields_editor(
    svc: Services, description: str | None, env: dict[str, Any] | None
) -> Callable[[Execution], dict[str, Any]]:
    def edit(ex: Execution) -> dict[str, Any]:
        values: dict[str, Any] = {"updated_at": svc.now()}
        if description is not None:
            values["description"] = description
        if env is not None:
            merged = {**(ex.params.get("env") or {}), **env}
            values["params"] = {**ex.params, "env": merged}
        return values

    return edit


def _active_children(svc: Services, ex_id: str) -> list[str]:
    with svc.db.read() as session:
        return [c.id for c in repo.children_of(session, ex_id) if c.state not in COMPLETED]


def delete_execution(svc: Services, ex_id: str, *, project_id: str, force: bool = False) -> None:
    """Delete an execution with its tasks, action executions and child executions."""
    _owned(svc, WorkflowExecution, ex_id, project_id, "WorkflowExecution not found [id={}]")
    with svc.db.write() as session:
        repo.delete_execution_tree(session, ex_id)


def rerun_task(
    svc: Services,
    task_id: str,
    *,
    project_id: str,
    reset: bool = True,
    env: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run a failed task again; its execution (and the parents of a subworkflow) go RUNNING."""
    return _go_on_from(svc, task_id, project_id, env, engine.RerunRequested(task_id, reset))


def set_action_state(svc: Services, action_id: str, state: str, *, project_id: str) -> None:
    """PAUSED / RUNNING (an asynchronous action) or CANCELLED, as the engine rules for an
    action of a workflow; an action run outside any workflow only changes its own state."""
    action = _owned(
        svc, ActionExecution, action_id, project_id, "ActionExecution not found [id={}]"
    )
    if action.workflow_execution_id is None:
        _set_standalone(svc, action_id, State(state))
        return
    _apply(
        svc,
        action.workflow_execution_id,
        engine.ActionStateRequested(action_id, state),
        task_actions=action.task_execution_id,
    )


_STANDALONE_FROM = {
    State.CANCELLED: (State.RUNNING, State.PAUSED),
    State.PAUSED: (State.RUNNING,),
    State.RUNNING: (State.PAUSED,),
}
"""The states an action outside any workflow may be moved from, by target state."""


def _set_standalone(svc: Services, action_id: str, new: State) -> None:
    with svc.db.write() as session:
        row = session.get(ActionExecution, action_id)
        if row is not None and row.state in _STANDALONE_FROM[new]:
            change(row, new)
            if new == State.CANCELLED:
                row.output = {"result": None}
            row.updated_at = svc.now()


def skip_task(
    svc: Services, task_id: str, *, project_id: str, env: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Skip a failed task: it becomes SKIPPED and its execution (and the parents of a
    subworkflow) go on from it."""
    return _go_on_from(svc, task_id, project_id, env, engine.SkipRequested(task_id))


def _go_on_from(
    svc: Services, task_id: str, project_id: str, env: dict[str, Any] | None, event: engine.Event
) -> dict[str, Any]:
    """Apply a rerun or skip of a failed task (env merged first), wake the parent executions
    of a subworkflow, and return the task as it is now."""
    task = _owned(svc, TaskExecution, task_id, project_id, "Task execution not found [id={}]")
    edit = _fields_editor(svc, None, env) if env else None
    _apply(svc, task.workflow_execution_id, event, task_actions=task_id, edit=edit)
    _wake_parents(svc, task.workflow_execution_id)
    with svc.db.read() as session:
        row = session.get(TaskExecution, task_id)
        assert row is not None  # _owned found it above; only deleting its execution removes it
        return views.task(row)


def _wake_parents(svc: Services, ex_id: str) -> None:
    """Each parent up the chain of a subworkflow learns that its child runs again."""
    while True:
        with svc.db.read() as session:
            ex = session.get(WorkflowExecution, ex_id)
            parent_task = (
                session.get(TaskExecution, ex.task_execution_id)
                if ex and ex.task_execution_id
                else None
            )
        if parent_task is None:
            return
        _apply(svc, parent_task.workflow_execution_id, engine.ChildRerun(parent_task.id, ex_id))
        ex_id = parent_task.workflow_execution_id


def _apply(svc: Services, ex_id: str, event: engine.Event, **options: Any) -> None:
    with log_context(execution_id=ex_id):
        work_list.carry_out(svc, apply_event(svc, ex_id, event, **options).commands)
