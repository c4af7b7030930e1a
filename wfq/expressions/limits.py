"""The bounds every expression evaluation runs under (YAQL and Jinja alike).

Mistral leaves YAQL unbounded by default; wfq does not, because one runaway expression would
otherwise hold a worker thread for minutes.
"""

from __future__ import annotations

import threading

DEFAULT_TIMEOUT: float = 5.0
"""Seconds one `evaluate`/`evaluate_recursively` call may spend inside the expression languages
unless `configure` set another (the `expression_timeout_s` setting does, in every process).

Time spent waiting for the `Runtime` (database look-ups) is not counted. `None` disables it.
"""

DEFAULT_MEMORY: int = 64 * 1024 * 1024
"""Bytes of strings and lists one evaluation may build in all (`expression_memory_mb`): every
`*`, `+`, `~`, join, concat, replace, padding and rendered template output counts what it makes,
so a loop that keeps building fails once the total passes this, not when the process runs out."""

LIMIT_ITERATORS: int = 1_000_000
"""YAQL `yaql.limitIterators`: the most elements any collection an expression walks may have."""

MEMORY_QUOTA: int = 64 * 1024 * 1024
"""YAQL `yaql.memoryQuota` in bytes: the largest (shallow) size of any intermediate value."""

MAX_RANGE: int = LIMIT_ITERATORS
"""Largest `range(...)` YAQL will create; bigger ones fail at once instead of being walked."""

MAX_SEQUENCE_LENGTH: int = 10_000_000
"""Largest string or list that `*` may build (`"ab" * n`, `[1] * n`), in YAQL and Jinja."""

MAX_INT_BITS: int = 100_000
"""Largest integer (in bits) that `*`, `pow`/`**` or shiftBitsLeft may produce."""

PARSE_CACHE_SIZE: int = 4096
"""Parsed YAQL expressions / compiled Jinja templates kept, keyed by their text."""


class _Configured:
    """The process-wide bounds, set once from the settings by whoever builds the services."""

    def __init__(self) -> None:
        self.timeout: float | None = DEFAULT_TIMEOUT
        self.memory: int = DEFAULT_MEMORY
        self.lock = threading.Lock()


CONFIGURED = _Configured()


def configure(*, timeout_s: float | None, memory_mb: float) -> None:
    """Set the bounds every evaluation that names none runs under (0 or None: no time limit)."""
    with CONFIGURED.lock:
        CONFIGURED.timeout = timeout_s if timeout_s else None
        CONFIGURED.memory = max(1, int(memory_mb * 1024 * 1024))
