"""Delivering `notify` webhooks: one POST per subscribed target, JSON body, short timeout.
Retries (with backoff) are the Celery task's job; the engine never waits for a webhook.

Webhook URLs are written by workflow authors: they pass the egress policy of std.http (the
`http_allowed_hosts` / `http_denied_cidrs` settings). A refused target is skipped with a
warning and never retried."""

from __future__ import annotations

import logging
from typing import Any

import requests

from wfq.actions.egress import EgressDenied, EgressPolicy, PinnedAdapter
from wfq.engine.notifications import wants
from wfq.settings import Settings

log = logging.getLogger("wfq.notify")
TIMEOUT_S = 10


class DeliveryFailed(Exception):
    """A webhook answered with an error or could not be reached (the task retries)."""


def deliver(targets: list[dict[str, Any]], events: list[dict[str, Any]], settings: Settings) -> int:
    """POST each event, in order, to every target that wants it and the egress policy of
    `settings` allows; returns how many were sent. A retry re-sends the whole batch:
    receivers may see an event twice, never out of order."""
    policy = EgressPolicy.from_settings(settings)
    allowed = [t for t in targets if _allowed(policy, t)]
    with requests.Session() as session:
        adapter = PinnedAdapter(policy)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.trust_env = False
        return sum(_post(session, allowed, payload) for payload in events)


def _allowed(policy: EgressPolicy, target: dict[str, Any]) -> bool:
    """Whether the policy lets this target's URL be reached (a refusal is logged)."""
    url = str(target.get("url") or "")
    try:
        parts = policy.check_url(url)
        policy.addresses(parts.hostname or "", parts.port or 80, "Webhook host")
    except EgressDenied as exc:
        log.warning("webhook %s refused by the egress policy: %s", url, exc)
        return False
    except requests.ConnectionError:
        return True  # it may resolve on the retry; the POST reports the failure
    return True


def _post(session: requests.Session, targets: list[dict[str, Any]], payload: dict[str, Any]) -> int:
    sent = 0
    for target in targets:
        if not wants(target, payload.get("event", "")):
            continue
        headers = {"Content-Type": "application/json", **(target.get("headers") or {})}
        try:
            resp = session.post(target["url"], json=payload, headers=headers, timeout=TIMEOUT_S)
        except EgressDenied as exc:
            log.warning("webhook %s refused by the egress policy: %s", target["url"], exc)
            continue
        except requests.RequestException as exc:
            raise DeliveryFailed(f"{target['url']}: {type(exc).__name__}") from exc
        if resp.status_code >= 500:
            raise DeliveryFailed(f"{target['url']}: HTTP {resp.status_code}")
        if resp.status_code >= 400:
            log.warning(
                "webhook %s refused %s: HTTP %s",
                target["url"],
                payload.get("event"),
                resp.status_code,
            )
        sent += 1
    return sent
