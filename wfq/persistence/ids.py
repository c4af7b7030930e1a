"""Time-ordered UUIDs (the UUIDv7 layout): ids sort in creation order, which keeps B-tree
inserts local and lets task executions be read back in the order the engine created them.
Also the one derived id: the execution a cron trigger starts for an instant."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid

CRON_NAMESPACE = uuid.UUID("5b1f8d2e-7c55-4c1a-9a39-7d0c2f0e6a11")
"""uuid5 namespace of the executions cron triggers start (never change it: a scheduler would
fire an instant again that another one already fired)."""

_lock = threading.Lock()
_last_ms = 0
_seq = 0


def new_id() -> str:
    """A new UUIDv7 string, strictly increasing within this process."""
    global _last_ms, _seq
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            _seq += 1
            if _seq > 0xFFF:
                _last_ms += 1
                _seq = 0
            ms = _last_ms
        else:
            _last_ms, _seq = ms, 0
        seq = _seq
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (seq << 64) | (0b10 << 62) | rand
    return str(uuid.UUID(int=value))


def cron_execution_id(trigger_id: str, instant: dt.datetime) -> str:
    """The id of the execution a cron trigger starts for an instant (the same in every
    scheduler, so an instant fires once)."""
    return str(uuid.uuid5(CRON_NAMESPACE, f"{trigger_id}@{instant.isoformat()}"))
