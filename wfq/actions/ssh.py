"""std.ssh, std.ssh_proxied and std.wait_ssh: run a command over SSH (paramiko), directly or
through a gateway host, with Mistral's signatures plus `port`."""

from __future__ import annotations

import io
import logging
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wfq.actions import egress
from wfq.actions.base import ActionContext, ActionException, action

log = logging.getLogger("wfq.actions")
_MISTRAL = "mistral.actions.std_actions"
KEY_DIR = "~/.ssh"
_SECRETS = ("password", "private_key")


def load_private_key(filename: str | None, text: str | None, passphrase: str | None) -> Any:
    """A paramiko key from `text` or from `filename` (relative names are in ~/.ssh), trying
    RSA, ECDSA and Ed25519 as Mistral does; None when neither is given."""
    import paramiko

    if not filename and not text:
        return None
    if filename and (".." in Path(filename).parts):
        raise ActionException(f"Private key filename must not contain '..'. Actual: {filename}")
    path = Path(filename).expanduser() if filename else None
    if path is not None and not path.is_absolute():
        path = Path(KEY_DIR).expanduser() / path
    last: Exception | None = None
    for kind in (paramiko.RSAKey, paramiko.ECDSAKey, paramiko.Ed25519Key):
        try:
            if text:
                return kind.from_private_key(io.StringIO(text), password=passphrase or None)
            return kind.from_private_key_file(str(path), password=passphrase or None)
        except (OSError, paramiko.SSHException, ValueError) as exc:
            last = exc
    raise ActionException(f"Failed to load the private key: {last}")


class NoAnswer(Exception):
    """The peer accepted the TCP connection but never spoke SSH (no banner in time)."""


def _connect(
    ctx: ActionContext,
    host: str,
    port: int,
    username: str,
    password: str | None,
    pkey: Any,
    sock: Any = None,
) -> Any:
    import paramiko

    client = paramiko.SSHClient()
    # Mistral's policy: unknown host keys are accepted (workers keep no known_hosts).
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    timeout = float(ctx.setting("ssh_timeout_s"))
    if sock is None:  # the worker connects itself: the egress policy decides where to
        sock = egress.connect(
            egress.EgressPolicy.from_context(ctx), host, int(port), timeout=timeout, what="SSH host"
        )
    try:
        client.connect(
            host,
            port=int(port),
            username=username,
            password=password or None,
            pkey=pkey,
            sock=sock,
            timeout=timeout,
            banner_timeout=timeout,
            auth_timeout=timeout,
            allow_agent=False,
            look_for_keys=False,
        )
    except paramiko.SSHException as exc:
        transport = client.get_transport()
        client.close()
        if not isinstance(exc, paramiko.AuthenticationException) and not (
            transport is not None and transport.remote_version
        ):
            raise NoAnswer(f"no SSH answer from {host}:{port} within {timeout:g} s") from exc
        raise
    except BaseException:
        client.close()
        raise
    return client


