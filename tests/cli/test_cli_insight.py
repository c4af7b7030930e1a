"""`wfq test FILE --mocks M.yaml` (no server, exit code for CI), and `wfq explain` / `wfq
evaluate` against a live API server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from wfq.cli.main import main

WORKBOOK = """\
version: '2.0'
name: shop
actions:
  charge:
    base: std.http
    base-input: {url: "https://pay.invalid/<% $.amount %>", method: POST}
    input: [amount]
    output: <% $.content.id %>
workflows:
  order:
    input: [items]
    output: {receipts: <% $.receipts %>, shipped: <% $.shipped %>}
    tasks:
      pay:
        with-items: amount in <% $.items %>
        action: charge amount=<% $.amount %>
        publish: {receipts: <% task().result %>}
        on-success: [ship]
        on-error: [refund]
      ship:
        workflow: shipping
        input: {count: <% $.receipts.len() %>}
        publish: {shipped: <% task().result.label %>}
      refund:
        action: std.noop
  shipping:
    input: [count]
    output: {label: <% $.label %>}
    tasks:
      book:
        action: corp.courier parcels=<% $.count %>
        publish: {label: <% task().result %>}
"""

PASSING = """\
workflow: shop.order
input: {items: [10, 20]}
mocks:
  actions:
    std.http: {result: {content: {id: "r-<% $.url.split('/').last() %>"}}}
  tasks:
    book: {result: "2 parcels"}
expect:
  state: SUCCESS
  output: {receipts: [r-10, r-20], shipped: 2 parcels}
  tasks: {pay: SUCCESS, ship: SUCCESS}
  not_run: [refund]
"""


def _files(tmp_path: Path, mocks: str) -> tuple[str, str, str]:
    (tmp_path / "wb.yaml").write_text(WORKBOOK)
    (tmp_path / "mocks.yaml").write_text(mocks)
    return str(tmp_path / "wb.yaml"), "--mocks", str(tmp_path / "mocks.yaml")


def _test(*args: str) -> Result:
    return CliRunner().invoke(main, ["test", *args], catch_exceptions=False)


def test_wfq_test_passes_when_the_outcome_is_expected(tmp_path: Path) -> None:
    result = _test(*_files(tmp_path, PASSING))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "dry run of shop.order: SUCCESS" in out
    assert "dry run of shop.shipping: SUCCESS" in out  # the subworkflow, indented under ship
    assert "transitions taken: 1 of 2" in out and "not taken: pay on-error -> refund" in out
    assert out.rstrip().endswith("OK: the outcome is what MOCKS expects")


def test_wfq_test_fails_on_a_different_outcome_and_says_how(tmp_path: Path) -> None:
    failing = PASSING.replace(
        "std.http: {result:",
        "std.http: [{result: {content: {id: ok}}}, {error: declined}]\n    unused: {result:",
    )
    result = _test(*_files(tmp_path, failing))
    assert result.exit_code == 1
    assert "MISMATCH task pay: expected SUCCESS, got ERROR" in result.output
    assert "MISMATCH task refund: expected never to run, but it ran" in result.output
    assert result.output.rstrip().endswith("FAILED")


def test_wfq_test_json_report_and_bad_mocks(tmp_path: Path) -> None:
    wb, _, mocks = _files(tmp_path, PASSING)
    report = json.loads(_test(wb, "--mocks", mocks, "--json").output)
    assert report["mismatches"] == []
    assert [c["input"] for c in report["tasks"][0]["actions"]] == [{"amount": 10}, {"amount": 20}]
    (tmp_path / "bad.yaml").write_text("mocks: {tasks: {pay: 3}}\n")
    bad = _test(wb, "--mocks", str(tmp_path / "bad.yaml"))
    assert bad.exit_code == 1
    assert "each outcome is {result: ...} or {error: ...}" in bad.output


def test_wfq_explain_and_evaluate_through_the_api(
    wfq: Callable[..., Result], start: Callable[..., str], services: Any
) -> None:
    text = """\
version: '2.0'
why:
  input: [n]
  tasks:
    first:
      action: std.echo output=<% $.n %>
      on-success: [second]
    second:
      action: std.noop
      wait-before: 3600
"""
    ex_id = start(text, {"n": 5}, drain=False)
    services.dispatcher.drain(limit=1)  # first runs; second now waits an hour
    out = wfq("explain", ex_id)
    assert out.exit_code == 0, out.output
    assert f"execution {ex_id} (why) RUNNING" in out.output
    assert "- second [DELAYED] wait-before: second: wait-before until" in out.output
    from wfq.persistence.listing import ListQuery
    from wfq.services import queries

    tasks = queries.list_(
        services,
        "task",
        ListQuery(filters={"workflow_execution_id": ("eq", ex_id)}),
        project_id="<default-project>",
    )
    first = next(t for t in tasks if t["name"] == "first")
    assert (
        wfq("explain", first["id"])
        .output.splitlines()[-1]
        .endswith("first is SUCCESS: it waits for nothing.")
    )
    ok = wfq("evaluate", first["id"], "<% task().result * $.n %>")
    assert ok.exit_code == 0 and ok.stdout.strip() == "25"
    bad = wfq("evaluate", first["id"], "<% $.missing %>")
    assert bad.exit_code == 1 and "key 'missing' not found" in bad.output
    assert wfq("explain", "nope").exit_code == 1
