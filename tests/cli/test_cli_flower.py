"""`wfq flower`: runs Celery's Flower on wfq's broker (on loopback unless told otherwise), or
says why it cannot."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wfq.cli.main import main

REDIS = {"WFQ_BROKER_URL": "redis://127.0.0.1:6379/15"}


def test_flower_needs_a_real_broker() -> None:
    result = CliRunner().invoke(main, ["flower"], env={"WFQ_BROKER_URL": "memory://"})
    assert result.exit_code == 1
    assert "Flower needs a real broker: set WFQ_BROKER_URL" in result.output


def test_flower_must_be_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "flower", None)  # makes `import flower` fail
    result = CliRunner().invoke(main, ["flower"], env=REDIS)
    assert result.exit_code == 1
    assert "Flower is not installed: pip install flower" in result.output


def test_flower_runs_on_the_wfq_celery_app(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("flower")
    import workers.app

    started: list[Any] = []

    class FakeApp:
        def start(self, argv: list[str]) -> None:
            started.append(argv)

    made: list[Any] = []
    monkeypatch.setattr(workers.app, "make_celery", lambda s: made.append(s) or FakeApp())
    result = CliRunner().invoke(
        main, ["flower", "--port", "5566", "--basic-auth=ops:pw"], env=REDIS
    )
    assert result.exit_code == 0, result.output
    assert started == [["flower", "--address=127.0.0.1", "--port=5566", "--basic-auth=ops:pw"]]
    assert made[0].broker_url == REDIS["WFQ_BROKER_URL"]


def _listening_addresses(port: int) -> set[str]:
    """The local IPv4/IPv6 addresses (hex, as /proc/net/tcp* writes them) listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.integration
def test_flower_listens_on_loopback_only_by_default(tmp_path: Path) -> None:
    """Flower alone listens on every interface, without a password (and its log says
    127.0.0.1): `wfq flower` binds 127.0.0.1 unless --address is given."""
    pytest.importorskip("flower")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "flower.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "wfq.cli.main", "flower", "--port", str(port)],
        env={**os.environ, **REDIS},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthcheck", timeout=2) as r:
                    assert r.read() == b"OK"
                    break
            except OSError:
                assert proc.poll() is None, (tmp_path / "flower.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "flower.log").read_text()
                time.sleep(0.3)
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
