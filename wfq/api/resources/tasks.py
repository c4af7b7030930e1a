"""`/v2/tasks`: list and get task executions, rerun or skip a failed one (PUT), and the action
executions of one task."""

from __future__ import annotations

from typing import Any

import flask
from flask_restx import Api, Resource

from wfq.api import bodies
from wfq.api.context import ApiContext
from wfq.api.encoding import ACTION_EXECUTION, TASK, encode, json_response
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, Models
from wfq.errors import InvalidRequest
from wfq.services import controls, preview, queries


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


def parse_rerun(body: Any, task: dict[str, Any]) -> dict[str, Any]:
    """The rerun a PUT body asks for: `{"state": "RUNNING", "reset": bool, "env": ...}`."""
    body = bodies.require_object(body, "task")
    bodies.strings(body, ("state", "name", "workflow_name"))
    if body.get("name") and body["name"] != task["name"]:
        raise InvalidRequest("Task name does not match.")
    if body.get("workflow_name") and body["workflow_name"] != task["workflow_name"]:
        raise InvalidRequest("Workflow name does not match.")
    state = body.get("state")
    if state not in ("RUNNING", "SKIPPED"):
        raise InvalidRequest(
            "Invalid task state. Only updating task to RUNNING or SKIPPED is supported."
        )
    env = bodies.json_object(body, "env", "task") or None
    if state == "SKIPPED":
        return {"skip": True, "env": env}
    if body.get("reset") is None:
        raise InvalidRequest("Reset field is mandatory to rerun task.")
    return {"reset": bodies.flag(body["reset"], "reset"), "env": env}


def rerun(ctx: ApiContext, task_id: str) -> flask.Response:
    """PUT one task: rerun a failed task (state RUNNING) or skip it (state SKIPPED)."""
    project = ctx.project()
    svc = ctx.services
    task = queries.get(svc, "task", task_id, project_id=project)
    body = ctx.json_body()
    if isinstance(body, dict) and body.get("preview") is not None:
        body = dict(body)
        if bodies.flag(body.pop("preview"), "preview"):
            return json_response(
                preview.preview(svc, task_id, project_id=project, **parse_rerun(body, task))
            )
    changes = parse_rerun(body, task)
    if changes.pop("skip", False):
        controls.skip_task(svc, task_id, project_id=project, **changes)
    else:
        controls.rerun_task(svc, task_id, project_id=project, **changes)
    return json_response(encode(TASK, queries.get(svc, "task", task_id, project_id=project)))


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

        @ns.expect(models.task_update)
        @ns.response(200, "The task execution, running again or skipped", models.task)
        @ns.response(400, "Bad rerun or skip request, or the task is not in ERROR", models.fault)
        @ns.response(404, "No such task execution", models.fault)
        def put(self, task_id: str) -> flask.Response:
            """Rerun a failed task execution: {"state": "RUNNING", "reset": true}; with
            "preview": true, answer what would run again and change nothing."""
            return rerun(ctx, task_id)

    @ns.route("/<string:task_id>/action_executions")
    class TaskActions(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of action executions", models.action_executions)
        def get(self, task_id: str) -> flask.Response:
            """List the action executions of one task execution."""
            return actions_of(ctx, task_id)
