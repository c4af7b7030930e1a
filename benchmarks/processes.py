"""The processes a benchmark starts, one `Proc` each (argv, environment, log file, readiness,
stop by pid), and what is read of processes from /proc: children, RSS; free local ports."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
"""The repository: the working directory of the processes started."""


def free_port() -> int:
    """A local TCP port free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    """Direct children of `pid` (Linux /proc)."""
    out: list[int] = []
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    return out


def answers(port: int) -> bool:
    """Whether something listens on local `port`."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def rss_kb(pid: int, field_name: str = "VmRSS") -> int:
    """Resident set size (or VmHWM, its peak) of `pid` in KiB; 0 when gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Proc:
    """A subprocess started by the benchmark, with its log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    ready_text: str | None = None
    cwd: Path = ROOT
    proc: subprocess.Popen[bytes] | None = None
    _log: Any = None

    def start(self, timeout: float = 60.0, ready: Any = None) -> Proc:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n" + self.tail())
            if self.ready_text and self.ready_text in self.log_path.read_text(errors="replace"):
                return self
            if ready is not None and ready():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n" + self.tail())

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def pids(self) -> list[int]:
        """The process and its direct children (the prefork pool)."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        return [self.pid, *children(self.pid)]

    def tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # Warm shutdown of the process we started (its pool children follow it).
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
