"""`/v2/workflows`: create and update from YAML text, list, get, delete, validate.

POST and PUT read the body as YAML whatever its Content-Type (as Mistral does) and answer
errors in Mistral's raw-text shape `{"faultstring": ...}`; the other methods use the WSME shape.
"""

from __future__ import annotations

import flask
from flask_restx import Api, Namespace, Resource

from wfq.api.context import ApiContext
from wfq.api.encoding import WORKFLOW, empty_response, encode, json_response
from wfq.api.errors import raw_errors
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, TEXT_BODY, Models
from wfq.errors import InvalidRequest
from wfq.services import definitions

SCOPES = ("private", "public")
NAME_LIMIT = 255
"""Longest namespace (the column width)."""

_WRITE_PARAMS = {
    "namespace": "namespace of the workflows (default: '')",
    "scope": "private (default) or public",
    "skip_validation": "accepted and ignored: definitions are always validated",
}


def namespace_arg(ctx: ApiContext) -> str:
    """The `namespace` query argument (400 when longer than the column)."""
    namespace = ctx.arg("namespace")
    if len(namespace) > NAME_LIMIT:
        raise InvalidRequest(f"Namespace is longer than {NAME_LIMIT} characters")
    return namespace


def scope_arg(ctx: ApiContext, default: str | None) -> str | None:
    """The `scope` query argument, or `default` (400 unless private or public)."""
    scope = ctx.arg("scope") or default
    if scope is not None and scope not in SCOPES:
        raise InvalidRequest(f"Scope must be one of {SCOPES}, not '{scope}'")
    return scope


def create(ctx: ApiContext) -> flask.Response:
    """POST: store every workflow of the YAML body; 201 with `interface` as an object."""
    project = ctx.project()
    namespace, scope = namespace_arg(ctx), scope_arg(ctx, "private")
    views = definitions.create_workflows(
        ctx.services,
        ctx.text_body(),
        project_id=project,
        namespace=namespace,
        scope=scope or "private",
        user=ctx.user(),
    )
    items = [encode(WORKFLOW, v, omit=("updated_at",), json_fields=()) for v in views]
    return json_response({"workflows": items}, 201, raw=True)


def update(ctx: ApiContext) -> flask.Response:
    """PUT: replace the definitions of existing workflows; the scope is kept unless given."""
    project = ctx.project()
    namespace, scope = namespace_arg(ctx), scope_arg(ctx, None)
    views = definitions.update_workflows(
        ctx.services,
        ctx.text_body(),
        project_id=project,
        namespace=namespace,
        scope=scope,
        user=ctx.user(),
    )
    items = [encode(WORKFLOW, v, json_fields=()) for v in views]
    return json_response({"workflows": items}, 200, raw=True)


def list_all(ctx: ApiContext) -> flask.Response:
    """GET: the workflows visible to the project (its own and public ones)."""
    project = ctx.project()
    req = ctx.list_request(WORKFLOW)
    views = definitions.list_workflows(ctx.services, req.query, project_id=project)
    return ctx.list_response(WORKFLOW, req, views)


def get_one(ctx: ApiContext, identifier: str) -> flask.Response:
    """GET one by name or id; `interface` is a JSON string here."""
    project = ctx.project()
    view = definitions.get_workflow(
        ctx.services, identifier, project_id=project, namespace=namespace_arg(ctx)
    )
    return json_response(encode(WORKFLOW, view))


def delete(ctx: ApiContext, identifier: str) -> flask.Response:
    """DELETE one by name or id: 204, even when executions of it exist."""
    project = ctx.project()
    definitions.delete_workflow(
        ctx.services, identifier, project_id=project, namespace=namespace_arg(ctx)
    )
    return empty_response()


def validate(ctx: ApiContext) -> flask.Response:
    """POST /validate: `{"valid": bool, "error": str | null}`; never stores anything."""
    ctx.project()
    return json_response(definitions.validate(ctx.text_body()), raw=True)


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the workflows namespace to `api`."""
    ns = api.namespace("workflows", path="/v2/workflows", description="Workflow definitions")
    _collection(ns, ctx, models)
    _item(ns, ctx, models)

    @ns.route("/validate")
    class Validation(Resource):
        @ns.vendor(TEXT_BODY)
        @ns.response(200, "The verdict", models.validation)
        @raw_errors
        def post(self) -> flask.Response:
            """Validate a workflow definition (the body: YAML text) without storing it."""
            return validate(ctx)


def _collection(ns: Namespace, ctx: ApiContext, models: Models) -> None:
    @ns.route("")
    class Workflows(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of workflows", models.workflows)
        @ns.response(400, "Bad list parameters", models.fault)
        def get(self) -> flask.Response:
            """List workflows."""
            return list_all(ctx)

        @ns.doc(params=_WRITE_PARAMS)
        @ns.vendor(TEXT_BODY)
        @ns.response(201, "The workflows created", models.workflows)
        @ns.response(400, "Unparseable or invalid definition", models.fault)
        @ns.response(409, "A workflow of that name exists", models.fault)
        @raw_errors
        def post(self) -> flask.Response:
            """Create the workflows of a YAML document (the request body)."""
            return create(ctx)

        @ns.doc(params=_WRITE_PARAMS)
        @ns.vendor(TEXT_BODY)
        @ns.response(200, "The workflows updated", models.workflows)
        @ns.response(404, "No such workflow", models.fault)
        @raw_errors
        def put(self) -> flask.Response:
            """Update existing workflows from a YAML document (the request body)."""
            return update(ctx)


def _item(ns: Namespace, ctx: ApiContext, models: Models) -> None:
    @ns.route("/<string:identifier>")
    @ns.doc(params={"identifier": "name or id", "namespace": "namespace of a name"})
    class Workflow(Resource):
        @ns.response(200, "The workflow", models.workflow)
        @ns.response(404, "No such workflow", models.fault)
        def get(self, identifier: str) -> flask.Response:
            """Get a workflow by name or id."""
            return get_one(ctx, identifier)

        @ns.response(204, "Deleted")
        @ns.response(404, "No such workflow", models.fault)
        def delete(self, identifier: str) -> flask.Response:
            """Delete a workflow by name or id."""
            return delete(ctx, identifier)
