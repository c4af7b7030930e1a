"""std.http's egress policy: every spelling of a loopback, link-local or unspecified address is
refused before anything connects, on the first URL and on every redirect hop."""

from __future__ import annotations

from typing import Any

import pytest
from action_peers import HttpPeer, context

from wfq.actions.base import ActionException
from wfq.actions.egress import EgressDenied
from wfq.actions.http import http
from wfq.settings import Settings

DEFAULT = Settings()


@pytest.fixture(scope="module")
def peer() -> Any:
    p = HttpPeer()
    yield p
    p.close()


def test_loopback_is_refused_with_mistrals_message(peer: HttpPeer) -> None:
    with pytest.raises(EgressDenied) as err:
        http.fn(context(DEFAULT), url=peer.url("/json"))
    assert str(err.value) == "URL host '127.0.0.1' resolves to a blocked address (127.0.0.1)."
    assert peer.seen == []


@pytest.mark.parametrize(
    "host, address",
    [
        ("localhost", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),  # decimal
        ("0x7f000001", "127.0.0.1"),  # hex
        ("0x7f.0.0.1", "127.0.0.1"),  # hex octet
        ("0177.0.0.1", "127.0.0.1"),  # octal
        ("127.1", "127.0.0.1"),  # short form
        ("127.255.255.254", "127.255.255.254"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),  # IPv4-mapped IPv6
        ("[::ffff:7f00:1]", "::ffff:7f00:1"),
        ("[::127.0.0.1]", "::7f00:1"),  # IPv4-compatible IPv6
        ("[64:ff9b::7f00:1]", "64:ff9b::7f00:1"),  # NAT64
        ("0", "0.0.0.0"),
        ("0.0.0.0", "0.0.0.0"),
        ("[::]", "::"),
        ("169.254.169.254", "169.254.169.254"),  # the cloud metadata service
        ("[::ffff:169.254.169.254]", "::ffff:a9fe:a9fe"),
        ("[fe80::1]", "fe80::1"),
    ],
)
def test_every_spelling_of_a_blocked_address_is_refused(
    peer: HttpPeer, host: str, address: str
) -> None:
    url = f"http://{host}:{peer.port}/json"
    with pytest.raises(EgressDenied) as err:
        http.fn(context(DEFAULT), url=url)
    assert (
        str(err.value)
        == f"URL host '{host.strip('[]')}' resolves to a blocked address ({address})."
    )
    assert peer.seen == []


def test_a_name_that_does_not_resolve_is_not_contacted(peer: HttpPeer) -> None:
    # "127.0.0.1." is no address literal for the resolver; whatever a DNS would say, the action
    # fails closed (a refusal, or a name that does not resolve) and never connects.
    with pytest.raises(ActionException):
        http.fn(context(DEFAULT), url=f"http://127.0.0.1.:{peer.port}/json")
    assert peer.seen == []


@pytest.mark.parametrize(
    "url",
    [
        "HTTP://127.0.0.1/",
        "http://user:pw@127.0.0.1/",
        "http://example.org@127.0.0.1/",
        "https://127.0.0.1/",
    ],
)
def test_urls_that_hide_the_host_are_refused(url: str) -> None:
    with pytest.raises(EgressDenied, match="resolves to a blocked address"):
        http.fn(context(DEFAULT), url=url)


@pytest.mark.parametrize(
    "url, scheme",
    [
        ("file:///etc/passwd", "file"),
        ("ftp://127.0.0.1/x", "ftp"),
        ("gopher://127.0.0.1:70/_x", "gopher"),
        ("dict://127.0.0.1:11211/stat", "dict"),
        ("//127.0.0.1/", ""),
    ],
)
def test_schemes_other_than_http_are_refused(url: str, scheme: str) -> None:
    with pytest.raises(EgressDenied) as err:
        http.fn(context(Settings(http_denied_cidrs="")), url=url)
    assert str(err.value) == f"URL scheme '{scheme}' is not allowed (only http and https are)."


def test_url_without_host_is_refused() -> None:
    with pytest.raises(EgressDenied, match="URL does not contain a host."):
        http.fn(context(DEFAULT), url="http:///path")


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/json",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://0x7f000002:{port}/json",
        "file:///etc/passwd",
    ],
)
def test_every_redirect_hop_is_checked(peer: HttpPeer, target: str) -> None:
    ctx = context(Settings(http_allowed_hosts="127.0.0.1"))
    url = peer.url("/redirect?to=" + target.format(port=peer.port))
    before = len(peer.seen)
    with pytest.raises(EgressDenied):
        http.fn(ctx, url=url, allow_redirects=True)
    assert len(peer.seen) == before + 1  # the redirect itself, nothing after it


