"""`/v2/tasks`: list and get task executions, and the action executions of one task."""

from __future__ import annotations

import flask
from flask_restx import Api, Resource

from wfq.api.context import ApiContext
from wfq.api.encoding import ACTION_EXECUTION, TASK, encode, json_response
from wfq.api.errors import NotImplementedYet, fault_response
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, Models
from wfq.services import queries


def list_all(ctx: ApiContext) -> flask.Response:
    """GET: the project's task executions (without `result`)."""
    project = ctx.project()
    req = ctx.list_request(TASK)
    views = queries.list_(ctx.services, "task", req.query, project_id=project)
    return ctx.list_response(TASK, req, views)


def get_one(ctx: ApiContext, task_id: str) -> flask.Response:
    """GET one task execution, with its `result`."""
    project = ctx.project()
    return json_response(
        encode(TASK, queries.get(ctx.services, "task", task_id, project_id=project))
    )


def actions_of(ctx: ApiContext, task_id: str) -> flask.Response:
    """GET /<id>/action_executions: the action executions of one task (empty if unknown)."""
    project = ctx.project()
    req = ctx.list_request(ACTION_EXECUTION, forced={"task_execution_id": f"eq:{task_id}"})
    views = queries.list_(ctx.services, "action_execution", req.query, project_id=project)
    return ctx.list_response(ACTION_EXECUTION, req, views)


def rerun(ctx: ApiContext, task_id: str) -> flask.Response:
    """PUT one task (Mistral: rerun a failed task): 404 when unknown, else 501 for now."""
    project = ctx.project()
    queries.get(ctx.services, "task", task_id, project_id=project)
    # TODO(services): call executions.rerun_task(...) once it exists.
    return fault_response(NotImplementedYet("Rerunning a task is not implemented yet"))


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the tasks namespace to `api`."""
    ns = api.namespace("tasks", path="/v2/tasks", description="Task executions")

    @ns.route("")
    class Tasks(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of task executions", models.tasks)
        @ns.response(400, "Bad list parameters", models.fault)
        def get(self) -> flask.Response:
            """List task executions (filter with workflow_execution_id=...)."""
            return list_all(ctx)

    @ns.route("/<string:task_id>")
    class Task(Resource):
        @ns.response(200, "The task execution", models.task)
        @ns.response(404, "No such task execution", models.fault)
        def get(self, task_id: str) -> flask.Response:
            """Get one task execution."""
            return get_one(ctx, task_id)

        @ns.response(501, "Not implemented yet", models.fault)
        def put(self, task_id: str) -> flask.Response:
            """Rerun a task execution (not implemented yet)."""
            return rerun(ctx, task_id)

    @ns.route("/<string:task_id>/action_executions")
    class TaskActions(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of action executions", models.action_executions)
        def get(self, task_id: str) -> flask.Response:
            """List the action executions of one task execution."""
            return actions_of(ctx, task_id)
