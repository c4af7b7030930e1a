"""`/v2/action_executions`: list and get action executions, and complete an asynchronous one
(PUT with `state` SUCCESS or ERROR and its `output`, as `std.async_noop` expects)."""

from __future__ import annotations

import json
from typing import Any

import flask
from flask_restx import Api, Resource

from wfq.api.context import NUL_MESSAGE, ApiContext, has_nul
from wfq.api.encoding import ACTION_EXECUTION, encode, json_response
from wfq.api.errors import NotImplementedYet, fault_response
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, Models
from wfq.errors import InvalidInput
from wfq.services import executions, queries

SUPPORTED_STATES = ["SUCCESS", "ERROR", "CANCELLED", "PAUSED", "RUNNING"]


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
    value = body.get("output")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return value
        if has_nul(value):
            raise InvalidInput(NUL_MESSAGE)
    return value


def complete(ctx: ApiContext, action_id: str) -> flask.Response:
    """PUT: deliver the result of an action execution; a completed one stays unchanged."""
    project = ctx.project()
    svc = ctx.services
    queries.get(svc, "action_execution", action_id, project_id=project)
    body = ctx.json_body()
    state = body.get("state") if isinstance(body, dict) else None
    if state not in SUPPORTED_STATES:
        raise InvalidInput(f"Error. Expected one of {SUPPORTED_STATES}, actual: {state}")
    if state not in ("SUCCESS", "ERROR"):
        # TODO(services): cancel / pause / resume of one action execution.
        return fault_response(
            NotImplementedYet(f"Setting an action execution to {state} is not implemented yet")
        )
    result = _output(body)
    if state == "ERROR" and not result:
        result = "Unknown error"
    executions.complete_action(svc, action_id, state == "SUCCESS", result)
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

    @ns.route("/<string:action_id>")
    class ActionExecution(Resource):
        @ns.response(200, "The action execution", models.action_execution)
        @ns.response(404, "No such action execution", models.fault)
        def get(self, action_id: str) -> flask.Response:
            """Get one action execution."""
            return get_one(ctx, action_id)

        @ns.expect(models.action_result)
        @ns.response(200, "The action execution after the update", models.action_execution)
        @ns.response(404, "No such action execution", models.fault)
        def put(self, action_id: str) -> flask.Response:
            """Complete an action execution: {"state": "SUCCESS"|"ERROR", "output": ...}."""
            return complete(ctx, action_id)
