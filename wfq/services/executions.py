"""Use cases of workflow executions: start one, and feed it action and subworkflow results.

Each function is one transaction: lock the execution row, build the snapshot, let the engine
decide, commit, and only then carry out the returned commands.
"""

from __future__ import annotations

from typing import Any

from wfq import dsl, engine, expressions
from wfq.engine import ExecutionCompleted, ExecutionPausedOrResumed, StartSubworkflow, adhoc
from wfq.errors import Conflict, InvalidInput, NotFound
from wfq.logging_setup import bind, log_context
from wfq.persistence.db import DuplicateRow, Session
from wfq.persistence.models import (
    ActionExecution,
    Environment,
    TaskExecution,
    WorkflowDefinition,
    WorkflowExecution,
)
from wfq.persistence.repositories import definitions as defs_repo
from wfq.persistence.repositories import executions as repo
from wfq.persistence.repositories import items as items_repo
from wfq.services import transitions, versions, views
from wfq.services.context import Services
from wfq.states import COMPLETED, State, change
from wfq.types import cap_text


def check_input(spec: dsl.WorkflowSpec, given: dict[str, Any]) -> dict[str, Any]:
    """The workflow input with defaults filled in; raises InvalidInput like Mistral."""
    names = [p.name for p in spec.input]
    missing = [p.name for p in spec.input if not p.has_default and p.name not in given]
    unexpected = [k for k in given if k not in names]
    cls = "DirectWorkflowSpec" if spec.type == "direct" else "ReverseWorkflowSpec"
    if missing or unexpected:
        parts = [f"name={spec.name}", f"class={cls}"]
        parts += [f"missing={missing}"] if missing else []
        parts += [f"unexpected={unexpected}"] if unexpected else []
        raise InvalidInput(f"Invalid input [{', '.join(parts)}]")
    full = {p.name: p.default for p in spec.input if p.has_default}
    full.update(given)
    return full


def _check_target(spec: dsl.WorkflowSpec, target: Any) -> None:
    if not isinstance(target, str) or target not in spec.tasks:
        raise InvalidInput(f"Invalid task name [wf_spec=ReverseWorkflowSpec {spec.name}, task_name={target}]")


class _EnvOnly:
    """The expression runtime of env values: they may read the env itself, nothing else."""

    def __init__(self, env: dict[str, Any]) -> None:
        self._env = env

    def env(self) -> dict[str, Any]:
        return self._env

    def task(self, name: str | None) -> None:
        return None

    def tasks(self, *args: Any) -> list[Any]:
        return []

    def execution(self) -> dict[str, Any]:
        return {}

    def executions(self, **filters: str) -> list[Any]:
        return []

    def global_(self, name: str) -> None:
        return None


def _resolve_env(session: Session, env: Any, project_id: str, evaluate: bool = True) -> dict[str, Any]:
    """The execution's env: a dict or a stored environment's name; expressions in its values
    are evaluated once, against the env itself (Mistral), unless `evaluate_env` is false."""
    if env is None or env == {}:
        return {}
    if isinstance(env, str):
        row = defs_repo.find_named(session, Environment, env, project_id)
        if row is None:
            raise NotFound(f"Environment not found [name={env}]")
        env = dict(row.variables)
    if not isinstance(env, dict):
        raise InvalidInput(f"Environment must be a dict or a name, not {type(env).__name__}")
    # `$` is {__env: env}, as in Mistral: `<% $__env.x %>` and `<% env().x %>` both work.
    return expressions.evaluate_recursively(env, {"__env": env}, _EnvOnly(env)) if evaluate else env


def _parent_still_waits(session: Session, task_id: str, params: dict[str, Any]) -> bool:
    """Lock the parent execution; True if its task still waits for this child (the `index`-th
    of a with-items task, of its current `attempt`) and it was not created yet."""
    task = session.get(TaskExecution, task_id)
    if task is None or repo.lock_execution(session, task.workflow_execution_id) is None:
        return False
    session.refresh(task)
    index, attempt = params.get("index"), int(params.get("attempt", 0))
    done = (task.runtime_context or {}).get("children_done", []) if index is None else []
    return task.state == State.RUNNING and not repo.child_exists(session, task_id, index, attempt, ignore=done)


