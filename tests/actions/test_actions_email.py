"""std.email against a real SMTP server (aiosmtpd) on 127.0.0.1: what arrives, TLS, login,
and the failures."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from action_peers import Cert, SmtpPeer, context, free_port

from wfq.actions.base import ActionException
from wfq.actions.mail import email, split_server
from wfq.settings import Settings


def received(peer: SmtpPeer) -> Any:
    assert len(peer.envelopes) == 1
    return message_from_bytes(peer.envelopes[0].content, policy=policy.default)


def test_text_and_html_message_reaches_every_recipient(ctx: Any, smtp_peer: SmtpPeer) -> None:
    result = email.fn(
        ctx,
        from_addr="wfq@example.org",
        to_addrs=["ops@example.org", "dev@example.org"],
        cc_addrs=["boss@example.org"],
        bcc_addrs=["audit@example.org"],
        reply_to=["noreply@example.org"],
        smtp_server=smtp_peer.server,
        subject="Nightly report — ok",
        body="All 3 volumes backed up.",
        html_body="<p>All <b>3</b> volumes backed up.</p>",
    )
    assert result is None
    env = smtp_peer.envelopes[0]
    assert env.mail_from == "wfq@example.org"
    assert sorted(env.rcpt_tos) == sorted(
        ["ops@example.org", "dev@example.org", "boss@example.org", "audit@example.org"]
    )
    msg = received(smtp_peer)
    assert msg["Subject"] == "Nightly report — ok"
    assert msg["To"] == "ops@example.org, dev@example.org" and msg["Cc"] == "boss@example.org"
    assert msg["Reply-To"] == "noreply@example.org" and msg["Bcc"] is None
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)).get_content().strip() == "All 3 volumes backed up."
    assert msg.get_body(("html",)).get_content().strip() == "<p>All <b>3</b> volumes backed up.</p>"


def test_text_only_and_a_single_address(ctx: Any, smtp_peer: SmtpPeer) -> None:
    email.fn(
        ctx,
        from_addr="wfq@example.org",
        to_addrs="ops@example.org",
        smtp_server=smtp_peer.server,
        body="hello",
    )
    msg = received(smtp_peer)
    assert msg.get_content_type() == "text/plain" and msg.get_content().strip() == "hello"
    assert msg["Subject"] == "<No subject>"  # Mistral's placeholder
    assert smtp_peer.envelopes[0].rcpt_tos == ["ops@example.org"]


def test_starttls_and_login(ctx: Any, smtp_tls_peer: SmtpPeer, cert: Cert) -> None:
    email.fn(
        ctx,
        from_addr="wfq@example.org",
        to_addrs=["ops@example.org"],
        smtp_server=smtp_tls_peer.server,
        smtp_username="wfq",
        smtp_password="s3cret",
        subject="secure",
        body="over TLS",
        verify=str(cert.cert),
    )
    assert smtp_tls_peer.logins == ["wfq"]
    assert received(smtp_tls_peer)["Subject"] == "secure"


def test_starttls_is_used_when_offered_even_without_a_password(ctx: Any, cert: Cert) -> None:
    # The TLS peer requires STARTTLS before MAIL: the message only arrives if it was used.
    peer = SmtpPeer(cert)
    try:
        with pytest.raises(ActionException, match="530"):  # STARTTLS done, but no login
            email.fn(
                ctx,
                from_addr="a@example.org",
                to_addrs=["b@example.org"],
                smtp_server=peer.server,
                body="x",
                verify=str(cert.cert),
            )
        with pytest.raises(ActionException, match="530 Must issue a STARTTLS command first"):
            email.fn(
                ctx,
                from_addr="a@example.org",
                to_addrs=["b@example.org"],
                smtp_server=peer.server,
                body="x",
                starttls=False,
            )
    finally:
        peer.close()


def test_implicit_tls(ctx: Any, cert: Cert) -> None:
    peer = SmtpPeer(cert, implicit_tls=True)
    try:
        email.fn(
            ctx,
            from_addr="wfq@example.org",
            to_addrs=["ops@example.org"],
            smtp_server=peer.server,
            use_ssl=True,
            body="tls from the start",
            verify=str(cert.cert),
        )
        assert received(peer).get_content().strip() == "tls from the start"
        with pytest.raises(ActionException, match="CERTIFICATE_VERIFY_FAILED"):
            email.fn(
                ctx,
                from_addr="wfq@example.org",
                to_addrs=["ops@example.org"],
                smtp_server=peer.server,
                use_ssl=True,
                body="x",
            )
    finally:
        peer.close()


def test_wrong_password(ctx: Any, smtp_tls_peer: SmtpPeer, cert: Cert) -> None:
    with pytest.raises(ActionException) as err:
        email.fn(
            ctx,
            from_addr="wfq@example.org",
            to_addrs=["ops@example.org"],
            smtp_server=smtp_tls_peer.server,
            smtp_username="wfq",
            smtp_password="wrong",
            body="x",
            verify=str(cert.cert),
        )
    assert (
        str(err.value)
        == "Failed to send an email message: 535 5.7.8 Authentication credentials invalid"
    )
    assert smtp_tls_peer.envelopes == []


def test_untrusted_certificate(ctx: Any, smtp_tls_peer: SmtpPeer) -> None:
    with pytest.raises(
        ActionException, match="Failed to send an email message: .*CERTIFICATE_VERIFY_FAILED"
    ):
        email.fn(
            ctx,
            from_addr="wfq@example.org",
            to_addrs=["ops@example.org"],
            smtp_server=smtp_tls_peer.server,
            smtp_password="s3cret",
            body="x",
        )


def test_password_is_never_sent_without_tls(ctx: Any, smtp_peer: SmtpPeer) -> None:
    with pytest.raises(ActionException) as err:
        email.fn(
            ctx,
            from_addr="wfq@example.org",
            to_addrs=["ops@example.org"],
            smtp_server=smtp_peer.server,
            smtp_password="s3cret",
            body="x",
        )
    assert str(err.value) == (
        "Failed to send an email message: 127.0.0.1 does not offer STARTTLS; refusing to send "
        "credentials or mail in clear (set use_ssl: true, or starttls: false to allow it)"
    )


def test_refused_connection(ctx: Any) -> None:
    port = free_port()
    with pytest.raises(ActionException) as err:
        email.fn(
            ctx,
            from_addr="a@example.org",
            to_addrs=["b@example.org"],
            smtp_server=f"127.0.0.1:{port}",
            body="x",
        )
    assert (
        str(err.value) == f"Failed to send an email message: connection refused (127.0.0.1:{port})"
    )


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    yield sock.getsockname()[1]
    sock.close()


def test_timeout(silent_server: int) -> None:
    ctx = context(Settings(http_allowed_hosts="127.0.0.1", smtp_timeout_s=0.3))
    with pytest.raises(ActionException) as err:
        email.fn(
            ctx,
            from_addr="a@example.org",
            to_addrs=["b@example.org"],
            smtp_server=f"127.0.0.1:{silent_server}",
            body="x",
        )
    assert (
        str(err.value)
        == f"Failed to send an email message: timed out talking to 127.0.0.1:{silent_server}"
    )


def test_no_recipient(ctx: Any) -> None:
    with pytest.raises(ActionException, match="no recipient"):
        email.fn(ctx, from_addr="a@example.org", to_addrs=[], smtp_server="127.0.0.1:25")


@pytest.mark.parametrize(
    "server, expected",
    [
        ("mail.example.org", ("mail.example.org", 25)),
        ("mail:2525", ("mail", 2525)),
        ("[::1]:587", ("::1", 587)),
        ("[::1]", ("::1", 25)),
        ("::1", ("::1", 25)),
    ],
)
def test_split_server(server: str, expected: tuple[str, int]) -> None:
    assert split_server(server, 25) == expected


def test_signature_is_mistrals_plus_tls_options() -> None:
    assert email.signature_text().startswith(
        "from_addr, to_addrs, smtp_server, reply_to=null, cc_addrs=null, bcc_addrs=null, "
        "smtp_password=null, subject=null, body=null, html_body=null"
    )
    assert "smtp_password" in email.secret_params
