"""std.ssh, std.ssh_proxied and std.wait_ssh against a real SSH server (paramiko) on 127.0.0.1
that runs the commands with a shell."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from action_peers import SshPeer, context, free_port

from wfq.actions.base import ActionException
from wfq.actions.ssh import ssh, ssh_proxied, wait_ssh
from wfq.settings import Settings


def test_password_login_runs_the_command(ctx: Any, ssh_peer: SshPeer) -> None:
    out = ssh.fn(
        ctx,
        cmd="echo hello; pwd",
        host="127.0.0.1",
        port=ssh_peer.port,
        username="alice",
        password="wonderland",
    )
    assert out == f"hello\n{ssh_peer.workdir}\n"
    assert ssh_peer.commands[-1] == ("alice", "echo hello; pwd")


def test_command_really_runs_on_the_server(ctx: Any, ssh_peer: SshPeer) -> None:
    ssh.fn(
        ctx,
        cmd="printf 'made over ssh' > proof.txt",
        host="127.0.0.1",
        port=ssh_peer.port,
        username="alice",
        password="wonderland",
    )
    assert (ssh_peer.workdir / "proof.txt").read_text() == "made over ssh"


def test_private_key_text(ctx: Any, ssh_peer: SshPeer, ssh_keys: dict[str, Any]) -> None:
    out = ssh.fn(
        ctx,
        cmd="echo key",
        host="127.0.0.1",
        port=ssh_peer.port,
        username="bob",
        private_key=ssh_keys["ecdsa_text"],
    )
    assert out == "key\n"


def test_private_key_file_in_openssh_format(
    ctx: Any, ssh_peer: SshPeer, ssh_keys: dict[str, Any]
) -> None:
    out = ssh.fn(
        ctx,
        cmd="echo ed25519",
        host="127.0.0.1",
        port=ssh_peer.port,
        username="bob",
        private_key_filename=str(ssh_keys["ed25519_file"]),
    )
    assert out == "ed25519\n"


def test_relative_key_filename_is_looked_up_in_dot_ssh(
    ctx: Any,
    ssh_peer: SshPeer,
    ssh_keys: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "deploy_key").write_bytes(ssh_keys["ed25519_file"].read_bytes())
    out = ssh.fn(
        ctx,
        cmd="echo home",
        host="127.0.0.1",
        port=ssh_peer.port,
        username="bob",
        private_key_filename="deploy_key",
    )
    assert out == "home\n"


def test_key_filename_may_not_climb_out(ctx: Any) -> None:
    with pytest.raises(ActionException, match=r"Private key filename must not contain '\.\.'"):
        ssh.fn(
            ctx, cmd="true", host="127.0.0.1", username="bob", private_key_filename="../../etc/key"
        )


def test_unreadable_key(ctx: Any) -> None:
    with pytest.raises(ActionException, match="Failed to load the private key"):
        ssh.fn(ctx, cmd="true", host="127.0.0.1", username="bob", private_key="not a key")


def test_non_zero_exit_fails_with_code_and_stderr(ctx: Any, ssh_peer: SshPeer) -> None:
    cmd = "echo partial; echo 'disk full' >&2; exit 3"
    with pytest.raises(ActionException) as err:
        ssh.fn(
            ctx,
            cmd=cmd,
            host="127.0.0.1",
            port=ssh_peer.port,
            username="alice",
            password="wonderland",
        )
    assert str(err.value) == (
        f"Failed to execute ssh cmd '{cmd}' on 127.0.0.1 [exit_code=3, stderr='disk full']"
    )


def test_return_result_on_error(ctx: Any, ssh_peer: SshPeer) -> None:
    out = ssh.fn(
        ctx,
        cmd="echo out; echo err >&2; exit 4",
        host="127.0.0.1",
        port=ssh_peer.port,
        username="alice",
        password="wonderland",
        return_result_on_error=True,
    )
    assert out == {"stdout": "out\n", "stderr": "err\n", "exit_code": 4}


def test_large_output_on_both_streams(ctx: Any, ssh_peer: SshPeer) -> None:
    cmd = "head -c 300000 /dev/zero | tr '\\0' e >&2; head -c 300000 /dev/zero | tr '\\0' o"
    out = ssh.fn(
        ctx,
        cmd=cmd,
        host="127.0.0.1",
        port=ssh_peer.port,
        username="alice",
        password="wonderland",
        return_result_on_error=True,
    )
    assert out["stdout"] == "o" * 300000 and out["stderr"] == "e" * 300000


def test_list_of_hosts(ctx: Any, ssh_peer: SshPeer) -> None:
    out = ssh.fn(
        ctx,
        cmd="echo hi",
        host=["127.0.0.1", "localhost"],
        port=ssh_peer.port,
        username="alice",
        password="wonderland",
    )
    assert out == ["hi\n", "hi\n"]


def test_wrong_password(ctx: Any, ssh_peer: SshPeer) -> None:
    with pytest.raises(ActionException) as err:
        ssh.fn(
            ctx, cmd="id", host="127.0.0.1", port=ssh_peer.port, username="alice", password="nope"
        )
    assert (
        str(err.value)
        == "Failed to execute ssh cmd 'id' on 127.0.0.1: authentication failed for user 'alice'"
    )
    assert "nope" not in str(err.value)


def test_unknown_key(ctx: Any, ssh_peer: SshPeer, ssh_keys: dict[str, Any]) -> None:
    with pytest.raises(ActionException, match="authentication failed for user 'alice'"):
        ssh.fn(
            ctx,
            cmd="id",
            host="127.0.0.1",
            port=ssh_peer.port,
            username="alice",
            private_key=ssh_keys["ecdsa_text"],
        )


def test_refused_connection(ctx: Any) -> None:
    port = free_port()
    with pytest.raises(ActionException) as err:
        ssh.fn(ctx, cmd="id", host="127.0.0.1", port=port, username="alice", password="x")
    assert (
        str(err.value)
        == f"Failed to execute ssh cmd 'id' on 127.0.0.1: connection refused (127.0.0.1:{port})"
    )


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never sends an SSH banner."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    yield sock.getsockname()[1]
    sock.close()


def test_timeout(silent_server: int) -> None:
    ctx = context(Settings(http_allowed_hosts="127.0.0.1", ssh_timeout_s=0.5))
    with pytest.raises(ActionException) as err:
        ssh.fn(ctx, cmd="id", host="127.0.0.1", port=silent_server, username="alice", password="x")
    assert str(err.value) == (
        f"Failed to execute ssh cmd 'id' on 127.0.0.1: no SSH answer from 127.0.0.1:{silent_server} "
        "within 0.5 s"
    )


def test_proxied_through_a_gateway(ctx: Any, ssh_peer: SshPeer, ssh_keys: dict[str, Any]) -> None:
    # The peer is both the gateway and the target: the gateway forwards a channel to it.
    before = len(ssh_peer.forwards)
    out = ssh_proxied.fn(
        ctx,
        cmd="echo via gateway",
        host="127.0.0.1",
        port=ssh_peer.port,
        username="bob",
        private_key_filename=None,
        private_key=ssh_keys["ecdsa_text"],
        gateway_host="127.0.0.1",
        gateway_port=ssh_peer.port,
    )
    assert out == "via gateway\n"
    assert ssh_peer.forwards[before:] == [("127.0.0.1", ssh_peer.port)]


def test_proxied_gateway_refuses_login(ctx: Any, ssh_peer: SshPeer) -> None:
    with pytest.raises(ActionException, match="authentication failed for user 'mallory'"):
        ssh_proxied.fn(
            ctx,
            cmd="id",
            host="10.0.0.5",
            username="alice",
            password="wonderland",
            private_key_filename=None,
            gateway_host="127.0.0.1",
            gateway_port=ssh_peer.port,
            gateway_username="mallory",
        )


def test_proxy_command_is_refused(ctx: Any) -> None:
    with pytest.raises(ActionException, match="proxy_command is not supported"):
        ssh_proxied.fn(
            ctx,
            cmd="id",
            host="h",
            username="u",
            private_key_filename=None,
            gateway_host="g",
            proxy_command="nc %h %p",
        )


def test_wait_ssh(ctx: Any, ssh_peer: SshPeer) -> None:
    (ssh_peer.workdir / "marker").write_text("")
    out = wait_ssh.fn(
        ctx, host="127.0.0.1", port=ssh_peer.port, username="alice", password="wonderland"
    )
    assert "marker" in out
    with pytest.raises(ActionException, match="connection refused"):
        wait_ssh.fn(
            ctx, host="127.0.0.1", port=free_port(), username="alice", password="wonderland"
        )


def test_signatures_are_mistrals_plus_port() -> None:
    assert ssh.signature_text() == (
        'cmd, host, username, password="", private_key_filename=null, private_key=null, '
        "return_result_on_error=false, port=22"
    )
    assert ssh_proxied.signature_text().startswith(
        "cmd, host, username, private_key_filename, gateway_host, gateway_username=null, "
        "password=null, proxy_command=null, private_key=null"
    )
    assert wait_ssh.signature_text().startswith('host, username, password=""')
