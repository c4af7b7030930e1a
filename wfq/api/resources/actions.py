"""`/v2/actions`: the system actions of the registry and the stored ad-hoc actions. List, get,
create and update ad-hoc actions from YAML text (`version: '2.0'` and one key per action),
delete (400 for a system action), validate.

python-mistralclient asks for `/v2/actions/<name>/<namespace>`, so `/v2/actions/std.echo/`
(an empty namespace) is served too. POST/PUT answer errors in the raw-text shape, as workflows.
"""

from __future__ import annotations

import flask
from flask_restx import Api, Namespace, Resource

from wfq.api.context import ApiContext
from wfq.api.encoding import ACTION, empty_response, encode, json_response
from wfq.api.errors import raw_errors
from wfq.api.resources.workflows import namespace_arg, scope_arg
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, TEXT_BODY, Models
from wfq.services import action_definitions

_WRITE_PARAMS = {
    "namespace": "namespace of the actions (default: '')",
    "scope": "private (default) or public",
}
_ITEM_URLS = (
    "/<string:identifier>",
    "/<string:identifier>/",
    "/<string:identifier>/<string:namespace>",
)


def _actions_body(views: list[dict[str, object]], status: int) -> flask.Response:
    omit = ("updated_at",) if status == 201 else ()
    return json_response(
        {"actions": [encode(ACTION, v, omit=omit) for v in views]}, status, raw=True
    )


def create(ctx: ApiContext) -> flask.Response:
    """POST: store every ad-hoc action of the YAML body; 201 `{"actions": [...]}`."""
    project = ctx.project()
    views = action_definitions.create_actions(
        ctx.services,
        ctx.text_body(),
        project_id=project,
        namespace=namespace_arg(ctx),
        scope=scope_arg(ctx, "private") or "private",
        user=ctx.user(),
    )
    return _actions_body(views, 201)


def update(
    ctx: ApiContext, identifier: str | None = None, namespace: str | None = None
) -> flask.Response:
    """PUT: replace existing ad-hoc actions (one, by name or id, when the URL names it)."""
    project = ctx.project()
    views = action_definitions.update_actions(
        ctx.services,
        ctx.text_body(),
        project_id=project,
        namespace=namespace if namespace is not None else namespace_arg(ctx),
        scope=scope_arg(ctx, None),
        identifier=identifier,
        user=ctx.user(),
    )
    return _actions_body(views, 200)


def list_all(ctx: ApiContext) -> flask.Response:
    """GET: system actions and the ad-hoc actions visible to the project."""
    project = ctx.project()
    req = ctx.list_request(ACTION)
    views = action_definitions.list_actions(ctx.services, req.query, project_id=project)
    return ctx.list_response(ACTION, req, views)


def get_one(ctx: ApiContext, identifier: str, namespace: str | None) -> flask.Response:
    """GET one action by name (or id, for an ad-hoc one)."""
    project = ctx.project()
    view = action_definitions.get_action(
        ctx.services,
        identifier,
        project_id=project,
        namespace=namespace if namespace is not None else namespace_arg(ctx),
    )
    return json_response(encode(ACTION, view))


def delete(ctx: ApiContext, identifier: str, namespace: str | None) -> flask.Response:
    """DELETE an ad-hoc action: 204; a system action: 400."""
    project = ctx.project()
    action_definitions.delete_action(
        ctx.services,
        identifier,
        project_id=project,
        namespace=namespace if namespace is not None else namespace_arg(ctx),
    )
    return empty_response()


def validate(ctx: ApiContext) -> flask.Response:
    """POST /validate: `{"valid": bool, "error": str | null}`; never stores anything."""
    ctx.project()
    return json_response(action_definitions.validate(ctx.text_body()), raw=True)


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the actions namespace to `api`."""
    ns = api.namespace("actions", path="/v2/actions", description="Actions")
    _collection(ns, ctx, models)

    @ns.route(*_ITEM_URLS)
    @ns.doc(params={"identifier": "name or id", "namespace": "namespace of an ad-hoc action"})
    class ActionItem(Resource):
        @ns.response(200, "The action", models.action)
        @ns.response(404, "No such action", models.fault)
        def get(self, identifier: str, namespace: str | None = None) -> flask.Response:
            """Get an action by name or id."""
            return get_one(ctx, identifier, namespace)

        @ns.response(204, "Deleted")
        @ns.response(400, "A system action cannot be deleted", models.fault)
        @ns.response(404, "No such action", models.fault)
        def delete(self, identifier: str, namespace: str | None = None) -> flask.Response:
            """Delete an ad-hoc action."""
            return delete(ctx, identifier, namespace)

        @ns.doc(params=_WRITE_PARAMS)
        @ns.vendor(TEXT_BODY)
        @ns.response(200, "The action updated", models.actions)
        @ns.response(404, "No such action", models.fault)
        @raw_errors
        def put(self, identifier: str, namespace: str | None = None) -> flask.Response:
            """Update one ad-hoc action from a YAML document defining exactly it."""
            return update(ctx, identifier, namespace)

    @ns.route("/validate")
    class Validation(Resource):
        @ns.vendor(TEXT_BODY)
        @ns.response(200, "The verdict", models.validation)
        @raw_errors
        def post(self) -> flask.Response:
            """Validate ad-hoc action definitions (the body: YAML text) without storing them."""
            return validate(ctx)


def _collection(ns: Namespace, ctx: ApiContext, models: Models) -> None:
    @ns.route("")
    class Actions(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of actions", models.actions)
        @ns.response(400, "Bad list parameters", models.fault)
        def get(self) -> flask.Response:
            """List system and ad-hoc actions."""
            return list_all(ctx)

        @ns.doc(params=_WRITE_PARAMS)
        @ns.vendor(TEXT_BODY)
        @ns.response(201, "The actions created", models.actions)
        @ns.response(400, "Unparseable or invalid definition", models.fault)
        @ns.response(409, "An action of that name exists", models.fault)
        @raw_errors
        def post(self) -> flask.Response:
            """Create the ad-hoc actions of a YAML document (the request body)."""
            return create(ctx)

        @ns.doc(params=_WRITE_PARAMS)
        @ns.vendor(TEXT_BODY)
        @ns.response(200, "The actions updated", models.actions)
        @ns.response(404, "No such action", models.fault)
        @raw_errors
        def put(self) -> flask.Response:
            """Update existing ad-hoc actions from a YAML document (the request body)."""
            return update(ctx)