def start_execution(
    svc: Services,
    workflow: str,
    *,
    project_id: str,
    parent_task_id: str | None = None,
    **options: Any,
) -> str:
    """Create an execution of `workflow` (name or id) and start it; returns its id.

    Options: namespace, wf_input, params, description, execution_id, root_execution_id,
    cron_trigger_id, workbook_name, workflow_version (see `create_and_start`).
    """
    return _start(svc, workflow, project_id, parent_task_id, options)[0]


def start_and_show(svc: Services, workflow: str, *, project_id: str, **options: Any) -> dict[str, Any]:
    """Like `start_execution`, but returns the execution as its start transaction committed
    it (RUNNING, as Mistral answers), however fast the workers then are.

    A client-given `execution_id` that is already taken (by an execution the caller cannot see:
    the API returns one of its own project instead) is a 409, as Mistral's duplicate entry;
    nothing else about that execution is told."""
    try:
        view = _start(svc, workflow, project_id, None, options)[1]
    except DuplicateRow:
        if not options.get("execution_id"):
            raise
        raise id_taken(options["execution_id"]) from None
    assert view is not None
    return view


def _start(
    svc: Services, workflow: str, project_id: str, parent_task_id: str | None, options: dict[str, Any]
) -> tuple[str, dict[str, Any] | None]:
    def tx() -> tuple[str, list[engine.Command], dict[str, Any] | None]:
        with svc.db.write() as session:
            if parent_task_id and not _parent_still_waits(session, parent_task_id, options.get("params") or {}):
                return "", [], None
            ex, commands = _create_and_start(
                svc, session, workflow, project_id=project_id, parent_task_id=parent_task_id, **options
            )
            session.flush()
            return ex.id, commands, views.execution(ex)

    ex_id, commands, view = svc.db.retrying(tx)
    with log_context():
        bind(execution_id=ex_id or None)
        svc.carry_out(commands)
    return ex_id, view


def id_taken(execution_id: str) -> Conflict:
    """Mistral's 409 for an execution id that exists (in any project)."""
    return Conflict(f"Duplicate entry for WorkflowExecution with ID: {execution_id}")


def _find_workflow(
    session: Session,
    workflow: str,
    namespace: str,
    project_id: str,
    workbook_name: str | None,
    root_execution_id: str | None = None,
) -> WorkflowDefinition:
    names = [f"{workbook_name}.{workflow}", workflow] if workbook_name and "." not in workflow else [workflow]
    wf = None
    for name in names:
        wf = wf or defs_repo.find_by_name_or_id(session, WorkflowDefinition, name, namespace, project_id)
    if wf is None and root_execution_id:
        wf = _deleted_since_root(session, names, namespace, project_id, root_execution_id)
    if wf is None:
        raise NotFound(f"Workflow not found [workflow_identifier={workflow}, namespace={namespace}]")
    return wf


def _deleted_since_root(
    session: Session, names: list[str], namespace: str, project_id: str, root_execution_id: str
) -> WorkflowDefinition | None:
    """A subworkflow deleted after the root execution started: its last kept version, as an
    unsaved row (the child runs it; nothing is re-created)."""
    root = session.get(WorkflowExecution, root_execution_id)
    if root is None:
        return None
    kept = versions.deleted_spec(session, "workflow", names, [namespace, ""], project_id, root.created_at)
    if kept is None:
        return None
    return WorkflowDefinition(id=kept.resource_id, name=kept.name, namespace=kept.namespace, spec=kept.spec)


def _version_asked(wf: WorkflowDefinition, params: dict[str, Any], task_input: dict[str, Any]) -> Any:
    """The version a start asks for: `params.workflow_version`, or a subworkflow task's
    `workflow_version` key when the workflow declares no input of that name (such keys become
    params, as Mistral does with a task's undeclared keys); None: the current version."""
    if params.get("workflow_version") is not None:
        return params["workflow_version"]
    declared = {p if isinstance(p, str) else next(iter(p)) for p in wf.spec.get("input_raw", [])}
    return task_input.get("workflow_version") if "workflow_version" not in declared else None


