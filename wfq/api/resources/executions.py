"""`/v2/executions`: start one (POST), list, get, and the tasks of one.

The POST body is validated the way Mistral's WSME layer does it, with the same messages:
`input` and `params` are JSON-encoded strings of objects (plain objects are accepted too).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import flask
from flask_restx import Api, Namespace, Resource

from wfq import storable
from wfq.api import bodies
from wfq.api.context import ApiContext
from wfq.api.encoding import EXECUTION, TASK, empty_response, encode, json_response
from wfq.api.resources import insight
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, Models
from wfq.errors import InvalidInput, InvalidRequest, NotFound, SizeLimitExceeded
from wfq.services import controls, executions, queries

_STRING_FIELDS = ("id", "workflow_id", "workflow_name", "workflow_namespace", "description")
_ACCEPTED = frozenset(
    {*_STRING_FIELDS, "input", "params", "tags", "source_execution_id", "workflow_version"}
)
# Output fields a client may echo back; Mistral's WSME type knows them, and ignores them here.
_IGNORED = frozenset(
    {
        "task_execution_id",
        "root_execution_id",
        "state",
        "state_info",
        "output",
        "published_global",
        "created_at",
        "updated_at",
        "project_id",
    }
)
_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
NO_WORKFLOW = "Workflow ID or workflow name must be provided. Workflow ID is recommended."


@dataclass(frozen=True, slots=True)
class StartRequest:
    """A validated POST /v2/executions body."""

    workflow: str
    namespace: str = ""
    wf_input: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    execution_id: str | None = None
    workflow_version: Any = None
    """wfq extension: the version of the workflow to run (body or `params.workflow_version`)."""


def parse_start(body: Any) -> StartRequest:
    """Validate a POST body; raises InvalidInput / InvalidRequest with Mistral's messages."""
    if not isinstance(body, dict):
        raise InvalidInput(
            f"Invalid input for field/attribute wf_ex. Value: '{body}'. Expected an object"
        )
    unknown = sorted(set(body) - _ACCEPTED - _IGNORED)
    if unknown:
        raise InvalidInput(f"Unknown attribute for argument wf_ex: {', '.join(unknown)}")
    for name in _STRING_FIELDS:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(
                f"Invalid input for field/attribute {name}. Value: '{value}'. Wrong type. "
                f"Expected '{str}', got '{type(value)}'"
            )
    wf_input = _json_object(body, "input")
    params = _json_object(body, "params")
    workflow = body.get("workflow_id") or body.get("workflow_name")
    if not workflow:
        raise InvalidRequest(NO_WORKFLOW)
    namespace = body.get("workflow_namespace") or params.get("namespace") or ""
    description = body.get("description") or params.get("description") or ""
    if not isinstance(namespace, str) or not isinstance(description, str):
        raise InvalidInput("The namespace and the description must be strings")
    ex_id = body.get("id") or None
    if ex_id is not None and not _ID_PATTERN.match(ex_id):
        raise InvalidInput(f"Invalid execution id '{ex_id}': at most 36 letters, digits, - or _")
    version = body.get("workflow_version")
    if version is None:
        version = params.get("workflow_version")
    return StartRequest(workflow, namespace, wf_input, params, description, ex_id, version)


def _json_object(body: dict[str, Any], name: str) -> dict[str, Any]:
    return bodies.json_object(body, name, "wf_ex")


def _check_size(ctx: ApiContext, value: dict[str, Any], name: str) -> None:
    limit_kb = ctx.services.settings.field_size_limit_kb
    size = storable.json_size(value)
    if size > limit_kb * 1024:
        raise SizeLimitExceeded(storable.size_exceeded("WorkflowExecution", name, size, limit_kb))


def create(ctx: ApiContext) -> flask.Response:
    """POST: start an execution; 201 with the execution as stored after the start."""
    project = ctx.project()
    body = ctx.json_body()
    if isinstance(body, dict) and body.get("source_execution_id"):
        body = _based_on_source(ctx, body, project)
    start = parse_start(body)
    _check_size(ctx, start.wf_input, "input")
    _check_size(ctx, start.params, "params")
    svc = ctx.services
    if insight.is_dry_run(start.params):
        return insight.dry_run_response(
            ctx, start.workflow, start.namespace, start.wf_input, start.params
        )
    if start.execution_id:
        try:  # Mistral: POST with the id of an existing execution returns that execution.
            view = queries.get(svc, "execution", start.execution_id, project_id=project)
            return json_response(encode(EXECUTION, view, omit=("published_global",)), 201)
        except NotFound:
            pass
    view = executions.start_and_show(
        svc,
        start.workflow,
        project_id=project,
        namespace=start.namespace,
        wf_input=start.wf_input,
        params=start.params,
        description=start.description,
        execution_id=start.execution_id,
        workflow_version=start.workflow_version,
    )
    return json_response(encode(EXECUTION, view, omit=("published_global",)), 201)


def _based_on_source(ctx: ApiContext, body: dict[str, Any], project: str) -> dict[str, Any]:
    """A POST naming `source_execution_id` starts the source's workflow again, with the
    source's input, params (env included) and description unless the body gives its own."""
    source_id = body["source_execution_id"]
    if not isinstance(source_id, str):
        raise InvalidInput("source_execution_id must be a string")
    source = queries.get(ctx.services, "execution", source_id, project_id=project)
    given = {k: v for k, v in body.items() if k != "source_execution_id" and v not in (None, "")}
    if "workflow_id" not in given and "workflow_name" not in given:
        given["workflow_id"] = source["workflow_id"]
        given.setdefault("workflow_namespace", source["workflow_namespace"])
    given.setdefault("input", json.dumps(source["input"] or {}))
    params = {k: v for k, v in (source["params"] or {}).items() if k != "index"}
    given.setdefault("params", json.dumps(params))
    given.setdefault("description", source["description"] or "")
    return given


