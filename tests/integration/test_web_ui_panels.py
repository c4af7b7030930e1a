"""The task panel's explain, evaluate and with-items sections, and the workflow editor's lint
warnings, in headless Chromium against a live API over PostgreSQL with a real Celery worker:
each kind of wait on real executions (join, queue nobody serves, claimed action, timers,
pause-before, asynchronous action, sub-workflow), why a task never ran, the evaluate console,
with-items progress and the previewed rerun of failed action and sub-workflow items, and that
task names, expressions and results are shown as text. Screenshots go to test-artifacts/ui/
(task-explain, task-explain-queued, task-evaluate, with-items-progress, with-items-rerun-preview,
lint-warnings; docs/screenshots/ holds a reviewed copy)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import quote

import pytest
from web_browser import screenshot
from wfq_testing import until

pytestmark = pytest.mark.integration

HOSTILE = "<img src=x onerror=alert(1)>"


def _explained(api: Any, ex_id: str) -> dict[str, dict[str, Any]]:
    r = api.c.get(f"/v2/executions/{ex_id}/explain")
    assert r.status_code == 200, r.get_json()
    return {t["task"]: t for t in r.get_json()["tasks"]}


def _open_task(page: Any, live_url: str, ex_id: str, task: str) -> None:
    page.goto(f"{live_url}/ui/#/executions/{ex_id}?task={quote(task, safe='')}")


def _reason(page: Any, kind: str) -> Any:
    """The explain section once it shows a reason of `kind`."""
    loc = page.locator(f'#task-panel .explain > .explain-reason[data-kind="{kind}"]')
    loc.wait_for()
    return loc


def _select(page: Any, task: str) -> None:
    page.click(f'.node[data-task="{task}"]')
    page.wait_for_selector(f"#task-panel .panel-head h2:text-is('{task}')")


def test_explain_says_what_each_task_waits_on(
    api: Any, page: Any, live_url: str, integration_env: dict[str, str]
) -> None:
    tag = uuid.uuid4().hex[:6]
    queue = f"ui-nobody-{tag}"
    name = f"ui_stuck_{tag}"
    api.create_workflow(f"""\
version: '2.0'
{name}:
  tasks:
    start:
      action: std.noop
      on-success: [remote, later, slow, callback, call, quick]
    remote:
      action: std.noop
      target: {queue}
      on-success: [together]
    later:
      action: std.noop
      wait-before: 600
      on-success: [together]
    slow:
      action: std.sleep seconds=20
      on-success: [together]
    callback:
      action: std.async_noop
      on-success: [together]
    call:
      workflow: {name}_child
      on-success: [together]
    quick:
      action: std.noop
      on-success: [together]
    together:
      join: all
      action: std.noop
{name}_child:
  tasks:
    nap:
      action: std.noop
      wait-before: 600
