"""The web page and the task-graph endpoints it draws from.

`GET /ui/` serves the web page (static files of `wfq/web/static`, no build step): executions,
workflows, workbooks, cron triggers and environments; it calls the v2 API with the token the
reader typed in. `GET /v2/workflows/<id>/graph`
and `GET /v2/executions/<id>/graph` answer a workflow's nodes, edges and levels
(`wfq.services.graphs`) for the page and for `wfq graph`; they need a token like any v2 call.
"""

from __future__ import annotations

import mimetypes
import os

import flask
from flask_restx import Api, Resource, fields
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join
from werkzeug.wrappers import Response as BaseResponse

from wfq.api.context import ApiContext
from wfq.api.encoding import json_response
from wfq.api.schemas import AnyValue, NullableString
from wfq.services import graphs
from wfq.web import STATIC_DIR

UI_PATH = "/ui"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""The page runs only its own files: no inline script, no third-party origin."""


def register(app: flask.Flask, api: Api, ctx: ApiContext) -> None:
    """Serve the web page under `/ui/` and add the graph endpoints to `api`."""
    app.register_blueprint(_blueprint())
    _graph_namespace(api, ctx)


def _blueprint() -> flask.Blueprint:
    bp = flask.Blueprint("wfq_web", __name__, url_prefix=UI_PATH)

    @bp.get("")
    def to_index() -> BaseResponse:
        return flask.redirect(flask.request.script_root + UI_PATH + "/", 302)

    @bp.get("/")
    def index() -> flask.Response:
        return _static("index.html")

    @bp.get("/static/<path:filename>")
    def static(filename: str) -> flask.Response:
        return _static(filename)

    return bp


def _static(filename: str) -> flask.Response:
    # The files are small: read them whole (no open file handle outlives the request).
    path = safe_join(str(STATIC_DIR), filename)
    if path is None or not os.path.isfile(path):
        raise NotFound()
    with open(path, "rb") as fh:
        body = fh.read()
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    resp = flask.Response(body, mimetype=mimetype)
    resp.add_etag()
    resp.make_conditional(flask.request)
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def _graph_namespace(api: Api, ctx: ApiContext) -> None:
    ns = api.namespace("graphs", path="/v2", description="Task graphs of workflows and executions")
    node = api.model(
        "GraphNode",
        {
            "name": fields.String,
            "level": fields.Integer,
            "action": NullableString(description="null for a subworkflow task"),
            "workflow": NullableString(description="the subworkflow, or null"),
            "join": AnyValue(description='"all", a number, or null'),
            "with_items": fields.Boolean,
            "start": fields.Boolean,
            "commands": fields.List(
                fields.Raw, description="engine commands: {kind, name, condition}"
            ),
        },
    )
    edge = api.model(
        "GraphEdge",
        {
            "source": fields.String,
            "target": fields.String,
            "kind": fields.String(enum=["on-success", "on-error", "on-complete", "requires"]),
            "condition": NullableString(description="the guard, or null"),
            "back": fields.Boolean(description="closes a cycle"),
        },
    )
    graph = api.model(
        "Graph",
        {
            "workflow": fields.String,
            "workflow_id": fields.String,
            "execution_id": fields.String,
            "type": fields.String(enum=["direct", "reverse"]),
            "nodes": fields.List(fields.Nested(node)),
            "edges": fields.List(fields.Nested(edge)),
            "levels": fields.List(fields.List(fields.String)),
        },
    )

    @ns.route("/workflows/<string:identifier>/graph")
    @ns.doc(params={"identifier": "name or id", "namespace": "namespace of a name"})
    class WorkflowGraph(Resource):
        @ns.response(200, "The task graph", graph)
        @ns.response(404, "No such workflow")
        def get(self, identifier: str) -> flask.Response:
            """The task graph of a workflow: nodes, edges and levels."""
            project = ctx.project()
            found = graphs.of_workflow(
                ctx.services, identifier, project_id=project, namespace=ctx.arg("namespace")
            )
            return json_response(found)

    @ns.route("/executions/<string:ex_id>/graph")
    class ExecutionGraph(Resource):
        @ns.response(200, "The task graph", graph)
        @ns.response(404, "No such execution")
        def get(self, ex_id: str) -> flask.Response:
            """The task graph of the workflow an execution runs."""
            project = ctx.project()
            return json_response(graphs.of_execution(ctx.services, ex_id, project_id=project))
