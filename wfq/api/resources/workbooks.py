"""`/v2/workbooks`: create and update from YAML text, list, get, delete, validate.

As for workflows, POST/PUT read the body as YAML whatever its Content-Type and answer errors in
Mistral's raw-text shape `{"faultstring": ...}`; the other methods use the WSME shape.
Deleting a workbook also deletes the workflows and actions it registered (Mistral keeps them).
"""

from __future__ import annotations

import flask
from flask_restx import Api, Namespace, Resource

from wfq.api.context import ApiContext
from wfq.api.encoding import WORKBOOK, empty_response, encode, json_response
from wfq.api.errors import raw_errors
from wfq.api.resources.workflows import namespace_arg, scope_arg
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, TEXT_BODY, Models
from wfq.services import workbooks

_WRITE_PARAMS = {
    "namespace": "namespace of the workbook and its workflows and actions (default: '')",
    "scope": "private (default) or public",
}


def create(ctx: ApiContext) -> flask.Response:
    """POST: store the workbook of the YAML body with its workflows and actions; 201."""
    project = ctx.project()
    view = workbooks.create_workbook(
        ctx.services,
        ctx.text_body(),
        project_id=project,
        namespace=namespace_arg(ctx),
        scope=scope_arg(ctx, "private") or "private",
        user=ctx.user(),
    )
    return json_response(encode(WORKBOOK, view, omit=("updated_at",)), 201, raw=True)


def update(ctx: ApiContext) -> flask.Response:
    """PUT: replace an existing workbook; its scope is kept unless `scope=` is given."""
    project = ctx.project()
    view = workbooks.update_workbook(
        ctx.services,
        ctx.text_body(),
        project_id=project,
        namespace=namespace_arg(ctx),
        scope=scope_arg(ctx, None),
        user=ctx.user(),
    )
    return json_response(encode(WORKBOOK, view), 200, raw=True)


def list_all(ctx: ApiContext) -> flask.Response:
    """GET: the workbooks visible to the project."""
    project = ctx.project()
    req = ctx.list_request(WORKBOOK)
    views = workbooks.list_workbooks(ctx.services, req.query, project_id=project)
    return ctx.list_response(WORKBOOK, req, views)


def get_one(ctx: ApiContext, name: str) -> flask.Response:
    """GET one workbook by name."""
    project = ctx.project()
    view = workbooks.get_workbook(
        ctx.services, name, project_id=project, namespace=namespace_arg(ctx)
    )
    return json_response(encode(WORKBOOK, view))


def delete(ctx: ApiContext, name: str) -> flask.Response:
    """DELETE one workbook, its workflows and its actions: 204."""
    project = ctx.project()
    workbooks.delete_workbook(ctx.services, name, project_id=project, namespace=namespace_arg(ctx))
    return empty_response()


def validate(ctx: ApiContext) -> flask.Response:
    """POST /validate: `{"valid": bool, "error": str | null}`; never stores anything."""
    ctx.project()
    return json_response(workbooks.validate(ctx.text_body()), raw=True)


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the workbooks namespace to `api`."""
    ns = api.namespace("workbooks", path="/v2/workbooks", description="Workbooks")
    _collection(ns, ctx, models)

    @ns.route("/<string:name>")
    @ns.doc(params={"name": "workbook name", "namespace": "namespace of the workbook"})
    class WorkbookItem(Resource):
        @ns.response(200, "The workbook", models.workbook)
        @ns.response(404, "No such workbook", models.fault)
        def get(self, name: str) -> flask.Response:
            """Get a workbook by name."""
            return get_one(ctx, name)

        @ns.response(204, "Deleted, with its workflows and actions")
        @ns.response(404, "No such workbook", models.fault)
        def delete(self, name: str) -> flask.Response:
            """Delete a workbook with the workflows and actions it registered."""
            return delete(ctx, name)

    @ns.route("/validate")
    class Validation(Resource):
        @ns.vendor(TEXT_BODY)
        @ns.response(200, "The verdict", models.validation)
        @raw_errors
        def post(self) -> flask.Response:
            """Validate a workbook definition (the body: YAML text) without storing it."""
            return validate(ctx)


def _collection(ns: Namespace, ctx: ApiContext, models: Models) -> None:
    @ns.route("")
    class Workbooks(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of workbooks", models.workbooks)
        @ns.response(400, "Bad list parameters", models.fault)
        def get(self) -> flask.Response:
            """List workbooks."""
            return list_all(ctx)

        @ns.doc(params=_WRITE_PARAMS)
        @ns.vendor(TEXT_BODY)
        @ns.response(201, "The workbook created", models.workbook)
        @ns.response(400, "Unparseable or invalid definition", models.fault)
        @ns.response(409, "A workbook, workflow or action of that name exists", models.fault)
        @raw_errors
        def post(self) -> flask.Response:
            """Create a workbook from a YAML document (the request body)."""
            return create(ctx)

        @ns.doc(params=_WRITE_PARAMS)
        @ns.vendor(TEXT_BODY)
        @ns.response(200, "The workbook updated", models.workbook)
        @ns.response(404, "No such workbook", models.fault)
        @raw_errors
        def put(self) -> flask.Response:
            """Update an existing workbook from a YAML document (the request body)."""
            return update(ctx)
