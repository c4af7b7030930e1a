"""Delivering `notify` webhooks: one POST per subscribed target, JSON body, short timeout.
Retries (with backoff) are the Celery task's job; the engine never waits for a webhook."""

from __future__ import annotations

import logging
from typing import Any

import requests

from wfq.engine.notifications import wants

log = logging.getLogger("wfq.notify")
TIMEOUT_S = 10


class DeliveryFailed(Exception):
    """A webhook answered with an error or could not be reached (the task retries)."""


def deliver(targets: list[dict[str, Any]], events: list[dict[str, Any]]) -> int:
    """POST each event, in order, to every target that wants it; returns how many were sent.
    A retry re-sends the whole batch: receivers may see an event twice, never out of order."""
    return sum(_post(targets, payload) for payload in events)


def _post(targets: list[dict[str, Any]], payload: dict[str, Any]) -> int:
    sent = 0
    for target in targets:
        if not wants(target, payload.get("event", "")):
            continue
        headers = {"Content-Type": "application/json", **(target.get("headers") or {})}
        try:
            resp = requests.post(target["url"], json=payload, headers=headers, timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            raise DeliveryFailed(f"{target['url']}: {type(exc).__name__}") from exc
        if resp.status_code >= 500:
            raise DeliveryFailed(f"{target['url']}: HTTP {resp.status_code}")
        if resp.status_code >= 400:
            log.warning("webhook %s refused %s: HTTP %s", target["url"], payload.get("event"), resp.status_code)
        sent += 1
    return sent
