"""What a transport (amqp.py, redis_streams.py) needs from the listener that runs it: the
notifications it consumes, where to hand each one, and when to stop. A Protocol, so the
transports do not import listener.main, which starts them."""

from __future__ import annotations

import threading
from typing import Protocol

from wfq.services import events
from wfq.services.context import Services


class Owner(Protocol):
    """The listener as its transports see it (listener.main.Listener)."""

    services: Services
    stopping: threading.Event

    def handle(self, event: events.Event) -> list[str]:
        """Start the executions of one event."""

    def sources(self) -> list[tuple[str, str]]:
        """The (exchange, topic) pairs to consume now."""
