"""One workflow on a real Celery worker uses the network actions end to end: it fetches a
report over HTTP, mails it, and stores it on a machine over SSH; each peer is a real server on
127.0.0.1 and checks what it received."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "actions"))
from action_peers import HttpPeer, SmtpPeer, SshPeer  # noqa: E402
from wfq_testing import WorkerProcess  # noqa: E402

pytestmark = pytest.mark.integration

WORKFLOW = """
version: '2.0'
actions_end_to_end:
  input: [report_url, smtp_server, mail_to, ssh_port, ssh_password]
  output:
    report: <% $.report %>
    remote: <% $.remote %>
  tasks:
    fetch_report:
      action: std.http
      input:
        url: <% $.report_url %>
        headers: {X-Requested-By: wfq}
      target: QUEUE
      publish:
        report: <% task().result.content %>
      on-success: [mail_report]
    mail_report:
      action: std.email
      input:
        from_addr: wfq@example.org
        to_addrs: <% $.mail_to %>
        smtp_server: <% $.smtp_server %>
        subject: Report <% $.report.query.name %>
        body: <% json_dump($.report) %>
        html_body: <p>Report <b><% $.report.query.name %></b></p>
      target: QUEUE
      on-success: [store_remotely]
    store_remotely:
      action: std.ssh
      input:
        host: 127.0.0.1
        port: <% $.ssh_port %>
        username: alice
        password: <% $.ssh_password %>
        cmd: echo '<% $.report.query.name %>' > report.txt && cat report.txt
      target: QUEUE
      publish:
        remote: <% task().result %>
"""


@pytest.fixture(scope="module")
def actions_queue(
    integration_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A worker of its own, on its own queue, whose std.http may reach 127.0.0.1."""
    queue = f"wfq-test-actions-{uuid.uuid4().hex[:8]}"
    env = {
        **integration_env,
        "WFQ_QUEUE": queue,
        "WFQ_ENGINE_QUEUE": f"{queue}.engine",
        "WFQ_HTTP_ALLOWED_HOSTS": "127.0.0.1",
    }
    worker = WorkerProcess(env, tmp_path_factory.mktemp("actions-worker") / "worker.log").start()
    yield queue
    worker.stop()
    import redis

    client = redis.Redis.from_url(integration_env["WFQ_BROKER_URL"])
    client.delete(queue, f"{queue}.engine")
    client.close()


@pytest.fixture
def peers(tmp_path: Path) -> Iterator[tuple[HttpPeer, SmtpPeer, SshPeer]]:
    http, smtp = HttpPeer(), SmtpPeer()
    ssh = SshPeer(tmp_path, passwords={"alice": "wonderland"})
    yield http, smtp, ssh
    http.close()
    smtp.close()
    ssh.close()


def test_http_then_email_then_ssh(api: Any, actions_queue: str, peers: Any) -> None:
    http, smtp, ssh = peers
    ex = api.run(
        WORKFLOW.replace("QUEUE", actions_queue),
        {
            "report_url": http.url("/json?name=nightly"),
            "smtp_server": smtp.server,
            "mail_to": ["ops@example.org"],
            "ssh_port": ssh.port,
            "ssh_password": "wonderland",
        },
    )
    assert ex["state"] == "SUCCESS", ex.get("state_info")
    report = {"hello": "world", "query": {"name": "nightly"}}
    assert json.loads(ex["output"]) == {"report": report, "remote": "nightly\n"}

    [request] = http.seen
    assert (request.method, request.path) == ("GET", "/json?name=nightly")
    assert request.headers["X-Requested-By"] == "wfq"

    [envelope] = smtp.envelopes
    assert envelope.mail_from == "wfq@example.org" and envelope.rcpt_tos == ["ops@example.org"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == "Report nightly"
    assert json.loads(mail.get_body(("plain",)).get_content()) == report
    assert mail.get_body(("html",)).get_content().strip() == "<p>Report <b>nightly</b></p>"

    assert ssh.commands == [("alice", "echo 'nightly' > report.txt && cat report.txt")]
    assert (ssh.workdir / "report.txt").read_text() == "nightly\n"


def test_http_error_fails_the_task_with_status(api: Any, actions_queue: str, peers: Any) -> None:
    http, _, _ = peers
    wf = f"""
version: '2.0'
actions_http_error:
  tasks:
    fetch:
      action: std.http url="{http.url("/status/503")}"
      target: {actions_queue}
      on-error:
        - note_status: <% task().result.status = 503 %>
    note_status:
      action: std.echo output=<% task(fetch).result.content.error %>
      target: {actions_queue}
      publish:
        seen: <% task().result %>
"""
    ex = api.run(wf)
    assert ex["state"] == "SUCCESS", ex.get("state_info")
    assert json.loads(ex["output"]) == {"seen": "status 503 as asked"}
