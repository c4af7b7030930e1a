"""`GET /metrics`: Prometheus metrics of the caller's project (`wfq.services.metrics`).

The endpoint takes the same token as the v2 API (Prometheus: `authorization: {credentials: ...}`
in the scrape config); without tokens configured it shows the default project.
"""

from __future__ import annotations

import flask

from wfq.api.context import ApiContext
from wfq.services import metrics

METRICS_PATH = "/metrics"


def register(app: flask.Flask, ctx: ApiContext) -> None:
    """Serve `/metrics` on `app`."""

    def scrape() -> flask.Response:
        project = ctx.project()
        body, content_type = metrics.exposition(
            ctx.services, project_id=project, accept=flask.request.headers.get("Accept", "")
        )
        return flask.Response(body, status=200, content_type=content_type)

    app.add_url_rule(METRICS_PATH, "wfq_metrics", scrape, methods=["GET"])
