"""The execution pages of the web UI in headless Chromium against a live API over PostgreSQL,
with a real Celery worker: the sub-workflow tree, an error explained, the graph's scale and
labels, times and their zone, the task panel's sections, a token. Screenshots go to
test-artifacts/ui/ (docs/screenshots/ holds a reviewed copy). The definition pages are in
test_web_ui_definitions.py."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from web_browser import TIMEOUT_MS, rows, screenshot

pytestmark = pytest.mark.integration

NESTED = """\
version: '2.0'
ui_orders:
  description: Ship the parcels of an order, one sub-workflow each
  tasks:
    prepare:
      action: std.echo output="ok"
      on-success: [ship]
    ship:
      with-items: parcel in [1, 2]
      workflow: ui_ship_parcel
      input:
        parcel: <% $.parcel %>
      on-success: [close]
    close:
      action: std.noop
ui_ship_parcel:
  input: [parcel]
  tasks:
    label:
      action: std.echo output=<% $.parcel %>
      on-success: [track]
    track:
      workflow: ui_track
ui_track:
  tasks:
    poll:
      action: std.noop
"""
BARE_FAIL = """\
version: '2.0'
ui_bare_fail:
  tasks:
    check_stock:
      action: std.echo output=false
      on-success:
        - fail
"""
WIDE = "version: '2.0'\nui_wide:\n  tasks:\n" + "".join(
    f"    step_number_{i:02d}_with_a_long_name:\n      action: std.noop\n"
    + (f"      on-success: [step_number_{i + 1:02d}_with_a_long_name]\n" if i < 11 else "")
    for i in range(12)
)


def children(api: Any, ex_id: str) -> list[dict[str, Any]]:
    """The executions started by the tasks of execution `ex_id`."""
    out = []
    for task in api.tasks(ex_id).values():
        r = api.c.get(f"/v2/executions?task_execution_id={task['id']}")
        out += r.get_json()["executions"]
    return out


def test_subworkflow_tree_walk_down_and_up(api: Any, page: Any, live_url: str) -> None:
    root = api.run(NESTED)
    assert root["state"] == "SUCCESS"
    (ship1, ship2) = sorted(children(api, root["id"]), key=lambda e: e["created_at"] + e["id"])
    (track,) = children(api, ship1["id"])

    # The list shows the root only; asking for sub-workflows shows them, marked as such.
    page.goto(f"{live_url}/ui/#/?workflow=ui_")
    page.locator(f'#executions-table tr[data-id="{root["id"]}"]').wait_for()
    assert ship1["id"] not in rows(page, "executions-table")
    page.check("#show-subs")
    page.locator(f'#executions-table tr[data-id="{ship1["id"]}"]').wait_for()
    assert "↳" in page.inner_text(f'#executions-table tr[data-id="{track["id"]}"] td.workflow')
    page.uncheck("#show-subs")
    page.locator(f'#executions-table tr[data-id="{ship1["id"]}"]').wait_for(state="detached")
    screenshot(page, "executions")

    # Down: the root's tree holds the whole family; the task panel links to each child.
    page.click(f'#executions-table tr[data-id="{root["id"]}"]')
    page.wait_for_selector("#subtree")
    ids = page.eval_on_selector_all("#subtree .tree-line", "els => els.map(e => e.dataset.id)")
    assert set(ids) == {
        root["id"],
        ship1["id"],
        ship2["id"],
        track["id"],
        *[e["id"] for e in children(api, ship2["id"])],
    }
    assert page.inner_text("#subtree .tree-line.current strong") == "ui_orders"
    page.click('.node[data-task="ship"]')
    page.wait_for_selector("#task-panel .subworkflows .child-link")
    links = page.eval_on_selector_all(
        "#task-panel .child-link", "els => els.map(e => e.getAttribute('href'))"
    )
    assert links == [f"#/executions/{ship1['id']}", f"#/executions/{ship2['id']}"]
    page.wait_for_selector("#task-panel .items .count:text-is('2/2')")
    screenshot(page, "execution")
    page.click("#open-child")
    page.wait_for_selector(f'#subtree .tree-line.current[data-id="{ship1["id"]}"]')
    assert page.inner_text(".title-row h1") == "ui_ship_parcel"
    # Further down, through the tree.
    page.click(f'#subtree .tree-line[data-id="{track["id"]}"] a')
    page.wait_for_selector(f'#subtree .tree-line.current[data-id="{track["id"]}"]')
    assert page.inner_text("#parent-link") == "sub-workflow of ui_ship_parcel (task track)"
    crumbs = page.locator(".crumbs a").all_inner_texts()
    assert crumbs == ["Executions", "ui_orders", "task ship", "ui_ship_parcel", "task track"]
    screenshot(page, "execution-subworkflow")

    # Up: the crumb of the parent task opens the parent with that task selected.
    page.click(".crumbs a:text-is('task ship')")
    page.wait_for_selector("#task-panel .panel-head h2:text-is('ship')")
    assert page.inner_text(".title-row h1") == "ui_orders"
    assert page.locator('.node[data-task="ship"].selected').count() == 1


def test_an_error_without_state_info_is_explained(api: Any, page: Any, live_url: str) -> None:
    ex = api.run(BARE_FAIL)
    # As Mistral: a `fail` without msg leaves state_info empty (conformance case 041).
    assert ex["state"] == "ERROR" and ex["state_info"] is None
    page.goto(f"{live_url}/ui/#/executions/{ex['id']}")
    page.wait_for_selector("#state-info.explained")
    # The panel shows the execution's output until a task is picked.
    assert '"result": null' in page.inner_text("#task-panel .exec-output pre")
    text = page.inner_text("#state-info")
    assert "`fail` command without a message" in text and "check_stock" in text
    # With a message, the message is what the reader sees.
    ex = api.run(
        BARE_FAIL.replace("ui_bare_fail", "ui_msg_fail").replace(
            "- fail", '- fail msg="out of stock"'
        )
    )
    page.goto(f"{live_url}/ui/#/executions/{ex['id']}")
    page.wait_for_selector("#state-info:not(.hidden):not(.explained)")
    assert page.inner_text("#state-info") == "out of stock"


def test_graph_labels_are_readable_and_apart(api: Any, page: Any, live_url: str) -> None:
    ex = api.run(WIDE)
    page.goto(f"{live_url}/ui/#/executions/{ex['id']}")
    page.wait_for_selector(".node.state-SUCCESS")
    # The name, the action and the state of a node never overlap, and the name reads at 11 px
    # or more on screen: a graph too wide for the panel is not shrunk below 75 %.
    boxes = page.eval_on_selector_all(
        ".node",
        """els => els.map(n => ['name', 'sub', 'state-text'].map(c => {
             const r = n.querySelector('.' + c).getBoundingClientRect();
             return [r.left, r.top, r.right, r.bottom];
           }))""",
    )
    for name, sub, state in boxes:
        assert name[3] <= sub[1] + 1 and sub[3] <= state[1] + 1, (name, sub, state)
        assert name[3] - name[1] >= 11
    scale = float(page.get_attribute("svg.graph", "data-scale"))
    assert scale == pytest.approx(0.75, abs=0.01)
    page.click(".graph-tools .zoom-in")
    assert float(page.get_attribute("svg.graph", "data-scale")) > scale
    page.click(".graph-tools .zoom-fit")
    assert float(page.get_attribute("svg.graph", "data-scale")) == pytest.approx(scale)
    # Dragging the background pans the drawing.
    before = page.get_attribute("svg.graph g.stage", "transform")
    box = page.locator("#graph").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] - 20)
    page.mouse.down()
    page.mouse.move(box["x"] - 300, box["y"] + box["height"] - 20, steps=5)
    page.mouse.up()
    assert page.get_attribute("svg.graph g.stage", "transform") != before


def test_times_are_24_hour_with_their_zone(api: Any, browser: Any, live_url: str) -> None:
    ex = api.run("version: '2.0'\nui_zone:\n  tasks:\n    one:\n      action: std.noop\n")
    context = browser.new_context(
        timezone_id="America/New_York", viewport={"width": 1440, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live_url}/ui/#/?workflow=ui_zone")
        row = page.locator(f'#executions-table tr[data-id="{ex["id"]}"]')
        row.wait_for()
        assert "Started (UTC)" in page.text_content("#executions-table thead")
        assert row.locator("td.time").inner_text() == ex["created_at"]
        assert re.search(r"updated \d\d:\d\d:\d\d UTC$", page.inner_text("#list-status"))
        # The browser's zone, on request: every time moves, and says so.
        page.select_option("#zone", "local")
        page.wait_for_selector("#executions-table th:has-text('Started (UTC-05:00)')")
        created = dt.datetime.strptime(ex["created_at"], "%Y-%m-%d %H:%M:%S")
        local = (created - dt.timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S")
        assert row.locator("td.time").inner_text() == local
        assert re.search(r"updated \d\d:\d\d:\d\d UTC-05:00$", page.inner_text("#list-status"))
        page.goto(f"{live_url}/ui/#/executions/{ex['id']}")
        page.wait_for_selector(f".meta span:text-is('started {local} UTC-05:00')")
    finally:
        context.close()


def test_with_tokens_configured_the_page_asks_for_one(
    integration_settings: Any, browser: Any
) -> None:
    from web_browser import serve

    from wfq.api.app import create_app
    from wfq.cli.bootstrap import build

    proc = build(
        integration_settings.replace(auth_tokens={"ui-secret": "ui-project"}),
        migrate=False,
        embedded_worker=False,
    )
    url, stop = serve(create_app(proc.services))
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{url}/ui/#/workflows")
        page.wait_for_selector("#list-error:not(.hidden)")
        assert page.inner_text("#list-error").startswith("401: ")
        assert "Enter a token" in page.inner_text("#list-error")
        page.fill("#token", "ui-secret")
        with page.expect_request(lambda r: "/v2/workflows" in r.url) as sent:
            page.click("#token-form button")
        assert sent.value.headers.get("authorization") == "Bearer ui-secret"
        page.wait_for_selector("#workflows-table")
        assert page.locator("#list-error").is_hidden()
        # Every page sends it: the token's project has no cron trigger.
        page.click(".nav a[data-section='cron-triggers']")
        page.wait_for_selector("#cron-table .empty")
        # A wrong token is refused with the same hint.
        page.fill("#token", "wrong")
        page.click("#token-form button")
        page.wait_for_selector("#list-error:not(.hidden)")
        assert "401" in page.inner_text("#list-error")
    finally:
        context.close()
        stop()
        proc.close()


def test_the_task_panel_takes_new_sections(api: Any, page: Any, live_url: str) -> None:
    """The extension point later sections use: registered once, shown in `order` for each task,
    with the task, its execution and the graph node in its context; a failing one stays local."""
    ex = api.run(BARE_FAIL.replace("ui_bare_fail", "ui_panel_probe"))
    page.goto(f"{live_url}/ui/#/executions/{ex['id']}")
    page.wait_for_selector('.node[data-task="check_stock"].state-SUCCESS')
    page.evaluate(
        """() => {
        TaskPanel.register({ id: "probe", title: "Probe", order: 45,
          render: (ctx) => h("p", { text: `${ctx.task.name} in ${ctx.execution.workflow_name}, `
            + `runs ${ctx.node.action}, ${ctx.actions.length} action` }) });
        TaskPanel.register({ id: "broken", title: "Broken", order: 46,
          render: () => { throw new Error("no data"); } });
      }"""
    )
    page.click('.node[data-task="check_stock"]')
    page.wait_for_selector("#task-panel .probe p")
    assert page.inner_text("#task-panel .probe p") == (
        "check_stock in ui_panel_probe, runs std.echo, 1 action"
    )
    assert "This section failed: no data" in page.inner_text("#task-panel .broken")
    order = page.eval_on_selector_all(
        "#task-panel .panel-section", "els => els.map(e => e.dataset.section)"
    )
    assert order.index("probe") == order.index("broken") - 1
    assert order.index("input") < order.index("probe") < order.index("published")
