"""std.email: Mistral's SendEmailAction over SMTP, with TLS: implicit (`use_ssl`), or STARTTLS
whenever the server offers it (required, as in Mistral, before a password is sent)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from wfq.actions import egress
from wfq.actions.base import ActionContext, ActionException, action

log = logging.getLogger("wfq.actions")
_MISTRAL = "mistral.actions.std_actions"


def _addresses(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [a.strip() for a in value.split(",") if a.strip()]
    return [str(a) for a in value]


def split_server(server: str, default_port: int) -> tuple[str, int]:
    """`host`, `host:port`, `[v6]:port` -> (host, port)."""
    server = server.strip()
    if server.startswith("["):
        host, _, rest = server[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if server.count(":") == 1:
        host, port = server.split(":")
        return host, int(port)
    return server, default_port


def tls_context(verify: Any) -> ssl.SSLContext:
    """Certificate checking as in std.http: true/null verifies, false does not, a path is a
    CA bundle to verify against."""
    if isinstance(verify, str) and verify:
        return ssl.create_default_context(cafile=verify)
    ctx = ssl.create_default_context()
    if verify is False:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def build_message(
    from_addr: str,
    to: list[str],
    cc: list[str],
    reply_to: list[str],
    subject: str,
    body: str,
    html_body: str | None,
) -> EmailMessage:
    """The message as Mistral builds it: text, or text + HTML as multipart/alternative."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = from_addr
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if reply_to:
        msg["Reply-To"] = ", ".join(reply_to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid()
    msg.set_content(body)
    if html_body:
        msg.add_alternative(html_body, subtype="html")
    return msg


@action("std.email", class_name=f"{_MISTRAL}.SendEmailAction", secret=("smtp_password",))
def email(
    ctx: ActionContext,
    from_addr: str,
    to_addrs: Any,
    smtp_server: str,
    reply_to: Any = None,
    cc_addrs: Any = None,
    bcc_addrs: Any = None,
    smtp_password: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    html_body: str | None = None,
    smtp_username: str | None = None,
    use_ssl: bool = False,
    starttls: bool | None = None,
    verify: Any = None,
) -> None:
    """Sends an email through `smtp_server` ("host:port"; port 25, or 465 with `use_ssl`).

    TLS: `use_ssl` connects with TLS; otherwise STARTTLS is used whenever the server offers it
    (`starttls: true` requires it, `false` never uses it). A password (login as `smtp_username`,
    default `from_addr`) is never sent in clear unless `starttls: false` says so. `verify`:
    false skips certificate checks, a path names a CA bundle."""
    to, cc, bcc = _addresses(to_addrs), _addresses(cc_addrs), _addresses(bcc_addrs)
    if not to:
        raise ActionException("Failed to send an email message: no recipient in to_addrs")
    msg = build_message(
        from_addr,
        to,
        cc,
        _addresses(reply_to),
        subject or "<No subject>",
        body or "<No body>",
        html_body,
    )
    host, port = split_server(smtp_server, 465 if use_ssl else 25)
    log.info(
        "std.email from %s to %s via %s:%s subject %r",
        from_addr,
        to + cc + bcc,
        host,
        port,
        msg["Subject"],
    )
    timeout = float(ctx.setting("smtp_timeout_s"))
    policy = egress.EgressPolicy.from_context(ctx)
    try:
        if use_ssl:
            smtp: smtplib.SMTP = _CheckedSMTPSSL(
                policy, host, port, timeout=timeout, context=tls_context(verify)
            )
        else:
            smtp = _CheckedSMTP(policy, host, port, timeout=timeout)
        with smtp:
            if not use_ssl:
                _secure(smtp, host, starttls, smtp_password, verify)
            if smtp_password is not None:
                smtp.login(smtp_username or from_addr, smtp_password)
            refused = smtp.send_message(msg, from_addr=from_addr, to_addrs=to + cc + bcc)
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else exc.smtp_error
        )
        raise ActionException(f"Failed to send an email message: {exc.smtp_code} {text}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ActionException(
            f"Failed to send an email message: {_describe(exc, host, port)}"
        ) from exc
    if refused:
        log.warning("std.email: the server refused some recipients: %s", sorted(refused))


class _CheckedSMTP(smtplib.SMTP):
    """smtplib.SMTP whose connection goes to an address the egress policy has just allowed
    (the server's name is kept for TLS and EHLO)."""

    def __init__(self, policy: egress.EgressPolicy, *args: Any, **kwargs: Any) -> None:
        self._policy = policy
        super().__init__(*args, **kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> Any:
        return egress.connect(self._policy, host, port, timeout=timeout, what="SMTP server")


class _CheckedSMTPSSL(smtplib.SMTP_SSL):
    """smtplib.SMTP_SSL over a connection checked like `_CheckedSMTP`'s."""

    _host: str  # the server's name, set by smtplib.SMTP.__init__ (typeshed does not declare it)

    def __init__(self, policy: egress.EgressPolicy, *args: Any, **kwargs: Any) -> None:
        self._policy = policy
        super().__init__(*args, **kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> Any:
        sock = egress.connect(self._policy, host, port, timeout=timeout, what="SMTP server")
        return self.context.wrap_socket(sock, server_hostname=self._host)


def _secure(
    smtp: smtplib.SMTP, host: str, starttls: bool | None, password: str | None, verify: Any
) -> None:
    """STARTTLS as asked: always when offered (unless `starttls` is false), required when
    `starttls` is true or a password is to be sent."""
    smtp.ehlo()
    offered = smtp.has_extn("starttls")
    if starttls is False:
        return
    if offered:
        smtp.starttls(context=tls_context(verify))
        smtp.ehlo()
    elif starttls or password is not None:
        raise ActionException(
            f"Failed to send an email message: {host} does not offer STARTTLS; refusing to send "
            "credentials or mail in clear (set use_ssl: true, or starttls: false to allow it)"
        )


def _describe(exc: BaseException, host: str, port: int) -> str:
    """The cause, short: smtplib reports a timeout as a disconnection caused by it."""
    cause: BaseException | None = exc
    for _ in range(5):
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused ({host}:{port})"
        if isinstance(cause, TimeoutError):
            return f"timed out talking to {host}:{port}"
        cause = cause.__cause__ or cause.__context__ if cause else None
    return str(exc) or type(exc).__name__


ACTIONS = [email]
