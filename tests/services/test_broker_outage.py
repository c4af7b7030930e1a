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


def test_a_start_survives_the_broker_and_the_integrity_check_sends_later(sqlite_url: str) -> None:
    svc = Services(settings=Settings(database_url=sqlite_url, dispatch_grace_s=0),
                   db=Database(sqlite_url), dispatcher=BrokerDown())
    definitions.create_workflows(svc, WF, project_id=P)
    ex_id = executions.start_execution(svc, "wf", project_id=P)
    assert queries.get(svc, "execution", ex_id, project_id=P)["state"] == "RUNNING"
    back = RecordingDispatcher()
    assert recovery.recover(dataclasses.replace(svc, dispatcher=back)).actions == 1
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
