"""The version documents: `GET /`, `GET /v2` (302 to `/v2/`) and `GET /v2/`."""

from __future__ import annotations

import flask
from flask_restx import Api, Resource
from werkzeug.wrappers import Response as BaseResponse

from wfq.api.context import ApiContext
from wfq.api.encoding import json_response
from wfq.api.schemas import Models


def versions(ctx: ApiContext) -> flask.Response:
    """Mistral's versions document, with links at the URL the client used."""
    link = {"href": f"{ctx.base_url()}/v2", "target": "v2", "rel": "self"}
    return json_response({"versions": [{"id": "v2.0", "status": "CURRENT", "links": [link]}]})


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the root namespace to `api`."""
    ns = api.namespace("root", path="/", description="API versions")

    @ns.route("/")
    class Root(Resource):
        @ns.response(200, "The API versions", models.versions)
        def get(self) -> flask.Response:
            """List the API versions."""
            return versions(ctx)

    @ns.route("/v2", doc=False)
    class V2Redirect(Resource):
        def get(self) -> BaseResponse:
            return flask.redirect(f"{ctx.base_url()}/v2/", 302)

    @ns.route("/v2/")
    class V2(Resource):
        def get(self) -> flask.Response:
            """The v2 API root."""
            return json_response({"uri": f"{ctx.base_url()}/v2"})
