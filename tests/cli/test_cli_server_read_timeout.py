"""`wfq server` (werkzeug, embedded) closes a connection whose request body stops before its
Content-Length, after `api_read_timeout_s`, instead of holding it forever (issue 15)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from wfq_testing import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    port = _free_port()
    env = {
        **os.environ,
        "WFQ_DATABASE_URL": f"sqlite:///{tmp_path}/wfq.sqlite",
        "WFQ_BROKER_URL": "memory://",
        "WFQ_API_READ_TIMEOUT_S": "1",
        "PYTHONPATH": str(ROOT),
    }
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "wfq.cli.main", "server", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk


def test_a_body_shorter_than_its_content_length_is_answered_and_closed(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.settimeout(15)  # far above the server's 1 s: a hang fails the test
        started = time.monotonic()
        sock.sendall(
            b"POST /v2/environments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name": '
        )
        answer = _read_all(sock)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"The request body ended before its Content-Length" in answer
    assert 0.5 < elapsed < 10


def test_a_connection_that_never_finishes_its_headers_is_closed(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.settimeout(15)
        started = time.monotonic()
        sock.sendall(b"GET /v2/environments HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert _read_all(sock) == b""
        assert time.monotonic() - started < 10
    with socket.create_connection(("127.0.0.1", server)) as sock:  # still serving
        sock.settimeout(15)
        sock.sendall(
            b"GET /v2/environments HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        assert _read_all(sock).startswith(b"HTTP/1.1 200")
