"""`/v2/services`: the live wfq processes and their roles (Mistral's coordination members)."""

from __future__ import annotations

import flask
from flask_restx import Api, Resource

from wfq.api.context import ApiContext
from wfq.api.encoding import json_response
from wfq.api.schemas import Models
from wfq.services import membership


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the services namespace to `api`."""
    ns = api.namespace("services", path="/v2/services", description="Live wfq processes")

    @ns.route("")
    class Services(Resource):
        @ns.response(200, "Each live process once per role", models.more.services)
        def get(self) -> flask.Response:
            """List the live API, worker (engine and executor), beat and listener processes."""
            ctx.project()
            return json_response({"services": membership.list_services(ctx.services)})