""")
    ex = api.start(name)
    try:

        def all_waiting() -> dict[str, dict[str, Any]] | None:
            r = _explained(api, ex["id"])
            ready = (
                r.get("slow", {}).get("waiting_on") == "action-running"
                and r.get("together", {}).get("waiting_on") == "join"
                and r.get("remote", {}).get("details", {}).get("consumers") is not None
                and r.get("call", {}).get("details", {}).get("explain")
            )
            return r if ready else None

        why = until(all_waiting, "every task to be waiting")

        # A claimed action: its worker and the age of its last heartbeat.
        _open_task(page, live_url, ex["id"], "slow")
        slow = _reason(page, "action-running")
        text = slow.inner_text()
        assert "runs on worker" in text and "Last heartbeat" in text
        assert re.search(r"heartbeat age\s+\d+s \(timeout \d+", text), text
        assert why["slow"]["details"]["worker"] in text

        # A join: k of N arrived, and the upstream tasks still missing.
        _select(page, "together")
        join = _reason(page, "join")
        assert re.search(r"arrived\s+1 of 6", join.inner_text())
        missing = page.eval_on_selector_all(
            "#task-panel .explain .missing li", "els => els.map(e => e.dataset.task)"
        )
        assert sorted(missing) == ["call", "callback", "later", "remote", "slow"]
        assert "can still arrive" in page.inner_text(
            '#task-panel .explain .missing li[data-task="remote"]'
        )
        screenshot(page, "task-explain")

        # Sent to a queue nobody serves: message age, queue depth, no live consumer.
        _select(page, "remote")
        remote = _reason(page, "action-queued").inner_text()
        assert re.search(rf"queue\s+{queue}", remote) and re.search(r"queue depth\s+1", remote)
        assert f"no live worker consumes {queue}" in remote
        assert re.search(r"message age\s+\d+s", remote)
        screenshot(page, "task-explain-queued")

        # A timer: until when, in the reader's zone.
        _select(page, "later")
        later = _reason(page, "wait-before").inner_text()
        assert re.search(r"until\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (9|10)m", later), later

        # An asynchronous action waiting for its PUT.
        _select(page, "callback")
        callback = _reason(page, "async-action").inner_text()
        assert re.search(r"PUT /v2/action_executions/[0-9a-f-]{36}", callback)

        # A sub-workflow: its state, what it waits on, and a link to it.
        _select(page, "call")
        call = _reason(page, "subworkflow")
        assert "nap:" in call.inner_text() and "wait-before until" in call.inner_text()
        assert call.locator(".badge.state-RUNNING").count() == 1
        call.locator("a.sub-explain-link").click()
        page.wait_for_selector("#task-panel >> text=Click a task")
        assert page.inner_text(".title-row h1") == f"{name}_child"
    finally:
        api.c.put(f"/v2/executions/{ex['id']}", json={"state": "CANCELLED"})
        import redis

        redis.Redis.from_url(integration_env["WFQ_BROKER_URL"]).delete(queue)


def test_explain_pause_before(api: Any, page: Any, live_url: str) -> None:
    name = f"ui_gate_{uuid.uuid4().hex[:6]}"
    api.create_workflow(f"""\
version: '2.0'
{name}:
  tasks:
    first:
      action: std.noop
      on-success: [gate]
    gate:
      action: std.noop
      pause-before: true
""")
    ex = api.start(name)
    try:
        until(
            lambda: _explained(api, ex["id"]).get("gate", {}).get("waiting_on") == "pause-before",
            "the pause",
        )
        _open_task(page, live_url, ex["id"], "gate")
        assert "Resume the execution to go on." in _reason(page, "pause-before").inner_text()
    finally:
        api.c.put(f"/v2/executions/{ex['id']}", json={"state": "CANCELLED"})


COUNT = "<i>count</i>"  # a task name is text, never markup
FAILING = """\
version: '2.0'
{name}:
  input: [n]
  tasks:
    "<i>count</i>":
      action: std.echo output=<% $.n %>
      publish: {{doubled: <% task().result * 2 %>}}
      on-success: [boom]
    boom:
      action: std.fail
      input:
        error_data: <% str($.doubled) + ' is <b>too</b> many' %>
      on-success: [never]
    never:
      action: std.noop
