"""Celery signal hooks that list `wfq worker` in `GET /v2/services` (`wfq beat`, which is not
a Celery beat, joins in wfq.cli.main).

The embedded worker (inside `wfq server` / `wfq run`) is skipped: its process registers
itself (wfq.cli.bootstrap.Process.join), and its worker thread is not the main thread.
"""

from __future__ import annotations

import threading
from typing import Any

from celery import signals

from wfq.services.membership import WORKER_ROLES, Membership

_members: list[Membership] = []


@signals.worker_ready.connect
def _worker_ready(sender: Any = None, **_: Any) -> None:
    if threading.current_thread() is threading.main_thread():
        _members.append(Membership(sender.app.wfq_settings, WORKER_ROLES).start())


@signals.worker_shutdown.connect
def _worker_shutdown(**_: Any) -> None:
    while _members:
        _members.pop().stop()
