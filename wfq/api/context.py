"""What every resource of one app needs: the Services, the Authenticator, and request helpers.

Built once by `create_app(services)` and handed to each resource module; nothing is global.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import flask

from wfq.api import encoding, listing
from wfq.api.auth import Authenticator
from wfq.api.errors import MALFORMED_JSON
from wfq.errors import Forbidden, InvalidInput, InvalidRequest
from wfq.services.context import Services
from wfq.storable import text_problem

TRUE_WORDS = ("true", "1", "yes", "on")


def refuse_unstorable(value: Any) -> None:
    """400 when a string anywhere in a decoded JSON value holds a NUL or a lone surrogate
    (PostgreSQL stores neither)."""
    problem = text_problem(value)
    if problem:
        raise InvalidInput(problem)


@dataclass(frozen=True, slots=True)
class ApiContext:
    """The services of one app and the per-request questions resources ask."""

    services: Services
    auth: Authenticator

    def project(self) -> str:
        """The project the current request acts for (raises Unauthorized)."""
        headers = flask.request.headers
        return self.auth.project_of(headers.get("Authorization"), headers.get("X-Auth-Token"))

    def user(self) -> str | None:
        """The user the request names (`X-User-Name`, else `X-User-Id`, as an authenticating
        proxy such as keystonemiddleware sets them), or None. wfq does not verify it: it is
        recorded with definition versions for the reader, never used to grant anything."""
        headers = flask.request.headers
        value = headers.get("X-User-Name") or headers.get("X-User-Id")
        return value[:255] if value else None

    def base_url(self) -> str:
        """The server's root URL without a trailing slash: `public_url` when the operator set
        it, else as the client reached it (the Host header)."""
        public = self.services.settings.public_url
        return public.rstrip("/") if public else flask.request.url_root.rstrip("/")

    def link_base(self) -> str:
        """The start of links the API builds from client input (`next`): `public_url` when
        set, else a path relative to this server (never the client's Host header)."""
        public = self.services.settings.public_url
        return public.rstrip("/") if public else flask.request.script_root.rstrip("/")

    def json_body(self) -> Any:
        """The request body parsed as JSON, whatever its Content-Type (400 when it is not)."""
        data = flask.request.get_data(cache=True)
        try:
            body = json.loads(data)
        except (ValueError, RecursionError):
            raise InvalidRequest(MALFORMED_JSON) from None
        problem = text_problem(body)
        if problem:
            raise InvalidRequest(problem)
        return body

    def text_body(self) -> str:
        """The request body as text (invalid UTF-8 is replaced, never an error)."""
        return flask.request.get_data(cache=True, as_text=True)

    def arg(self, name: str, default: str = "") -> str:
        """One query argument."""
        return flask.request.args.get(name, default)

    def flag(self, name: str) -> bool:
        """A boolean query argument (true, 1, yes, on)."""
        return self.arg(name).strip().lower() in TRUE_WORDS

    def list_request(
        self,
        shape: encoding.Shape,
        forced: dict[str, str] | None = None,
        options: tuple[str, ...] = (),
    ) -> listing.ListRequest:
        """The list parameters of the current request for `shape`.

        Args:
            shape: the resource listed.
            forced: filters fixed by the URL (they win over query arguments).
            options: query arguments the resource reads itself (not filters).
        """
        args = flask.request.args.to_dict()
        if self.flag("all_projects") and self.auth.enabled:
            raise Forbidden("Listing the objects of all projects is not allowed")
        for name in ("all_projects", *options):
            args.pop(name, None)
        return listing.parse(shape, args, forced)

    def list_response(
        self,
        shape: encoding.Shape,
        req: listing.ListRequest,
        views: list[dict[str, Any]],
        omit: frozenset[str] | None = None,
    ) -> flask.Response:
        """A list answer with its `next` link; `omit` overrides the shape's list omissions."""
        next_url = listing.next_url(self.link_base(), shape, req, views)
        return encoding.json_response(
            encoding.list_body(shape, views, only=req.fields, next_url=next_url, omit=omit)
        )
