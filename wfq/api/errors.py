"""The one table from wfq's exception classes to HTTP statuses, and Mistral's error bodies.

Two body shapes, as Mistral answers them: the WSME shape
`{"faultcode": "Client"|"Server", "faultstring": ..., "debuginfo": null}` for most endpoints,
and the raw-text shape `{"faultstring": ...}` for POST/PUT /v2/workflows.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import flask
from werkzeug.exceptions import ClientDisconnected, HTTPException

from wfq import errors

log = logging.getLogger("wfq.api")


STATUS: dict[type[Exception], int] = {
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.DSLParseError: 400,
    errors.DSLValidationError: 400,
    errors.ExpressionError: 400,
    errors.InvalidInput: 400,
    errors.InvalidRequest: 400,
    errors.InvalidStateTransition: 400,
    errors.ActionNotFound: 400,
    errors.ActionFailed: 400,
    # Mistral's SizeLimitExceededException is a 400; an over-long HTTP body is a 413 (below).
    errors.SizeLimitExceeded: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.Unavailable: 503,
    errors.WfqError: 400,
}
"""Status of each wfq error class; a subclass not listed takes its nearest listed ancestor."""

MALFORMED_JSON = "Request is not in valid JSON format"
SERVER_ERROR = "Internal server error; the traceback is in the wfq API log"
BODY_CUT_SHORT = "The request body ended before its Content-Length, or did not arrive in time"
JSON_TYPE = "application/json"
RAW_JSON_TYPE = "application/json;charset=utf-8"


def status_of(exc: BaseException) -> int:
    """The HTTP status that `exc` answers with."""
    if isinstance(exc, HTTPException):
        return exc.code or 500
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def message_of(exc: BaseException, status: int) -> str:
    """The faultstring: the error's own message, or a generic one for anything unexpected."""
    if isinstance(exc, errors.WfqError):
        return exc.message
    if isinstance(exc, HTTPException):
        if status == 413:
            return "Request body is larger than the limit of this server"
        if isinstance(exc, ClientDisconnected):
            return BODY_CUT_SHORT
        return exc.description or HTTPStatus(status).phrase
    return SERVER_ERROR


def fault(
    exc: BaseException, *, raw: bool = False, log_unexpected: bool = True
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Body, status and headers for `exc`; an unexpected exception is logged with its traceback."""
    status = status_of(exc)
    if log_unexpected and status >= 500 and not isinstance(exc, (HTTPException, errors.WfqError)):
        req = flask.request
        log.error("unexpected error on %s %s", req.method, req.path, exc_info=exc)
    headers: dict[str, str] = {}
    if isinstance(exc, HTTPException):
        allow = exc.get_response().headers.get("Allow")
        if allow:
            headers["Allow"] = allow
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = "5"
    message = message_of(exc, status)
    if raw:
        return {"faultstring": message}, status, headers
    code = "Server" if status >= 500 else "Client"
    return {"faultcode": code, "faultstring": message, "debuginfo": None}, status, headers


def fault_response(exc: BaseException, *, raw: bool = False) -> flask.Response:
    """`fault()` as a finished response (used outside flask-restx's own error routing)."""
    body, status, headers = fault(exc, raw=raw)
    mimetype = RAW_JSON_TYPE if raw else JSON_TYPE
    resp = flask.Response(json.dumps(body), status=status, headers=headers)
    resp.headers["Content-Type"] = mimetype
    return resp


def raw_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Answer errors of a raw-text endpoint (POST/PUT /v2/workflows) in Mistral's raw shape."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # every error becomes a response in this endpoint's shape
            return fault_response(exc, raw=True)

    return wrapper


def install(app: flask.Flask, api: Any) -> None:
    """Route every error, inside flask-restx resources and outside (unknown URLs), to `fault`."""
    app.config["ERROR_INCLUDE_MESSAGE"] = False
    app.config["RESTX_ERROR_404_HELP"] = False

    @api.errorhandler(Exception)
    def _restx(exc: Exception) -> tuple[dict[str, Any], int, dict[str, str]]:
        # flask-restx logs the traceback of every 5xx itself.
        return fault(exc, log_unexpected=False)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> flask.Response:
        return fault_response(exc)

    @app.errorhandler(Exception)
    def _other(exc: Exception) -> flask.Response:
        return fault_response(exc)