def list_all(ctx: ApiContext) -> flask.Response:
    """GET: the project's executions, without `output` (unless `include_output=true`) and
    `published_global`."""
    project = ctx.project()
    req = ctx.list_request(EXECUTION, options=("include_output",))
    views = queries.list_(ctx.services, "execution", req.query, project_id=project)
    omit = frozenset({"published_global"}) if ctx.flag("include_output") else None
    return ctx.list_response(EXECUTION, req, views, omit=omit)


def get_one(ctx: ApiContext, ex_id: str) -> flask.Response:
    """GET one execution with every field."""
    project = ctx.project()
    return json_response(
        encode(EXECUTION, queries.get(ctx.services, "execution", ex_id, project_id=project))
    )


def tasks_of(ctx: ApiContext, ex_id: str) -> flask.Response:
    """GET /<id>/tasks: the task list filtered on this execution (empty for an unknown id)."""
    project = ctx.project()
    req = ctx.list_request(TASK, forced={"workflow_execution_id": f"eq:{ex_id}"})
    views = queries.list_(ctx.services, "task", req.query, project_id=project)
    return ctx.list_response(TASK, req, views)


def parse_update(body: Any) -> dict[str, Any]:
    """The changes a PUT body asks for (Mistral's rules on what may be combined)."""
    body = bodies.require_object(body, "wf_ex")
    bodies.strings(body, ("state", "state_info", "description"))
    params = _json_object(body, "params")
    changes = {
        "state": body.get("state") or None,
        "state_info": body.get("state_info"),
        "description": body.get("description") or None,
        "env": params.get("env") or None,
    }
    if not (changes["state"] or changes["description"] or changes["env"]):
        raise InvalidRequest("The property state, description, or env is not provided for update.")
    if changes["description"] and changes["state"]:
        raise InvalidRequest("The property description must be updated separately from state.")
    if changes["env"] and changes["state"] and changes["state"] != "RUNNING":
        raise InvalidRequest(
            "The property env can only be updated when workflow execution is not running "
            "or on resume from pause."
        )
    return changes


def update(ctx: ApiContext, ex_id: str) -> flask.Response:
    """PUT: pause, resume, cancel, fail or succeed an execution, or change its description or
    env (`controls.update_execution`)."""
    project = ctx.project()
    svc = ctx.services
    queries.get(svc, "execution", ex_id, project_id=project)
    controls.update_execution(svc, ex_id, project_id=project, **parse_update(ctx.json_body()))
    return json_response(
        encode(EXECUTION, queries.get(svc, "execution", ex_id, project_id=project))
    )


def delete(ctx: ApiContext, ex_id: str) -> flask.Response:
    """DELETE one execution (`force=true` also when it is not finished): 204."""
    project = ctx.project()
    queries.get(ctx.services, "execution", ex_id, project_id=project)
    controls.delete_execution(ctx.services, ex_id, project_id=project, force=ctx.flag("force"))
    return empty_response()


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the executions namespace to `api`."""
    ns = api.namespace("executions", path="/v2/executions", description="Workflow executions")
    _collection(ns, ctx, models)
    _item(ns, ctx, models)

    @ns.route("/<string:ex_id>/tasks")
    class ExecutionTasks(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of task executions", models.tasks)
        def get(self, ex_id: str) -> flask.Response:
            """List the task executions of one execution."""
            return tasks_of(ctx, ex_id)


def _collection(ns: Namespace, ctx: ApiContext, models: Models) -> None:
    @ns.route("")
    class Executions(Resource):
        @ns.doc(
            params={**LIST_PARAMS, "include_output": "true: include `output`"},
            description=FILTER_NOTE,
        )
        @ns.response(200, "A page of executions", models.executions)
        @ns.response(400, "Bad list parameters", models.fault)
        def get(self) -> flask.Response:
            """List executions."""
            return list_all(ctx)

        @ns.expect(models.execution_create)
        @ns.response(201, "The execution, started", models.execution)
        @ns.response(400, "Bad body or workflow input", models.fault)
        @ns.response(404, "No such workflow", models.fault)
        def post(self) -> flask.Response:
            """Start an execution of a workflow."""
            return create(ctx)

        @ns.response(400, 'Missing argument: "id"', models.fault)
        def delete(self) -> flask.Response:
            """Mistral answers a DELETE without id with 400."""
            ctx.project()
            raise InvalidRequest('Missing argument: "id"')


def _item(ns: Namespace, ctx: ApiContext, models: Models) -> None:
    @ns.route("/<string:ex_id>")
    class Execution(Resource):
        @ns.response(200, "The execution", models.execution)
        @ns.response(404, "No such execution", models.fault)
        def get(self, ex_id: str) -> flask.Response:
            """Get one execution."""
            return get_one(ctx, ex_id)

        @ns.expect(models.execution_update)
        @ns.response(200, "The execution after the update", models.execution)
        @ns.response(400, "Bad update", models.fault)
        @ns.response(404, "No such execution", models.fault)
        def put(self, ex_id: str) -> flask.Response:
            """Pause, resume or cancel an execution, or change its description or env."""
            return update(ctx, ex_id)

        @ns.doc(params={"force": "true: delete even when the execution is not finished"})
        @ns.response(204, "Deleted")
        @ns.response(404, "No such execution", models.fault)
        def delete(self, ex_id: str) -> flask.Response:
            """Delete an execution."""
            return delete(ctx, ex_id)
