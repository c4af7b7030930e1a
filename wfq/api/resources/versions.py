"""`/v2/{workflows,workbooks,actions}/<name or id>/versions`: the versions of a definition
(a wfq extension; Mistral keeps no versions).

- `GET .../versions`: `{"versions": [...]}`, newest first: version, checksum, created_at,
  project_id and user (who wrote it), current.
- `GET .../versions/<n>`: one version with its `definition`.
- `GET .../versions/<a>/diff/<b>`: from version a to version b: `unified_diff` (text),
  `changes` (changed paths of the YAML documents) and `summary`.

A name is looked up in `?namespace=` like the other definition URLs.
"""

from __future__ import annotations

from typing import Any

import flask
from flask_restx import Api, Namespace, Resource, fields

from wfq.api.context import ApiContext
from wfq.api.encoding import json_response, timestamp
from wfq.api.resources.workflows import namespace_arg
from wfq.api.schemas import AnyValue, Models, properties
from wfq.errors import NotFound
from wfq.fields import VERSION
from wfq.services import versions

KINDS = {"workflows": "workflow", "workbooks": "workbook", "actions": "action"}
MAX_VERSION = 2**31 - 1
"""The largest version number a URL may name (the column is a 32-bit integer)."""


def _shown(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "created_at": timestamp(view["created_at"])}


def list_all(ctx: ApiContext, kind: str, identifier: str) -> flask.Response:
    """GET .../versions: every version, newest first."""
    project = ctx.project()
    views = versions.list_versions(
        ctx.services, kind, identifier, project_id=project, namespace=namespace_arg(ctx)
    )
    return json_response({"versions": [_shown(v) for v in views]})


def _number(text: str) -> int:
    """A version number of the URL; 404 for anything that cannot be one."""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_VERSION:
        raise NotFound(f"Version not found [version={text}]")
    return int(text)


def get_one(ctx: ApiContext, kind: str, identifier: str, number: str) -> flask.Response:
    """GET .../versions/<n>: one version with its definition."""
    project = ctx.project()
    view = versions.get_version(
        ctx.services,
        kind,
        identifier,
        _number(number),
        project_id=project,
        namespace=namespace_arg(ctx),
    )
    return json_response(_shown(view))


def diff(ctx: ApiContext, kind: str, identifier: str, old: str, new: str) -> flask.Response:
    """GET .../versions/<a>/diff/<b>: what changed from a to b."""
    project = ctx.project()
    body = versions.diff(
        ctx.services,
        kind,
        identifier,
        _number(old),
        _number(new),
        project_id=project,
        namespace=namespace_arg(ctx),
    )
    return json_response(body)


def _models(api: Api) -> dict[str, Any]:
    listed = api.model("DefinitionVersion", properties(VERSION, without=("definition",)))
    one = api.model("DefinitionVersionText", properties(VERSION, without=("current",)))
    change = api.model(
        "DefinitionChange",
        {
            "path": fields.String(description="dotted path in the YAML document"),
            "change": fields.String(description="added, removed or changed"),
            "old": AnyValue(),
            "new": AnyValue(),
        },
    )
    return {
        "list": api.model("DefinitionVersions", {"versions": fields.List(fields.Nested(listed))}),
        "one": one,
        "diff": api.model(
            "DefinitionDiff",
            {
                "resource_type": fields.String(),
                "resource_id": fields.String(),
                "name": fields.String(),
                "from_version": fields.Integer(),
                "to_version": fields.Integer(),
                "from_checksum": fields.String(),
                "to_checksum": fields.String(),
                "unified_diff": fields.String(description="diff -u of the two texts"),
                "changes": fields.List(fields.Nested(change)),
                "summary": fields.Raw(description="{added, removed, changed} counts"),
            },
        ),
    }


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the version URLs of workflows, workbooks and actions to `api`."""
    ns = api.namespace("versions", path="/v2", description="Definition versions (wfq extension)")
    shapes = _models(api)
    for plural, kind in KINDS.items():
        _routes(ns, ctx, models, shapes, plural, kind)


def _routes(
    ns: Namespace, ctx: ApiContext, models: Models, shapes: dict[str, Any], plural: str, kind: str
) -> None:
    params = {"identifier": "name or id", "namespace": "namespace of a name"}
    base = f"/{plural}/<string:identifier>/versions"

    @ns.route(base, endpoint=f"{kind}_versions")
    @ns.doc(params=params)
    class Versions(Resource):
        @ns.response(200, f"The versions of the {kind}, newest first", shapes["list"])
        @ns.response(404, f"No such {kind}", models.fault)
        def get(self, identifier: str) -> flask.Response:
            return list_all(ctx, kind, identifier)

    @ns.route(f"{base}/<string:number>", endpoint=f"{kind}_version")
    @ns.doc(params=params)
    class Version(Resource):
        @ns.response(200, "The version with its definition", shapes["one"])
        @ns.response(404, f"No such {kind} or version", models.fault)
        def get(self, identifier: str, number: str) -> flask.Response:
            return get_one(ctx, kind, identifier, number)

    @ns.route(f"{base}/<string:old>/diff/<string:new>", endpoint=f"{kind}_version_diff")
    @ns.doc(params=params)
    class VersionDiff(Resource):
        @ns.response(200, "What changed from version old to version new", shapes["diff"])
        @ns.response(404, f"No such {kind} or version", models.fault)
        def get(self, identifier: str, old: str, new: str) -> flask.Response:
            return diff(ctx, kind, identifier, old, new)

    Versions.get.__doc__ = f"List the versions of a {kind} (wfq extension)."
    Version.get.__doc__ = f"Get one version of a {kind} with its definition (wfq extension)."
    VersionDiff.get.__doc__ = f"Diff two versions of a {kind} (wfq extension)."
