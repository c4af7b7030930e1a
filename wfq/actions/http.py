"""std.http and std.mistral_http: Mistral's HTTP actions, behind the egress policy of
wfq.actions.egress. Redirects (only with `allow_redirects: true`, as in Mistral) are followed
here, hop by hop, so every hop is checked before anything connects to it."""

from __future__ import annotations

import functools
import json as jsonlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.cookiejar import CookieJar
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.cookies import RequestsCookieJar, cookiejar_from_dict
from requests.utils import default_headers
from urllib3.exceptions import NameResolutionError, NewConnectionError

from wfq.actions.base import ActionContext, ActionException, action
from wfq.actions.egress import EgressPolicy, PinnedAdapter
from wfq.errors import ActionFailed

log = logging.getLogger("wfq.actions")
_MISTRAL = "mistral.actions.std_actions"
MAX_REDIRECTS = 30
# Redirects after which the request becomes a GET without body (None: any method but HEAD).
_GET_AFTER: dict[int, tuple[str, ...] | None] = {301: ("POST",), 302: None, 303: None}


@dataclass(slots=True)
class HttpCall:
    """One std.http invocation, its input normalised as Mistral's HTTPAction does."""

    url: str
    method: str = "GET"
    params: Any = None
    body: Any = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    cookies: Any = None
    auth: Any = None
    timeout: Any = None
    allow_redirects: bool = False
    proxies: Any = None
    verify: Any = None

    @classmethod
    def of(cls, url: str, method: str = "GET", **given: Any) -> HttpCall:
        if given.get("body") and given.get("json"):
            raise ActionException("Only one of the parameters 'json' and 'body' can be passed")
        auth = _basic_auth(given.pop("auth", None))
        body = given.pop("body", None)
        headers = {str(k): _header_value(v) for k, v in (given.pop("headers", None) or {}).items()}
        return cls(
            url=url,
            method=(method or "GET").upper(),
            body=jsonlib.dumps(body) if isinstance(body, dict) else body,
            headers={k: v for k, v in headers.items() if v is not None},
            auth=auth,
            allow_redirects=bool(given.pop("allow_redirects", None)),
            **given,
        )


def _basic_auth(auth: Any) -> tuple[str, str] | None:
    """ "user:password" (the password may hold colons) or [user, password]."""
    if not auth:
        return None
    if isinstance(auth, str) and ":" in auth:
        user, _, password = auth.partition(":")
        return user, password
    if isinstance(auth, list | tuple) and len(auth) == 2:
        return str(auth[0]), str(auth[1])
    raise ActionException("auth must be 'user:password' or [user, password]")