def create_and_start(
    svc: Services, session: Session, workflow: str, *, project_id: str, **options: Any
) -> tuple[str, list[engine.Command]]:
    """Inside the caller's transaction: validate input, store the execution, start it. The
    caller commits and then carries out the returned commands.

    Options: namespace, wf_input, params, description, execution_id, parent_task_id,
    root_execution_id, cron_trigger_id, workbook_name, workflow_version (a version number of
    the workflow to run instead of its current definition; `params.workflow_version` too)."""
    ex, commands = _create_and_start(svc, session, workflow, project_id=project_id, **options)
    return ex.id, commands


def _create_and_start(
    svc: Services,
    session: Session,
    workflow: str,
    *,
    project_id: str,
    namespace: str = "",
    wf_input: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    description: str = "",
    execution_id: str | None = None,
    parent_task_id: str | None = None,
    root_execution_id: str | None = None,
    cron_trigger_id: str | None = None,
    workbook_name: str | None = None,
    workflow_version: Any = None,
) -> tuple[WorkflowExecution, list[engine.Command]]:
    # The row is returned, not only its id: the session holds it weakly, and a caller that
    # shows the execution would otherwise read it back.
    if execution_id and session.get(WorkflowExecution, execution_id) is not None:
        raise id_taken(execution_id)
    wf = _find_workflow(session, workflow, namespace, project_id, workbook_name, root_execution_id)
    params = dict(params or {})
    given = dict(wf_input or {})
    if workflow_version is None:
        workflow_version = _version_asked(wf, params, given if parent_task_id else {})
    stored_spec, version = versions.spec_to_run(session, wf, workflow_version)
    spec = dsl.workflow_from_dict(stored_spec)
    if parent_task_id:
        # A subworkflow task's keys that are not declared inputs become params (Mistral).
        declared = {p.name for p in spec.input}
        params.update({k: given.pop(k) for k in list(given) if k not in declared})
    if workflow_version is not None:
        params["workflow_version"] = version
    full_input = check_input(spec, given)
    if spec.type == "reverse":
        _check_target(spec, params.get("task_name"))
    env = _resolve_env(session, params.get("env"), project_id, params.get("evaluate_env", True) is not False)
    ex = WorkflowExecution(
        id=execution_id or svc.new_id(),
        workflow_id=wf.id,
        workflow_name=wf.name,
        workflow_namespace=wf.namespace,
        description=description or "",
        spec=stored_spec,
        workflow_version=version,
        params={"namespace": wf.namespace, **params, "env": env},
        input=full_input,
        state=State.IDLE.value,
        task_execution_id=parent_task_id,
        root_execution_id=root_execution_id,
        cron_trigger_id=cron_trigger_id,
        project_id=project_id,
        created_at=svc.now(),
    )
    session.add(ex)
    snap = transitions.snapshot(svc, session, ex, new=True)
    commands = transitions.decide(svc, session, snap, engine.WorkflowStarted(), project_id)
    return ex, commands


