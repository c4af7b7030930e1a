"""Why and what-if: `GET /v2/executions/<id>/explain`, `GET /v2/tasks/<id>/explain` and
`POST /v2/tasks/<id>/evaluate`. Read-only; wfq's own additions to Mistral's API."""

from __future__ import annotations

from typing import Any

import flask
from flask_restx import Api, Namespace, Resource, fields

from wfq.api.context import ApiContext
from wfq.api.encoding import EXECUTION, encode, json_response
from wfq.api.schemas import AnyValue, Models, NullableString
from wfq.services import dry_run, evaluate, explain


def _namespace(api: Api, name: str) -> Namespace:
    return next(ns for ns in api.namespaces if ns.name == name)


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the explain and evaluate routes to the executions and tasks namespaces."""
    reason = api.model(
        "WaitReason",
        {
            "task": fields.String(description="task name"),
            "task_execution_id": NullableString(description="null: the task never ran"),
            "state": NullableString(),
            "waiting_on": NullableString(
                description="join, concurrency, items, wait-before, wait-after, "
                "retry, pause-before, paused, async-action, subworkflow, "
                "action-queued, action-running, upstream, never-ran, ..."
            ),
            "message": fields.String(description="the reason in words"),
            "details": fields.Raw(description="the reason as data (depends on waiting_on)"),
        },
    )
    head = {
        "execution_id": fields.String(),
        "workflow_name": fields.String(),
        "state": fields.String(),
        "state_info": NullableString(),
        "summary": fields.String(),
    }
    explained = api.model("Explanation", {**head, "tasks": fields.List(fields.Nested(reason))})
    task_explained = api.model("TaskExplanation", {**head, **reason})
    evaluation = api.model(
        "Evaluation",
        {
            "expression": fields.String(),
            "context": fields.String(),
            "value": AnyValue(description="the value (absent on error)"),
            "error": fields.String(description="Mistral's error text (absent on success)"),
        },
    )
    request = api.model(
        "EvaluationRequest",
        {
            "expression": fields.String(required=True, description="<% YAQL %> or {{ Jinja }}"),
            "context": fields.String(description="inbound (default) or outbound (after publish)"),
        },
    )
    executions_ns, tasks_ns = _namespace(api, "executions"), _namespace(api, "tasks")

    @executions_ns.route("/<string:ex_id>/explain")
    class ExecutionExplain(Resource):
        @executions_ns.response(
            200, "What each unfinished task waits on; why tasks never ran", explained
        )
        @executions_ns.response(404, "No such execution", models.fault)
        def get(self, ex_id: str) -> flask.Response:
            """Explain an execution: what its tasks wait on, or why they never ran."""
            return json_response(
                explain.explain_execution(ctx.services, ex_id, project_id=ctx.project())
            )

    @tasks_ns.route("/<string:task_id>/explain")
    class TaskExplain(Resource):
        @tasks_ns.response(200, "What the task waits on", task_explained)
        @tasks_ns.response(404, "No such task execution", models.fault)
        def get(self, task_id: str) -> flask.Response:
            """Explain one task execution: what it waits on."""
            return json_response(
                explain.explain_task(ctx.services, task_id, project_id=ctx.project())
            )

    @tasks_ns.route("/<string:task_id>/evaluate")
    class TaskEvaluate(Resource):
        @tasks_ns.expect(request)
        @tasks_ns.response(200, "The value, or the expression's error", evaluation)
        @tasks_ns.response(400, "No expression given", models.fault)
        @tasks_ns.response(404, "No such task execution", models.fault)
        def post(self, task_id: str) -> flask.Response:
            """Evaluate an expression against the context this task saw."""
            return _evaluate(ctx, task_id)


def _evaluate(ctx: ApiContext, task_id: str) -> flask.Response:
    project = ctx.project()
    body: Any = ctx.json_body()
    expression, context = evaluate.check_request(body)
    return json_response(
        evaluate.evaluate_for_task(
            ctx.services, task_id, expression, project_id=project, context=context
        )
    )


def is_dry_run(params: dict[str, Any]) -> bool:
    """POST /v2/executions asks for a dry run: `params.dry_run` true."""
    return params.get("dry_run") is True


def dry_run_response(
    ctx: ApiContext, workflow: str, namespace: str, wf_input: dict[str, Any], params: dict[str, Any]
) -> flask.Response:
    """201 with an execution-shaped body that was never stored, plus the `dry_run` report."""
    project = ctx.project()
    svc = ctx.services
    report = dry_run.rehearse_stored(
        svc, workflow, project_id=project, namespace=namespace, wf_input=wf_input, params=params
    )
    shown = {k: v for k, v in params.items() if k not in dry_run.PARAMS}
    view = dry_run.execution_view(
        report, project_id=project, params={**shown, "dry_run": True}, now=svc.now()
    )
    body = encode(EXECUTION, view, omit=("published_global",))
    body["dry_run"] = report
    return json_response(body, 201)
