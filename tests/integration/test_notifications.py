"""Mistral's `notify` parameter: a webhook receiver on loopback sees every event, in order."""

from __future__ import annotations

import http.server
import json
import threading
import time
from typing import Any

import pytest
from test_core_workflows import wf

pytestmark = pytest.mark.integration


class Receiver(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.seen.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Any:
    Receiver.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Receiver.seen
    server.shutdown()
    server.server_close()


def test_webhook_sees_workflow_and_task_events_in_order(api: Any, receiver: Any) -> None:
    url, seen = receiver
    ex = api.run(
        wf(
            "notify",
            """
  tasks:
    first:
      action: std.noop
      on-success: [second]
    second:
      action: std.fail
""",
        ),
        notify=[{"type": "webhook", "url": url}],
    )
    assert ex["state"] == "ERROR"
    deadline = time.monotonic() + 10
    while len(seen) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    got = [(e["event"], e.get("task_name")) for e in seen]
    assert got == [
        ("WORKFLOW_LAUNCHED", None),
        ("TASK_LAUNCHED", "first"),
        ("TASK_SUCCEEDED", "first"),
        ("TASK_LAUNCHED", "second"),
        ("TASK_FAILED", "second"),
        ("WORKFLOW_FAILED", None),
    ]
    assert {e["execution_id"] for e in seen} == {ex["id"]}


def test_event_types_filter_what_is_sent(api: Any, receiver: Any) -> None:
    url, seen = receiver
    ex = api.run(
        wf(
            "notify2",
            """
  tasks:
    only:
      action: std.noop
""",
        ),
        notify=[{"type": "webhook", "url": url, "event_types": ["WORKFLOW_SUCCEEDED"]}],
    )
    assert ex["state"] == "SUCCESS"
    deadline = time.monotonic() + 10
    while not seen and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert [e["event"] for e in seen] == ["WORKFLOW_SUCCEEDED"]
