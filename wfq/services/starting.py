"""Creating a workflow execution and its first transition (input, environment, version of the
workflow, the parent task a subworkflow belongs to), inside one transaction. The callers
commit and then carry out the returned commands (`work_list.carry_out`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wfq import dsl, engine, expressions
from wfq.errors import Conflict, InvalidInput, NotFound
from wfq.persistence.db import Session
from wfq.persistence.models import (
    Environment,
    TaskExecution,
    WorkflowDefinition,
    WorkflowExecution,
)
from wfq.persistence.repositories import definitions as defs_repo
from wfq.persistence.repositories import executions as repo
from wfq.services import apply, snapshots, versions, views
from wfq.services.context import Services
from wfq.states import State


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
        raise InvalidInput(
            f"Invalid task name [wf_spec=ReverseWorkflowSpec {spec.name}, task_name={target}]"
        )


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


def resolve_env(
    session: Session, env: Any, project_id: str, evaluate: bool = True
) -> dict[str, Any]:
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
    return task.state == State.RUNNING and not repo.child_exists(
        session, task_id, index, attempt, ignore=done
    )


@dataclass(frozen=True, slots=True)
class Started:
    """A committed start: the execution's id ("" when a subworkflow's parent no longer waits
    for it), the commands to carry out, and the execution as the start committed it."""

    execution_id: str
    commands: list[engine.Command]
    view: dict[str, Any] | None


def start(
    svc: Services,
    workflow: str,
    project_id: str,
    parent_task_id: str | None,
    options: dict[str, Any],
) -> Started:
    """One transaction: create the execution of `workflow` and start it (a subworkflow only
    while its parent task still waits for it). Options: see `create_and_start`."""

    def tx() -> Started:
        # A new execution's reads (its workflow, environment) need no transaction: its BEGIN
        # goes with its inserts and the COMMIT (two round trips in all). A subworkflow's start
        # first reads its parent task inside the transaction.
        with svc.db.write(begin=parent_task_id is not None) as session:
            if parent_task_id and not _parent_still_waits(
                session, parent_task_id, options.get("params") or {}
            ):
                return Started("", [], None)
            ex, commands = _create_and_start(
                svc,
                session,
                workflow,
                project_id=project_id,
                parent_task_id=parent_task_id,
                last=True,
                **options,
            )
            return Started(ex.id, commands, views.execution(ex))

    return svc.db.retrying(tx)


def id_taken(execution_id: str) -> Conflict:
    """Mistral's 409 for an execution id that exists (in any project)."""
    return Conflict(f"Duplicate entry for WorkflowExecution with ID: {execution_id}")


def find_workflow(
    session: Session,
    workflow: str,
    namespace: str,
    project_id: str,
    workbook_name: str | None,
    root_execution_id: str | None = None,
) -> tuple[WorkflowDefinition, int | None]:
    """The workflow called (or with id) `workflow` and the number of its newest version."""
    names = (
        [f"{workbook_name}.{workflow}", workflow]
        if workbook_name and "." not in workflow
        else [workflow]
    )
    for name in names:
        found = defs_repo.find_workflow_and_version(session, name, namespace, project_id)
        if found is not None:
            return found
    kept = (
        _deleted_since_root(session, names, namespace, project_id, root_execution_id)
        if root_execution_id
        else None
    )
    if kept is None:
        raise NotFound(
            f"Workflow not found [workflow_identifier={workflow}, namespace={namespace}]"
        )
    return kept


def _deleted_since_root(
    session: Session, names: list[str], namespace: str, project_id: str, root_execution_id: str
) -> tuple[WorkflowDefinition, int | None] | None:
    """A subworkflow deleted after the root execution started: its last kept version, as an
    unsaved row (the child runs it; nothing is re-created), and that version's number."""
    root = session.get(WorkflowExecution, root_execution_id)
    if root is None:
        return None
    kept = versions.deleted_spec(
        session, "workflow", names, [namespace, ""], project_id, root.created_at
    )
    if kept is None:
        return None
    row = WorkflowDefinition(
        id=kept.resource_id, name=kept.name, namespace=kept.namespace, spec=kept.spec
    )
    return row, kept.version


def _version_asked(
    wf: WorkflowDefinition, params: dict[str, Any], task_input: dict[str, Any]
) -> Any:
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
    last: bool = False,
) -> tuple[WorkflowExecution, list[engine.Command]]:
    # The row is returned, not only its id: a caller that shows the execution would otherwise
    # read it back (it is inserted with the first tasks and actions, not by the session).
    # `last`: the caller runs nothing more in its transaction (the insert may commit it).
    if execution_id and session.get(WorkflowExecution, execution_id) is not None:
        raise id_taken(execution_id)
    wf, newest = find_workflow(
        session, workflow, namespace, project_id, workbook_name, root_execution_id
    )
    params = dict(params or {})
    given = dict(wf_input or {})
    if workflow_version is None:
        workflow_version = _version_asked(wf, params, given if parent_task_id else {})
    stored_spec, version = versions.spec_to_run(session, wf, workflow_version, newest)
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
    env = resolve_env(
        session, params.get("env"), project_id, params.get("evaluate_env", True) is not False
    )
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
    stored = snapshots.new_snapshot(svc, ex)
    commands = apply.decide_on(svc, session, stored, engine.WorkflowStarted(), last=last).commands
    return ex, commands
