"""Running one action outside any workflow (POST /v2/action_executions), with Mistral's rules:

- `run_sync` true: run now, in this process (400 for an asynchronous action);
- `save_result` without `run_sync`, or an asynchronous action: store it RUNNING and hand it to a
  worker (on the queue named by `target`); an asynchronous action then waits for its result
  through PUT /v2/action_executions/<id>;
- otherwise: run now, in this process, and store nothing (the answer has no id).

Ad-hoc actions are followed down to a system action: each level checks its input, evaluates its
`base-input` against that input, and its `output` transforms the result on the way back up.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from wfq import storable
from wfq.actions.base import Action, ActionContext, Wait
from wfq.engine import adhoc
from wfq.errors import ActionFailed, ExpressionError, InvalidInput, NotFound
from wfq.persistence.models import ActionExecution
from wfq.services import bounded, views
from wfq.services.catalog import StoredCatalog
from wfq.services.context import Services
from wfq.states import State

log = logging.getLogger("wfq.actions")
MAX_ADHOC_DEPTH = 20
NOT_SYNC = "Action does not support synchronous execution."
DYNAMIC_SYNC = (
    "Dynamic action {name} runs on a worker only: run it without run_sync (its result is stored)"
)
PAUSE_SYNC = "Transition to the PAUSED state is only supported for asynchronous action execution."


@dataclass(frozen=True, slots=True)
class RunRequest:
    """A validated POST /v2/action_executions body."""

    name: str
    input: dict[str, Any] = field(default_factory=dict)
    namespace: str = ""
    description: str = ""
    save_result: bool = False
    run_sync: bool = False
    target: str | None = None


def resolve(
    svc: Services, session: Any, name: str, given: dict[str, Any], namespace: str, project_id: str
) -> dict[str, Any]:
    """The worker's `runtime` for running `name` with `given` outside a workflow: base-input
    sees only the ad-hoc action's own input."""
    catalog = StoredCatalog(svc.registry, session, project_id, svc.settings)
    try:
        return adhoc.resolve_chain(
            lambda n: catalog.get(n, namespace=namespace), name, given, max_depth=MAX_ADHOC_DEPTH
        )
    except ExpressionError as exc:
        raise InvalidInput(str(exc)) from None


def _execute(
    svc: Services, action: Action, runtime: dict[str, Any], action_id: str | None
) -> tuple[bool, Any]:
    """Run the system action in the request, bounded (services/bounded.py): in a child
    process, within `sync_action_timeout_s`, `sync_action_memory_mb` and `field_size_limit_kb`;
    (success, result or error)."""
    settings = svc.settings
    limit_kb = settings.field_size_limit_kb
    bounds = bounded.Bounds(
        timeout_s=settings.sync_action_timeout_s,
        memory_mb=settings.sync_action_memory_mb,
        max_bytes=limit_kb * 1024 + 64 if limit_kb else 1 << 40,
    )
    outcome = bounded.run(lambda: _execute_here(svc, action, runtime, action_id), bounds)
    if outcome.ok:
        success, result = outcome.value
        return bool(success), result
    if outcome.reason == "size":
        exceeded = storable.size_exceeded("ActionExecution", "output", int(outcome.value), limit_kb)
        return False, f"{exceeded} [action={action.name}]"
    return False, (
        f"The action was stopped [action={action.name}]: {outcome.message} while running in the "
        "API request; run it without run_sync (save_result: true) to run it on a worker"
    )


def _execute_here(
    svc: Services, action: Action, runtime: dict[str, Any], action_id: str | None
) -> tuple[bool, Any]:
    """Run the system action in this process; (success, result or error)."""
    ctx = ActionContext(action_execution_id=action_id or "", settings=svc.settings)
    try:
        result = action.fn(ctx, **runtime["input"])
        if isinstance(result, Wait):  # a direct run answers in the request: wait here
            time.sleep(result.seconds)
            result = result.result
    except ActionFailed as exc:
        return False, exc.data
    except MemoryError:
        raise  # the bounded child reports it as such
    except Exception as exc:  # an action may raise anything; it fails the action, not the API
        log.info("action %s raised %s", action.name, type(exc).__name__)
        return False, (
            f"The action raised an exception [action={action.name}, "
            f"action_ex_id={action_id}, msg='{exc}']"
        )
    ok, result = adhoc.apply_output(runtime, True, result)
    return (True, json.loads(json.dumps(result, default=str))) if ok else (False, result)


def run_action(svc: Services, req: RunRequest, *, project_id: str) -> dict[str, Any]:
    """Run (or schedule) one action as `req` asks; returns the action execution's view."""
    with svc.db.read() as session:
        runtime = resolve(svc, session, req.name, req.input, req.namespace, project_id)
    action = svc.registry.get(runtime["action"])
    if action is None:  # a dynamic action: its uploaded code runs on workers only
        if req.run_sync:
            raise InvalidInput(DYNAMIC_SYNC.format(name=runtime["action"]))
        row = _store(svc, req, runtime, project_id, State.RUNNING, None)
        svc.publish(svc.dispatcher.run_actions, [(row["id"], req.target)])
        return row
    if req.run_sync and not action.is_sync:
        raise InvalidInput(NOT_SYNC)
    if not req.run_sync and (req.save_result or not action.is_sync):
        row = _store(svc, req, runtime, project_id, State.RUNNING, None)
        svc.publish(svc.dispatcher.run_actions, [(row["id"], req.target)])
        return row
    action_id = svc.new_id() if req.save_result else None
    success, result = _execute(svc, action, runtime, action_id)
    state = State.SUCCESS if success else State.ERROR
    if req.save_result:
        return _store(svc, req, runtime, project_id, state, {"result": result}, action_id)
    return _unsaved(req, project_id, state, {"result": result})


def _store(
    svc: Services,
    req: RunRequest,
    runtime: dict[str, Any],
    project_id: str,
    state: State,
    output: Any,
    action_id: str | None = None,
) -> dict[str, Any]:
    with svc.db.write() as session:
        row = ActionExecution(
            id=action_id or svc.new_id(),
            name=req.name,
            description=req.description,
            state=state.value,
            input=req.input,
            output=output,
            runtime={**runtime, "queue": req.target},
            accepted=False,
            workflow_namespace=req.namespace,
            project_id=project_id,
            created_at=svc.now(),
        )
        session.add(row)
        session.flush()
        return views.action_execution(row)


def _unsaved(req: RunRequest, project_id: str, state: State, output: Any) -> dict[str, Any]:
    """What Mistral answers for a run it did not store: no id, no timestamps."""
    return {
        "id": None,
        "name": req.name,
        "workflow_name": None,
        "workflow_namespace": req.namespace,
        "task_execution_id": None,
        "description": req.description,
        "state": state.value,
        "state_info": None,
        "tags": None,
        "accepted": False,
        "input": req.input,
        "output": output,
        "project_id": project_id,
        "created_at": None,
        "updated_at": None,
    }


def is_sync(svc: Services, action_id: str, *, project_id: str) -> bool:
    """Whether the system action behind a stored action execution is synchronous."""
    with svc.db.read() as session:
        row = session.get(ActionExecution, action_id)
        if row is None or row.project_id != project_id:
            raise NotFound(f"ActionExecution not found [id={action_id}]")
        action = svc.registry.get((row.runtime or {}).get("action", row.name))
    return action is None or action.is_sync
