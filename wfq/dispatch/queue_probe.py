"""What the broker knows about a queue: how many messages wait in it and which live workers
consume it. Behind the small `QueueProbe` protocol so that a registry of live processes can
answer instead of Celery's broadcast later. `queue_depths` reads a Redis broker directly, for
/metrics.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis

INSPECT_TIMEOUT_S = 1.0
"""How long a probe waits for workers to say which queues they consume."""
CACHE_S = 2.0
"""Answers are reused for this long: an explain page polled every second costs one broadcast."""
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
"""Broker URLs whose queues `queue_depths` can read."""
REDIS_TIMEOUT_S = 2.0
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
"""kombu's Redis transport keeps priority levels in lists named `<queue>\\x06\\x16<n>`."""


@dataclass(frozen=True, slots=True)
class QueueFacts:
    """One queue as seen now. `depth` None: the broker could not say; `consumers` None: no
    worker answered at all (none alive, or the broker cannot broadcast)."""

    queue: str
    depth: int | None
    consumers: list[str] | None = field(default=None)


class QueueProbe(Protocol):
    """Answers questions about queues for `explain`."""

    def facts(self, queues: Sequence[str]) -> dict[str, QueueFacts]:
        """The facts of each queue named (bounded in time: a short broker round trip)."""


class NullProbe:
    """No broker to ask (tests, or a dispatcher that is not Celery): nothing is known."""

    def facts(self, queues: Sequence[str]) -> dict[str, QueueFacts]:
        return {q: QueueFacts(q, None, None) for q in queues}


class CeleryQueueProbe:
    """Celery's `inspect().active_queues()` with a short timeout for the consumers, and a
    passive queue declaration for the depth."""

    def __init__(self, app: Any, timeout: float = INSPECT_TIMEOUT_S) -> None:
        self.app = app
        self.timeout = timeout
        self._cached: tuple[float, dict[str, list[str]] | None] | None = None

    def facts(self, queues: Sequence[str]) -> dict[str, QueueFacts]:
        consumers = self._consumers()
        depths = self._depths(queues)
        return {
            q: QueueFacts(
                q, depths.get(q), None if consumers is None else sorted(consumers.get(q, []))
            )
            for q in queues
        }

    def _consumers(self) -> dict[str, list[str]] | None:
        if self._cached is not None and time.monotonic() - self._cached[0] < CACHE_S:
            return self._cached[1]
        try:
            replies = self.app.control.inspect(timeout=self.timeout).active_queues()
        except Exception:  # a broker that cannot broadcast, or is away: unknown
            replies = None
        by_queue: dict[str, list[str]] | None = None
        if replies:
            by_queue = {}
            for worker, consumed in replies.items():
                for q in consumed or []:
                    by_queue.setdefault(q.get("name", ""), []).append(worker)
        self._cached = (time.monotonic(), by_queue)
        return by_queue

    def _depths(self, queues: Sequence[str]) -> dict[str, int | None]:
        found: dict[str, int | None] = {}
        try:
            with self.app.connection_for_read() as conn:
                for q in queues:
                    found[q] = _depth(conn, q)
        except Exception:  # the broker is away: depths unknown
            return {q: None for q in queues}
        return found


def _depth(conn: Any, queue: str) -> int | None:
    channel = conn.channel()
    try:
        return int(channel.queue_declare(queue=queue, passive=True).message_count)
    except Exception:
        # Redis and RabbitMQ both refuse a passive declaration of a queue that does not exist:
        # nothing was ever left waiting in it.
        return 0
    finally:
        try:
            channel.close()
        except Exception:  # noqa: S110 - a channel the broker closed already
            pass


def probe_for(dispatcher: Any) -> QueueProbe:
    """The probe matching a dispatcher: Celery's when it sends through a Celery app."""
    app = getattr(dispatcher, "app", None)
    if app is None or not hasattr(app, "control"):
        return NullProbe()
    probe = getattr(dispatcher, "_wfq_queue_probe", None)
    if probe is None:
        probe = CeleryQueueProbe(app)
        try:
            dispatcher._wfq_queue_probe = probe
        except AttributeError:  # a dispatcher with __slots__: no reuse, still correct
            pass
    return probe


def is_redis(url: str) -> bool:
    """True when `url` names a Redis broker (the one kind `queue_depths` can read)."""
    return url.startswith(REDIS_SCHEMES)


def queue_depths(url: str, queues: Sequence[str]) -> dict[str, int]:
    """LLEN of each queue (priority sub-lists included) on the Redis broker at `url`."""
    client = redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
    )
    try:
        pipe = client.pipeline(transaction=False)
        for queue in queues:
            for suffix in _PRIORITY_SUFFIXES:
                pipe.llen(queue + suffix)
        counts = pipe.execute()
    finally:
        client.close()
    step = len(_PRIORITY_SUFFIXES)
    return {q: int(sum(counts[i * step : (i + 1) * step])) for i, q in enumerate(queues)}