def complete_action(
    svc: Services,
    action_id: str,
    success: bool,
    result: Any,
    *,
    execution_id: str | None = None,
    run_here: str | None = None,
) -> ActionExecution | None:
    """Record an action's result and advance its workflow. A second call changes nothing.

    A worker passes the `execution_id` it read when it claimed the action: the transition then
    locks the execution straight away and reads the action once, in the snapshot (the engine
    ignores a result for an action that is no longer RUNNING). With `run_here` (the worker's
    claimant name), the first action the transition starts on the default queue is not sent:
    it is stored already claimed by that worker, in the same transaction, and returned for the
    caller to run (if the worker dies first, the heartbeat check fails it, or sends it again
    when it is safe-rerun, like any action of a lost worker)."""
    if execution_id is not None:
        event = engine.ActionCompleted(action_id, success, result)
        commands, kept = svc.db.retrying(_transition, svc, execution_id, event, (action_id,), run_here)
        svc.carry_out(commands)
        return kept

    item_of: list[str] = []

    def tx() -> list[engine.Command]:
        with svc.db.write() as session:
            action = session.get(ActionExecution, action_id)
            if action is None or action.state in COMPLETED:
                return []
            if (action.runtime or {}).get("item") and action.task_execution_id:
                item_of[:] = [action.task_execution_id]
            if action.workflow_execution_id is None:
                final = result
                if success:
                    # Outside a workflow no engine transition runs: apply the ad-hoc output here.
                    final = adhoc.transform_output(action.runtime or {}, result)
                change(action, State.SUCCESS if success else State.ERROR)
                action.output = {"result": final}
                return []
            event = engine.ActionCompleted(action_id, success, result)
            return _decide_locked(svc, session, action.workflow_execution_id, event, (action_id,))

    svc.carry_out(svc.db.retrying(tx))
    if item_of:
        # An asynchronous item got its result: its slot goes to the task's next item.
        from wfq.services import actions

        actions.item_slot_freed(svc, item_of[0])
    return None


def _keep_one(commands: list[engine.Command]) -> engine.RunAction | None:
    return next((c for c in commands if isinstance(c, engine.RunAction) and c.queue is None), None)


def _transition(
    svc: Services,
    execution_id: str,
    event: engine.Event,
    action_ids: tuple[str, ...] = (),
    claimant: str | None = None,
) -> tuple[list[engine.Command], ActionExecution | None]:
    """One transaction: lock the execution, apply `event`, commit; returns the commands to
    carry out and, with a `claimant`, the new default-queue action it claimed for that worker
    (whose RunAction is then left out of the commands)."""
    with svc.db.write() as session:
        commands = _decide_locked(svc, session, execution_id, event, action_ids)
        kept = _keep_one(commands) if claimant else None
        if kept is None:
            return commands, None
        commands = [c for c in commands if c is not kept]
        row = next(
            (r for r in session.new if isinstance(r, ActionExecution) and r.id == kept.action_execution_id),
            None,
        ) or session.get(ActionExecution, kept.action_execution_id)
        row.worker, row.heartbeat_at = claimant, svc.now()
        return commands, row


def _decide_locked(
    svc: Services, session: Session, execution_id: str, event: engine.Event, action_ids: tuple[str, ...]
) -> list[engine.Command]:
    ex, actions = repo.lock_execution_with_actions(session, execution_id, action_ids)
    if ex is None:
        return []
    snap = transitions.snapshot(svc, session, ex, actions=actions)
    return transitions.decide(svc, session, snap, event, ex.project_id)


def start_subworkflow(svc: Services, cmd: StartSubworkflow) -> None:
    """Start the child execution a task asked for; a failure to start fails the task, and so
    does a child that would be nested deeper than `max_subworkflow_depth`."""
    limit = svc.settings.max_subworkflow_depth
    with svc.db.read() as session:
        task = session.get(TaskExecution, cmd.task_execution_id)
        parent = session.get(WorkflowExecution, task.workflow_execution_id) if task else None
        workbook = dsl.workflow_from_dict(parent.spec).workbook_name if parent else None
        depth = _depth(session, parent, limit) + 1 if parent else 0
    if task is None or parent is None:
        return
    if depth > limit:
        _fail_start(svc, parent, task, cmd, (
            f"Maximum subworkflow depth {limit} exceeded: task '{task.name}' of workflow "
            f"'{parent.workflow_name}' [wf_ex_id={parent.id}] would start '{cmd.workflow_name}' "
            f"at depth {depth} (setting max_subworkflow_depth)"
        ))
        return
    try:
        start_execution(
            svc,
            cmd.workflow_name,
            project_id=parent.project_id,
            namespace=parent.workflow_namespace,
            wf_input=cmd.input,
            params=cmd.params,
            parent_task_id=task.id,
            root_execution_id=parent.root_execution_id or parent.id,
            description="sub-workflow execution",
            workbook_name=workbook,
        )
    except (NotFound, InvalidInput) as exc:
        msg = str(exc)
        if isinstance(exc, NotFound):
            msg = f"Failed to find workflow [name={cmd.workflow_name}] [namespace={parent.workflow_namespace}]"
        _fail_start(svc, parent, task, cmd, msg)


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
) -> None:
    index, attempt = cmd.params.get("index"), int(cmd.params.get("attempt", 0))
    _apply_event(
        svc,
        parent.id,
        engine.SubworkflowCompleted(task.id, State.ERROR.value, {"result": msg}, msg, None, index, attempt),
    )


