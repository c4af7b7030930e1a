"""The web page in headless Chromium (Playwright) against a live API over PostgreSQL, with a real
Celery worker running the actions: the list, the live graph, the task panel, the controls.

Chromium comes from Debian (`scripts/install-browser.sh`); Playwright only drives it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from web_browser import TIMEOUT_MS, screenshot

pytestmark = pytest.mark.integration

HELLO = """\
version: '2.0'
ui_hello:
  tasks:
    greet:
      action: std.echo output="hello"
      publish: {greeting: <% task().result %>}
"""
FORK_JOIN = """\
version: '2.0'
ui_fork_join:
  task-defaults:
    on-error: [report_failure]
  tasks:
    prepare:
      action: std.echo output="go"
      publish: {started: true}
      on-success: [left, right, fan_out]
    left:
      action: std.sleep seconds=1
      publish: {left_done: true, left_note: "fast branch"}
      on-success: [joined]
    right:
      action: std.sleep seconds=6
      publish: {right_done: true}
      on-success: [joined]
    fan_out:
      with-items: i in [1, 2, 3]
      concurrency: 1
      action: std.echo output=<% $.i %>
      on-success: [joined]
    joined:
      join: all
      action: std.echo output="done"
      publish: {summary: <% task().result %>}
    report_failure:
      action: std.noop
"""
SLOW = """\
version: '2.0'
ui_slow:
  tasks:
    wait:
      action: std.sleep seconds=3
      on-success: [after]
    after:
      action: std.noop
"""
FAILING = """\
version: '2.0'
ui_failing:
  tasks:
    boom:
      action: std.fail error_data="it broke"
