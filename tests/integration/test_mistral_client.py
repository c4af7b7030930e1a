"""The real `mistral` client (python-mistralclient) against a real `wfq server` process, with
actions on a real Celery worker, state in PostgreSQL and messages through Redis.

The client is installed once into `<repo>/.cache/mistral-client-venv` (pip, under a file lock so
parallel runs do not collide); each test drives one command family and checks what the client
prints with `-f json`. The last test runs the shared `mistral_client_check.py` script.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mistral_cli import CHECK_SCRIPT, Cli, Library, get_json, install_client, wfq_server

pytestmark = pytest.mark.integration

SFX = uuid.uuid4().hex[:6]


@pytest.fixture(scope="session")
def mistral_bin() -> Path:
    """The `mistral` executable of python-mistralclient (installed on first use)."""
    return install_client()


@pytest.fixture(scope="module")
def server_url(
    integration_env: dict[str, str], celery_worker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A `wfq server` subprocess on PostgreSQL + Redis, its actions run by `celery_worker`."""
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with wfq_server(integration_env, log_path) as url:
        yield url


@pytest.fixture(scope="module")
def cli(mistral_bin: Path, server_url: str) -> Cli:
    """The `mistral` command against the server."""
    return Cli(mistral_bin, server_url)


@pytest.fixture(scope="module", autouse=True)
def check_script(mistral_bin: Path, server_url: str) -> Iterator[subprocess.Popen[str]]:
    """/work/shared/tools/mistral_client_check.py, running against the same server while the
    other tests do (it names everything it creates with its own suffix)."""
    proc = subprocess.Popen(
        [sys.executable, str(CHECK_SCRIPT), server_url, str(mistral_bin)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


@pytest.fixture(scope="module")
def wait(server_url: str) -> Callable[..., dict[str, Any]]:
    """Poll an execution (over HTTP, cheaper than the client) until it is in one of `states`."""

    def until(ex_id: str, states: tuple[str, ...] = ("SUCCESS", "ERROR", "CANCELLED")) -> Any:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ex = get_json(f"{server_url}/executions/{ex_id}")
            if ex["state"] in states:
                return ex
            time.sleep(0.1)
        raise AssertionError(f"execution {ex_id} not in {states}: {ex}")

    return until


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


HELLO = """\
version: '2.0'
{name}:
  input:
    - who
    - greeting: hello
  output:
    said: <% $.said %>
  tasks:
    say:
      action: std.echo output="<% $.greeting %> <% $.who %>"
      publish:
        said: <% task().result %>
"""
WAITING = """\
version: '2.0'
{name}:
  tasks:
    hold:
      action: std.async_noop
"""


def test_workflow_commands(cli: Cli, tmp_path: Path) -> None:
    name = f"it_wf_{SFX}"
    path = _write(tmp_path, "wf.yaml", HELLO.format(name=name))
    bad = _write(
        tmp_path, "bad.yaml", "version: '2.0'\nb:\n  tasks:\n    t:\n      on-success: [x]\n"
    )
    assert cli("workflow-validate", path) == {"Valid": True, "Error": None}
    verdict = cli("workflow-validate", bad)
    assert verdict["Valid"] is False and verdict["Error"]
    (created,) = cli("workflow-create", path)
    assert created["Name"] == name and created["Input"] == 'who, greeting="hello"'
    assert "Duplicate entry" in cli("workflow-create", path, ok=False)
    listed = {w["Name"]: w for w in cli("workflow-list")}
    assert listed[name]["ID"] == created["ID"]
    got = cli("workflow-get", name)
    assert got["ID"] == created["ID"] and got["Scope"] == "private"
    assert "std.echo" in cli("workflow-get-definition", name, fmt="text")
    _write(tmp_path, "wf.yaml", HELLO.format(name=name).replace("hello", "hi"))
    (updated,) = cli("workflow-update", path)
    assert updated["Input"] == 'who, greeting="hi"' and updated["Updated at"]
    cli("workflow-delete", name, fmt="text")
    assert "not found" in cli("workflow-get", name, ok=False)


def test_execution_task_and_action_execution_commands(
    cli: Cli, wait: Callable[..., Any], tmp_path: Path
) -> None:
    name = f"it_ex_{SFX}"
    cli("workflow-create", _write(tmp_path, "wf.yaml", HELLO.format(name=name)))
    ex = cli("execution-create", name, json.dumps({"who": "world"}), "-d", "first")
    assert ex["Workflow name"] == name and ex["State"] == "RUNNING"
    assert ex["Description"] == "first"
    wait(ex["ID"])
    got = cli("execution-get", ex["ID"])
    assert got["State"] == "SUCCESS"
    assert ex["ID"] in {e["ID"] for e in cli("execution-list")}
    assert json.loads(cli("execution-get-input", ex["ID"], fmt="text")) == {
        "who": "world",
        "greeting": "hello",
    }
    assert json.loads(cli("execution-get-output", ex["ID"], fmt="text")) == {"said": "hello world"}
    (task,) = cli("task-list", ex["ID"])
    assert task["Name"] == "say" and task["State"] == "SUCCESS"
    assert cli("task-get", task["ID"])["Workflow Execution ID"] == ex["ID"]
    assert json.loads(cli("task-get-result", task["ID"], fmt="text")) == "hello world"
    assert json.loads(cli("task-get-published", task["ID"], fmt="text")) == {"said": "hello world"}
    (action,) = cli("action-execution-list", task["ID"])
    assert action["Name"] == "std.echo" and action["State"] == "SUCCESS"
    assert action["Task ID"] == task["ID"] and action["Accepted"] is True
    assert cli("action-execution-get", action["ID"])["Workflow name"] == name
    assert json.loads(cli("action-execution-get-input", action["ID"], fmt="text")) == {
        "output": "hello world"
    }
    assert json.loads(cli("action-execution-get-output", action["ID"], fmt="text")) == {
        "result": "hello world"
    }
    assert cli("execution-update", ex["ID"], "-d", "described")["Description"] == "described"
    cli("execution-delete", ex["ID"], fmt="text")
    assert "not found" in cli("execution-get", ex["ID"], ok=False)


def test_pause_resume_cancel_and_an_async_action(
    cli: Cli, wait: Callable[..., Any], tmp_path: Path
) -> None:
    name = f"it_wait_{SFX}"
    cli("workflow-create", _write(tmp_path, "wait.yaml", WAITING.format(name=name)))
    ex = cli("execution-create", name)
    (task,) = cli("task-list", ex["ID"])
    assert cli("execution-update", ex["ID"], "-s", "PAUSED")["State"] == "PAUSED"
    assert cli("execution-update", ex["ID"], "-s", "RUNNING")["State"] == "RUNNING"
    (action,) = cli("action-execution-list", task["ID"])
    assert action["State"] == "RUNNING"
    done = cli("action-execution-update", action["ID"], "--state", "SUCCESS", "--output", '"done"')
    assert done["State"] == "SUCCESS"
    assert wait(ex["ID"])["state"] == "SUCCESS"
    assert json.loads(cli("task-get-result", task["ID"], fmt="text")) == "done"
    other = cli("execution-create", name)
    cancelled = cli("execution-update", other["ID"], "-s", "CANCELLED")
    assert cancelled["State"] == "CANCELLED"


REVERTIBLE = """\
version: '2.0'
{name}:
  tasks:
    made:
      action: std.echo output="made"
      revert: std.echo output="unmade"
      on-success: [hold]
    hold:
      action: std.async_noop
"""


def test_reverting_is_refused_by_the_cli_but_the_library_sends_it(
    cli: Cli, mistral_bin: Path, server_url: str, wait: Callable[..., Any], tmp_path: Path
) -> None:
    """Compensation (docs/compensation.md): `execution-update -s` only offers Mistral's states,
    so `mistral` itself refuses REVERTING; the client library sends whatever state it is given."""
    name = f"it_revert_{SFX}"
    cli("workflow-create", _write(tmp_path, "revert.yaml", REVERTIBLE.format(name=name)))
    ex = cli("execution-create", name)
    deadline = time.monotonic() + 20
    while (
        "hold" not in {t["Name"] for t in cli("task-list", ex["ID"])}
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    refused = cli("execution-update", ex["ID"], "-s", "REVERTING", fmt="text", ok=False)
    assert "invalid choice: 'REVERTING'" in refused
    lib = Library(mistral_bin, server_url)
    state = lib("OUT = client(None).executions.update(ARGS['id'], 'REVERTING').state", id=ex["ID"])
    assert state == "REVERTING"
    # hold's action is still in flight: the revert waits for it.
    (hold,) = [t for t in cli("task-list", ex["ID"]) if t["Name"] == "hold"]
    (action,) = cli("action-execution-list", hold["ID"])
    cli("action-execution-update", action["ID"], "--state", "SUCCESS", "--output", '"held"')
    done = wait(ex["ID"], ("REVERTED", "ERROR"))
    assert done["state"] == "REVERTED", done
    assert [t["Name"] for t in cli("task-list", ex["ID"])] == ["made", "hold", "made:revert"]
    assert cli("execution-get", ex["ID"])["State"] == "REVERTED"


def test_task_rerun(cli: Cli, wait: Callable[..., Any], tmp_path: Path) -> None:
    name = f"it_rerun_{SFX}"
    cli("workflow-create", _write(tmp_path, "wait.yaml", WAITING.format(name=name)))
    ex = cli("execution-create", name)
    (task,) = cli("task-list", ex["ID"])
    (first,) = cli("action-execution-list", task["ID"])
    cli("action-execution-update", first["ID"], "--state", "ERROR", "--output", '"boom"')
    assert wait(ex["ID"])["state"] == "ERROR"
    assert cli("task-get", task["ID"])["State"] == "ERROR"
    assert cli("task-rerun", task["ID"])["State"] == "RUNNING"
    assert cli("execution-get", ex["ID"])["State"] == "RUNNING"
    actions = cli("action-execution-list", task["ID"])
    (second,) = [a for a in actions if a["ID"] != first["ID"]]
    cli("action-execution-update", second["ID"], "--state", "SUCCESS", "--output", '"fixed"')
    assert wait(ex["ID"])["state"] == "SUCCESS"


ADHOC = """\
version: '2.0'
{name}:
  description: joins a and b
  base: std.echo
  base-input:
    output: "<% $.a %>-<% $.b %>"
  input: [a, b]
"""


def test_action_commands_and_run_action(cli: Cli, server_url: str, tmp_path: Path) -> None:
    name = f"it_act_{SFX}"
    path = _write(tmp_path, "act.yaml", ADHOC.format(name=name))
    assert cli("action-validate", path)["Valid"] is True
    (created,) = cli("action-create", path)
    assert created["Name"] == name and created["Is system"] is False
    assert created["Input"] == "a, b"
    listed = {a["Name"]: a for a in cli("action-list")}
    assert listed["std.echo"]["Is system"] is True and name in listed
    echo = cli("action-get", "std.echo")
    assert echo["Input"] == "output, delay=0"
    assert cli("action-get", name)["Description"] == "joins a and b"
    assert "std.echo" in cli("action-get-definition", name, fmt="text")
    _write(tmp_path, "act.yaml", ADHOC.format(name=name).replace("joins", "glues"))
    (updated,) = cli("action-update", path)
    assert updated["Description"] == "glues a and b"
    # run-action: synchronous by default (the output is printed), stored RUNNING with -s.
    out = cli("run-action", name, json.dumps({"a": 1, "b": 2}), fmt="text")
    assert json.loads(out) == {"result": "1-2"}
    out = cli("run-action", "std.echo", json.dumps({"output": "now"}), "--run-sync", fmt="text")
    assert json.loads(out) == {"result": "now"}
    later = cli("run-action", "std.echo", json.dumps({"output": "later"}), "-s")
    assert later["Name"] == "std.echo" and later["State"] == "RUNNING"
    deadline = time.monotonic() + 30
    while get_json(f"{server_url}/action_executions/{later['ID']}")["state"] == "RUNNING":
        assert time.monotonic() < deadline, "the worker did not run the action"
        time.sleep(0.1)
    assert json.loads(cli("action-execution-get-output", later["ID"], fmt="text")) == {
        "result": "later"
    }
    held = cli("run-action", "std.async_noop", "-s")
    assert held["State"] == "RUNNING"
    assert later["ID"] in {a["ID"] for a in cli("action-execution-list")}
    done = cli("action-execution-update", held["ID"], "--state", "SUCCESS", "--output", "42")
    assert done["State"] == "SUCCESS"
    assert "system action" in cli("action-delete", "std.echo", fmt="text", ok=False)
    cli("action-delete", name, fmt="text")
    assert "not found" in cli("action-get", name, ok=False)


WORKBOOK = """\
version: '2.0'
name: {name}
actions:
  greet:
    base: std.echo
    base-input:
      output: "hey <% $.who %>"
    input: [who]
workflows:
  main:
    tasks:
      t:
        action: greet
        input:
          who: wb
        publish:
          said: <% task().result %>
"""


def test_workbook_commands(cli: Cli, wait: Callable[..., Any], tmp_path: Path) -> None:
    name = f"it_wb_{SFX}"
    path = _write(tmp_path, "wb.yaml", WORKBOOK.format(name=name))
    assert cli("workbook-validate", path) == {"Valid": True, "Error": None}
    created = cli("workbook-create", path)
    assert created["Name"] == name and created["Scope"] == "private"
    assert name in {w["Name"] for w in cli("workbook-list")}
    assert cli("workbook-get", name)["Name"] == name
    assert f"name: {name}" in cli("workbook-get-definition", name, fmt="text")
    _write(tmp_path, "wb.yaml", WORKBOOK.format(name=name).replace("hey", "hi"))
    assert cli("workbook-update", path)["Updated at"]
    ex = cli("execution-create", f"{name}.main")
    assert json.loads(wait(ex["ID"])["output"]) == {"said": "hi wb"}
    cli("workbook-delete", name, fmt="text")
    assert "not found" in cli("workbook-get", name, ok=False)
    assert "not found" in cli("workflow-get", f"{name}.main", ok=False)


def test_environment_commands(cli: Cli, wait: Callable[..., Any], tmp_path: Path) -> None:
    name = f"it_env_{SFX}"
    body = {"name": name, "description": "d", "variables": {"who": "env"}}
    path = _write(tmp_path, "env.json", json.dumps(body))
    created = cli("environment-create", path)
    assert created["Name"] == name and created["Description"] == "d"
    assert json.loads(created["Variables"]) == {"who": "env"}
    assert name in {e["Name"] for e in cli("environment-list")}
    body["variables"] = {"who": "updated"}
    _write(tmp_path, "env.json", json.dumps(body))
    updated = cli("environment-update", path)
    assert json.loads(updated["Variables"]) == {"who": "updated"}
    assert json.loads(cli("environment-get", name)["Variables"]) == {"who": "updated"}
    wf = f"it_envwf_{SFX}"
    text = (
        f"version: '2.0'\n{wf}:\n  tasks:\n    t:\n      action: std.echo output=<% env().who %>\n"
    )
    cli("workflow-create", _write(tmp_path, "wf.yaml", text))
    ex = cli("execution-create", wf, "{}", json.dumps({"env": name}))
    assert wait(ex["ID"])["state"] == "SUCCESS"
    (task,) = cli("task-list", ex["ID"])
    assert json.loads(cli("task-get-result", task["ID"], fmt="text")) == "updated"
    cli("environment-delete", name, fmt="text")
    assert "not found" in cli("environment-get", name, ok=False)


def test_cron_trigger_commands(cli: Cli, tmp_path: Path) -> None:
    wf = f"it_cronwf_{SFX}"
    cli("workflow-create", _write(tmp_path, "wf.yaml", HELLO.format(name=wf)))
    name = f"it_ct_{SFX}"
    wf_input = json.dumps({"who": "cron"})
    ct = cli("cron-trigger-create", name, wf, wf_input, "--pattern", "0 3 * * *", "--count", "3")
    assert ct["Name"] == name and ct["Workflow"] == wf and ct["Pattern"] == "0 3 * * *"
    assert ct["Remaining executions"] == 3
    assert ct["Next execution time"].endswith("03:00:00")
    once = f"it_once_{SFX}"
    first = time.strftime("%Y-%m-%d %H:%M", time.gmtime(time.time() + 7200))
    made = cli("cron-trigger-create", once, wf, wf_input, "--first-time", first, "--utc")
    assert made["Next execution time"] == first + ":00"
    assert {name, once} <= {t["Name"] for t in cli("cron-trigger-list")}
    assert cli("cron-trigger-get", name)["Params"] == "{}"
    bad = cli("cron-trigger-create", f"x_{SFX}", wf, wf_input, "--pattern", "bogus", ok=False)
    assert "The specified pattern is not valid" in bad
    missing = cli("cron-trigger-create", f"y_{SFX}", wf, "--pattern", "* * * * *", ok=False)
    assert "missing=['who']" in missing
    for trigger in (name, once):
        cli("cron-trigger-delete", trigger, fmt="text")
    assert "not found" in cli("cron-trigger-get", name, ok=False)


REPORTED = """\
version: '2.0'
{name}:
  tasks:
    first:
      action: std.noop
      on-success: [call]
    call:
      workflow: {name}_child
{name}_child:
  tasks:
    fine:
      action: std.noop
    broken:
      action: std.fail
"""


def test_execution_report_command(cli: Cli, wait: Callable[..., Any], tmp_path: Path) -> None:
    name = f"it_report_{SFX}"
    cli("workflow-create", _write(tmp_path, "wf.yaml", REPORTED.format(name=name)))
    ex = cli("execution-create", name)
    assert wait(ex["ID"])["state"] == "ERROR"
    full = cli("execution-get-report", ex["ID"], "--no-errors-only", fmt="text")
    assert f"workflow '{name}' [ERROR] {ex['ID']}" in full
    for line in (
        "task 'first' [SUCCESS]",
        "action 'std.noop' [SUCCESS]",
        f"workflow '{name}_child' [ERROR]",
        "task 'fine' [SUCCESS]",
        "task 'broken' [ERROR]",
        "action 'std.fail' [ERROR]",
        "Number of tasks in SUCCESS state: 2",
        "Number of tasks in ERROR state: 2",
    ):
        assert line in full, (line, full)
    errors = cli("execution-get-report", ex["ID"], fmt="text")  # the client's default: errors only
    assert (
        "task 'broken' [ERROR]" in errors
        and "task 'first'" not in errors
        and "task 'fine'" not in errors
    )
    shallow = cli(
        "execution-get-report", ex["ID"], "--no-errors-only", "--max-depth", "0", fmt="text"
    )
    assert f"workflow '{name}_child' [ERROR]" in shallow and "task 'fine'" not in shallow


DYNAMIC_SOURCE = """\
from mistral_lib import actions


class Hello(actions.Action):
    def __init__(self, who):
        self.who = who

    def run(self, context):
        return "{greeting} " + self.who
"""
USES_DYNAMIC = """\
version: '2.0'
{name}:
  output:
    said: <% $.said %>
  tasks:
    hello:
      action: {action} who="client"
      publish: {{said: <% task().result %>}}
"""


def test_code_source_and_dynamic_action_commands(
    cli: Cli, wait: Callable[..., Any], tmp_path: Path
) -> None:
    source, action, wf = f"it_src_{SFX}", f"it_dyn_{SFX}", f"it_dynwf_{SFX}"
    path = _write(tmp_path, "mod.py", DYNAMIC_SOURCE.format(greeting="hello"))
    made = cli("code-source-create", source, path)
    assert made["Name"] == source and made["Scope"] == "private"
    assert source in {c["Name"] for c in cli("code-source-list")}
    assert cli("code-source-get", source)["ID"] == made["ID"]
    assert "class Hello" in cli("code-source-get-content", source, fmt="text")
    bad = _write(tmp_path, "bad.py", "def broken(:\n    pass\n")
    assert "line 1" in cli("code-source-create", f"bad_{SFX}", bad, ok=False)

    dyn = cli("dynamic-action-create", action, "Hello", source)
    assert dyn["Class"] == "Hello" and dyn["Code source name"] == source
    assert action in {a["Name"] for a in cli("dynamic-action-list")}
    assert cli("dynamic-action-get", action)["Code source ID"] == made["ID"]
    cli("workflow-create", _write(tmp_path, "wf.yaml", USES_DYNAMIC.format(name=wf, action=action)))
    ex = cli("execution-create", wf)
    assert json.loads(wait(ex["ID"])["output"]) == {"said": "hello client"}

    # A new version of the source is used by the next run, without restarting anything.
    _write(tmp_path, "mod.py", DYNAMIC_SOURCE.format(greeting="howdy"))
    assert cli("code-source-update", source, path)["Updated at"]
    ex = cli("execution-create", wf)
    assert json.loads(wait(ex["ID"])["output"]) == {"said": "howdy client"}
    assert cli("dynamic-action-update", action, "--class-name", "Hello")["Class"] == "Hello"
    cli("dynamic-action-delete", action, fmt="text")
    assert "not found" in cli("dynamic-action-get", action, ok=False)
    cli("code-source-delete", source, fmt="text")
    assert "not found" in cli("code-source-get", source, ok=False)


def test_event_trigger_commands(
    cli: Cli, server_url: str, wait: Callable[..., Any], tmp_path: Path
) -> None:
    wf = f"it_evwf_{SFX}"
    (created,) = cli("workflow-create", _write(tmp_path, "wf.yaml", HELLO.format(name=wf)))
    name, exchange = f"it_et_{SFX}", f"nova_{SFX}"
    trig = cli(
        "event-trigger-create",
        name,
        created["ID"],
        exchange,
        "notifications",
        "compute.instance.create.end",
        json.dumps({"who": "event"}),
        "--params",
        json.dumps({"env": {}}),
    )
    assert (
        trig["Name"] == name
        and trig["Exchange"] == exchange
        and trig["Workflow ID"] == created["ID"]
    )
    assert trig["Event"] == "compute.instance.create.end" and json.loads(trig["Params"]) == {
        "env": {}
    }
    assert trig["ID"] in {t["ID"] for t in cli("event-trigger-list")}
    assert cli("event-trigger-get", trig["ID"])["Topic"] == "notifications"
    event = {
        "exchange": exchange,
        "topic": "notifications",
        "event_type": "compute.instance.create.end",
        "message_id": f"m-{SFX}",
        "publisher_id": "compute.host1",
    }
    (ex_id,) = _post(f"{server_url}/events", event)["executions"]
    assert json.loads(wait(ex_id)["output"]) == {"said": "hello event"}
    assert _post(f"{server_url}/events", event)["executions"] == [ex_id]  # delivered twice: once
    cli("event-trigger-delete", trig["ID"], fmt="text")
    assert "not found" in cli("event-trigger-get", trig["ID"], ok=False)


def _post(url: str, body: dict[str, Any]) -> Any:
    import urllib.request

    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_services_are_listed(mistral_bin: Path, server_url: str) -> None:
    """python-mistralclient 6.3.0 dropped `service-list`; its HTTP client still reads the
    resource older clients list."""
    lib = Library(mistral_bin, server_url)
    services = lib("OUT = client(None).workflows.http_client.get('/services').json()")["services"]
    types = {s["type"] for s in services}
    assert {"api_group", "engine_group", "executor_group"} <= types, services
    assert all("_" in s["name"] for s in services)  # <host>_<pid>


@pytest.fixture(scope="module")
def auth_url(
    integration_env: dict[str, str], celery_worker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A second `wfq server`, with two projects (tokens), on the same database and worker."""
    env = {**integration_env, "WFQ_AUTH_TOKENS": "tok-a=proj-a,tok-b=proj-b"}
    with wfq_server(env, tmp_path_factory.mktemp("auth") / "server.log") as url:
        yield url


SHARE = """
wf = client("tok-a").workflows.create(ARGS["definition"])[0]
a, b = client("tok-a"), client("tok-b")
out = {"created": plain(a.members.create(wf.id, "workflow", "proj-b"))}
out["b_before"] = [w.name for w in b.workflows.list()]
out["b_own_view"] = plain(b.members.get(wf.id, "workflow", "proj-b"))
out["accepted"] = plain(b.members.update(wf.id, "workflow", member_id="proj-b", status="accepted"))
out["b_after"] = [w.name for w in b.workflows.list()]
out["b_get"] = b.workflows.get(wf.id).name
ex = b.executions.create(wf.id, workflow_input={"who": "member"})
out["execution"] = {"id": ex.id, "project_id": ex.project_id}
try:
    b.workflows.update(ARGS["definition"])
    out["b_update"] = "allowed"
except Exception as exc:
    out["b_update"] = str(exc)
try:
    a.executions.get(ex.id)
    out["a_sees_b_execution"] = True
except Exception:
    out["a_sees_b_execution"] = False
out["listed"] = [plain(m) for m in a.members.list(wf.id, "workflow")]
a.members.delete(wf.id, "workflow", "proj-b")
out["b_after_delete"] = [w.name for w in b.workflows.list()]
out["wf_id"] = wf.id
OUT = out
"""


def test_member_commands_with_two_projects(
    mistral_bin: Path, auth_url: str, tmp_path: Path
) -> None:
    name = f"it_shared_{SFX}"
    lib = Library(mistral_bin, auth_url)
    out = lib(SHARE, definition=HELLO.format(name=name))
    assert out["created"]["status"] == "pending" and out["created"]["member_id"] == "proj-b"
    assert out["created"]["project_id"] == "proj-a"
    assert name not in out["b_before"]
    assert out["b_own_view"]["status"] == "pending"
    assert out["accepted"]["status"] == "accepted"
    assert name in out["b_after"] and out["b_get"] == name
    assert out["execution"]["project_id"] == "proj-b"
    assert "not found" in out["b_update"].lower()
    assert out["a_sees_b_execution"] is False
    assert [(m["member_id"], m["status"]) for m in out["listed"]] == [("proj-b", "accepted")]
    assert name not in out["b_after_delete"]
    done = lib(
        "import time\nb = client('tok-b')\nfor _ in range(300):\n"
        "    ex = b.executions.get(ARGS['ex'])\n    if ex.state != 'RUNNING': break\n    time.sleep(0.2)\n"
        "OUT = [ex.state, ex.output]",
        ex=out["execution"]["id"],
    )
    assert done[0] == "SUCCESS" and json.loads(done[1]) == {"said": "hello member"}


def test_mistral_client_check_script(check_script: subprocess.Popen[str]) -> None:
    """The shared script that also passes against real Mistral (started with the module)."""
    out, err = check_script.communicate(timeout=300)
    lines = out.splitlines()
    failures = [line for line in lines if line.startswith("FAIL")]
    assert check_script.returncode == 0, (lines[-1:], failures, err[-2000:])
    print(f"mistral_client_check.py: {lines[-1]}")  # shown with -s / -rP
    assert lines[-1].endswith(" passed, 0 failed")


def test_execution_create_on_an_older_version(
    cli: Cli, wait: Callable[..., Any], tmp_path: Path
) -> None:
    """wfq's versions through the client: `params` carries `workflow_version`; execution-get
    prints its fixed columns only (no version), the output shows which text ran."""
    name = f"it_ver_{SFX}"
    path = _write(tmp_path, "wf.yaml", HELLO.format(name=name))
    cli("workflow-create", path)
    _write(tmp_path, "wf.yaml", HELLO.format(name=name).replace("hello", "hi"))
    cli("workflow-update", path)
    old = cli(
        "execution-create", name, json.dumps({"who": "v1"}), json.dumps({"workflow_version": 1})
    )
    new = cli("execution-create", name, json.dumps({"who": "v2"}))
    wait(old["ID"])
    wait(new["ID"])
    assert json.loads(cli("execution-get-output", old["ID"], fmt="text")) == {"said": "hello v1"}
    assert json.loads(cli("execution-get-output", new["ID"], fmt="text")) == {"said": "hi v2"}
    assert "Workflow version" not in cli("execution-get", old["ID"])
    refused = cli("execution-create", name, "{}", json.dumps({"workflow_version": 5}), ok=False)
    assert f"Workflow {name} has no version 5" in refused
