"""`GET /v2/services`: a process is listed in each of its roles while it beats, and is gone
once it stops, or once its heartbeat is older than `service_timeout_s` (it died)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from wfq_testing import inline_services

from wfq.persistence.models import ServiceMember
from wfq.services import membership


def test_registered_while_alive_gone_when_stopped_or_silent(sqlite_url: str) -> None:
    svc = inline_services(sqlite_url, service_heartbeat_s=0.2, service_timeout_s=30.0)
    worker = membership.Membership(svc.settings, membership.WORKER_ROLES).start()
    api = membership.Membership(svc.settings, (membership.API,), svc.db).start()
    listed = membership.list_services(svc)
    name = membership.member_name()
    assert {(s["name"], s["type"]) for s in listed} == {
        (name, "api_group"),
        (name, "engine_group"),
        (name, "executor_group"),
    }
    worker.stop()
    assert [s["type"] for s in membership.list_services(svc)] == ["api_group"]
    api.stop()
    assert membership.list_services(svc) == []

    # A process that died: its row stays, its heartbeat ages; it is no longer listed.
    _dead_member(svc, beat_age_s=31)
    assert membership.list_services(svc) == []
    with svc.db.read() as session:
        assert session.query(ServiceMember).count() == 0  # pruned


def test_the_heartbeat_keeps_a_member_listed(sqlite_url: str) -> None:
    svc = inline_services(sqlite_url, service_heartbeat_s=0.1, service_timeout_s=1.0)
    member = membership.Membership(svc.settings, (membership.SCHEDULER,), svc.db).start()
    try:
        time.sleep(1.5)  # longer than the timeout: only the heartbeat keeps it listed
        assert [s["type"] for s in membership.list_services(svc)] == ["scheduler_group"]
    finally:
        member.stop()


def _dead_member(svc: Any, beat_age_s: float) -> None:
    old = svc.now() - dt.timedelta(seconds=beat_age_s)
    with svc.db.write() as session:
        session.add(
            ServiceMember(
                id="executor_group/gone_1",
                name="gone_1",
                type="executor_group",
                host="gone",
                pid=1,
                started_at=old,
                heartbeat_at=old,
            )
        )
