"""Real peers on 127.0.0.1 for the action tests: an HTTP(S) server, an SMTP server (aiosmtpd)
and an SSH server (paramiko) that really runs the commands it is sent; plus a throw-away TLS
certificate and SSH keys. Imported by tests/actions and tests/integration."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import select
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import paramiko

from wfq.actions.base import ActionContext
from wfq.settings import Settings

LOOPBACK = Settings(http_allowed_hosts="127.0.0.1")
"""Settings whose egress policy lets std.http reach these peers."""


def context(settings: Settings | None = LOOPBACK, **ids: Any) -> ActionContext:
    """An ActionContext as a worker builds it (ids of a made-up execution)."""
    base = dict(
        action_execution_id="ae-1",
        task_execution_id="te-1",
        workflow_execution_id="we-1",
        workflow_name="wf",
    )
    return ActionContext(**{**base, **ids}, settings=settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- TLS ------------------------------------------------------------------------------------


@dataclass
class Cert:
    """A self-signed certificate for wfq.test, localhost and 127.0.0.1."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx


def make_cert(folder: Path) -> Cert:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wfq.test")])
    now = dt.datetime.now(dt.UTC)
    san = x509.SubjectAlternativeName(
        [
            x509.DNSName("wfq.test"),
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    out = Cert(folder / "cert.pem", folder / "key.pem")
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return out


# --- HTTP -----------------------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int = 0
    """The client's port: one per TCP connection (calls that reuse a connection share it)."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _reply(
        self,
        status: int,
        body: bytes | str | Any,
        ctype: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        if not isinstance(body, bytes | str):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.seen.append(
            Seen(self.command, self.path, dict(self.headers.items()), body, self.client_address[1])
        )
        route = url.path
        if route == "/json":
            self._reply(200, {"hello": "world", "query": q})
        elif route == "/text":
            self._reply(200, "plain text, not JSON", "text/plain; charset=utf-8")
        elif route.startswith("/status/"):
            code = int(route.rsplit("/", 1)[1])
            self._reply(code, {"error": f"status {code} as asked"})
        elif route == "/redirect":
            self._reply(int(q.get("code", 302)), b"", "text/plain", _redirect_headers(q))
        elif route == "/slow":
            time.sleep(float(q.get("s", 2)))
            self._reply(200, {"slow": True})
        elif route == "/big":
            self._reply(200, b"x" * int(q["n"]), "text/plain")
        elif route == "/echo":
            self._reply(
                200,
                {
                    "method": self.command,
                    "body": body.decode(errors="replace"),
                    "headers": dict(self.headers.items()),
                    "query": q,
                },
            )
        elif route == "/whoami":
            self._reply(200, {"address": self.server.server_address[0]})
        elif route == "/set-cookie":
            self._reply(200, {"ok": True}, headers={"Set-Cookie": "session=abc; Path=/"})
        else:
            self._reply(404, "no such page", "text/plain")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


def _redirect_headers(q: dict[str, str]) -> dict[str, str]:
    """Location from `to`, and a Set-Cookie from `cookie` (name=value) when given."""
    headers = {"Location": q["to"]}
    if "cookie" in q:
        headers["Set-Cookie"] = f"{q['cookie']}; Path=/"
    return headers


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    seen: list[Seen]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is expected here


class HttpPeer:
    """A threaded HTTP (or HTTPS) server on 127.0.0.1 that records each request."""

    def __init__(self, cert: Cert | None = None, address: str = "127.0.0.1") -> None:
        self.server = _Server((address, 0), _Handler)
        self.server.seen = []
        if cert is not None:
            self.server.socket = cert.server_context().wrap_socket(
                self.server.socket, server_side=True
            )
        self.port = self.server.server_address[1]
        self.scheme = "https" if cert else "http"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def seen(self) -> list[Seen]:
        return self.server.seen

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.server.server_address[0]}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- SMTP -----------------------------------------------------------------------------------


class _Mailbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class SmtpPeer:
    """aiosmtpd on 127.0.0.1; with `cert`, it offers STARTTLS and requires it (or, with
    `implicit_tls`, speaks TLS from the start), and a login as `user`/`password`
    before any mail."""

    def __init__(
        self,
        cert: Cert | None = None,
        user: str = "wfq",
        password: str = "s3cret",
        implicit_tls: bool = False,
    ) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.mailbox = _Mailbox()
        self.logins: list[str] = []

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> Any:
            ok = data.login.decode() == user and data.password.decode() == password
            if ok:
                self.logins.append(data.login.decode())
            return AuthResult(success=ok, handled=False)

        kwargs: dict[str, Any] = {}
        if cert is not None and implicit_tls:
            # aiosmtpd offers AUTH only after STARTTLS, so this peer takes mail without a login.
            kwargs = dict(ssl_context=cert.server_context())
        elif cert is not None:
            kwargs = dict(
                tls_context=cert.server_context(),
                require_starttls=True,
                auth_required=True,
                authenticator=authenticate,
            )
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        self.server = f"127.0.0.1:{self.port}"

    @property
    def envelopes(self) -> list[Any]:
        return self.mailbox.envelopes

    def close(self) -> None:
        self.controller.stop()


# --- SSH ------------------------------------------------------------------------------------


def ed25519_key_file(folder: Path) -> Path:
    """An Ed25519 private key in OpenSSH format (what ssh-keygen writes today)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    path = folder / "id_ed25519"
    key = ed25519.Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return path


def ecdsa_key_text() -> tuple[str, Any]:
    """An ECDSA private key as PEM text, and the paramiko key."""
    import io

    key = paramiko.ECDSAKey.generate()
    buf = io.StringIO()
    key.write_private_key(buf)
    return buf.getvalue(), key


@dataclass
class SshPeer:
    """A paramiko SSH server on 127.0.0.1 that runs `exec` requests with a real shell in
    `workdir`, accepts `passwords` and `keys` (user -> password / paramiko public keys), and
    forwards direct-tcpip channels (what std.ssh_proxied's gateway needs)."""

    workdir: Path
    passwords: dict[str, str] = field(default_factory=dict)
    keys: dict[str, list[Any]] = field(default_factory=dict)
    commands: list[tuple[str, str]] = field(default_factory=list)
    forwards: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.host_key = paramiko.ECDSAKey.generate()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.transports: list[Any] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        transport = paramiko.Transport(conn)
        self.transports.append(transport)
        transport.add_server_key(self.host_key)
        iface = _SshServer(self)
        try:
            transport.start_server(server=iface)
        except (paramiko.SSHException, EOFError, OSError):
            return
        while transport.is_active() and not self._stop.is_set():
            chan = transport.accept(0.2)
            if chan is not None and chan.get_id() in iface.forward_to:
                dest = iface.forward_to.pop(chan.get_id())
                threading.Thread(target=_pump, args=(chan, dest), daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
        for t in self.transports:
            t.close()


class _SshServer(paramiko.ServerInterface):
    def __init__(self, peer: SshPeer) -> None:
        self.peer = peer
        self.forward_to: dict[int, tuple[str, int]] = {}
        self.p = paramiko

    def get_allowed_auths(self, username: str) -> str:
        return "password,publickey"

    def check_auth_none(self, username: str) -> int:
        return self.p.AUTH_FAILED

    def check_auth_password(self, username: str, password: str) -> int:
        ok = self.peer.passwords.get(username) == password
        return self.p.AUTH_SUCCESSFUL if ok else self.p.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: Any) -> int:
        ok = any(k.get_base64() == key.get_base64() for k in self.peer.keys.get(username, []))
        return self.p.AUTH_SUCCESSFUL if ok else self.p.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return self.p.OPEN_SUCCEEDED
        return self.p.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_direct_tcpip_request(self, chanid: int, origin: Any, destination: Any) -> int:
        self.forward_to[chanid] = (destination[0], int(destination[1]))
        self.peer.forwards.append(self.forward_to[chanid])
        return self.p.OPEN_SUCCEEDED

    def check_channel_exec_request(self, channel: Any, command: bytes) -> bool:
        cmd = command.decode()
        self.peer.commands.append((channel.get_transport().get_username(), cmd))
        threading.Thread(
            target=_execute, args=(channel, cmd, self.peer.workdir), daemon=True
        ).start()
        return True


def _execute(channel: Any, cmd: str, workdir: Path) -> None:
    time.sleep(0.02)  # let paramiko answer the exec request before the output and exit status
    proc = subprocess.run(
        cmd, shell=True, cwd=workdir, capture_output=True, timeout=60, check=False
    )
    channel.sendall(proc.stdout)
    channel.sendall_stderr(proc.stderr)
    channel.send_exit_status(proc.returncode)
    channel.shutdown_write()
    channel.close()


def _pump(chan: Any, dest: tuple[str, int]) -> None:
    """Carry bytes between a forwarded channel and a TCP connection to `dest`."""
    try:
        sock = socket.create_connection(dest, timeout=5)
    except OSError:
        chan.close()
        return
    try:
        while True:
            ready, _, _ = select.select([sock, chan], [], [], 1)
            if sock in ready:
                data = sock.recv(32768)
                if not data:
                    break
                chan.sendall(data)
            if chan in ready:
                data = chan.recv(32768)
                if not data:
                    break
                sock.sendall(data)
    except OSError:
        pass
    finally:
        sock.close()
        chan.close()
