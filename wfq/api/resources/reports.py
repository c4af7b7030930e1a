"""`/v2/executions/<id>/report`: the tree of an execution's tasks, action executions and
subworkflows with Mistral's statistics (`mistral execution-get-report`)."""

from __future__ import annotations

import flask
from flask_restx import Api, Resource

from wfq.api.context import ApiContext
from wfq.api.encoding import json_response
from wfq.api.schemas import Models
from wfq.errors import InvalidInput
from wfq.services import reports

_PARAMS = {
    "errors_only": "true: only tasks in ERROR (and the root execution)",
    "max_depth": "subworkflows deeper than this are shown without their tasks (-1: no limit)",
    "statistics_only": "true: only the statistics",
}


def _depth(ctx: ApiContext) -> int:
    raw = ctx.arg("max_depth", "-1").strip() or "-1"
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(
            f"Invalid input for field/attribute max_depth. Value: '{raw}'."
        ) from None


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the execution report to `api`."""
    ns = api.namespace("execution_reports", path="/v2/executions", description="Execution reports")

    @ns.route("/<string:ex_id>/report")
    @ns.doc(params={"ex_id": "the root of the report", **_PARAMS})
    class Report(Resource):
        @ns.response(200, "The report", models.more.report)
        @ns.response(404, "No such execution", models.fault)
        def get(self, ex_id: str) -> flask.Response:
            """The report of an execution."""
            project = ctx.project()
            options = reports.ReportOptions(
                errors_only=ctx.flag("errors_only"),
                max_depth=_depth(ctx),
                statistics_only=ctx.flag("statistics_only"),
            )
            report = reports.execution_report(ctx.services, ex_id, options, project_id=project)
            return json_response(report)
