"""std.http and std.mistral_http against a real HTTP(S) server on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import socket
from typing import Any

import pytest
from action_peers import Cert, HttpPeer, context, free_port
from urllib3.exceptions import InsecureRequestWarning

from wfq.actions import egress
from wfq.actions.base import ActionException
from wfq.actions.http import http, mistral_http
from wfq.errors import ActionFailed
from wfq.settings import Settings


def run(ctx: Any, **given: Any) -> Any:
    return http.fn(ctx, **given)


def test_json_response_is_parsed(ctx: Any, http_peer: HttpPeer) -> None:
    result = run(ctx, url=http_peer.url("/json"), params={"q": "1"})
    assert result["status"] == 200
    assert result["content"] == {"hello": "world", "query": {"q": "1"}}
    assert result["headers"]["Content-Type"] == "application/json"
    assert result["url"] == http_peer.url("/json?q=1") and result["reason"] == "OK"
    json.dumps(result)  # the result is stored as JSON


def test_text_response_stays_text(ctx: Any, http_peer: HttpPeer) -> None:
    result = run(ctx, url=http_peer.url("/text"))
    assert result["content"] == "plain text, not JSON"
    assert result["encoding"] == "utf-8"


def test_request_parts_reach_the_server(ctx: Any, http_peer: HttpPeer) -> None:
    result = run(
        ctx,
        url=http_peer.url("/echo"),
        method="post",
        body={"a": 1},
        headers={"X-Count": 3, "X-Name": "wfq"},
        auth="user:pa:ss",
        cookies={"c": "v"},
    )
    echoed = result["content"]
    assert echoed["method"] == "POST" and json.loads(echoed["body"]) == {"a": 1}
    assert echoed["headers"]["X-Count"] == "3" and echoed["headers"]["X-Name"] == "wfq"
    assert echoed["headers"]["Cookie"] == "c=v"
    # The password is everything after the first colon (RFC 7617).
    assert echoed["headers"]["Authorization"] == "Basic " + base64.b64encode(b"user:pa:ss").decode()


def test_default_headers_are_those_of_requests_and_a_call_may_replace_them(
    ctx: Any, http_peer: HttpPeer
) -> None:
    # What a called service sees from Mistral's std.http (a requests session's defaults).
    sent = run(ctx, url=http_peer.url("/echo"))["content"]["headers"]
    assert sent["User-Agent"].startswith("python-requests/")
    assert sent["Accept"] == "*/*" and "gzip" in sent["Accept-Encoding"]
    mine = run(ctx, url=http_peer.url("/echo"), headers={"user-agent": "mine", "Accept": None})
    sent = {k.lower(): v for k, v in mine["content"]["headers"].items()}
    assert sent["user-agent"] == "mine" and sent["accept"] == "*/*"


def test_proxies_of_another_shape_are_refused_before_sending(ctx: Any, http_peer: HttpPeer) -> None:
    before = len(http_peer.seen)
    with pytest.raises(ActionException, match="proxies must be a mapping"):
        run(ctx, url=http_peer.url("/json"), proxies="http://127.0.0.1:1")
    assert len(http_peer.seen) == before


def test_auth_of_another_shape_is_refused(ctx: Any, http_peer: HttpPeer) -> None:
    with pytest.raises(
        ActionException, match=r"auth must be 'user:password' or \[user, password\]"
    ):
        run(ctx, url=http_peer.url("/json"), auth={"user": "u"})


def test_basic_auth_and_json_body(ctx: Any, http_peer: HttpPeer) -> None:
    result = run(ctx, url=http_peer.url("/echo"), method="PUT", json={"k": [1, 2]}, auth="user:pw")
    echoed = result["content"]
    assert json.loads(echoed["body"]) == {"k": [1, 2]}
    assert echoed["headers"]["Content-Type"] == "application/json"
    assert echoed["headers"]["Authorization"] == "Basic " + base64.b64encode(b"user:pw").decode()


def test_body_and_json_together_are_refused(ctx: Any, http_peer: HttpPeer) -> None:
    with pytest.raises(ActionException, match="Only one of the parameters 'json' and 'body'"):
        run(ctx, url=http_peer.url("/echo"), body="x", json={"a": 1})


def test_http_500_fails_with_status_and_body(ctx: Any, http_peer: HttpPeer) -> None:
    with pytest.raises(ActionFailed) as err:
        run(ctx, url=http_peer.url("/status/500"))
    assert str(err.value) == "HTTP 500 Internal Server Error"
    assert err.value.data["status"] == 500
    assert err.value.data["content"] == {"error": "status 500 as asked"}


def test_http_404_text_body_is_in_the_error(ctx: Any, http_peer: HttpPeer) -> None:
    with pytest.raises(ActionFailed) as err:
        run(ctx, url=http_peer.url("/nowhere"))
    assert err.value.data["status"] == 404 and err.value.data["content"] == "no such page"


def test_refused_connection(ctx: Any) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(ActionException) as err:
        run(ctx, url=url)
    assert str(err.value) == f"Failed to send HTTP request: connection refused (GET {url})"


def test_timeout(ctx: Any, http_peer: HttpPeer) -> None:
    url = http_peer.url("/slow?s=2")
    with pytest.raises(ActionException) as err:
        run(ctx, url=url, timeout=0.3)
    assert str(err.value) == f"Failed to send HTTP request: GET {url} timed out after 0.3 s"


def test_default_timeout_comes_from_settings(http_peer: HttpPeer) -> None:
    ctx = context(Settings(http_allowed_hosts="127.0.0.1", http_default_timeout_s=0.3))
    with pytest.raises(ActionException, match="timed out after 0.3 s"):
        run(ctx, url=http_peer.url("/slow?s=2"))


def test_response_larger_than_the_limit_fails(http_peer: HttpPeer) -> None:
    ctx = context(Settings(http_allowed_hosts="127.0.0.1", http_max_response_kb=1))
    assert len(run(ctx, url=http_peer.url("/big?n=1024"))["content"]) == 1024
    with pytest.raises(
        ActionException,
        match=r"HTTP response is too large \(Content-Length=5000, limit=1024 bytes\)",
    ):
        run(ctx, url=http_peer.url("/big?n=5000"))


def test_redirects_are_not_followed_unless_asked(ctx: Any, http_peer: HttpPeer) -> None:
    target = http_peer.url("/json")
    url = http_peer.url(f"/redirect?to={target}")
    first = run(ctx, url=url)
    assert first["status"] == 302 and first["headers"]["Location"] == target  # as Mistral
    followed = run(ctx, url=url, allow_redirects=True)
    assert followed["status"] == 200 and followed["content"]["hello"] == "world"
    assert followed["history"] == [{"status": 302, "url": url}]


def test_redirect_303_turns_post_into_get_and_307_keeps_it(ctx: Any, http_peer: HttpPeer) -> None:
    target = http_peer.url("/echo")
    after_303 = run(
        ctx,
        url=http_peer.url(f"/redirect?code=303&to={target}"),
        method="POST",
        json={"a": 1},
        allow_redirects=True,
    )
    assert after_303["content"]["method"] == "GET" and after_303["content"]["body"] == ""
    after_307 = run(
        ctx,
        url=http_peer.url(f"/redirect?code=307&to={target}"),
        method="POST",
        json={"a": 1},
        allow_redirects=True,
    )
    assert after_307["content"]["method"] == "POST" and json.loads(
        after_307["content"]["body"]
    ) == {"a": 1}


def test_a_cookie_set_by_a_redirect_goes_to_the_next_hop(ctx: Any, http_peer: HttpPeer) -> None:
    # As a requests session following redirects (Mistral's std.http): a hop's Set-Cookie is
    # sent on the next hops of the same call, beside the call's own cookies, and the result's
    # cookies are those the last response set.
    target = http_peer.url("/echo")
    result = run(
        ctx,
        url=http_peer.url(f"/redirect?cookie=hop%3D1&to={target}"),
        cookies={"mine": "2"},
        allow_redirects=True,
    )
    sent = sorted(result["content"]["headers"]["Cookie"].split("; "))
    assert sent == ["hop=1", "mine=2"]
    assert result["cookies"] == {}
    assert run(ctx, url=http_peer.url("/set-cookie"))["cookies"] == {"session": "abc"}


def test_credentials_do_not_follow_a_redirect_to_another_host(
    ctx: Any, http_peer: HttpPeer
) -> None:
    other = http_peer.url("/echo", host="localhost")  # same address, another host name
    result = run(
        ctx,
        url=http_peer.url(f"/redirect?to={other}"),
        auth="u:p",
        cookies={"sid": "1"},
        headers={"Authorization": "Bearer t"},
        allow_redirects=True,
    )
    assert "Authorization" not in result["content"]["headers"]
    assert "Cookie" not in result["content"]["headers"]
    same = run(
        ctx,
        url=http_peer.url(f"/redirect?to={http_peer.url('/echo')}"),
        auth="u:p",
        allow_redirects=True,
    )
    assert same["content"]["headers"]["Authorization"].startswith("Basic ")


def test_mistral_http_sends_the_execution_headers(http_peer: HttpPeer) -> None:
    assert mistral_http.is_sync is False  # the called service answers on the callback URL
    ctx = context(
        action_execution_id="ae-9",
        task_execution_id="te-9",
        workflow_execution_id="we-9",
        workflow_name="deploy",
    )
    result = mistral_http.fn(ctx, url=http_peer.url("/echo"), headers={"X-Own": "kept"})
    seen = result["content"]["headers"]
    assert seen["Mistral-Workflow-Name"] == "deploy"
    assert seen["Mistral-Workflow-Execution-Id"] == "we-9"
    assert seen["Mistral-Task-Id"] == "te-9"
    assert seen["Mistral-Action-Execution-Id"] == "ae-9"
    assert seen["Mistral-Callback-URL"] == "/v2/action_executions/ae-9"
    assert seen["X-Own"] == "kept"


def test_mistral_http_error_completes_the_action(ctx: Any, http_peer: HttpPeer) -> None:
    with pytest.raises(ActionFailed):
        mistral_http.fn(ctx, url=http_peer.url("/status/503"))


def _resolve_to(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """Make the egress resolver answer `answers` in turn (the last one from then on)."""
    asked: list[str] = []

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        addr = answers[min(len(asked), len(answers)) - 1]
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (addr, port))]

    monkeypatch.setattr(egress, "_getaddrinfo", fake)
    return asked


def test_connects_to_the_checked_address(
    ctx: Any, http_peer: HttpPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS rebinding: the name is checked once and the connection goes to that answer; a second
    # lookup would say 169.254.169.254. The name does not exist in real DNS either.
    asked = _resolve_to(monkeypatch, "127.0.0.1", "169.254.169.254")
    url = f"http://rebind.wfq.test:{http_peer.port}/echo"
    result = run(ctx, url=url)
    assert result["status"] == 200 and asked == ["rebind.wfq.test"]
    assert result["content"]["headers"]["Host"] == f"rebind.wfq.test:{http_peer.port}"


def test_https_keeps_the_name_for_certificate_checks(
    ctx: Any, https_peer: HttpPeer, cert: Cert, monkeypatch: pytest.MonkeyPatch
) -> None:
    _resolve_to(monkeypatch, "127.0.0.1")
    url = f"https://wfq.test:{https_peer.port}/json"
    assert run(ctx, url=url, verify=str(cert.cert))["content"]["hello"] == "world"
    assert https_peer.seen[-1].headers["Host"] == f"wfq.test:{https_peer.port}"
    with pytest.raises(ActionException, match="CERTIFICATE_VERIFY_FAILED"):
        run(ctx, url=url)  # not signed by a CA the worker trusts
    with pytest.warns(InsecureRequestWarning):  # as with Mistral, the worker log says so
        assert run(ctx, url=url, verify=False)["status"] == 200


def test_https_certificate_for_another_name_is_refused(
    ctx: Any, https_peer: HttpPeer, cert: Cert, monkeypatch: pytest.MonkeyPatch
) -> None:
    _resolve_to(monkeypatch, "127.0.0.1")
    with pytest.raises(ActionException, match="(?i)hostname|doesn't match|not valid for"):
        run(ctx, url=f"https://other.example:{https_peer.port}/json", verify=str(cert.cert))


def test_unresolvable_host(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(egress, "_getaddrinfo", fail)
    with pytest.raises(ActionException) as err:
        run(ctx, url="http://nowhere.wfq.test/")
    assert str(err.value) == (
        "Failed to send HTTP request: cannot resolve host 'nowhere.wfq.test': "
        "[Errno -2] Name or service not known"
    )
