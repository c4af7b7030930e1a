"""Events that start workflows: reading an OpenStack notification, finding the event triggers
it matches, and starting one execution per trigger, once.

A notification arrives as oslo.messaging sends it: an envelope `{"oslo.version": "2.0",
"oslo.message": "<JSON text>"}` around `{message_id, publisher_id, event_type, priority,
payload, timestamp, _context_<key>: ...}` (a bare message, without the envelope, is read too).
As in Mistral, the workflow gets the event in its params: `event_params` holds the event's
properties (by default `service`, `project_id`, `user_id` and `timestamp`, or those of
`event_definitions_file`), next to the trigger's own `workflow_params`.

Exactly once: the execution id is derived from (trigger id, message id), so a message
delivered twice, by a broker redelivering it or by two listeners, starts one execution.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wfq import expressions
from wfq.errors import ExpressionError, InvalidInput, WfqError
from wfq.persistence.db import DuplicateRow
from wfq.persistence.repositories import event_triggers as repo
from wfq.services import executions
from wfq.services.context import Services

log = logging.getLogger("wfq.events")

NAMESPACE = uuid.UUID("0e9c1f86-5d7b-4f4e-a2a9-3f3a8d6b51c7")
DEFAULT_PROPERTIES = {
    "service": "<% $.publisher %>",
    "project_id": "<% $.context.project_id %>",
    "user_id": "<% $.context.user_id %>",
    "timestamp": "<% $.timestamp %>",
}
"""Mistral's event properties when no event definition matches the event type."""
CONTEXT_PREFIX = "_context_"


@dataclass(frozen=True, slots=True)
class Event:
    """One notification, wherever it came from."""

    exchange: str
    topic: str
    event_type: str
    message_id: str
    payload: Any = None
    publisher_id: str | None = None
    timestamp: str | None = None
    context: dict[str, Any] = field(default_factory=dict)

    def notification(self) -> dict[str, Any]:
        """What Mistral's event definitions evaluate against."""
        return {
            "event_type": self.event_type,
            "payload": self.payload,
            "publisher": self.publisher_id,
            "timestamp": self.timestamp,
            "context": self.context,
        }


def from_notification(
    exchange: str, topic: str, body: Any, fallback_id: str | None = None
) -> Event:
    """An Event from an oslo.messaging notification body (bytes, text or decoded JSON).

    Args:
        fallback_id: the message id to use when the notification has none (e.g. the Redis
            stream entry id, which a redelivery repeats).

    Raises:
        InvalidInput: not a notification (no JSON object, no event_type).
    """
    message = _decode(body)
    if isinstance(message.get("oslo.message"), str):
        message = _decode(message["oslo.message"])
    event_type = message.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise InvalidInput("The notification has no event_type")
    context = {
        k[len(CONTEXT_PREFIX) :]: v for k, v in message.items() if k.startswith(CONTEXT_PREFIX)
    }
    if isinstance(message.get("context"), dict):
        context = {**message["context"], **context}
    message_id = message.get("message_id") or message.get("_unique_id") or fallback_id
    return Event(
        exchange=exchange,
        topic=topic,
        event_type=event_type,
        message_id=str(message_id or uuid.uuid4()),
        payload=message.get("payload"),
        publisher_id=message.get("publisher_id"),
        timestamp=None if message.get("timestamp") is None else str(message["timestamp"]),
        context=context,
    )


def _decode(body: Any) -> dict[str, Any]:
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            raise InvalidInput("The notification is not JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("The notification is not a JSON object")
    return body


def execution_id_for(trigger_id: str, message_id: str) -> str:
    """The id of the execution a trigger starts for a message (the same on every delivery)."""
    return str(uuid.uuid5(NAMESPACE, f"{trigger_id}:{message_id}"))


class Converter:
    """Event type -> the properties given to the workflow as `event_params` (Mistral's
    NotificationsConverter): the last definition whose `event_types` pattern matches, or the
    default properties."""

    def __init__(self, definitions: list[dict[str, Any]] | None = None) -> None:
        self.definitions = list(reversed(definitions or []))
        for d in self.definitions:
            if not isinstance(d, dict) or "event_types" not in d or "properties" not in d:
                raise InvalidInput("Each event definition needs event_types and properties")

    @classmethod
    def from_file(cls, path: str) -> Converter:
        """The definitions of a YAML file (a list), or the defaults when `path` is empty."""
        if not path:
            return cls()
        return cls(yaml.safe_load(Path(path).read_text()) or [])

    def convert(self, event: Event) -> Any:
        properties: Any = DEFAULT_PROPERTIES
        for d in self.definitions:
            types = [d["event_types"]] if isinstance(d["event_types"], str) else d["event_types"]
            if any(fnmatch.fnmatch(event.event_type, t) for t in types):
                properties = d["properties"]
                break
        data = event.notification()
        if not isinstance(properties, dict):
            return expressions.evaluate_recursively(properties, data)
        return {key: _evaluate(value, data) for key, value in properties.items()}


def _evaluate(value: Any, data: dict[str, Any]) -> Any:
    """One property; a key the notification lacks makes it null (not a failed event)."""
    try:
        return expressions.evaluate_recursively(value, data)
    except ExpressionError:
        return None


def fire(svc: Services, event: Event, converter: Converter | None = None) -> list[str]:
    """Start the workflow of every trigger the event matches, once per (trigger, message);
    returns the ids of the executions (started now or by an earlier delivery)."""
    with svc.db.read() as session:
        triggers = [
            t
            for t in repo.matching(session, event.exchange, event.topic, event.event_type)
            if _concerns(svc, t, event)
        ]
        ids = {t.id: execution_id_for(t.id, event.message_id) for t in triggers}
        done = repo.existing_executions(session, list(ids.values())) if ids else set()
    if not triggers:
        return []
    params = (converter or Converter()).convert(event)
    started = []
    for t in triggers:
        if ids[t.id] in done or _start(svc, t, ids[t.id], params):
            started.append(ids[t.id])
    return started


def _concerns(svc: Services, trigger: Any, event: Event) -> bool:
    """With authentication on, an event starts the triggers of its own project (and public
    ones); without, there is one project and every trigger of the event type fires."""
    if not svc.settings.auth_tokens or trigger.scope == "public":
        return True
    return bool(event.context.get("project_id") == trigger.project_id)


def _start(svc: Services, trigger: Any, execution_id: str, event_params: Any) -> bool:
    description = {
        "description": f"Workflow execution created by event trigger '({trigger.id})'.",
        "triggered_by": {"type": "event_trigger", "id": trigger.id, "name": trigger.name},
    }
    try:
        executions.start_execution(
            svc,
            trigger.workflow_id,
            project_id=trigger.project_id,
            namespace=trigger.workflow_namespace,
            wf_input=dict(trigger.workflow_input),
            params={**trigger.workflow_params, "event_params": event_params},
            description=json.dumps(description),
            execution_id=execution_id,
        )
    except DuplicateRow:
        return True  # another delivery of the same message started it meanwhile
    except WfqError as exc:  # the workflow was deleted, or its input no longer fits
        log.warning("event trigger %s could not start its workflow: %s", trigger.id, exc)
        return False
    return True


def sources(svc: Services) -> list[tuple[str, str]]:
    """Every (exchange, topic) some event trigger listens to (what the listener consumes)."""
    with svc.db.read() as session:
        return repo.sources(session)
