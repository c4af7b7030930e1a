"""`/v2/action_executions`: run an action outside any workflow (POST), list and get action
executions, and deliver the result of one (PUT with `state` and `output`, as `std.async_noop`
expects)."""

from __future__ import annotations

from typing import Any

import flask
from flask_restx import Api, Resource

from wfq.api import bodies
from wfq.api.context import ApiContext, refuse_unstorable
from wfq.api.encoding import ACTION_EXECUTION, encode, json_response
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, Models
from wfq.errors import InvalidInput
from wfq.services import action_runs, completing, controls, queries
from wfq.storable import NAME_LIMIT, NUL_MESSAGE, SURROGATE_MESSAGE

SUPPORTED_STATES = ["SUCCESS", "ERROR", "CANCELLED", "PAUSED", "RUNNING"]
_RUN_STRINGS = ("name", "description", "workflow_namespace")
# Output fields a client may echo back; Mistral's WSME type knows them, and ignores them here.
_RUN_IGNORED = (
    "id",
    "workflow_name",
    "task_name",
    "task_execution_id",
    "state",
    "state_info",
    "tags",
    "accepted",
    "output",
    "project_id",
    "created_at",
    "updated_at",
)


def parse_run(body: Any) -> action_runs.RunRequest:
    """A validated POST body: `name`, `input` and `params` (objects or JSON strings)."""
    body = bodies.require_object(body, "action_ex")
    bodies.refuse_unknown(body, (*_RUN_STRINGS, "input", "params", *_RUN_IGNORED), "action_ex")
    bodies.strings(body, _RUN_STRINGS)
    if not body.get("name"):
        raise InvalidInput("Please provide at least action name to run action.")
    params = bodies.json_object(body, "params", "action_ex")
    target = params.get("target")
    if target is not None and not isinstance(target, str):
        raise InvalidInput(f"Parameter 'target' must be a string, not {target!r}")
    for field in ("name", "workflow_namespace"):
        if len(body.get(field) or "") > NAME_LIMIT:
            raise InvalidInput(f"The {field} is longer than {NAME_LIMIT} characters")
    return action_runs.RunRequest(
        name=body["name"],
        input=bodies.json_object(body, "input", "action_ex"),
        namespace=body.get("workflow_namespace") or "",
        description=body.get("description") or "",
        save_result=bodies.flag(params.get("save_result"), "save_result"),
        run_sync=bodies.flag(params.get("run_sync"), "run_sync"),
        target=target or None,
    )


def run(ctx: ApiContext) -> flask.Response:
    """POST: run an action (201 with the finished, or RUNNING, action execution)."""
    project = ctx.project()
    view = action_runs.run_action(ctx.services, parse_run(ctx.json_body()), project_id=project)
    return json_response(encode(ACTION_EXECUTION, view), 201)


def list_all(ctx: ApiContext) -> flask.Response:
    """GET: the project's action executions (without `output`)."""
    project = ctx.project()
    req = ctx.list_request(ACTION_EXECUTION)
    views = queries.list_(ctx.services, "action_execution", req.query, project_id=project)
    return ctx.list_response(ACTION_EXECUTION, req, views)


def get_one(ctx: ApiContext, action_id: str) -> flask.Response:
    """GET one action execution, with its `output`."""
    project = ctx.project()
    view = queries.get(ctx.services, "action_execution", action_id, project_id=project)
    return json_response(encode(ACTION_EXECUTION, view))


def _output(body: dict[str, Any]) -> Any:
    """The result sent by the client: a JSON-encoded string is decoded, anything else kept."""
    try:
        value = bodies.decode(body, "output", "action_ex")
    except InvalidInput as exc:
        if exc.message in (NUL_MESSAGE, SURROGATE_MESSAGE):
            raise
        return body.get("output")  # not JSON: the text itself is the result
    refuse_unstorable(value)
    return value


def complete(ctx: ApiContext, action_id: str) -> flask.Response:
    """PUT: deliver the result of an action execution; a completed one stays unchanged.

    SUCCESS/ERROR complete it (ERROR without output: 'Unknown error'); CANCELLED cancels it
    (and its task, in a workflow); PAUSED / RUNNING pause or resume an asynchronous action (and
    its task and execution), and are refused for a synchronous one.
    """
    project = ctx.project()
    svc = ctx.services
    queries.get(svc, "action_execution", action_id, project_id=project)
    body = ctx.json_body()
    state = body.get("state") if isinstance(body, dict) else None
    if state not in SUPPORTED_STATES:
        raise InvalidInput(f"Error. Expected one of {SUPPORTED_STATES}, actual: {state}")
    assert isinstance(body, dict)
    if state in ("SUCCESS", "ERROR"):
        result = _output(body)
        if state == "ERROR" and not result:
            result = "Unknown error"
        completing.complete_action(svc, action_id, state == "SUCCESS", result)
    elif state == "PAUSED" and action_runs.is_sync(svc, action_id, project_id=project):
        raise InvalidInput(action_runs.PAUSE_SYNC)
    else:
        controls.set_action_state(svc, action_id, state, project_id=project)
    view = queries.get(svc, "action_execution", action_id, project_id=project)
    return json_response(encode(ACTION_EXECUTION, view))


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the action executions namespace to `api`."""
    ns = api.namespace(
        "action_executions", path="/v2/action_executions", description="Action executions"
    )

    @ns.route("")
    class ActionExecutions(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of action executions", models.action_executions)
        @ns.response(400, "Bad list parameters", models.fault)
        def get(self) -> flask.Response:
            """List action executions (filter with task_execution_id=...)."""
            return list_all(ctx)

        @ns.expect(models.action_run)
        @ns.response(201, "The action execution (finished, or RUNNING)", models.action_execution)
        @ns.response(400, "Unknown action, bad input or params", models.fault)
        def post(self) -> flask.Response:
            """Run an action: params run_sync (run now), save_result (store it), target."""
            return run(ctx)

    @ns.route("/<string:action_id>")
    class ActionExecution(Resource):
        @ns.response(200, "The action execution", models.action_execution)
        @ns.response(404, "No such action execution", models.fault)
        def get(self, action_id: str) -> flask.Response:
            """Get one action execution."""
            return get_one(ctx, action_id)

        @ns.expect(models.action_result)
        @ns.response(200, "The action execution after the update", models.action_execution)
        @ns.response(400, "Unsupported state", models.fault)
        @ns.response(404, "No such action execution", models.fault)
        def put(self, action_id: str) -> flask.Response:
            """Complete an action execution: {"state": "SUCCESS"|"ERROR", "output": ...}."""
            return complete(ctx, action_id)
