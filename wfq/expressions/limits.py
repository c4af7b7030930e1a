"""The bounds every expression evaluation runs under (YAQL and Jinja alike).

Mistral leaves YAQL unbounded by default; wfq does not, because one runaway expression would
otherwise hold a worker thread for minutes.
"""

from __future__ import annotations

DEFAULT_TIMEOUT: float = 10.0
"""Seconds one `evaluate`/`evaluate_recursively` call may spend inside the expression languages.

Time spent waiting for the `Runtime` (database look-ups) is not counted. `None` disables it.
"""

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