def run_command(client: Any, cmd: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `cmd`; both streams are drained together so a chatty
    stderr cannot stall the command."""
    chan = client.get_transport().open_session()
    try:
        chan.exec_command(cmd)
        chan.shutdown_write()
        err: list[bytes] = []
        reader = threading.Thread(target=lambda: err.append(chan.makefile_stderr("rb").read()))
        reader.start()
        out = chan.makefile("rb").read()
        reader.join()
        code = chan.recv_exit_status()
    finally:
        chan.close()
    return code, out.decode("utf-8", "replace"), b"".join(err).decode("utf-8", "replace")


def _failure(cmd: str, host: str, port: int, username: str, exc: BaseException) -> ActionException:
    """Why the command could not run, without the credentials."""
    import paramiko

    where = f"Failed to execute ssh cmd '{cmd}' on {host}"
    if isinstance(exc, NoAnswer):
        reason = str(exc)
    elif isinstance(exc, paramiko.AuthenticationException):
        reason = f"authentication failed for user '{username}'"
    elif _refused(exc):
        reason = f"connection refused ({host}:{port})"
    elif isinstance(exc, paramiko.ssh_exception.NoValidConnectionsError):
        reason = f"cannot connect to {host}:{port}: {exc}"
    elif isinstance(exc, socket.timeout | TimeoutError):
        reason = f"timed out connecting to {host}:{port}"
    elif isinstance(exc, socket.gaierror):
        reason = f"cannot resolve host '{host}': {exc}"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return ActionException(f"{where}: {reason}")


def _refused(exc: BaseException) -> bool:
    """Connection refused, also when paramiko tried every address of the host."""
    if isinstance(exc, ConnectionRefusedError):
        return True
    errors: dict[Any, Any] = getattr(exc, "errors", None) or {}  # NoValidConnectionsError
    return bool(errors) and all(isinstance(e, ConnectionRefusedError) for e in errors.values())


def _on_hosts(
    host: Any,
    cmd: str,
    port: int,
    username: str,
    return_result_on_error: bool,
    connect: Callable[[str], Any],
) -> Any:
    """Run `cmd` on one host (its stdout) or a list of hosts (a list of stdouts)."""
    results: list[Any] = []
    for name in host if isinstance(host, list) else [host]:
        try:
            client = connect(name)
        except ActionException:
            raise
        except Exception as exc:  # paramiko and socket errors, described without secrets
            raise _failure(cmd, name, port, username, exc) from exc
        try:
            code, out, err = run_command(client, cmd)
        except Exception as exc:
            raise _failure(cmd, name, port, username, exc) from exc
        finally:
            client.close()
        if return_result_on_error:
            results.append({"stdout": out, "stderr": err, "exit_code": code})
        elif code:
            raise ActionException(
                f"Failed to execute ssh cmd '{cmd}' on {name} [exit_code={code}, "
                f"stderr={err.strip()[-1000:]!r}]"
            )
        else:
            results.append(out)
    return results if isinstance(host, list) else results[0]


@action("std.ssh", class_name=f"{_MISTRAL}.SSHAction", secret=_SECRETS)
def ssh(
    ctx: ActionContext,
    cmd: str,
    host: Any,
    username: str,
    password: str = "",
    private_key_filename: str | None = None,
    private_key: str | None = None,
    return_result_on_error: bool = False,
    port: int = 22,
) -> Any:
    """Runs `cmd` over SSH on `host` (or each host of a list) and returns its stdout. Log in
    with `password` or a private key (`private_key` text, or `private_key_filename`, relative
    to ~/.ssh; `password` then unlocks it). A non-zero exit fails the action with the exit code
    and stderr, unless `return_result_on_error` asks for {stdout, stderr, exit_code}."""
    pkey = load_private_key(private_key_filename, private_key, password)
    log.info("std.ssh %s@%s:%s %r", username, host, port, cmd)
    return _on_hosts(
        host,
        cmd,
        port,
        username,
        return_result_on_error,
        lambda name: _connect(ctx, name, port, username, password, pkey),
    )


@action("std.ssh_proxied", class_name=f"{_MISTRAL}.SSHProxiedAction", secret=_SECRETS)
def ssh_proxied(
    ctx: ActionContext,
    cmd: str,
    host: Any,
    username: str,
    private_key_filename: str | None,
    gateway_host: str,
    gateway_username: str | None = None,
    password: str | None = None,
    proxy_command: str | None = None,
    private_key: str | None = None,
    port: int = 22,
    gateway_port: int = 22,
) -> Any:
    """std.ssh through `gateway_host`: logs in there (as `gateway_username`, default
    `username`, with the same key), and reaches `host`:`port` through a forwarded channel.
    `proxy_command` is refused: it would run a local command on the worker."""
    if proxy_command:
        raise ActionException(
            "proxy_command is not supported: it would run a command on the worker"
        )
    pkey = load_private_key(private_key_filename, private_key, password)
    log.info("std.ssh_proxied %s@%s:%s via %s %r", username, host, port, gateway_host, cmd)
    gw_user = gateway_username or username

    def connect(name: str) -> Any:
        # The egress policy checks the gateway (this worker connects to it); the target is
        # reached from the gateway's network, with the author's own login there.
        try:
            gateway = _connect(ctx, gateway_host, gateway_port, gw_user, password, pkey)
        except ActionException:
            raise
        except Exception as exc:
            raise _failure(cmd, gateway_host, gateway_port, gw_user, exc) from exc
        try:
            channel = gateway.get_transport().open_channel(
                "direct-tcpip",
                (name, int(port)),
                ("127.0.0.1", 0),
                timeout=float(ctx.setting("ssh_timeout_s")),
            )
            client = _connect(ctx, name, port, username, password, pkey, sock=channel)
        except Exception:
            gateway.close()
            raise
        _close = client.close

        def close() -> None:
            _close()
            gateway.close()

        client.close = close
        return client

    return _on_hosts(host, cmd, port, username, False, connect)


@action("std.wait_ssh", class_name="std.wait_ssh", secret=_SECRETS)
def wait_ssh(
    ctx: ActionContext,
    host: str,
    username: str,
    password: str = "",
    port: int = 22,
    private_key_filename: str | None = None,
    private_key: str | None = None,
) -> Any:
    """Succeeds once `host` accepts an SSH login and runs `ls -l` (Mistral's ad-hoc action over
    std.ssh); use it with a `retry` policy to wait for a machine to come up."""
    return ssh.fn(
        ctx,
        cmd="ls -l",
        host=host,
        username=username,
        password=password,
        private_key_filename=private_key_filename,
        private_key=private_key,
        port=port,
    )


ACTIONS = [ssh, ssh_proxied, wait_ssh]
