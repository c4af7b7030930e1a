"""What one execution's change means to the executions around it: a task starts its
subworkflow, a child that ended completes its parent task, a pause or resume reaches the
children and the parent. Each function commits the transitions it causes and returns their
commands, one list per transition; `work_list.carry_out` carries them out in turn."""

from __future__ import annotations

from wfq import dsl, engine
from wfq.engine import ExecutionCompleted, ExecutionPausedOrResumed, StartSubworkflow
from wfq.errors import InvalidInput, NotFound
from wfq.persistence.db import Session
from wfq.persistence.models import TaskExecution, WorkflowExecution
from wfq.persistence.repositories import executions as repo
from wfq.services import starting
from wfq.services.apply import apply_event
from wfq.services.context import Services
from wfq.states import State
from wfq.types import cap_text

Batches = list[list[engine.Command]]
"""The commands of each committed transition, in the order they committed."""


def start_subworkflow(svc: Services, cmd: StartSubworkflow) -> Batches:
    """Start the child execution a task asked for; a failure to start fails the task, and so
    does a child that would be nested deeper than `max_subworkflow_depth`."""
    limit = svc.settings.max_subworkflow_depth
    with svc.db.read() as session:
        task = session.get(TaskExecution, cmd.task_execution_id)
        parent = session.get(WorkflowExecution, task.workflow_execution_id) if task else None
        workbook = dsl.workflow_from_dict(parent.spec).workbook_name if parent else None
        depth = _depth(session, parent, limit) + 1 if parent else 0
    if task is None or parent is None:
        return []
    if depth > limit:
        return _fail_start(
            svc,
            parent,
            task,
            cmd,
            (
                f"Maximum subworkflow depth {limit} exceeded: task '{task.name}' of workflow "
                f"'{parent.workflow_name}' [wf_ex_id={parent.id}] would start '{cmd.workflow_name}' "
                f"at depth {depth} (setting max_subworkflow_depth)"
            ),
        )
    options = {
        "namespace": parent.workflow_namespace,
        "wf_input": cmd.input,
        "params": cmd.params,
        "root_execution_id": parent.root_execution_id or parent.id,
        "description": "sub-workflow execution",
        "workbook_name": workbook,
    }
    try:
        return [
            starting.start(svc, cmd.workflow_name, parent.project_id, task.id, options).commands
        ]
    except (NotFound, InvalidInput) as exc:
        msg = str(exc)
        if isinstance(exc, NotFound):
            msg = f"Failed to find workflow [name={cmd.workflow_name}] [namespace={parent.workflow_namespace}]"
        return _fail_start(svc, parent, task, cmd, msg)


def _depth(session: Session, execution: WorkflowExecution, limit: int) -> int:
    """How many executions `execution` is nested in (0 for a root), counted up to `limit` + 1."""
    depth = 0
    while execution.task_execution_id and depth <= limit:
        task = session.get(TaskExecution, execution.task_execution_id)
        above = session.get(WorkflowExecution, task.workflow_execution_id) if task else None
        if above is None:
            break
        execution, depth = above, depth + 1
    return depth


def _fail_start(
    svc: Services, parent: WorkflowExecution, task: TaskExecution, cmd: StartSubworkflow, msg: str
) -> Batches:
    index, attempt = cmd.params.get("index"), int(cmd.params.get("attempt", 0))
    event = engine.SubworkflowCompleted(
        task.id, State.ERROR.value, {"result": msg}, msg, None, index, attempt
    )
    return [apply_event(svc, parent.id, event).commands]


def notify_parent(svc: Services, cmd: ExecutionCompleted) -> Batches:
    """A child execution ended: complete the parent task with its output or error."""
    with svc.db.read() as session:
        child = session.get(WorkflowExecution, cmd.execution_id)
        task = session.get(TaskExecution, cmd.parent_task_execution_id)
    if child is None or task is None:
        return []
    params = child.params or {}
    state_info, cause = child.state_info, None
    if child.state == State.ERROR.value:
        state_info, cause = _summarise_failure(svc, child)
    event = engine.SubworkflowCompleted(
        task.id,
        child.state,
        child.output,
        state_info,
        child.id,
        params.get("index"),
        int(params.get("attempt", 0)),
        cause,
    )
    return [apply_event(svc, task.workflow_execution_id, event).commands]


def _summarise_failure(svc: Services, child: WorkflowExecution) -> tuple[str | None, str | None]:
    """What the parent task of a failed `child` says and the cause it goes back to (see
    `engine.child_failure`); the child's own text when none of its tasks failed."""
    with svc.db.read() as session:
        found = engine.child_failure(child, repo.failed_tasks(session, child.id))
    if found is None:
        return child.state_info, None
    summary, cause = found
    room = svc.settings.state_info_max_kb * 512  # half of what a state_info may hold
    return cap_text(summary, 2 * room), cap_text(cause, room)


def follow_pause_or_resume(svc: Services, cmd: ExecutionPausedOrResumed) -> Batches:
    """An execution was paused or resumed: its subworkflows follow (each carries the change on
    to its own children), then the parent task, which may pause or resume the parent."""
    other = State.RUNNING if cmd.state == State.PAUSED else State.PAUSED
    with svc.db.read() as session:
        children = [c.id for c in repo.children_of(session, cmd.execution_id) if c.state == other]
        parent = (
            session.get(TaskExecution, cmd.parent_task_execution_id)
            if cmd.parent_task_execution_id
            else None
        )
    batches = [
        apply_event(svc, child_id, engine.StateRequested(cmd.state)).commands
        for child_id in children
    ]
    if parent is not None:
        event = engine.ChildStateChanged(parent.id, cmd.state)
        batches.append(apply_event(svc, parent.workflow_execution_id, event).commands)
    return batches


def follow_up(svc: Services, cmd: engine.Command) -> Batches:
    """The transitions `cmd` causes in other executions (none for a command the dispatcher
    carries out)."""
    if isinstance(cmd, StartSubworkflow):
        return start_subworkflow(svc, cmd)
    if isinstance(cmd, ExecutionCompleted) and cmd.parent_task_execution_id:
        return notify_parent(svc, cmd)
    if isinstance(cmd, ExecutionPausedOrResumed):
        return follow_pause_or_resume(svc, cmd)
    return []
