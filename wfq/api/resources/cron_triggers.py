"""`/v2/cron_triggers`: create (POST, JSON body), list, get (by name or id), delete.

`workflow_input` and `workflow_params` are JSON-encoded strings of objects (plain objects are
accepted too), `first_execution_time` is "YYYY-MM-DD HH:MM" in UTC. Triggers are fired by
`wfq beat`; this resource only stores them.
"""

from __future__ import annotations

from typing import Any

import flask
from flask_restx import Api, Resource

from wfq.api import bodies
from wfq.api.context import ApiContext
from wfq.api.encoding import CRON_TRIGGER, empty_response, encode, json_response
from wfq.api.resources.executions import NO_WORKFLOW
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, Models
from wfq.errors import InvalidInput, InvalidRequest
from wfq.services import cron_triggers

_STRINGS = ("name", "pattern", "workflow_name", "workflow_id", "workflow_namespace", "scope")
_KNOWN = (
    *_STRINGS,
    "workflow_input",
    "workflow_params",
    "first_execution_time",
    "remaining_executions",
)
# Output fields a client may send back; Mistral's WSME type knows them and ignores them here.
_IGNORED = ("id", "project_id", "next_execution_time", "status", "created_at", "updated_at")


def parse_create(body: Any) -> dict[str, Any]:
    """The keyword arguments of `cron_triggers.create_cron_trigger` from a POST body."""
    body = bodies.require_object(body, "cron_trigger")
    bodies.refuse_unknown(body, (*_KNOWN, *_IGNORED), "cron_trigger")
    bodies.strings(body, (*_STRINGS, "first_execution_time"))
    if not body.get("name"):
        raise InvalidInput('Cron trigger is missing field "name"')
    workflow = body.get("workflow_id") or body.get("workflow_name")
    if not workflow:
        raise InvalidRequest(NO_WORKFLOW)
    count = body.get("remaining_executions")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        raise InvalidInput(
            f"Invalid input for field/attribute remaining_executions. Value: '{count}'. "
            "Wrong type. Expected an integer"
        )
    first = body.get("first_execution_time")
    return {
        "name": body["name"],
        "workflow": workflow,
        "pattern": body.get("pattern") or None,
        "namespace": body.get("workflow_namespace") or "",
        "workflow_input": bodies.json_object(body, "workflow_input", "cron_trigger"),
        "workflow_params": bodies.json_object(body, "workflow_params", "cron_trigger"),
        "first_execution_time": cron_triggers.parse_time(first) if first else None,
        "remaining_executions": count,
        "scope": body.get("scope") or "private",
    }


def create(ctx: ApiContext) -> flask.Response:
    """POST: store a trigger; 201 with its `next_execution_time`."""
    project = ctx.project()
    args = parse_create(ctx.json_body())
    name, workflow = args.pop("name"), args.pop("workflow")
    view = cron_triggers.create_cron_trigger(
        ctx.services, name, workflow, project_id=project, **args
    )
    return json_response(encode(CRON_TRIGGER, view, omit=("updated_at",)), 201)


def list_all(ctx: ApiContext) -> flask.Response:
    """GET: the triggers visible to the project."""
    project = ctx.project()
    req = ctx.list_request(CRON_TRIGGER)
    views = cron_triggers.list_cron_triggers(ctx.services, req.query, project_id=project)
    return ctx.list_response(CRON_TRIGGER, req, views)


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the cron triggers namespace to `api`."""
    ns = api.namespace("cron_triggers", path="/v2/cron_triggers", description="Cron triggers")

    @ns.route("")
    class CronTriggers(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of cron triggers", models.cron_triggers)
        @ns.response(400, "Bad list parameters", models.fault)
        def get(self) -> flask.Response:
            """List cron triggers."""
            return list_all(ctx)

        @ns.expect(models.cron_trigger_create)
        @ns.response(201, "The trigger created", models.cron_trigger)
        @ns.response(400, "Bad body, pattern, time or workflow input", models.fault)
        @ns.response(404, "No such workflow", models.fault)
        @ns.response(409, "A trigger of that name exists", models.fault)
        def post(self) -> flask.Response:
            """Create a cron trigger."""
            return create(ctx)

    @ns.route("/<string:identifier>")
    @ns.doc(params={"identifier": "trigger name or id"})
    class CronTriggerItem(Resource):
        @ns.response(200, "The trigger", models.cron_trigger)
        @ns.response(404, "No such trigger", models.fault)
        def get(self, identifier: str) -> flask.Response:
            """Get a cron trigger."""
            project = ctx.project()
            view = cron_triggers.get_cron_trigger(ctx.services, identifier, project_id=project)
            return json_response(encode(CRON_TRIGGER, view))

        @ns.response(204, "Deleted")
        @ns.response(404, "No such trigger", models.fault)
        def delete(self, identifier: str) -> flask.Response:
            """Delete a cron trigger."""
            project = ctx.project()
            cron_triggers.delete_cron_trigger(ctx.services, identifier, project_id=project)
            return empty_response()
