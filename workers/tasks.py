"""The Celery tasks of wfq: thin wrappers that call one service function each."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from wfq.dispatch import names
from wfq.errors import Unavailable
from wfq.services import actions, continuing, cron_firing, notify, recovery
from workers.notify_order import TURNS, execution_of

if TYPE_CHECKING:
    from workers.celery_app import WfqCelery


log = logging.getLogger("wfq.workers")


@contextlib.contextmanager
def _next_tick_retries(what: str) -> Iterator[None]:
    """A periodic task that finds the database away logs one line: beat sends it again soon."""
    try:
        yield
    except Unavailable as exc:
        log.warning("%s skipped: %s", what, exc)


def register(app: WfqCelery) -> None:
    """Register wfq's tasks on `app`."""

    @app.task(name=names.RUN_ACTION, acks_late=True, ignore_result=True, shared=False)
    def run_action(action_execution_id: str) -> None:
        """Claim, run and complete one action execution (idempotent)."""
        actions.run_action(app.services, action_execution_id)

    @app.task(name=names.RECOVER, acks_late=True, ignore_result=True, shared=False)
    def recover(startup: bool = False) -> None:
        """The periodic integrity check: re-send work a crash stranded (`startup`: the first
        pass after beat started, which also fires every timer already due)."""
        with _next_tick_retries("integrity check"):
            recovery.recover(app.services, startup=startup)

    @app.task(name=names.CONTINUE_EXECUTION, acks_late=True, ignore_result=True, shared=False)
    def continue_execution(event: dict[str, Any]) -> None:
        """Apply an engine event: a due timer or a with-items completion (idempotent)."""
        continuing.continue_execution(app.services, event)

    @app.task(name=names.RUN_ITEMS, acks_late=True, ignore_result=False, shared=False, bind=True)
    def run_items(self: Any, lanes: str | list[str], notify: bool) -> None:
        """With-items lanes: each runs items of one task until none is left (idempotent). A
        message of several lanes runs the first here and starts the others in other slots."""
        if isinstance(lanes, str):
            actions.run_lane(app.services, lanes, notify)
            return
        queue = (self.request.delivery_info or {}).get("routing_key")
        actions.run_lanes(app.services, lanes, notify, queue=queue)

    @app.task(name=names.FIRE_CRON_TRIGGERS, acks_late=True, ignore_result=True, shared=False)
    def fire_cron_triggers() -> None:
        """Fire due cron triggers. Beat fires them itself now; kept for a beat of an older
        version still sending it during an upgrade (any number may, at once)."""
        with _next_tick_retries("cron triggers"):
            cron_firing.fire_due(app.services, app.services.now())

    @app.task(
        name=names.NOTIFY,
        bind=True,
        acks_late=True,
        ignore_result=True,
        shared=False,
        autoretry_for=(notify.DeliveryFailed,),
        retry_backoff=2,
        retry_backoff_max=300,
        max_retries=8,
    )
    def send_notification(
        self: Any, targets: list[dict[str, Any]], events: list[dict[str, Any]]
    ) -> None:
        """POST the events of one transition to the execution's webhooks (retried with
        backoff), after the batches of its execution this worker received before it
        (workers/notify_order.py)."""
        with TURNS.turn(execution_of(events) or "", str(self.request.id)):
            notify.deliver(targets, events, app.services.settings)
