"""Celery signal hooks that list `wfq worker` and `wfq beat` in `GET /v2/services`, and make
beat's first integrity check fire the timers that came due while wfq was down.

The embedded worker (inside `wfq server` / `wfq run`) is skipped: its process registers
itself (wfq.cli.bootstrap.Process.join), and its worker thread is not the main thread.
"""

from __future__ import annotations

import threading
from typing import Any

from celery import signals

from wfq.dispatch import names
from wfq.services.membership import SCHEDULER, WORKER_ROLES, Membership

_members: list[Membership] = []


@signals.worker_ready.connect
def _worker_ready(sender: Any = None, **_: Any) -> None:
    if threading.current_thread() is threading.main_thread():
        _members.append(Membership(sender.app.wfq_settings, WORKER_ROLES).start())


@signals.worker_shutdown.connect
def _worker_shutdown(**_: Any) -> None:
    while _members:
        _members.pop().stop()


@signals.beat_init.connect
def _beat_init(sender: Any = None, **_: Any) -> None:
    app = sender.app
    settings = app.wfq_settings
    _members.append(Membership(settings, (SCHEDULER,)).start())
    # Beat's interval entries first run one interval after start; this pass runs now.
    app.send_task(names.RECOVER, kwargs={"startup": True}, queue=settings.engine_queue)
