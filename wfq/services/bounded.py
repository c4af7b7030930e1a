"""Running a call that workflow authors control inside the API process, bounded in time, memory
and result size: the call runs in a forked child process, which the parent kills at the
deadline; its address space is capped; its result comes back as JSON through a pipe and is
refused once it passes the size limit. The API process itself never holds the call's memory.

Used by POST /v2/action_executions when the action runs in the request (`run_sync`, or a direct
run that stores nothing). POSIX only (fork, setrlimit), like the rest of wfq's deployment.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class Bounds:
    """The budget of one call: wall-clock seconds, extra memory (MiB), result bytes (as JSON)."""

    timeout_s: float
    memory_mb: int
    max_bytes: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened: `value` when `ok`, else `reason` (timeout, memory, size, crashed) and a
    text for the user."""

    ok: bool
    value: Any = None
    reason: str = ""
    message: str = ""


def run(call: Callable[[], Any], bounds: Bounds) -> Outcome:
    """Run `call()` in a child process within `bounds`; its value must be JSON-serialisable
    (anything else is turned into text, as json.dumps(default=str))."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        _child(call, bounds, write_fd)
    os.close(write_fd)
    try:
        data, finished = _collect(read_fd, bounds)
    finally:
        os.close(read_fd)
    status = _reap(pid, kill=not finished)
    return _outcome(data, finished, status, bounds)


def _child(call: Callable[[], Any], bounds: Bounds, write_fd: int) -> None:
    code = 0
    try:
        _cap_memory(bounds.memory_mb)
        try:
            payload = json.dumps({"value": call()}, default=str)
        except MemoryError:
            payload = json.dumps({"memory": True})
        data = payload.encode("utf-8", errors="replace")
        if len(data) > bounds.max_bytes:
            data = json.dumps({"size": len(data)}).encode()
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)
    except BaseException:  # nothing may escape the child into the API's code
        code = 1
    finally:
        os._exit(code)


def _cap_memory(memory_mb: int) -> None:
    """Cap the address space at what the child has now plus `memory_mb`."""
    if memory_mb <= 0:
        return
    current = _address_space_bytes()
    limit = current + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _address_space_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        return pages * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _collect(read_fd: int, bounds: Bounds) -> tuple[bytes, bool]:
    """What the child wrote before the deadline; finished is False when it ran out of time."""
    deadline = time.monotonic() + bounds.timeout_s
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"", False
        ready, _, _ = select.select([read_fd], [], [], left)
        if not ready:
            return b"", False
        chunk = os.read(read_fd, _CHUNK)
        if not chunk:
            return b"".join(chunks), True
        size += len(chunk)
        if size > bounds.max_bytes + _CHUNK:  # the child checks too; never hold more than this
            return json.dumps({"size": size}).encode(), False
        chunks.append(chunk)


def _reap(pid: int, *, kill: bool) -> int:
    if kill:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, status = os.waitpid(pid, 0)
    return status


def _outcome(data: bytes, finished: bool, status: int, bounds: Bounds) -> Outcome:
    if not data and not finished:
        return Outcome(
            False, reason="timeout", message=f"it ran longer than {bounds.timeout_s:g} s"
        )
    try:
        parsed = json.loads(data) if data else {}
    except ValueError:
        parsed = {}
    if "value" in parsed:
        return Outcome(True, value=parsed["value"])
    if "size" in parsed:
        return Outcome(False, reason="size", value=parsed["size"])
    if parsed.get("memory"):
        return Outcome(
            False, reason="memory", message=f"it needed more than {bounds.memory_mb} MiB"
        )
    return Outcome(
        False,
        reason="crashed",
        message=f"its process ended without a result (status {status}; it may have needed more "
        f"than {bounds.memory_mb} MiB)",
    )