def notify_parent(svc: Services, cmd: ExecutionCompleted) -> None:
    """A child execution ended: complete the parent task with its output or error."""
    with svc.db.read() as session:
        child = session.get(WorkflowExecution, cmd.execution_id)
        task = session.get(TaskExecution, cmd.parent_task_execution_id)
    if child is None or task is None:
        return
    params = child.params or {}
    state_info, cause = child.state_info, None
    if child.state == State.ERROR.value:
        state_info, cause = _summarise_failure(svc, child)
    event = engine.SubworkflowCompleted(
        task.id, child.state, child.output, state_info, child.id, params.get("index"),
        int(params.get("attempt", 0)), cause,
    )
    _apply_event(svc, task.workflow_execution_id, event)


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


def follow_pause_or_resume(svc: Services, cmd: ExecutionPausedOrResumed) -> None:
    """An execution was paused or resumed: its subworkflows follow (each carries the change on
    to its own children), then the parent task, which may pause or resume the parent."""
    other = State.RUNNING if cmd.state == State.PAUSED else State.PAUSED
    with svc.db.read() as session:
        children = [c.id for c in repo.children_of(session, cmd.execution_id) if c.state == other]
        parent = session.get(TaskExecution, cmd.parent_task_execution_id) if cmd.parent_task_execution_id else None
    for child_id in children:
        _apply_event(svc, child_id, engine.StateRequested(cmd.state))
    if parent is not None:
        _apply_event(svc, parent.workflow_execution_id, engine.ChildStateChanged(parent.id, cmd.state))


def _apply_event(svc: Services, execution_id: str, event: engine.Event) -> None:
    """One transition of `execution_id` (a parent, a subworkflow) on `event`, then its commands."""
    commands, _ = svc.db.retrying(_transition, svc, execution_id, event)
    svc.carry_out(commands)


def handle_event(svc: Services, data: dict[str, Any]) -> None:
    """Apply an engine event that arrived by message (a timer, a with-items callback)."""
    event = engine.event_from_dict(data)
    task_id = getattr(event, "task_execution_id", None)

    def tx() -> list[engine.Command]:
        with svc.db.write() as session:
            task = session.get(TaskExecution, task_id)
            if task is None:
                return []
            bind(execution_id=task.workflow_execution_id)
            ex = repo.lock_execution(session, task.workflow_execution_id)
            if ex is None:
                return []
            wants_batch = isinstance(event, engine.ItemsWanted) and not event.lanes
            if wants_batch and items_repo.has_idle_item(session, task.id):
                return []  # another lane asked first: its batch is there to take
            snap = transitions.snapshot(svc, session, ex)
            if isinstance(event, engine.ItemsCompleted):
                snap.actions.update(items_repo.item_results(session, task.id))
            return transitions.decide(svc, session, snap, event, ex.project_id)

    with log_context(task_execution_id=task_id):
        svc.carry_out(svc.db.retrying(tx))


# The state-changing use cases live in controls.py; the API finds them here too.
from wfq.services.controls import (  # noqa: E402
    delete_execution,
    rerun_task,
    set_action_state,
    skip_task,
    update_execution,
)

__all__ = [
    "check_input",
    "complete_action",
    "delete_execution",
    "handle_event",
    "notify_parent",
    "rerun_task",
    "set_action_state",
    "skip_task",
    "start_execution",
    "start_subworkflow",
    "update_execution",
]
