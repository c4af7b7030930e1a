"""The application factory: `create_app(services)` builds the Flask app of the v2 API.

Routes: `GET /` (versions), `GET /v2` (302 to `/v2/`), `GET /v2/`, and under `/v2`: workbooks,
workflows, actions, executions (and their reports), tasks, action_executions, environments,
cron_triggers, members of workflows and workbooks, services, event_triggers (and events),
code_sources and dynamic_actions. The
OpenAPI (Swagger 2.0) document is served at `GET /swagger.json` and the interactive docs UI at
`GET /docs`; neither needs a token. Request bodies larger than the definition (or field) size
limit plus 64 KiB answer 413.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import flask
from flask_restx import Api

import wfq
from wfq.api import errors, metrics, web
from wfq.api.auth import Authenticator
from wfq.api.context import ApiContext
from wfq.api.resources import (
    action_executions,
    actions,
    code_sources,
    cron_triggers,
    environments,
    event_triggers,
    executions,
    insight,
    members,
    reports,
    root,
    services,
    tasks,
    versions,
    workbooks,
    workflows,
)
from wfq.api.schemas import build as build_models
from wfq.api.schemas import complete_document
from wfq.api.schemas_more import build as build_more_models
from wfq.errors import InvalidRequest
from wfq.services.context import Services
from wfq.storable import NUL_MESSAGE

BODY_SLACK_KB = 64
"""Room above the largest definition or field for the rest of a request body."""
SWAGGER_PATH = "/swagger.json"
DOCS_PATH = "/docs"

AUTHORIZATIONS = {
    "bearer": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Bearer <token>`",
    },
    "token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
}
"""The two ways to send a token, as the OpenAPI document declares them."""

_RESOURCES = (
    root,
    workbooks,
    workflows,
    actions,
    executions,
    tasks,
    action_executions,
    environments,
    cron_triggers,
    insight,
    reports,
    members,
    services,
    event_triggers,
    code_sources,
    versions,
)


class _Api(Api):
    """flask-restx's Api, with `GET /` answering the versions document instead of a 404."""

    root_view: Callable[[], Any] | None = None
    _schema: dict[str, Any] | None  # flask-restx's cached document (set to None in __init__)

    def render_root(self) -> Any:
        if self.root_view is None:
            return super().render_root()
        return self.root_view()

    @property
    def __schema__(self) -> dict[str, Any]:
        """The Swagger document, completed by `schemas.complete_document`."""
        if not self._schema:
            document = super().__schema__
            self._schema = complete_document(document) if "paths" in document else document
        return self._schema


def create_app(services: Services) -> flask.Flask:
    """The Flask app serving the Mistral v2 API over `services`.

    Args:
        services: the process's service container; every request uses it, nothing is global.
    """
    settings = services.settings
    app = flask.Flask("wfq.api", static_folder=None)
    limit_kb = max(settings.definition_size_limit_kb, settings.field_size_limit_kb)
    app.config["MAX_CONTENT_LENGTH"] = (limit_kb + BODY_SLACK_KB) * 1024
    app.config["RESTX_MASK_SWAGGER"] = False
    ctx = ApiContext(services=services, auth=Authenticator(settings))
    api = _Api(
        app,
        version=wfq.__version__,
        title="wfq",
        # Swagger UI renders descriptions as Markdown, where a bare <token> is an HTML tag that
        # vanishes: code spans keep the placeholders visible.
        description="A Mistral v2 compatible workflow service. Authentication: "
        "`Authorization: Bearer <token>` or `X-Auth-Token: <token>` when tokens are configured.",
        doc=DOCS_PATH,
        authorizations=AUTHORIZATIONS,
        security=list(AUTHORIZATIONS) if ctx.auth.enabled else None,
    )
    api.root_view = lambda: root.versions(ctx)
    models = dataclasses.replace(build_models(api), more=build_more_models(api))
    for module in _RESOURCES:
        module.register(api, ctx, models)
    web.register(app, api, ctx)
    metrics.register(app, ctx)
    errors.install(app, api)
    app.before_request(_refuse_nul)
    return app


def _refuse_nul() -> None:
    """NUL in a path or query argument: 400 (PostgreSQL cannot even compare such text)."""
    req = flask.request
    if "\x00" in req.path or any("\x00" in k or "\x00" in v for k, v in req.args.items()):
        raise InvalidRequest(NUL_MESSAGE)
