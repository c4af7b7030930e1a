"""`/v2/environments`: create (POST) and update (PUT) from a JSON body
`{"name", "description", "variables", "scope"}` (`variables`: an object or a JSON-encoded string
of one), list, get, delete. `variables` is answered as a JSON-encoded string, as Mistral does."""

from __future__ import annotations

from typing import Any

import flask
from flask_restx import Api, Resource

from wfq.api import bodies
from wfq.api.context import ApiContext
from wfq.api.encoding import ENVIRONMENT, empty_response, encode, json_response
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, Models
from wfq.errors import InvalidInput
from wfq.services import environments

_KNOWN = ("name", "description", "variables", "scope")
# Output fields a client may send back (e.g. an exported environment); they are ignored.
_IGNORED = ("id", "project_id", "created_at", "updated_at")


def parse_body(body: Any, *, creating: bool) -> dict[str, Any]:
    """The fields of a POST/PUT body; `name` is required, and `variables` on create."""
    body = bodies.require_object(body, "env")
    unknown = sorted(set(body) - set(_KNOWN) - set(_IGNORED))
    if unknown:
        raise InvalidInput(
            "Please, check your environment definition. Only: "
            f"{list(_KNOWN)} are allowed as definition keys."
        )
    bodies.strings(body, ("name", "description", "scope"))
    if not body.get("name"):
        raise InvalidInput('Environment is missing field "name"')
    if creating and body.get("variables") in (None, ""):
        raise InvalidInput('Environment is missing field "variables"')
    variables = bodies.decode(body, "variables", "env") if "variables" in body else None
    if variables is not None and not isinstance(variables, dict):
        raise InvalidInput(f"JsonType field value must be a dictionary [actual={variables}]")
    return {
        "name": body["name"],
        "description": body.get("description"),
        "variables": variables,
        "scope": body.get("scope") or None,
    }


def create(ctx: ApiContext) -> flask.Response:
    """POST: store a new environment; 201."""
    project = ctx.project()
    fields = parse_body(ctx.json_body(), creating=True)
    view = environments.create_environment(
        ctx.services,
        fields["name"],
        project_id=project,
        variables=fields["variables"],
        description=fields["description"] or "",
        scope=fields["scope"] or "private",
    )
    return json_response(encode(ENVIRONMENT, view), 201)


def update(ctx: ApiContext) -> flask.Response:
    """PUT: change the given fields of the environment named in the body."""
    project = ctx.project()
    fields = parse_body(ctx.json_body(), creating=False)
    name = fields.pop("name")
    view = environments.update_environment(ctx.services, name, project_id=project, **fields)
    return json_response(encode(ENVIRONMENT, view))


def list_all(ctx: ApiContext) -> flask.Response:
    """GET: the environments visible to the project."""
    project = ctx.project()
    req = ctx.list_request(ENVIRONMENT)
    views = environments.list_environments(ctx.services, req.query, project_id=project)
    return ctx.list_response(ENVIRONMENT, req, views)


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the environments namespace to `api`."""
    ns = api.namespace("environments", path="/v2/environments", description="Environments")

    @ns.route("")
    class Environments(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of environments", models.environments)
        @ns.response(400, "Bad list parameters", models.fault)
        def get(self) -> flask.Response:
            """List environments."""
            return list_all(ctx)

        @ns.expect(models.environment_write)
        @ns.response(201, "The environment created", models.environment)
        @ns.response(400, "Bad body", models.fault)
        @ns.response(409, "An environment of that name exists", models.fault)
        def post(self) -> flask.Response:
            """Create an environment."""
            return create(ctx)

        @ns.expect(models.environment_write)
        @ns.response(200, "The environment updated", models.environment)
        @ns.response(404, "No such environment", models.fault)
        def put(self) -> flask.Response:
            """Update an environment (the body names it)."""
            return update(ctx)

    @ns.route("/<string:name>")
    @ns.doc(params={"name": "environment name or id"})
    class EnvironmentItem(Resource):
        @ns.response(200, "The environment", models.environment)
        @ns.response(404, "No such environment", models.fault)
        def get(self, name: str) -> flask.Response:
            """Get an environment."""
            project = ctx.project()
            view = environments.get_environment(ctx.services, name, project_id=project)
            return json_response(encode(ENVIRONMENT, view))

        @ns.response(204, "Deleted")
        @ns.response(404, "No such environment", models.fault)
        def delete(self, name: str) -> flask.Response:
            """Delete an environment."""
            project = ctx.project()
            environments.delete_environment(ctx.services, name, project_id=project)
            return empty_response()
