"""Redis: one stream per (exchange, topic), `wfq.events.<exchange>.<topic>`, read through the
consumer group `wfq-listener` (created at the start of the stream, so entries added before the
listener first ran are read too).

Publish a notification with `XADD wfq.events.nova.notifications * message '<oslo envelope or
notification JSON>'` (or with the notification's fields as entry fields). An entry is
acknowledged (XACK) only after its executions are committed; entries a listener read but did not
acknowledge (it died, the database was down) are claimed again (XAUTOCLAIM) by the next listener
at its start and every `event_reload_s` after `CLAIM_IDLE_MS`. A Redis Stream rather than
pub/sub: pub/sub forgets a message nobody was subscribed to, a stream keeps it.
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

import redis

from listener.owner import Owner
from wfq.errors import InvalidInput
from wfq.services import events
from wfq.services.membership import member_name

log = logging.getLogger("wfq.listener")
GROUP = "wfq-listener"
PREFIX = "wfq.events."
CLAIM_IDLE_MS = 30_000
BATCH = 50
RETRY_S = 2.0
JSON_FIELDS = ("payload", "context")


def stream_name(exchange: str, topic: str) -> str:
    """The stream holding the notifications of (exchange, topic)."""
    return f"{PREFIX}{exchange}.{topic}"


class RedisSource:
    """Reads the streams of the current triggers as one consumer of the group."""

    def __init__(self, url: str, owner: Owner) -> None:
        self.url = url
        self.owner = owner
        self.consumer = member_name()

    def run(self) -> None:
        """Consume until the listener stops, reconnecting after a Redis outage."""
        stopping = self.owner.stopping
        while not stopping.is_set():
            try:
                client = redis.Redis.from_url(self.url, socket_timeout=10)
                self._consume(client)
            except Exception as exc:  # Redis down, or the database during a batch: retry
                log.warning("Redis listener: %s; retrying", exc)
                stopping.wait(RETRY_S)

    def _consume(self, client: redis.Redis) -> None:
        stopping, reload_s = self.owner.stopping, self.owner.services.settings.event_reload_s
        keys: dict[str, tuple[str, str]] = {}
        idle = 0  # the first pass takes over every pending entry of a listener that died
        while not stopping.is_set():
            keys = {stream_name(e, t): (e, t) for e, t in self.owner.sources()}
            for key in keys:
                _ensure_group(client, key)
                self._claim(client, key, keys[key], idle)
            idle = CLAIM_IDLE_MS
            self._read_for(client, keys, reload_s)

    def _claim(self, client: redis.Redis, key: str, source: tuple[str, str], idle_ms: int) -> None:
        start = "0-0"
        while True:
            reply = client.xautoclaim(
                key, GROUP, self.consumer, idle_ms, start_id=start, count=BATCH
            )
            start, entries = reply[0], reply[1]
            self._handle(client, key, source, entries)
            if not entries or start in (b"0-0", "0-0"):
                return

    def _read_for(
        self, client: redis.Redis, keys: dict[str, tuple[str, str]], seconds: float
    ) -> None:
        if not keys:
            self.owner.stopping.wait(seconds)
            return
        reply = client.xreadgroup(
            GROUP, self.consumer, {k: ">" for k in keys}, count=BATCH, block=int(seconds * 1000)
        )
        # RESP2, the client's default protocol, answers [[key, entries], ...] (RESP3 a dict)
        for key, entries in cast(list[list[Any]], reply or []):
            name = key.decode() if isinstance(key, bytes) else key
            self._handle(client, name, keys[name], entries)

    def _handle(
        self, client: redis.Redis, key: str, source: tuple[str, str], entries: list[Any]
    ) -> None:
        for entry_id, fields in entries:
            if fields is None:  # trimmed away while pending
                client.xack(key, GROUP, entry_id)
                continue
            ident = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            try:
                event = events.from_notification(
                    *source, _body(fields), fallback_id=f"{key}:{ident}"
                )
            except InvalidInput as exc:
                log.warning("Redis listener: dropping entry %s of %s: %s", ident, key, exc)
            else:
                self.owner.handle(event)  # raises on a database outage: stays pending
            client.xack(key, GROUP, entry_id)


def _ensure_group(client: redis.Redis, key: str) -> None:
    try:
        client.xgroup_create(key, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _body(fields: dict[Any, Any]) -> Any:
    """The notification of a stream entry: its `message` field, or its fields themselves."""
    plain = {_text(k): _text(v) for k, v in fields.items()}
    if "message" in plain:
        return plain["message"]
    for name in JSON_FIELDS:
        if name in plain:
            try:
                plain[name] = json.loads(plain[name])
            except ValueError:
                pass
    return plain


def _text(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
