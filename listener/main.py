"""The listener: one thread per configured transport, each consuming the (exchange, topic)
pairs that event triggers name, re-read every `event_reload_s`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from listener import amqp, redis_streams
from wfq.services import events
from wfq.services.context import Services

log = logging.getLogger("wfq.listener")


class Listener:
    """Consumes notifications for the event triggers until `stop()`."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.stopping = threading.Event()
        self.converter = events.Converter.from_file(services.settings.event_definitions_file)
        self.threads: list[threading.Thread] = []

    @property
    def configured(self) -> bool:
        """True when at least one transport (AMQP or Redis) is set."""
        s = self.services.settings
        return bool(s.event_amqp_url or s.event_redis_url)

    def handle(self, event: events.Event) -> list[str]:
        """Start the executions of one event (what every transport calls)."""
        started = events.fire(self.services, event, self.converter)
        log.info(
            "event %s (%s) on %s/%s: executions %s",
            event.event_type,
            event.message_id,
            event.exchange,
            event.topic,
            started,
        )
        return started

    def sources(self) -> list[tuple[str, str]]:
        """The (exchange, topic) pairs to consume now."""
        return events.sources(self.services)

    def start(self) -> Listener:
        """Start a daemon thread per configured transport."""
        s = self.services.settings
        if s.event_amqp_url:
            self._spawn("wfq-listener-amqp", amqp.AmqpSource(s.event_amqp_url, self).run)
        if s.event_redis_url:
            self._spawn(
                "wfq-listener-redis", redis_streams.RedisSource(s.event_redis_url, self).run
            )
        return self

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the transports to stop and wait for them (unacknowledged messages stay with the
        broker and are delivered again)."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=timeout)
