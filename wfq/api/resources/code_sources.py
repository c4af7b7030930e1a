"""`/v2/code_sources` (Python modules, sent as text) and `/v2/dynamic_actions` (an action name
bound to a class of one). Off unless the operator names the project in `code_source_projects`
(403 otherwise); a source with a syntax error answers 400 naming the line."""

from __future__ import annotations

from typing import Any

import flask
from flask_restx import Api, Resource

from wfq.api import bodies
from wfq.api.context import ApiContext
from wfq.api.encoding import CODE_SOURCE, DYNAMIC_ACTION, empty_response, encode, json_response
from wfq.api.resources.workflows import namespace_arg, scope_arg
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, TEXT_BODY, Models
from wfq.services import code_sources, dynamic_actions

_SOURCE_PARAMS = {"namespace": "namespace (default: '')", "scope": "private (default) or public"}
_ACTION_STRINGS = (
    "id",
    "name",
    "namespace",
    "class_name",
    "code_source_id",
    "code_source_name",
    "scope",
)
_ACTION_IGNORED = ("project_id", "created_at", "updated_at")


def _action_body(ctx: ApiContext) -> dict[str, Any]:
    body = bodies.require_object(ctx.json_body(), "dyn_action")
    bodies.refuse_unknown(body, (*_ACTION_STRINGS, *_ACTION_IGNORED), "dyn_action")
    bodies.strings(body, _ACTION_STRINGS)
    return {k: body.get(k) for k in _ACTION_STRINGS}


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the code sources and dynamic actions namespaces to `api`."""
    _code_sources(api, ctx, models)
    _dynamic_actions(api, ctx, models)


def _code_sources(api: Api, ctx: ApiContext, models: Models) -> None:
    m = models.more
    ns = api.namespace("code_sources", path="/v2/code_sources", description="Code sources")
    forbidden = "Code sources are not enabled for the caller's project"

    @ns.route("")
    class CodeSources(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of code sources", m.code_sources)
        @ns.response(403, forbidden, models.fault)
        def get(self) -> flask.Response:
            """List code sources."""
            project = ctx.project()
            req = ctx.list_request(CODE_SOURCE)
            views = code_sources.list_code_sources(ctx.services, req.query, project_id=project)
            return ctx.list_response(CODE_SOURCE, req, views)

        @ns.doc(params={"name": "the module name", **_SOURCE_PARAMS})
        @ns.vendor(TEXT_BODY)
        @ns.response(201, "The code source created", m.code_source)
        @ns.response(403, forbidden, models.fault)
        @ns.response(409, "A code source of that name exists", models.fault)
        def post(self) -> flask.Response:
            """Create a code source (the body: Python text)."""
            project = ctx.project()
            view = code_sources.create_code_source(
                ctx.services,
                ctx.arg("name"),
                ctx.text_body(),
                project_id=project,
                namespace=namespace_arg(ctx),
                scope=scope_arg(ctx, "private") or "private",
            )
            return json_response(encode(CODE_SOURCE, view), 201, raw=True)

        @ns.doc(params={"identifier": "name or id", **_SOURCE_PARAMS})
        @ns.vendor(TEXT_BODY)
        @ns.response(200, "The code source updated (its version grows by one)", m.code_source)
        @ns.response(403, forbidden, models.fault)
        @ns.response(404, "No such code source of the caller's project", models.fault)
        def put(self) -> flask.Response:
            """Replace the content of a code source (the body: Python text)."""
            project = ctx.project()
            view = code_sources.update_code_source(
                ctx.services,
                ctx.arg("identifier"),
                ctx.text_body(),
                project_id=project,
                namespace=namespace_arg(ctx),
                scope=scope_arg(ctx, None),
            )
            return json_response(encode(CODE_SOURCE, view), raw=True)

    @ns.route("/<string:identifier>")
    @ns.doc(params={"identifier": "name or id", "namespace": "namespace of a name"})
    class CodeSource(Resource):
        @ns.response(200, "The code source", m.code_source)
        @ns.response(403, forbidden, models.fault)
        @ns.response(404, "No such code source", models.fault)
        def get(self, identifier: str) -> flask.Response:
            """Get a code source."""
            project = ctx.project()
            view = code_sources.get_code_source(
                ctx.services, identifier, project_id=project, namespace=namespace_arg(ctx)
            )
            return json_response(encode(CODE_SOURCE, view))

        @ns.response(204, "Deleted, with its dynamic actions")
        @ns.response(403, forbidden, models.fault)
        @ns.response(404, "No such code source of the caller's project", models.fault)
        def delete(self, identifier: str) -> flask.Response:
            """Delete a code source and the dynamic actions defined on it."""
            project = ctx.project()
            code_sources.delete_code_source(
                ctx.services, identifier, project_id=project, namespace=namespace_arg(ctx)
            )
            return empty_response()


def _dynamic_actions(api: Api, ctx: ApiContext, models: Models) -> None:
    m = models.more
    ns = api.namespace("dynamic_actions", path="/v2/dynamic_actions", description="Dynamic actions")
    forbidden = "Code sources are not enabled for the caller's project"

    @ns.route("")
    class DynamicActions(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of dynamic actions", m.dynamic_actions)
        @ns.response(403, forbidden, models.fault)
        def get(self) -> flask.Response:
            """List dynamic actions."""
            project = ctx.project()
            req = ctx.list_request(DYNAMIC_ACTION)
            views = dynamic_actions.list_dynamic_actions(
                ctx.services, req.query, project_id=project
            )
            return ctx.list_response(DYNAMIC_ACTION, req, views)

        @ns.expect(m.dynamic_action_write)
        @ns.response(201, "The dynamic action created", m.dynamic_action)
        @ns.response(403, forbidden, models.fault)
        @ns.response(404, "No such code source", models.fault)
        @ns.response(409, "An action of that name exists", models.fault)
        def post(self) -> flask.Response:
            """Create a dynamic action."""
            project = ctx.project()
            view = dynamic_actions.create_dynamic_action(
                ctx.services, _action_body(ctx), project_id=project
            )
            return json_response(encode(DYNAMIC_ACTION, view), 201)

        @ns.expect(m.dynamic_action_write)
        @ns.response(200, "The dynamic action updated", m.dynamic_action)
        @ns.response(403, forbidden, models.fault)
        @ns.response(404, "No such dynamic action or code source", models.fault)
        def put(self) -> flask.Response:
            """Change the class, code source or scope of a dynamic action (by id or name)."""
            project = ctx.project()
            view = dynamic_actions.update_dynamic_action(
                ctx.services, _action_body(ctx), project_id=project
            )
            return json_response(encode(DYNAMIC_ACTION, view))

    @ns.route("/<string:identifier>")
    @ns.doc(params={"identifier": "name or id", "namespace": "namespace of a name"})
    class DynamicAction(Resource):
        @ns.response(200, "The dynamic action", m.dynamic_action)
        @ns.response(403, forbidden, models.fault)
        @ns.response(404, "No such dynamic action", models.fault)
        def get(self, identifier: str) -> flask.Response:
            """Get a dynamic action."""
            project = ctx.project()
            view = dynamic_actions.get_dynamic_action(
                ctx.services, identifier, project_id=project, namespace=namespace_arg(ctx)
            )
            return json_response(encode(DYNAMIC_ACTION, view))

        @ns.response(204, "Deleted")
        @ns.response(403, forbidden, models.fault)
        @ns.response(404, "No such dynamic action of the caller's project", models.fault)
        def delete(self, identifier: str) -> flask.Response:
            """Delete a dynamic action (its code source stays)."""
            project = ctx.project()
            dynamic_actions.delete_dynamic_action(
                ctx.services, identifier, project_id=project, namespace=namespace_arg(ctx)
            )
            return empty_response()