"""


def test_never_ran_and_evaluate_console(api: Any, page: Any, live_url: str) -> None:
    name = f"ui_failing_{uuid.uuid4().hex[:6]}"
    ex = api.run(FAILING.format(name=name), {"n": 2})
    assert ex["state"] == "ERROR"

    # A finished execution: why a task never ran. Names and messages are text, not markup.
    _open_task(page, live_url, ex["id"], "never")
    never = _reason(page, "never-ran")
    assert (
        "boom ended ERROR: 4 is <b>too</b> many, so its on-success was not taken"
        in never.inner_text()
    )
    assert page.locator("#task-panel i, #task-panel b").count() == 0
    assert "boom" in never.locator('.upstream li[data-task="boom"]').inner_text()

    # The console evaluates against the context the task saw.
    _select(page, COUNT)
    assert page.inner_text("#task-panel .panel-head h2") == COUNT
    assert page.locator("#task-panel i, #task-panel b, .node i").count() == 0
    assert page.locator("#task-panel .explain").count() == 0  # finished: nothing to explain
    task_id = api.tasks(ex["id"])[COUNT]["id"]

    def evaluate(expression: str) -> str:
        page.fill("#evaluate-input", expression)
        page.press("#evaluate-input", "Enter")
        page.wait_for_function(
            "e => { const p = document.querySelector('#task-panel .eval-answer pre');"
            " return p && p.dataset.for === e; }",
            arg=expression,
        )
        return page.inner_text("#task-panel .eval-answer pre")

    assert evaluate("<% task().result * $.n %>") == "4"
    error = evaluate("<% $.doubled %>")
    expected = api.c.post(
        f"/v2/tasks/{task_id}/evaluate", json={"expression": "<% $.doubled %>"}
    ).get_json()
    assert error == expected["error"] and "doubled" in error
    assert page.locator("#task-panel .eval-answer.bad").count() == 1
    page.check("#evaluate-outbound")
    assert evaluate("<% $.doubled %>") == "4"
    page.uncheck("#evaluate-outbound")
    assert evaluate("{{ _.n + 1 }}") == "3"
    assert evaluate("<% task().result %>") == "2"
    # What an expression returns is shown as text.
    assert evaluate(f"<% '{HOSTILE}' %>") == json.dumps(HOSTILE)
    assert page.locator("#task-panel img").count() == 0
    assert evaluate("<% dict(doubled => $.n * 2, list => [1, 2]) %>") == json.dumps(
        {"doubled": 4, "list": [1, 2]}, indent=2
    )
    screenshot(page, "task-evaluate")


ITEMS = """\
version: '2.0'
{name}:
  tasks:
    each:
      with-items: n in [0, 1, 2, 3, 4, 5, 6, 7]
      concurrency: 2
      action: std.echo output=<% $.n %> delay=<% $.n in env().bad and 'bad' or 2 %>
      publish: {{all: <% task().result %>}}
  output: {{all: <% $.all %>}}
"""


def test_with_items_progress_and_rerun_of_failed_items_with_preview(
    api: Any, page: Any, live_url: str
) -> None:
    name = f"ui_items_{uuid.uuid4().hex[:6]}"
    api.create_workflow(ITEMS.format(name=name))
    ex = api.start(name, None, env={"bad": [1, 3]})
    _open_task(page, live_url, ex["id"], "each")

    # While it runs: items done of total and an estimate of the time left.
    page.wait_for_function(
        "() => { const e = document.querySelector('#task-panel .items-eta');"
        " return e && e.textContent.startsWith('~'); }"
    )
    done = page.inner_text("#task-panel .items-done")
    assert re.fullmatch(r"[1-7] of 8", done), done
    screenshot(page, "with-items-progress")

    # The panel renders again as items finish: what the reader types in the console stays, focused.
    page.fill("#evaluate-input", "<% task().state %>")
    page.wait_for_function(
        "d => document.querySelector('#task-panel .items-done').textContent !== d", arg=done
    )
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'evaluate-input'"
    )
    assert page.input_value("#evaluate-input") == "<% task().state %>"

    assert api.wait(ex["id"])["state"] == "ERROR"
    page.wait_for_selector("#task-panel .panel-head .badge.state-ERROR")
    page.wait_for_selector("#task-panel .items-done:text-is('8 of 8')")
    assert page.inner_text("#task-panel .items-failed") == "2"
    assert page.inner_text("#task-panel .items-succeeded") == "6"
    assert page.inner_text("#task-panel .items .count") == "8/8"

    # The preview first: what would run again, and nothing changes.
    task_id = api.tasks(ex["id"])["each"]["id"]

    def actions() -> list[dict]:
        return api.c.get(f"/v2/tasks/{task_id}/action_executions").get_json()["action_executions"]

    before = len(actions())
    page.click("#rerun-items")
    page.wait_for_selector("#rerun-preview")
    items = page.eval_on_selector_all(
        '#rerun-preview .preview-task[data-task="each"] li', "els => els.map(e => e.dataset.item)"
    )
    assert items == ["1", "3"]
    assert '"delay": "bad"' in page.inner_text("#rerun-preview")
    assert api.tasks(ex["id"])["each"]["state"] == "ERROR" and len(actions()) == before

    # With env merged, the preview shows the new input; then confirm.
    page.fill("#rerun-env", '{"bad": []}')
    assert page.is_disabled("#rerun-items-confirm")
    page.click("#rerun-items-preview")
    page.wait_for_selector('#rerun-preview >> text="delay": 2')
    assert page.inner_text("#rerun-items-confirm") == "Rerun 2 failed items"
    page.evaluate(
        "() => { document.querySelector('#task-panel .items').scrollIntoView(); window.scrollTo(0, 0); }"
    )
    screenshot(page, "with-items-rerun-preview")
    page.click("#rerun-items-confirm")
    until(lambda: api.execution(ex["id"])["state"] == "SUCCESS", "the rerun to succeed")
    done_ex = api.execution(ex["id"])
    assert json.loads(done_ex["output"]) == {"all": [0, 1, 2, 3, 4, 5, 6, 7]}
    assert len(actions()) == before + 2, "only the two failed items ran again"
    page.wait_for_selector("#task-panel .panel-head .badge.state-SUCCESS")
    assert page.inner_text("#task-panel .items-failed") == "0"
    assert page.locator("#rerun-items").count() == 0


LINTED = """\
version: '2.0'
ui_linted:
  input: [n]
  output: {r: <% $.res %>}
  tasks:
    start:
      action: std.echo output=done
      on-success: [left, right]
    left:
      action: std.echo output="<% $.n %>"
      publish: {res: <% task().result %>}
      on-success: [j]
    right:
      action: std.echo output="<% $.res %> <% frobnicate($.n) %>"
      on-success: [j]
    j:
      join: all
      action: std.noop