def _header_value(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


@action("std.http", class_name=f"{_MISTRAL}.HTTPAction", secret=("auth", "cookies"))
def http(
    ctx: ActionContext,
    url: str,
    method: str = "GET",
    params: Any = None,
    body: Any = None,
    json: Any = None,
    headers: Any = None,
    cookies: Any = None,
    auth: Any = None,
    timeout: Any = None,
    allow_redirects: Any = None,
    proxies: Any = None,
    verify: Any = None,
) -> dict[str, Any]:
    """Sends an HTTP request; returns {content (parsed JSON, or text), status, headers, url,
    history, encoding, reason, cookies, elapsed}. A status outside 200-306 fails the action
    with that same dict as its error. Loopback and link-local destinations are refused unless
    the operator allows them (settings http_allowed_hosts / http_denied_cidrs)."""
    call = HttpCall.of(
        url,
        method,
        params=params,
        body=body,
        json=json,
        headers=headers,
        cookies=cookies,
        auth=auth,
        timeout=timeout,
        allow_redirects=allow_redirects,
        proxies=proxies,
        verify=verify,
    )
    return fetch(ctx, call)


@action(
    "std.mistral_http",
    is_sync=False,
    class_name=f"{_MISTRAL}.MistralHTTPAction",
    secret=("auth", "cookies"),
)
def mistral_http(
    ctx: ActionContext,
    url: str,
    method: str = "GET",
    params: Any = None,
    body: Any = None,
    json: Any = None,
    headers: Any = None,
    cookies: Any = None,
    auth: Any = None,
    timeout: Any = None,
    allow_redirects: Any = None,
    proxies: Any = None,
    verify: Any = None,
) -> dict[str, Any]:
    """std.http plus the Mistral-* execution headers. Asynchronous, as in Mistral: the called
    service sends the action's result to Mistral-Callback-URL (PUT /v2/action_executions/<id>);
    an HTTP error or a failed request completes the action in ERROR at once."""
    extra = {
        "Mistral-Workflow-Name": ctx.workflow_name,
        "Mistral-Workflow-Execution-Id": ctx.workflow_execution_id,
        "Mistral-Task-Id": ctx.task_execution_id,
        "Mistral-Action-Execution-Id": ctx.action_execution_id,
        "Mistral-Callback-URL": ctx.callback_url,
    }
    call = HttpCall.of(
        url,
        method,
        params=params,
        body=body,
        json=json,
        headers={**(headers or {}), **{k: v for k, v in extra.items() if v}},
        cookies=cookies,
        auth=auth,
        timeout=timeout,
        allow_redirects=allow_redirects,
        proxies=proxies,
        verify=verify,
    )
    return fetch(ctx, call)


def fetch(ctx: ActionContext, call: HttpCall) -> dict[str, Any]:
    """Send `call` under the egress policy; the result dict, or ActionFailed on an HTTP error."""
    policy = EgressPolicy.from_context(ctx)
    start = urlsplit(call.url)
    policy.check_url(call.url)
    timeout = call.timeout if call.timeout is not None else ctx.setting("http_default_timeout_s")
    limit = int(ctx.setting("http_max_response_kb")) * 1024
    log.info(
        "std.http %s %s://%s%s",
        call.method,
        start.scheme,
        start.netloc.rpartition("@")[2],
        start.path,
    )
    began = time.monotonic()
    adapter = _adapter(policy, int(ctx.setting("worker_slots")))
    try:
        resp, history = _follow(adapter, call, timeout)
        content = _read(resp, limit)
    except ActionException:  # EgressDenied included: its message is the whole story
        raise
    except requests.Timeout as exc:
        raise ActionException(
            f"Failed to send HTTP request: {call.method} {call.url} timed out after {timeout} s"
        ) from exc
    except requests.RequestException as exc:
        raise ActionException(f"Failed to send HTTP request: {_reason(exc)}") from exc
    finally:
        elapsed = time.monotonic() - began
    result = _result(resp, content, history, elapsed)
    if not 200 <= resp.status_code < 307:
        raise ActionFailed(f"HTTP {resp.status_code} {resp.reason or ''}".strip(), data=result)
    return result


_adapters: dict[EgressPolicy, PinnedAdapter] = {}
_adapters_lock = threading.Lock()
_DEFAULT_HEADERS: dict[str, Any] = dict(default_headers())


def _adapter(policy: EgressPolicy, slots: int) -> PinnedAdapter:
    """The process's adapter for `policy`, shared by its threads, so that a worker reuses its
    connections to a host (HTTP keep-alive) as one `requests.Session` would. A host's pool
    keeps as many idle connections as the worker has action slots (`slots`): when every slot
    called one slow service at once, the next round of calls finds a connection each instead
    of opening most of them again."""
    adapter = _adapters.get(policy)
    if adapter is None:
        with _adapters_lock:
            adapter = _adapters.get(policy)
            if adapter is None:
                adapter = _adapters[policy] = PinnedAdapter(policy, pool_maxsize=max(10, slots))
    return adapter


class _PoolFull(logging.Filter):
    """urllib3 warns for each connection it cannot keep once a host's pool is full, which a
    fan-out of calls to one host does by design (the extra connections are closed)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Connection pool is full")


logging.getLogger("urllib3.connectionpool").addFilter(_PoolFull())


def _follow(
    adapter: PinnedAdapter, call: HttpCall, timeout: Any
) -> tuple[requests.Response, list[dict[str, Any]]]:
    """Send the request and, when asked, follow its redirects one checked hop at a time. The
    request is prepared and sent as a `requests.Session` with no environment would (its default
    headers, a call's cookies plus those its earlier hops set), straight through the adapter:
    the session's merging of settings cost more CPU than the rest of a call."""
    method, url, params = call.method, call.url, call.params
    body, json_body, auth, cookies = call.body, call.json, call.auth, call.cookies
    headers = dict(call.headers)
    origin = urlsplit(call.url)
    proxies, verify = _proxies(call.proxies), call.verify if call.verify is not None else True
    hops_set = RequestsCookieJar()  # what a hop's Set-Cookie asked, sent on the next hops
    history: list[dict[str, Any]] = []
    for _ in range(MAX_REDIRECTS + 1):
        prepared = requests.PreparedRequest()
        prepared.prepare(
            method=method,
            url=url,
            headers=_with_defaults(headers),
            data=body or None,
            json=json_body,
            params=params or None,
            auth=auth,
            cookies=_sent_cookies(hops_set, cookies),
        )
        resp = adapter.send(
            prepared, stream=True, timeout=timeout, verify=verify, cert=None, proxies=proxies
        )
        if not (call.allow_redirects and resp.is_redirect):
            return resp, history
        history.append({"status": resp.status_code, "url": resp.url})
        hops_set.update(resp.cookies)
        resp.close()  # a redirect's own body is never read
        url, params = urljoin(resp.url, resp.headers["location"]), None
        methods = _GET_AFTER.get(resp.status_code, ())
        if method != "HEAD" and (methods is None or method in methods):
            method, body, json_body = "GET", None, None
            headers = {
                k: v
                for k, v in headers.items()
                if k.lower() not in ("content-type", "content-length")
            }
        hop = urlsplit(url)
        if hop.hostname != origin.hostname or (origin.scheme == "https" and hop.scheme != "https"):
            auth = cookies = None  # credentials stay with the host they were given for
            headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    raise ActionException(f"Failed to send HTTP request: exceeded {MAX_REDIRECTS} redirects.")


def _with_defaults(headers: dict[str, Any]) -> dict[str, Any]:
    """requests' default headers (User-Agent, Accept, Accept-Encoding...) under the call's,
    names compared without case (a plain dict: the prepared request copies it into its own
    case-insensitive one)."""
    if not headers:
        return _DEFAULT_HEADERS
    given = {k.lower() for k in headers}
    return {**{k: v for k, v in _DEFAULT_HEADERS.items() if k.lower() not in given}, **headers}


def _sent_cookies(hops_set: RequestsCookieJar, cookies: Any) -> Any:
    """The call's own cookies over those its earlier hops set (cookielib still decides which
    of the latter go to this hop's host and path)."""
    if not hops_set:
        return cookies
    sent = RequestsCookieJar()
    sent.update(hops_set)
    sent.update(cookies if isinstance(cookies, CookieJar) else cookiejar_from_dict(cookies))
    return sent


def _proxies(proxies: Any) -> dict[str, str]:
    """The `proxies` input ({scheme or scheme://host: proxy URL}) without its None entries."""
    if not proxies:
        return {}
    if not isinstance(proxies, Mapping):
        raise ActionException("proxies must be a mapping of scheme to proxy URL")
    return {str(k): v for k, v in proxies.items() if v is not None}


def _read(resp: requests.Response, limit: int) -> bytes:
    """The body, refusing one larger than `limit` bytes (0: no limit) without reading it all."""
    declared = resp.headers.get("Content-Length", "")
    if limit and declared.isdigit() and int(declared) > limit:
        resp.close()
        raise ActionException(
            f"HTTP response is too large (Content-Length={declared}, limit={limit} bytes)."
        )
    chunks, size = [], 0
    for chunk in resp.iter_content(65536):
        size += len(chunk)
        if limit and size > limit:
            resp.close()
            raise ActionException(f"HTTP response is too large (more than {limit} bytes).")
        chunks.append(chunk)
    return b"".join(chunks)


def _charset(resp: requests.Response) -> str:
    return _charset_of(resp.headers.get("Content-Type", ""))


@functools.lru_cache(maxsize=256)
def _charset_of(content_type: str) -> str:
    """The charset a Content-Type names (utf-8 when none): parsed once per distinct value."""
    msg = Message()
    msg["content-type"] = content_type
    return str(msg.get_content_charset() or "utf-8")


def _result(
    resp: requests.Response, raw: bytes, history: list[dict[str, Any]], elapsed: float
) -> dict[str, Any]:
    encoding = _charset(resp)
    try:
        text = raw.decode(encoding, errors="replace")
    except LookupError:
        encoding, text = "utf-8", raw.decode("utf-8", errors="replace")
    content: Any = text
    if text.strip():
        try:
            content = jsonlib.loads(text)
        except ValueError:
            content = text
    return {
        "content": content,
        "status": resp.status_code,
        "headers": dict(resp.headers.items()),
        "url": resp.url,
        "history": history,
        "encoding": encoding,
        "reason": resp.reason,
        "cookies": dict(resp.cookies.items()),
        "elapsed": round(elapsed, 6),
    }


def _reason(exc: requests.RequestException) -> str:
    """A short cause ('connection refused') rather than urllib3's connection pool repr."""
    causes = _causes(exc)
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return f"connection refused ({_where(exc)})"
    for cause in causes:
        if isinstance(cause, NewConnectionError | NameResolutionError):
            return f"{_where(exc)}: {cause.__cause__ or cause.__context__ or cause}"
    return str(exc)


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc`, what it wraps (requests -> urllib3 MaxRetryError -> reason) and their causes."""
    seen: list[BaseException] = []
    todo: list[Any] = [exc]
    while todo:
        e = todo.pop()
        if isinstance(e, BaseException) and e not in seen and len(seen) < 20:
            seen.append(e)
            todo += [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args[:1]]
    return seen


def _where(exc: requests.RequestException) -> str:
    req = exc.request
    if req is None:
        return "request"
    method, url = (v.decode() if isinstance(v, bytes) else v for v in (req.method, req.url))
    return f"{method} {url}"


ACTIONS = [http, mistral_http]