def test_allowed_address_also_covers_its_other_spellings(peer: HttpPeer) -> None:
    ctx = context(Settings(http_allowed_hosts="127.0.0.1"))
    assert http.fn(ctx, url=f"http://2130706433:{peer.port}/json")["status"] == 200
    with pytest.raises(EgressDenied, match=r"\(127.0.0.2\)"):
        http.fn(ctx, url=f"http://127.0.0.2:{peer.port}/json")


def test_allowed_network(peer: HttpPeer) -> None:
    ctx = context(Settings(http_allowed_hosts="10.0.0.0/8, 127.0.0.0/30"))
    assert http.fn(ctx, url=peer.url("/json"))["status"] == 200


def test_allowed_name_is_matched_as_written(peer: HttpPeer) -> None:
    ctx = context(Settings(http_allowed_hosts="LocalHost"))
    assert http.fn(ctx, url=peer.url("/json", host="localhost"))["status"] == 200
    with pytest.raises(EgressDenied, match="URL host '127.0.0.1'"):
        http.fn(ctx, url=peer.url("/json"))


def test_operator_can_empty_the_deny_list(peer: HttpPeer) -> None:
    assert http.fn(context(Settings(http_denied_cidrs="")), url=peer.url("/json"))["status"] == 200


def test_operator_can_deny_more(peer: HttpPeer) -> None:
    ctx = context(Settings(http_denied_cidrs="10.0.0.0/8,192.168.0.0/16"))
    with pytest.raises(
        EgressDenied, match=r"URL host '10.1.2.3' resolves to a blocked address \(10.1.2.3\)."
    ):
        http.fn(ctx, url="http://10.1.2.3/")


def test_a_proxy_is_checked_too() -> None:
    ctx = context(DEFAULT)
    with pytest.raises(EgressDenied, match="URL host '127.0.0.1'"):
        http.fn(ctx, url="http://93.184.215.14/", proxies={"http": "http://127.0.0.1:3128"})
    with pytest.raises(EgressDenied, match="URL host '169.254.169.254'"):
        http.fn(
            context(Settings(http_allowed_hosts="127.0.0.1")),
            url="http://169.254.169.254/",
            proxies={"http": "http://127.0.0.1:3128"},
        )


def test_list_settings_may_be_lists() -> None:
    # A TOML file may give lists where the environment gives comma-separated text.
    ctx = context(Settings(http_allowed_hosts=["10.0.0.1"], http_denied_cidrs=["10.0.0.0/8"]))  # type: ignore[arg-type]
    with pytest.raises(EgressDenied, match=r"\(10.0.0.2\)"):
        http.fn(ctx, url="http://10.0.0.2/")


def test_request_through_an_allowed_proxy(peer: HttpPeer, monkeypatch: pytest.MonkeyPatch) -> None:
    # The peer plays the proxy: it receives the absolute URL. The target exists only in the
    # proxy's DNS, so this worker cannot (and need not) resolve it.
    from wfq.actions import egress

    real = egress._getaddrinfo

    def resolver(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "intranet.wfq.test":
            raise OSError("Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(egress, "_getaddrinfo", resolver)
    ctx = context(Settings(http_allowed_hosts="127.0.0.1"))
    result = http.fn(ctx, url="http://intranet.wfq.test/json", proxies={"http": peer.url("")})
    assert result["status"] == 200
    assert peer.seen[-1].path == "http://intranet.wfq.test/json"


def test_a_bad_deny_list_entry_fails_closed() -> None:
    ctx = context(Settings(http_denied_cidrs="127.0.0.0/8,10.0.0.0/33"))
    with pytest.raises(ActionException, match="Invalid http_denied_cidrs entry '10.0.0.0/33'"):
        http.fn(ctx, url="http://93.184.215.14/")


def test_an_address_written_plainly_is_judged_without_the_resolver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wfq.actions import egress

    asked: list[str] = []

    def resolver(host: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        return [(2, 1, 6, "", ("127.0.0.1", 80))]

    monkeypatch.setattr(egress, "_getaddrinfo", resolver)
    policy = egress.EgressPolicy.from_settings(DEFAULT)
    with pytest.raises(EgressDenied, match=r"'127.0.0.1' resolves to a blocked address"):
        policy.addresses("127.0.0.1", 80)
    assert asked == []  # an IPv4 address in dotted quads resolves to itself
    # Any other spelling of an address still goes through the resolver, and is judged by what
    # it resolves to.
    for spelling in ("127.1", "0x7f000001", "2130706433", "localhost"):
        with pytest.raises(EgressDenied):
            policy.addresses(spelling, 80)
    assert asked == ["127.1", "0x7f000001", "2130706433", "localhost"]
