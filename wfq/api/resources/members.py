"""`/v2/workflows/<id>/members` and `/v2/workbooks/<id>/members`: sharing a private workflow
or workbook with another project (Mistral's members). Needs authentication (400 without)."""

from __future__ import annotations

from typing import Any

import flask
from flask_restx import Api, Resource

from wfq.api import bodies
from wfq.api.context import ApiContext
from wfq.api.encoding import MEMBER, empty_response, encode, json_response
from wfq.api.schemas import Models
from wfq.services import members

_IGNORED = ("id", "resource_id", "resource_type", "project_id", "created_at", "updated_at")


def _body(ctx: ApiContext, field: str) -> Any:
    body = bodies.require_object(ctx.json_body(), "member_info")
    bodies.refuse_unknown(body, (field, "member_id", "status", *_IGNORED), "member_info")
    bodies.strings(body, (field,))
    return body.get(field)


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the members of workflows and of workbooks to `api`."""
    for resource_type in ("workflow", "workbook"):
        _register(api, ctx, models, resource_type)


def _register(api: Api, ctx: ApiContext, models: Models, resource_type: str) -> None:
    m = models.more
    ns = api.namespace(
        f"{resource_type}_members",
        path=f"/v2/{resource_type}s",
        description=f"Sharing a {resource_type} with other projects",
    )
    ids = {"resource_id": f"the {resource_type}'s id"}

    @ns.route("/<string:resource_id>/members")
    @ns.doc(params=ids)
    class Members(Resource):
        @ns.response(200, "The members (the owner sees all; a member itself)", m.members)
        @ns.response(404, "No such resource", models.fault)
        def get(self, resource_id: str) -> flask.Response:
            """List the members of a resource."""
            project = ctx.project()
            views = members.list_members(
                ctx.services, resource_type, resource_id, project_id=project
            )
            return json_response({"members": [encode(MEMBER, v) for v in views]})

        @ns.expect(m.member_create)
        @ns.response(201, "Shared (pending until the member accepts)", m.member)
        @ns.response(404, "No such resource of the caller's project", models.fault)
        @ns.response(409, "Already shared with that project", models.fault)
        def post(self, resource_id: str) -> flask.Response:
            """Share a private resource with a project."""
            project = ctx.project()
            member_id = _body(ctx, "member_id")
            view = members.create_member(
                ctx.services, resource_type, resource_id, member_id, project_id=project
            )
            return json_response(encode(MEMBER, view), 201)

    @ns.route("/<string:resource_id>/members/<string:member_id>")
    @ns.doc(params={**ids, "member_id": "the member's project id"})
    class Member(Resource):
        @ns.response(200, "The member", m.member)
        @ns.response(404, "No such member", models.fault)
        def get(self, resource_id: str, member_id: str) -> flask.Response:
            """Get one member of a resource."""
            project = ctx.project()
            view = members.get_member(
                ctx.services, resource_type, resource_id, member_id, project_id=project
            )
            return json_response(encode(MEMBER, view))

        @ns.expect(m.member_update)
        @ns.response(200, "The member with its new status", m.member)
        @ns.response(403, "Only the member may accept or reject", models.fault)
        @ns.response(404, "No such member", models.fault)
        def put(self, resource_id: str, member_id: str) -> flask.Response:
            """Accept or reject a sharing (the member's project)."""
            project = ctx.project()
            status = _body(ctx, "status")
            view = members.update_member(
                ctx.services, resource_type, resource_id, member_id, status, project_id=project
            )
            return json_response(encode(MEMBER, view))

        @ns.response(204, "No longer shared")
        @ns.response(404, "No such member of a resource of the caller's project", models.fault)
        def delete(self, resource_id: str, member_id: str) -> flask.Response:
            """Stop sharing a resource with a project (its owner)."""
            project = ctx.project()
            members.delete_member(
                ctx.services, resource_type, resource_id, member_id, project_id=project
            )
            return empty_response()