"""


def test_lint_warnings_beside_the_validation(api: Any, page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/ui/#/workflows/new")
    page.wait_for_selector("#validation.ok")
    page.fill("#definition-input", LINTED)
    page.wait_for_selector("#lint-warnings:not(.hidden)")
    page.wait_for_selector("#validation.ok")
    expected = api.c.post(
        "/v2/workflows/validate", data=LINTED, content_type="text/plain"
    ).get_json()["warnings"]
    assert len(expected) >= 3
    shown = page.eval_on_selector_all(
        "#lint-warnings .lint-item",
        "els => els.map(e => [e.dataset.path, e.querySelector('.lint-message').textContent,"
        " (e.querySelector('.lint-line') || {}).textContent])",
    )
    assert [[p, m] for p, m, _ in shown] == [[w["path"], w["message"]] for w in expected]
    assert "Unknown function 'frobnicate'" in page.inner_text("#lint-warnings")
    lines = {p: line for p, _, line in shown}
    assert lines["ui_linted.tasks.start.action"] == "line 7"
    assert lines["ui_linted.tasks.right"] == "line 13"
    assert page.inner_text("#lint-warnings .lint-head").startswith(f"⚠ {len(expected)} warnings")
    # The warned lines are marked in the gutter, and a warning's line can be shown.
    assert page.eval_on_selector_all(".gutter span.warn", "els => els.map(e => e.textContent)") == [
        "7",
        "13",
    ]
    page.click('#lint-warnings .lint-item[data-path="ui_linted.tasks.start.action"] .lint-line')
    selected = page.eval_on_selector(
        "#definition-input", "a => a.value.slice(a.selectionStart, a.selectionEnd)"
    )
    assert selected == "      action: std.echo output=done"
    # Warnings never block saving a valid definition.
    assert page.is_enabled("#save")
    screenshot(page, "lint-warnings")

    # An invalid definition shows its error and no warnings; fixed, the warnings go away too.
    page.fill("#definition-input", LINTED.replace("  tasks:", "  taskz:"))
    page.wait_for_selector("#validation.bad")
    assert page.locator("#lint-warnings").is_hidden()
    clean = LINTED.replace("output=done", 'output="done"').replace(" <% frobnicate($.n) %>", "")
    page.fill("#definition-input", clean)
    page.wait_for_selector("#validation.ok")
    page.wait_for_function(
        "() => document.querySelector('#lint-warnings').dataset.count !== undefined"
    )
    remaining = api.c.post(
        "/v2/workflows/validate", data=clean, content_type="text/plain"
    ).get_json()["warnings"]
    assert page.get_attribute("#lint-warnings", "data-count") == str(len(remaining))
    assert len(remaining) < len(expected)

    # A task name in a warning is text, not markup.
    hostile = 'version: \'2.0\'\nui_marked:\n  tasks:\n    "<b>bold</b>":\n      action: std.echo output="<% nosuchfn() %>"\n'
    page.fill("#definition-input", hostile)
    page.wait_for_selector('#lint-warnings .lint-item[data-path="ui_marked.tasks.<b>bold</b>"]')
    assert "ui_marked.tasks.<b>bold</b>" in page.inner_text("#lint-warnings")
    assert page.inner_text("#lint-warnings .lint-line") == "line 4"
    assert page.locator("#lint-warnings b").count() == 0


def test_explain_retry_and_wait_after_delays(api: Any, page: Any, live_url: str) -> None:
    name = f"ui_delays_{uuid.uuid4().hex[:6]}"
    api.create_workflow(f"""\
