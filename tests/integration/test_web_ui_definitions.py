"""The definition pages of the web UI in headless Chromium against a live API over PostgreSQL,
with a real Celery worker: workflows and workbooks (create and update through the editor,
validated as you type), cron triggers (create, history, delete), environments. Screenshots go to
test-artifacts/ui/ (docs/screenshots/ holds a reviewed copy)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from web_browser import rows, screenshot

pytestmark = pytest.mark.integration

NEW_WORKFLOW = """\
version: '2.0'
ui_created_here:
  input:
    - who: operator
  tasks:
    hello:
      action: std.echo output="hello <% $.who %>"
      publish:
        greeting: <% task().result %>
"""


def test_create_and_update_a_workflow_validating_as_you_type(
    api: Any, page: Any, live_url: str
) -> None:
    page.goto(f"{live_url}/ui/#/workflows")
    page.click("#new-definition")
    editor = page.locator("#definition-input")
    editor.wait_for()
    page.wait_for_selector("#validation.ok")
    # Typing a broken definition: the verdict of /v2/workflows/validate shows as you type.
    editor.fill(NEW_WORKFLOW)
    page.wait_for_selector("#validation.ok")
    page.keyboard.press("Control+End")
    page.keyboard.type("    oops:\n      action: std.echo\n      on-success: [nowhere]\n")
    page.wait_for_selector("#validation.bad")
    assert "nowhere" in page.inner_text("#validation")
    assert page.is_disabled("#save")
    # The line at fault is marked: the `on-success` of task `oops` (line 12).
    assert page.inner_text(".code-editor .gutter .bad") == "12"
    # The highlighted copy under the text area follows what is typed.
    assert "nowhere" in page.inner_text(".code-editor pre.hl")
    assert page.locator(".code-editor .tok-expr").count() >= 2
    screenshot(page, "workflow-editor-invalid")
    # A YAML syntax error: the line PyYAML names as the problem.
    editor.fill(NEW_WORKFLOW + "    bad:\n      action: std.noop\n       oops: 1\n")
    page.wait_for_selector("#validation.bad:has-text('could not be parsed')")
    assert page.inner_text(".code-editor .gutter .bad") == "12"
    editor.fill(NEW_WORKFLOW)
    page.wait_for_selector("#validation.ok")
    page.click("#save")
    page.wait_for_selector(".title-row h1:text-is('ui_created_here')")
    page.wait_for_selector('.node[data-task="hello"]')
    stored = api.c.get("/v2/workflows/ui_created_here").get_json()
    assert stored["definition"].strip() == NEW_WORKFLOW.strip()
    assert page.locator(".code-editor .tok-dslkey:text-is('action')").count() == 1
    screenshot(page, "workflow")

    # Update: edit, save, and the stored definition changes.
    page.click("#edit")
    page.wait_for_selector("#validation.ok")
    page.fill("#definition-input", NEW_WORKFLOW.replace("hello <%", "good morning <%"))
    page.wait_for_selector("#validation.ok")
    page.click("#save")
    page.wait_for_selector("#edit")
    assert "good morning" in api.c.get("/v2/workflows/ui_created_here").get_json()["definition"]
    assert "good morning" in page.inner_text(".code-editor pre.hl")

    # Start it from its page, with an input: the execution opens and runs.
    page.fill("#start-input", '{"who": "tester"')
    page.wait_for_selector("#start-error:not(.hidden)")
    assert page.is_disabled("#start")
    page.fill("#start-input", '{"who": "tester"}')
    page.click("#start")
    page.wait_for_selector('.node[data-task="hello"].state-SUCCESS')
    page.click('.node[data-task="hello"]')
    page.wait_for_selector("#task-panel .published pre:has-text('good morning tester')")
    started = page.url.split("#/executions/")[1].split("?")[0]

    # The list finds it by name.
    page.goto(f"{live_url}/ui/#/workflows")
    page.fill("#filter-name", "ui_created")
    page.wait_for_selector('#workflows-table tr[data-name="ui_created_here"]')
    assert rows(page, "workflows-table") == ["ui_created_here"]
    assert (
        page.inner_text('#workflows-table tr[data-name="ui_created_here"] td.mono')
        == 'who="operator"'
    )
    page.fill("#filter-name", "")
    page.wait_for_selector('#workflows-table tr[data-name="ui_orders"], #workflows-table tr')
    screenshot(page, "workflows")

    # Delete, after a second click; its executions stay.
    page.click('#workflows-table tr[data-name="ui_created_here"] a')
    page.click("#delete-definition")
    assert api.c.get("/v2/workflows/ui_created_here").status_code == 200
    page.click("#delete-definition")
    page.wait_for_url(re.compile(r"#/workflows$"))
    page.wait_for_selector("#workflows-table")
    assert "ui_created_here" not in rows(page, "workflows-table")
    assert api.c.get("/v2/workflows/ui_created_here").status_code == 404
    assert api.execution(started)["state"] == "SUCCESS"


def test_create_a_workbook(api: Any, page: Any, live_url: str) -> None:
    text = (
        "version: '2.0'\nname: ui_billing\nworkflows:\n  invoice:\n    tasks:\n"
        '      render:\n        action: std.echo output="invoice"\n'
    )
    page.goto(f"{live_url}/ui/#/workbooks/new")
    page.wait_for_selector("#validation.ok")
    page.fill("#definition-input", text.replace("workflows:", "workflowz:"))
    page.wait_for_selector("#validation.bad")
    assert "workflowz" in page.inner_text("#validation")
    assert page.inner_text(".code-editor .gutter .bad") == "3"
    screenshot(page, "workbook-editor-invalid")
    page.fill("#definition-input", text)
    page.wait_for_selector("#validation.ok")
    page.click("#save")
    page.wait_for_selector(".title-row h1:text-is('ui_billing')")
    page.wait_for_selector("#workbook-workflows a:text-is('ui_billing.invoice')")
    assert api.c.get("/v2/workbooks/ui_billing").status_code == 200
    screenshot(page, "workbook")
    page.goto(f"{live_url}/ui/#/workbooks")
    page.wait_for_selector('#workbooks-table tr[data-name="ui_billing"]')
    screenshot(page, "workbooks")


def test_cron_trigger_create_history_delete(
    api: Any, services: Any, page: Any, live_url: str
) -> None:
    from wfq.services import cron_firing

    api.create_workflow(
        "version: '2.0'\nui_cron_orders:\n  input: [note]\n  tasks:\n"
        "    report:\n      action: std.echo output=<% $.note %>\n"
    )
    page.goto(f"{live_url}/ui/#/cron-triggers")
    page.fill("#cron-name", "ui_every_minute")
    page.fill("#cron-workflow", "ui_cron_orders")
    page.fill("#cron-pattern", "* * * * *")
    page.fill("#cron-input", "{not json")
    page.wait_for_selector("#cron-input-status.bad")
    page.fill("#cron-input", '{"note": "from the page"}')
    page.wait_for_selector("#cron-input-status.ok")
    page.click("#cron-create")
    row = page.locator('#cron-table tr[data-name="ui_every_minute"]')
    row.wait_for()
    trigger = api.c.get("/v2/cron_triggers/ui_every_minute").get_json()
    assert trigger["workflow_input"] == '{"note": "from the page"}'
    assert trigger["next_execution_time"] in row.inner_text()
    # How long until then (or, on a machine slow enough to pass it, how long ago).
    assert re.search(r"\((in \d+s|in 1m 00s|\d+s ago)\)", row.inner_text())
    # A bad pattern is refused with the API's reason.
    page.fill("#cron-name", "ui_bad")
    page.fill("#cron-workflow", "ui_cron_orders")
    page.fill("#cron-pattern", "every day")
    page.click("#cron-create")
    page.wait_for_selector("#create-error:not(.hidden)")
    assert "pattern is not valid" in page.inner_text("#create-error")
    screenshot(page, "cron-triggers")

    # Two firings (what `wfq beat` does each minute), then the history on the trigger's page.
    first = dt.datetime.strptime(trigger["next_execution_time"], "%Y-%m-%d %H:%M:%S")
    started = []
    for instant in (first, first + dt.timedelta(minutes=1)):
        fired = [
            f for f in cron_firing.fire_due(services, instant) if f.trigger_id == trigger["id"]
        ]
        started += [f.execution_id for f in fired]
    assert len(started) == 2
    for ex_id in started:
        api.wait(ex_id)
    row.locator("a").first.click()
    page.wait_for_selector(f'#history-table tr[data-id="{started[0]}"]')
    assert sorted(rows(page, "history-table")) == sorted(started)
    assert page.locator("#history-table .badge.state-SUCCESS").count() == 2
    screenshot(page, "cron-trigger")
    # The execution says which trigger started it and links back.
    page.click(f'#history-table tr[data-id="{started[0]}"] a')
    page.wait_for_selector(".meta a:text-is('a cron trigger')")
    page.go_back()
    page.wait_for_selector(f'#history-table tr[data-id="{started[0]}"]')

    # Delete asks for a second click, then the trigger is gone. The page refreshes every 5 s:
    # arm it just before a refresh, and the refresh must leave it armed.
    page.wait_for_timeout(4300)
    page.click("#delete-trigger")
    assert page.inner_text("#delete-trigger").startswith("Click again")
    page.wait_for_timeout(1500)
    assert page.inner_text("#delete-trigger").startswith("Click again")
    assert api.c.get(f"/v2/cron_triggers/{trigger['id']}").status_code == 200
    page.click("#delete-trigger")
    page.wait_for_url(re.compile(r"#/cron-triggers$"))
    page.wait_for_selector("#cron-table")
    assert "ui_every_minute" not in rows(page, "cron-table")
    assert api.c.get(f"/v2/cron_triggers/{trigger['id']}").status_code == 404


def test_environment_create_view_update_delete(api: Any, page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/ui/#/environments")
    page.click("#new-environment")
    page.fill("#env-name", "ui_staging")
    page.fill("#env-description", "staging endpoints")
    page.fill("#env-variables", '{"url": "http://127.0.0.1:9",')
    page.wait_for_selector("#validation.bad")
    assert page.is_disabled("#save")
    screenshot(page, "environment-editor-invalid")
    page.fill("#env-variables", '{"url": "http://127.0.0.1:9", "retries": 3}')
    page.wait_for_selector("#validation.ok")
    assert page.inner_text("#validation") == "✓ 2 variables"
    page.click("#save")
    page.wait_for_selector(".title-row h1:text-is('ui_staging')")
    assert '"retries": 3' in page.inner_text(".code-editor pre")
    env = api.c.get("/v2/environments/ui_staging").get_json()
    assert env["description"] == "staging endpoints"
    screenshot(page, "environment")

    page.click("#edit")
    page.fill("#env-description", "the staging stack")
    page.click("#save")
    page.wait_for_selector(".meta span:text-is('the staging stack')")
    assert api.c.get("/v2/environments/ui_staging").get_json()["description"] == "the staging stack"

    page.goto(f"{live_url}/ui/#/environments")
    page.wait_for_selector('#environments-table tr[data-name="ui_staging"]')
    assert "2: url, retries" in page.inner_text('#environments-table tr[data-name="ui_staging"]')
    screenshot(page, "environments")
    page.click('#environments-table tr[data-name="ui_staging"] a')
    page.click("#delete-environment")
    page.click("#delete-environment")
    page.wait_for_url(re.compile(r"#/environments$"))
    page.wait_for_selector("#environments-table")
    assert "ui_staging" not in rows(page, "environments-table")
    assert api.c.get("/v2/environments/ui_staging").status_code == 404