"""


def node_state(page: Any, task: str) -> str:
    cls = page.get_attribute(f'.node[data-task="{task}"]', "class") or ""
    return next((c[len("state-") :] for c in cls.split() if c.startswith("state-")), "")


def test_the_list_shows_an_execution(api: Any, page: Any, live_url: str) -> None:
    ex = api.run(HELLO)
    assert ex["state"] == "SUCCESS"
    page.goto(f"{live_url}/ui/")
    row = page.locator(f'#executions-table tr[data-id="{ex["id"]}"]')
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "SUCCESS" and cells[1] == "ui_hello" and cells[2] == "…" + ex["id"][-12:]
    assert cells[3].startswith(ex["created_at"][:10])
    # Filters: a state that does not match hides it; the workflow name brings it back.
    page.select_option("#filter-state", "ERROR")
    row.wait_for(state="detached")
    page.select_option("#filter-state", "")
    page.fill("#filter-workflow", "ui_hel")
    page.press("#filter-workflow", "Enter")
    row.wait_for()
    assert "workflow=ui_hel" in page.url
    # A click opens the execution.
    row.click()
    page.wait_for_selector('.node[data-task="greet"].state-SUCCESS')
    assert page.inner_text(".title-row h1") == "ui_hello"


def test_fork_join_graph_goes_live_to_success(api: Any, page: Any, live_url: str) -> None:
    name = api.create_workflow(FORK_JOIN)[0]["name"]
    ex = api.start(name)
    page.goto(f"{live_url}/ui/#/executions/{ex['id']}")
    page.wait_for_selector(".node")
    nodes = page.eval_on_selector_all(".node", "els => els.map(e => e.dataset.task)")
    assert sorted(nodes) == sorted(
        ["prepare", "left", "right", "fan_out", "joined", "report_failure"]
    )
    edges = page.eval_on_selector_all(
        ".edge", "els => els.map(e => [e.dataset.source, e.dataset.target, e.dataset.kind])"
    )
    assert {tuple(e) for e in edges} == {
        ("prepare", "left", "on-success"),
        ("prepare", "right", "on-success"),
        ("prepare", "fan_out", "on-success"),
        ("left", "joined", "on-success"),
        ("right", "joined", "on-success"),
        ("fan_out", "joined", "on-success"),
        *(
            (t, "report_failure", "on-error")
            for t in ("prepare", "left", "right", "fan_out", "joined")
        ),
    }
    assert page.text_content('.node[data-task="joined"] .join-badge') == "join: all"
    assert page.locator('.node[data-task="fan_out"] .items-badge').count() == 1
    assert page.locator('.node[data-task="prepare"] .start-dot').count() == 1

    # While `right` sleeps: `left` is green, `right` running, `joined` waits or has not started.
    page.wait_for_selector('.node[data-task="left"].state-SUCCESS', timeout=TIMEOUT_MS)
    assert node_state(page, "right") == "RUNNING"
    assert node_state(page, "joined") in ("NONE", "WAITING")
    assert page.inner_text(".title-row .badge") == "RUNNING"

    # The task panel: click `left`, see what it published.
    page.click('.node[data-task="left"]')
    published = page.locator("#task-panel .published pre")
    published.wait_for()
    assert '"left_done": true' in published.inner_text()
    assert '"left_note": "fast branch"' in published.inner_text()
    assert page.inner_text("#task-panel h2") == "left"
    assert page.locator('.node[data-task="left"].selected').count() == 1

    screenshot(page, "execution-graph", ".exec-body")

    for task in ("right", "fan_out", "joined"):
        page.wait_for_selector(f'.node[data-task="{task}"].state-SUCCESS', timeout=TIMEOUT_MS)
    page.wait_for_selector(".title-row .badge.state-SUCCESS")
    assert node_state(page, "report_failure") == "NONE"
    assert page.locator(".edge.taken").count() == 6
    # The with-items task shows its items, all done.
    page.click('.node[data-task="fan_out"]')
    page.wait_for_selector("#task-panel .progress .count:text-is('3/3')")


def test_pause_and_resume_buttons(api: Any, page: Any, live_url: str) -> None:
    name = api.create_workflow(SLOW)[0]["name"]
    ex = api.start(name)
    page.goto(f"{live_url}/ui/#/executions/{ex['id']}")
    page.wait_for_selector(".control-PAUSED:not([disabled])")
    page.click(".control-PAUSED")
    page.wait_for_selector(".title-row .badge.state-PAUSED")
    assert api.execution(ex["id"])["state"] == "PAUSED"
    assert page.is_enabled(".control-RUNNING") and page.is_disabled(".control-PAUSED")
    time.sleep(3.5)  # the running action ends meanwhile; paused, nothing new starts
    assert "after" not in api.tasks(ex["id"])
    page.click(".control-RUNNING")
    page.wait_for_selector(".title-row .badge.state-SUCCESS")
    # The page renders the header before it updates the graph (execution.js poll): wait for both.
    page.wait_for_selector('.node[data-task="after"].state-SUCCESS', timeout=TIMEOUT_MS)
    assert node_state(page, "after") == "SUCCESS"
    assert page.locator("#control-error").is_hidden()


def test_an_error_answer_is_shown(api: Any, page: Any, live_url: str) -> None:
    name = api.create_workflow(SLOW.replace("ui_slow", "ui_refused"))[0]["name"]
    ex = api.start(name)

    def refuse(route: Any) -> None:
        if route.request.method == "PUT":
            route.fulfill(
                status=409,
                content_type="application/json",
                body='{"faultcode": "Client", "faultstring": "Refused for the test", "debuginfo": null}',
            )
        else:
            route.continue_()

    page.route(f"**/v2/executions/{ex['id']}", refuse)
    page.goto(f"{live_url}/ui/#/executions/{ex['id']}")
    page.wait_for_selector(".control-CANCELLED:not([disabled])")
    page.click(".control-CANCELLED")
    page.wait_for_selector("#control-error:not(.hidden)")
    assert page.inner_text("#control-error") == "409: Refused for the test"
    api.wait(ex["id"])


def test_rerun_a_failed_task(api: Any, page: Any, live_url: str) -> None:
    ex = api.run(FAILING)
    assert ex["state"] == "ERROR"
    task_id = api.tasks(ex["id"])["boom"]["id"]
    page.goto(f"{live_url}/ui/#/executions/{ex['id']}")
    page.click('.node[data-task="boom"].state-ERROR')
    page.wait_for_selector("#task-panel .state-info-section pre")
    assert "it broke" in page.inner_text("#task-panel .state-info-section pre")
    # Only the error text is boxed (red); the section itself has no banner box of its own.
    section_style = page.eval_on_selector(
        "#task-panel .state-info-section",
        "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.borderTopStyle === 'solid' ? s.borderTopColor : 'none', s.borderLeftStyle]; }",
    )
    assert section_style[0] == "rgba(0, 0, 0, 0)" and section_style[2] == "none", section_style
    with page.expect_response(lambda r: r.request.method == "PUT" and task_id in r.url) as put:
        page.click("#rerun:not([disabled])")
    answer = put.value
    if answer.status >= 300:  # the rerun service may refuse: the page must say why
        page.wait_for_selector("#task-error:not(.hidden)")
        assert page.inner_text("#task-error").startswith(f"{answer.status}: ")
        return
    api.wait(ex["id"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        actions = api.c.get(f"/v2/tasks/{task_id}/action_executions").get_json()[
            "action_executions"
        ]
        if len(actions) == 2 and all(a["state"] == "ERROR" for a in actions):
            break
        time.sleep(0.1)
    assert len(actions) == 2, actions
    page.wait_for_selector('.node[data-task="boom"].state-ERROR')
    assert page.locator("#task-error").is_hidden()


def test_the_token_is_kept_and_sent(api: Any, page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/ui/")
    page.fill("#token", "t0k3n")
    with page.expect_request(lambda r: "/v2/executions" in r.url) as sent:
        page.click("#token-form button")
    assert sent.value.headers.get("authorization") == "Bearer t0k3n"
    # Kept for this tab only (sessionStorage): a reload keeps it, another tab does not see it.
    assert page.evaluate("sessionStorage.getItem('wfq.token')") == "t0k3n"
    assert page.evaluate("localStorage.getItem('wfq.token')") is None
    page.reload()
    assert page.input_value("#token") == "t0k3n"
    other = page.context.new_page()
    other.goto(f"{live_url}/ui/")
    assert other.input_value("#token") == ""
