"""Shared helpers of the API tests (a uniquely named module, importable from every test)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

GREET = """\
---
version: '2.0'

greet:
  input:
    - name
    - greeting: hi
  output:
    message: <% $.message %>
  tasks:
    say:
      action: std.echo output="<% $.greeting %> <% $.name %>"
      publish:
        message: <% task().result %>
"""

TRIO = """\
---
version: '2.0'

wf_a:
  tasks:
    t:
      action: std.noop
wf_b:
  tasks:
    t:
      action: std.noop
wf_c:
  tasks:
    t:
      action: std.noop
"""


class RecordingDispatcher:
    """Records what would be sent to workers; runs nothing."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def run_actions(self, items: Sequence[tuple[str, str | None]], labels: object = None) -> None:
        self.sent.extend(items)

    def run_items(
        self, task_execution_id: str, action_ids: Sequence[str], queue: str | None, label: str = ""
    ) -> None:
        self.sent.extend((a, queue) for a in action_ids)

    def send(
        self, task_name: str, args: list[Any], queue: str | None = None, eta: Any = None
    ) -> None:
        self.sent.append((task_name, args))


def post_yaml(client: Any, text: str, url: str = "/v2/workflows", **kw: Any) -> Any:
    """POST a YAML definition as Mistral's client does (text/plain)."""
    return client.post(url, data=text, content_type="text/plain", **kw)


def start(client: Any, name: str, wf_input: dict[str, Any] | None = None, **extra: Any) -> Any:
    """POST /v2/executions with the input as a JSON-encoded string (as python-mistralclient)."""
    body: dict[str, Any] = {"workflow_name": name, "input": json.dumps(wf_input or {}), **extra}
    return client.post("/v2/executions", json=body)


TIMESTAMP = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"
"""Mistral's timestamp text."""

WSME_KEYS = {"faultcode", "faultstring", "debuginfo"}


def fault(r: Any, status: int) -> str:
    """Assert a WSME-shaped error answer with `status`; return its faultstring."""
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    body = r.get_json()
    assert set(body) == WSME_KEYS, body
    assert body["faultcode"] == ("Server" if status >= 500 else "Client")
    assert body["debuginfo"] is None
    return str(body["faultstring"])


def raw_fault(r: Any, status: int) -> str:
    """Assert a raw-text-controller error answer (`{"faultstring": ...}` only)."""
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    assert r.headers["Content-Type"] == "application/json;charset=utf-8"
    body = r.get_json()
    assert set(body) == {"faultstring"}, body
    return str(body["faultstring"])
