"""One egress policy for every connection a workflow author controls (issue 15): std.ssh (and
its gateway), std.email's SMTP server and `notify` webhooks are refused loopback and private
addresses like std.http, unless the operator allow-lists them. Refusals are checked at the
policy decision (nothing connects: the loopback listeners below see no connection); outside
addresses are never contacted."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from action_peers import HttpPeer, SmtpPeer, context

from wfq.actions import egress
from wfq.actions.egress import EgressDenied, EgressPolicy
from wfq.actions.mail import email
from wfq.actions.ssh import ssh, ssh_proxied
from wfq.services import notify
from wfq.settings import Settings

DEFAULT = Settings()
ALLOW_LOOPBACK = Settings(http_allowed_hosts="127.0.0.1")


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP listener on 127.0.0.1 that never accepts: a refused connection leaves it empty."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.setblocking(False)
    yield sock
    sock.close()


def _nobody_connected(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


@pytest.mark.parametrize(
    "address",
    [
        "fd00:ec2::254",  # the cloud metadata service over IPv6 (AWS)
        "169.254.169.254",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.10",
        "100.64.0.1",
        "fd12:3456::1",
        "127.0.0.1",
        "::1",
    ],
)
def test_the_default_policy_refuses_private_loopback_and_metadata_addresses(
    address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved = [(socket.AF_INET6 if ":" in address else socket.AF_INET, 1, 6, "", (address, 80))]
    monkeypatch.setattr(egress, "_getaddrinfo", lambda *a, **k: resolved)
    with pytest.raises(EgressDenied, match=r"resolves to a blocked address"):
        EgressPolicy.from_settings(DEFAULT).addresses("service.example", 80, "Webhook host")


def test_an_allow_listed_private_network_is_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(egress, "_getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.0.0.7", 25))])
    policy = EgressPolicy.from_settings(Settings(http_allowed_hosts="10.0.0.0/24"))
    assert policy.addresses("mail.internal", 25, "SMTP server") == ["10.0.0.7"]


def test_ssh_to_loopback_is_refused_before_connecting(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    with pytest.raises(EgressDenied) as err:
        ssh.fn(context(DEFAULT), cmd="id", host="127.0.0.1", port=port, username="u", password="p")
    assert str(err.value) == "SSH host '127.0.0.1' resolves to a blocked address (127.0.0.1)."
    assert _nobody_connected(listener)


def test_ssh_gateway_is_checked(listener: socket.socket, ssh_keys: dict[str, Any]) -> None:
    """The worker connects to the gateway: the policy decides. The target behind it is
    reached from the gateway's network (a bastion's private hosts), not checked here."""
    port = listener.getsockname()[1]
    key = str(ssh_keys["ed25519_file"])
    with pytest.raises(EgressDenied, match="SSH host '127.0.0.1'"):
        ssh_proxied.fn(
            context(DEFAULT),
            cmd="id",
            host="target.invalid",
            port=22,
            username="u",
            private_key_filename=key,
            gateway_host="127.0.0.1",
            gateway_port=port,
        )
    assert _nobody_connected(listener)


def test_smtp_to_loopback_is_refused_and_works_once_allow_listed() -> None:
    peer = SmtpPeer()
    try:
        with pytest.raises(EgressDenied) as err:
            email.fn(
                context(DEFAULT),
                from_addr="a@example.org",
                to_addrs=["b@example.org"],
                smtp_server=peer.server,
                body="x",
            )
        assert (
            str(err.value) == "SMTP server '127.0.0.1' resolves to a blocked address (127.0.0.1)."
        )
        assert peer.envelopes == []
        email.fn(
            context(ALLOW_LOOPBACK),
            from_addr="a@example.org",
            to_addrs=["b@example.org"],
            smtp_server=peer.server,
            body="allowed",
        )
        assert len(peer.envelopes) == 1
    finally:
        peer.close()


def test_webhooks_to_loopback_are_skipped_unless_allow_listed() -> None:
    peer = HttpPeer()
    try:
        targets: list[dict[str, Any]] = [{"type": "webhook", "url": peer.url("/hook")}]
        events = [{"event": "WORKFLOW_SUCCEEDED", "id": "ex-1"}]
        assert notify.deliver(targets, events, DEFAULT) == 0
        assert peer.seen == []
        assert notify.deliver(targets, events, ALLOW_LOOPBACK) == 1
        assert len(peer.seen) == 1
    finally:
        peer.close()
