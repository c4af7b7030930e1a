"""A broker that cannot take a message after the decision was committed: the request still
succeeds, nothing is lost, and the integrity check sends the work once the broker is back."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from wfq_testing import RecordingDispatcher

from wfq.dispatch.base import DispatchFailed
from wfq.persistence.db import Database
from wfq.services import definitions, executions, queries, recovery
from wfq.services.context import Services
from wfq.settings import Settings

P = "<default-project>"
WF = "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.noop\n"


class BrokerDown(RecordingDispatcher):
    def run_actions(self, items: Any, labels: Any = None) -> None:
        raise DispatchFailed("ConnectionError: Error 111 connecting to 127.0.0.1:6379")


def test_a_start_survives_the_broker_and_the_integrity_check_sends_later(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """... and says so at INFO (expected operation, not a warning), in words."""
    import logging

    svc = Services(
        settings=Settings(database_url=sqlite_url, dispatch_grace_s=0),
        db=Database(sqlite_url),
        dispatcher=BrokerDown(),
    )
    definitions.create_workflows(svc, WF, project_id=P)
    ex_id = executions.start_execution(svc, "wf", project_id=P)
    assert queries.get(svc, "execution", ex_id, project_id=P)["state"] == "RUNNING"
    back = RecordingDispatcher()
    with caplog.at_level(logging.INFO, logger="wfq.recovery"):
        assert recovery.recover(dataclasses.replace(svc, dispatcher=back)).actions == 1
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "wfq.recovery"] == [
        ("INFO", "integrity check recovered work: 1 unclaimed action(s) sent again")
    ]
    [(action_id, _queue)] = back.sent
    assert queries.get(svc, "action_execution", action_id, project_id=P)["state"] == "RUNNING"


def test_the_celery_dispatcher_reports_an_unreachable_broker_as_dispatch_failed() -> None:
    from wfq.dispatch.celery import CeleryDispatcher
    from workers.app import make_celery

    # Nothing listens on port 1.
    settings = Settings(broker_url="redis://127.0.0.1:1/0", result_backend="")
    app = make_celery(settings)
    app.conf.task_publish_retry = False
    dispatcher = CeleryDispatcher(app, "q", "q.engine")
    with pytest.raises(DispatchFailed, match="Connection"):
        dispatcher.run_actions([("a1", None)])
    with pytest.raises(DispatchFailed):
        dispatcher.send("wfq.recover", [])


def test_an_unclaimed_action_is_sent_again_with_a_doubling_delay(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message still waiting behind a long queue is not copied again at every pass of the
    integrity check: after 30 s, then 60 s more, then 120 s more; never once claimed."""
    import datetime as dt

    from wfq.services import actions

    sent = RecordingDispatcher()
    svc = Services(
        settings=Settings(database_url=sqlite_url, dispatch_grace_s=30),
        db=Database(sqlite_url),
        dispatcher=sent,
    )
    definitions.create_workflows(svc, WF, project_id=P)
    start = Services.now()
    executions.start_execution(svc, "wf", project_id=P)
    [(action_id, _queue)] = sent.sent

    def passes_at(*seconds: float) -> list[int]:
        out = []
        for s in seconds:
            monkeypatch.setattr(
                Services, "now", staticmethod(lambda s=s: start + dt.timedelta(seconds=s))
            )
            out.append(recovery.recover(svc).actions)
        return out

    # Checks every 10 s: sent again at 30 s (the grace), 90 s (+60) and 210 s (+120), not between.
    assert passes_at(10, 20, 31, 41, 51, 61, 71, 81, 92, 102, 200, 213) == [
        0,
        0,
        1,
        0,
        0,
        0,
        0,
        0,
        1,
        0,
        0,
        1,
    ]
    # Claimed at last: never sent again, however late.
    assert actions.claim(svc, action_id, "host:1") is not None
    assert passes_at(2000) == [0]
