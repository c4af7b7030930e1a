"""docker-compose.yml as Docker would run it (no Docker daemon here): every health check can be
executed, the beat and listener checks tell their process from another one, and nothing is
published beyond loopback unless the operator says so."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def _services() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_no_health_check_argument_holds_a_nul_byte() -> None:
    """execve() cannot pass a NUL byte: such a check never runs and the container stays unhealthy
    (YAML's double-quoted "\\0" is a NUL, the Python source needs "\\\\0")."""
    for name, svc in _services().items():
        test = svc.get("healthcheck", {}).get("test", [])
        assert all("\x00" not in arg for arg in test), (name, test)


@pytest.mark.parametrize("service", ["beat", "listener"])
def test_the_main_process_check_tells_its_command_from_another(service: str) -> None:
    """The check reads /proc/1/cmdline (the container's main process): here it reads the
    cmdline of a process started with the service's command word, then of one without it."""
    test = _services()[service]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python3", "-c"], test
    code = test[3]
    assert "/proc/1/cmdline" in code

    def check(argv_tail: list[str]) -> int:
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", *argv_tail])
        try:
            time.sleep(0.2)
            mine = code.replace("/proc/1/cmdline", f"/proc/{proc.pid}/cmdline")
            return subprocess.run([sys.executable, "-c", mine], check=False).returncode
        finally:
            proc.kill()
            proc.wait()

    assert check([service]) == 0
    assert check(["worker"]) != 0


def test_ports_are_published_on_loopback_unless_an_address_is_set() -> None:
    published = {n: s["ports"] for n, s in _services().items() if s.get("ports")}
    assert set(published) == {"api", "flower"}
    for ports in published.values():
        assert all(p.startswith("${PUBLISH_ADDRESS:-127.0.0.1}:") for p in ports), ports