version: '2.0'
{name}:
  tasks:
    flaky:
      action: std.fail
      retry:
        count: 3
        delay: 600
    settle:
      action: std.noop
      wait-after: 300
""")
    ex = api.start(name)
    try:

        def both_delayed() -> bool:
            r = _explained(api, ex["id"])
            return (
                r.get("flaky", {}).get("waiting_on") == "retry"
                and r.get("settle", {}).get("waiting_on") == "wait-after"
            )

        until(both_delayed, "both delays")
        _open_task(page, live_url, ex["id"], "flaky")
        retry = _reason(page, "retry").inner_text()
        assert "retry 1 delay until" in retry
        assert re.search(r"until\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (9|10)m", retry), retry
        _select(page, "settle")
        after = _reason(page, "wait-after").inner_text()
        assert re.search(r"until\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (4|5)m", after), after
    finally:
        api.c.put(f"/v2/executions/{ex['id']}", json={"state": "CANCELLED"})


def test_rerun_of_failed_subworkflow_items_with_preview(api: Any, page: Any, live_url: str) -> None:
    tag = uuid.uuid4().hex[:6]
    api.create_workflow(f"""\
version: '2.0'
ui_child_{tag}:
  input: [n]
  output: {{n: <% $.n %>}}
  tasks:
    check:
      action: std.noop
      on-success:
        - boom: <% $.n in env().bad %>
    boom:
      action: std.fail
ui_parent_{tag}:
  tasks:
    children:
      with-items: n in [0, 1, 2]
      workflow: ui_child_{tag}
      input: {{n: <% $.n %>}}
""")
    ex = api.wait(api.start(f"ui_parent_{tag}", None, env={"bad": [2]})["id"])
    assert ex["state"] == "ERROR"
    _open_task(page, live_url, ex["id"], "children")
    page.wait_for_selector("#task-panel .items-failed:text-is('1')")
    assert page.inner_text("#task-panel .items-done") == "3 of 3"
    page.click("#rerun-items")
    page.wait_for_selector("#rerun-preview .preview-subs li")
    subs = page.locator("#rerun-preview .preview-subs li").all_inner_texts()
    assert len(subs) == 1 and f"ui_child_{tag}" in subs[0] and '"n": 2' in subs[0]
    page.fill("#rerun-env", '{"bad": []}')
    page.click("#rerun-items-preview")
    page.wait_for_selector("#rerun-items-confirm:enabled")
    page.click("#rerun-items-confirm")
    until(lambda: api.execution(ex["id"])["state"] == "SUCCESS", "the rerun to succeed")
    task_id = api.tasks(ex["id"])["children"]["id"]
    kids = api.c.get(f"/v2/executions?task_execution_id={task_id}").get_json()["executions"]
    assert len(kids) == 4, "only the failed item got a new sub-workflow"
    page.wait_for_selector("#task-panel .panel-head .badge.state-SUCCESS")
    assert page.inner_text("#task-panel .items-failed") == "0"
