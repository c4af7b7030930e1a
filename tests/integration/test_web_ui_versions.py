"""Definition versions in the web UI (headless Chromium, live API over PostgreSQL, a real
Celery worker): a workflow saved twice lists both versions and shows the diff between them; an
execution says which version it runs. The screenshot goes to
test-artifacts/ui/workflow-versions.png (docs/screenshots/ holds a reviewed copy)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from web_browser import rows, screenshot

pytestmark = pytest.mark.integration

V1 = """\
version: '2.0'
{name}:
  input:
    - target: staging
  tasks:
    build:
      action: std.echo output="build for <% $.target %>"
      on-success: [ship]
    ship:
      action: std.echo output="ship to <% $.target %>"
"""
V2 = (
    V1.replace("ship to", "deploy to")
    + """\
      on-success: [notify]
    notify:
      action: std.noop
"""
)


def test_a_workflow_page_lists_versions_and_diffs_two(api: Any, page: Any, live_url: str) -> None:
    name = f"ui_versions_{uuid.uuid4().hex[:6]}"
    wf = api.create_workflow(V1.format(name=name))[0]
    old_run = api.start(name)
    # The second version is saved through the editor, as a reader would.
    page.goto(f"{live_url}/ui/#/workflows/{wf['id']}/edit")
    page.wait_for_selector("#validation.ok")
    page.fill("#definition-input", V2.format(name=name))
    page.wait_for_selector("#validation.ok")
    page.click("#save")
    page.wait_for_selector("#edit")
    page.wait_for_selector("#versions-table tbody tr[data-id='1']")
    assert rows(page, "versions-table") == ["2", "1"]
    assert "current" in page.inner_text("#versions-table tr[data-id='2']")
    # The diff of v1 -> v2 opens by default: the changed line, and the changed paths.
    page.wait_for_selector("#unified-diff .diff-add")
    assert page.inner_text("#diff-summary").endswith("2 added, 0 removed, 1 changed")
    removed = page.locator("#unified-diff .diff-del").all_inner_texts()
    assert removed == ['-      action: std.echo output="ship to <% $.target %>"']
    assert f"{name}.tasks.notify" in rows(page, "version-changes")
    # An execution of each version; the page lists which ran which.
    new_run = api.start(name)
    assert (old_run["workflow_version"], new_run["workflow_version"]) == (1, 2)
    api.wait(old_run["id"])
    api.wait(new_run["id"])
    page.reload()
    page.wait_for_selector(f"#recent-executions tr[data-id='{old_run['id']}']")
    assert page.inner_text(f"#recent-executions tr[data-id='{old_run['id']}'] td.num") == "v1"
    assert page.inner_text(f"#recent-executions tr[data-id='{new_run['id']}'] td.num") == "v2"
    page.wait_for_selector("#unified-diff .diff-add")
    # Choosing the versions the other way round diffs back.
    page.select_option("#diff-from", "2")
    page.select_option("#diff-to", "1")
    page.wait_for_selector("#diff-summary:text-matches('version 2 → 1')")
    page.select_option("#diff-from", "1")
    page.select_option("#diff-to", "2")
    page.wait_for_selector("#diff-summary:text-matches('version 1 → 2')")
    screenshot(page, "workflow-versions")


def test_an_execution_page_shows_the_version_it_runs(api: Any, page: Any, live_url: str) -> None:
    name = f"ui_exver_{uuid.uuid4().hex[:6]}"
    api.create_workflow(V1.format(name=name))
    r = api.c.put("/v2/workflows", data=V2.format(name=name), content_type="text/plain")
    assert r.status_code == 200
    body = {"workflow_name": name, "input": json.dumps({}), "workflow_version": 1}
    ex = api.c.post("/v2/executions", json=body).get_json()
    api.wait(ex["id"])
    page.goto(f"{live_url}/ui/#/executions/{ex['id']}")
    page.wait_for_selector("#execution-version")
    assert page.inner_text("#execution-version") == "workflow version 1"
    assert set(api.tasks(ex["id"])) == {"build", "ship"}


WORKBOOK = """\
version: '2.0'
name: {name}
workflows:
  hello:
    tasks:
      greet:
        action: std.echo output="{word}"
"""


def test_a_workbook_page_lists_its_versions(api: Any, page: Any, live_url: str) -> None:
    name = f"ui_wbver_{uuid.uuid4().hex[:6]}"
    for word, call in (("hello", api.c.post), ("bonjour", api.c.put)):
        r = call(
            "/v2/workbooks", data=WORKBOOK.format(name=name, word=word), content_type="text/plain"
        )
        assert r.status_code in (200, 201), r.get_json()
    page.goto(f"{live_url}/ui/#/workbooks/{name}")
    page.wait_for_selector("#versions-table tbody tr[data-id='1']")
    assert rows(page, "versions-table") == ["2", "1"]
    page.wait_for_selector("#unified-diff .diff-add")
    assert page.locator("#unified-diff .diff-add").all_inner_texts() == [
        '+        action: std.echo output="bonjour"'
    ]
    assert rows(page, "version-changes") == ["workflows.hello.tasks.greet.action"]
