"""RabbitMQ: OpenStack notifications as oslo.messaging publishes them (a topic exchange per
service, e.g. `nova`, routing key `<topic>.<priority>`, e.g. `notifications.info`).

For each (exchange, topic) a trigger names, a durable queue `wfq.events.<exchange>.<topic>` is
bound with `<topic>.*` (every priority). The queue outlives the listener, so what is published
while it is down waits there; a message is acknowledged only after its executions are committed,
so one the listener did not finish is delivered again (and starts nothing twice: the execution
id comes from the message id). A queue whose last trigger is deleted is deleted too.
"""

from __future__ import annotations

import logging
from typing import Any

from kombu import Connection, Consumer, Exchange, Queue

from listener.owner import Owner
from wfq.errors import InvalidInput
from wfq.services import events

log = logging.getLogger("wfq.listener")
PREFETCH = 10
RETRY_S = 2.0


def queue_name(exchange: str, topic: str) -> str:
    """The durable queue wfq consumes (exchange, topic) from."""
    return f"wfq.events.{exchange}.{topic}"


class AmqpSource:
    """One connection, one consumer over the queues of the current triggers."""

    def __init__(self, url: str, owner: Owner) -> None:
        self.url = url
        self.owner = owner

    def run(self) -> None:
        """Consume until the listener stops, reconnecting after a broker outage."""
        stopping = self.owner.stopping
        while not stopping.is_set():
            try:
                with Connection(self.url, connect_timeout=5) as conn:
                    conn.ensure_connection(max_retries=1)
                    self._consume(conn)
            except Exception as exc:  # broker down or channel closed: wait, reconnect
                log.warning("AMQP listener: %s; reconnecting", exc)
                stopping.wait(RETRY_S)

    def _consume(self, conn: Connection) -> None:
        stopping, reload_s = self.owner.stopping, self.owner.services.settings.event_reload_s
        current: list[tuple[str, str]] = []
        consumer: Consumer | None = None
        channel = conn.channel()
        channel.basic_qos(0, PREFETCH, False)
        while not stopping.is_set():
            wanted = self.owner.sources()
            if wanted != current:
                if consumer is not None:
                    consumer.cancel()
                _delete_unused(conn, set(current) - set(wanted))
                queues = [_declare(conn, channel, exchange, topic) for exchange, topic in wanted]
                consumer = Consumer(
                    channel, queues=queues, on_message=self._on_message, accept=None
                )
                consumer.consume()
                current = wanted
            _drain(conn, reload_s)

    def _on_message(self, message: Any) -> None:
        info = message.delivery_info
        exchange = info.get("exchange", "")
        topic = info.get("routing_key", "").rpartition(".")[0] or info.get("routing_key", "")
        try:
            event = events.from_notification(exchange, topic, message.body)
        except InvalidInput as exc:
            log.warning("AMQP listener: dropping a message on %s/%s: %s", exchange, topic, exc)
            message.ack()
            return
        self.owner.handle(event)  # raises on a database outage: the message is not acked
        message.ack()


def _drain(conn: Connection, seconds: float) -> None:
    """Deliver messages for up to `seconds` (returns early when idle for a second)."""
    try:
        conn.drain_events(timeout=min(seconds, 1.0))
    except TimeoutError:
        pass


def _declare(conn: Connection, channel: Any, exchange: str, topic: str) -> Queue:
    """The durable queue of (exchange, topic), bound to the service's topic exchange; the
    exchange is used as it exists (oslo declares it non-durable by default), else created so."""
    ex = Exchange(exchange, type="topic", durable=False)
    with conn.channel() as probe:
        try:
            ex.bind(probe).declare(passive=True)
            exists = True
        except Exception:  # 404: not there yet (the probe channel is closed by the broker)
            exists = False
    if not exists:
        ex.bind(channel).declare()
    queue = Queue(queue_name(exchange, topic), exchange=ex, routing_key=f"{topic}.*", durable=True)
    queue.bind(channel).declare()
    return queue


def _delete_unused(conn: Connection, gone: set[tuple[str, str]]) -> None:
    for exchange, topic in gone:
        with conn.channel() as ch:
            try:
                Queue(queue_name(exchange, topic)).bind(ch).delete()
            except Exception:  # already gone
                log.debug("queue %s already gone", queue_name(exchange, topic))
