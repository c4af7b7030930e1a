"""`wfq executions`, `wfq tasks`, `wfq watch`, `wfq graph` against a live API server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import Result

from wfq.services.context import Services

OK = """\
version: '2.0'
m_ok:
  tasks:
    first:
      action: std.echo output=1
      on-success: [second]
    second:
      action: std.noop
"""
BAD = """\
version: '2.0'
m_bad:
  tasks:
    boom:
      action: std.fail
"""
ITEMS = """\
version: '2.0'
m_items:
  tasks:
    prepare:
      action: std.noop
      on-success: [each]
    each:
      with-items: i in [1, 2, 3, 4]
      concurrency: 1
      action: std.echo
      input: {output: <% $.i %>, delay: 0.15}
"""
SOME_FAIL = """\
version: '2.0'
m_somefail:
  tasks:
    each:
      with-items: i in [1, 2, 3, 4, 5]
      concurrency: 1
      action: std.echo
      input:
        output: <% $.i %>
        delay: <% $.i in [2, 4] and 'bad' or 0.1 %>
"""
GRAPH = """\
version: '2.0'
diamond:
  tasks:
    a:
      action: std.echo output=1
      on-success: [b, c]
    b:
      action: std.noop
      on-success: [d]
      on-error:
        - fail
    c:
      workflow: child
      on-complete:
        - d: <% $.go %>
    d:
      join: all
      with-items: x in [1, 2]
      action: std.noop
"""


def lines(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return result.stdout.rstrip("\n").split("\n")


def column_starts(header: str, names: list[str]) -> list[int]:
    return [header.index(n) for n in names]


def test_executions_table(wfq: Callable[..., Result], start: Callable[..., str]) -> None:
    ok1, ok2, bad = start(OK), start(OK), start(BAD)
    out = lines(wfq("executions"))
    header, rows = out[0], out[1:]
    cols = column_starts(
        header, ["ID", "WORKFLOW", "STATE", "STARTED (UTC)", "DURATION", "STATE INFO", "VERSION"]
    )
    version = cols.pop()  # the workflow version (docs/versions.md), between WORKFLOW and STATE
    assert cols[1] < version < cols[2]
    assert cols == sorted(cols)
    assert len(rows) == 3
    by_id = {r.split()[0]: r for r in rows}
    assert set(by_id) == {ok1, ok2, bad}
    for row in rows:  # aligned: every value starts under its header
        assert row[cols[1] - 2 : cols[1]] == "  " and row[cols[1]] != " "
        assert row[cols[2] :].split()[0] in ("SUCCESS", "ERROR")
    assert by_id[bad][cols[2] :].startswith("ERROR")
    assert by_id[ok1][cols[1] :].startswith("m_ok")
    assert by_id[bad][cols[5] :].startswith("Failure caused by error in tasks: boom")
    assert by_id[ok1][cols[5] :] == "-"
    assert by_id[ok1][version:].split()[0] == "1"


def test_executions_filters_and_limit(
    wfq: Callable[..., Result], start: Callable[..., str]
) -> None:
    start(OK)
    bad = start(BAD)
    only_error = lines(wfq("executions", "--state", "error"))[1:]
    assert [r.split()[0] for r in only_error] == [bad]
    only_ok = lines(wfq("executions", "--workflow", "m_ok"))[1:]
    assert len(only_ok) == 1 and "m_ok" in only_ok[0]
    assert len(lines(wfq("executions", "--limit", "1"))) == 2
    assert lines(wfq("executions", "--workflow", "nothing")) == [
        "ID  WORKFLOW  VERSION  STATE  STARTED (UTC)  DURATION  STATE INFO"
    ]


def test_tasks_table(wfq: Callable[..., Result], start: Callable[..., str]) -> None:
    ex = start(OK)
    out = lines(wfq("tasks", ex))
    assert out[0].split() == [
        "ID",
        "TASK",
        "STATE",
        "STARTED",
        "(UTC)",
        "DURATION",
        "STATE",
        "INFO",
    ]
    names = [r.split()[1:3] for r in out[1:]]
    assert names == [["first", "SUCCESS"], ["second", "SUCCESS"]]


def test_tasks_of_an_unknown_execution(wfq: Callable[..., Result]) -> None:
    result = wfq("tasks", "nope")
    assert result.exit_code == 1
    assert "404: WorkflowExecution not found [id=nope]" in result.output


def test_a_server_that_cannot_be_reached(wfq: Callable[..., Result]) -> None:
    from click.testing import CliRunner

    from wfq.cli.main import main

    result = CliRunner().invoke(main, ["executions", "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot reach the wfq API at http://127.0.0.1:9" in result.output


@pytest.fixture
def worker(services: Services) -> Iterator[None]:
    """Runs the inline dispatcher's queue in the background, one message at a time."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            if not services.dispatcher.drain(limit=1):
                time.sleep(0.01)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


def test_watch_shows_task_states_and_item_progress(
    wfq: Callable[..., Result], start: Callable[..., str], worker: None
) -> None:
    ex = start(ITEMS, drain=False)
    result = wfq("watch", ex, "--interval", "0.05")
    out = lines(result)
    assert out[0] == f"execution {ex} of m_items: RUNNING"
    assert out[-1].startswith("execution SUCCESS after ")
    progress = [line.split()[1:] for line in out[1:-1]]
    assert ["prepare", "SUCCESS"] in progress
    assert ["each", "SUCCESS", "[##########]", "4/4"] in progress
    partial = [p for p in progress if p[:2] == ["each", "RUNNING"]]
    assert partial, out
    assert all(p[2].startswith("[") and p[2].endswith("]") and len(p[2]) == 12 for p in partial)
    counts = [int(p[3].split("/")[0]) for p in partial]
    assert counts == sorted(counts) and counts[-1] <= 4
    assert any(0 < c < 4 for c in counts), out


def test_watch_counts_failed_items_and_estimates_the_time_left(
    wfq: Callable[..., Result], start: Callable[..., str], worker: None
) -> None:
    ex = start(SOME_FAIL, drain=False)
    result = wfq("watch", ex, "--interval", "0.05")
    assert result.exit_code == 1
    rows = [line.split()[1:] for line in result.stdout.split("\n")[1:-2]]
    assert ["each", "ERROR", "[##########]", "5/5", "2", "failed"] in [r[:6] for r in rows], (
        result.output
    )
    running = [r for r in rows if r[:2] == ["each", "RUNNING"] and r[3] != "0/5"]
    assert running and all(r[-2].startswith("~") and r[-1] == "left" for r in running), (
        result.output
    )


def test_the_time_left_as_watch_prints_it() -> None:
    from wfq.cli.watch import eta_text

    def task(state: str, eta: float | None) -> dict[str, Any]:
        return {"state": state, "progress": {"done": 3, "total": 9, "eta_seconds": eta}}

    assert eta_text(task("RUNNING", 12.4)) == "  ~13s left"
    assert eta_text(task("RUNNING", 0.2)) == "  ~1s left"
    assert eta_text(task("RUNNING", 185.0)) == "  ~3m05s left"
    assert eta_text(task("RUNNING", None)) == ""
    assert eta_text(task("SUCCESS", 0.0)) == ""


def test_watch_exits_1_when_the_execution_fails(
    wfq: Callable[..., Result], start: Callable[..., str], worker: None
) -> None:
    ex = start(BAD, drain=False)
    result = wfq("watch", ex, "--interval", "0.05")
    assert result.exit_code == 1
    assert "boom" in result.output and "ERROR" in result.output
    assert "execution ERROR after" in result.output


def test_watch_gives_up_after_its_timeout(
    wfq: Callable[..., Result], start: Callable[..., str]
) -> None:
    ex = start(OK, drain=False)  # nobody runs the actions
    result = wfq("watch", ex, "--interval", "0.05", "--timeout", "0.3")
    assert result.exit_code == 1
    assert "still RUNNING after 0.3 s; stopped watching" in result.output


def test_graph_as_text(
    wfq: Callable[..., Result], services: Services, start: Callable[..., Any]
) -> None:
    from wfq.services import definitions

    definitions.create_workflows(services, GRAPH, project_id="<default-project>")
    assert wfq("graph", "diamond").stdout == (
        "diamond (direct workflow): 4 tasks, 3 levels\n"
        "level 0\n"
        "  a  std.echo  [start]\n"
        "    --on-success--> b\n"
        "    --on-success--> c\n"
        "level 1\n"
        "  b  std.noop\n"
        "    --on-success--> d\n"
        "    --on-error--> (fail)\n"
        "  c  workflow child\n"
        "    --on-complete--> d  when <% $.go %>\n"
        "level 2\n"
        "  d  std.noop  [join: all, with-items]\n"
    )


def test_graph_as_dot(wfq: Callable[..., Result], services: Services) -> None:
    from wfq.services import definitions

    definitions.create_workflows(services, GRAPH, project_id="<default-project>")
    dot = wfq("graph", "diamond", "--dot").stdout
    assert dot.startswith('digraph "diamond" {\n  rankdir=LR;')
    assert '"a" -> "b" [label="on-success", color="#2e7d32"' in dot
    assert '"c" -> "d" [label="on-complete\\n<% $.go %>"' in dot
    assert '"d" [label="d\\nstd.noop\\njoin: all\\nwith-items", peripheries=2];' in dot
    assert '{ rank=same; "b"; "c"; }' in dot
    assert dot.rstrip().endswith("}")


def test_graph_of_an_unknown_workflow(wfq: Callable[..., Result]) -> None:
    result = wfq("graph", "nope")
    assert result.exit_code == 1
    assert "404: Workflow not found" in result.output


def test_token_from_option_or_environment(make_server_for: Callable[..., Any]) -> None:
    from click.testing import CliRunner

    from wfq.cli.main import main

    _, live = make_server_for(auth_tokens={"s3cret": "proj-a"})
    runner = CliRunner()
    refused = runner.invoke(main, ["executions", "--url", live.url])
    assert refused.exit_code == 1 and "401" in refused.output
    assert (
        runner.invoke(main, ["executions", "--url", live.url, "--token", "s3cret"]).exit_code == 0
    )
    by_env = runner.invoke(
        main, ["executions"], env={"WFQ_API_URL": live.url, "WFQ_API_TOKEN": "s3cret"}
    )
    assert by_env.exit_code == 0, by_env.output
    assert by_env.stdout.startswith("ID ")


def test_watch_ends_on_a_reverted_execution(
    wfq: Callable[..., Result], start: Callable[..., str], worker: None
) -> None:
    """Compensation (docs/compensation.md): REVERTED is an end, and not a success."""
    text = (
        "version: '2.0'\nm_reverted:\n  tasks:\n    made:\n      action: std.noop\n"
        "      revert: std.noop\n      on-success: [boom]\n    boom:\n      action: std.fail\n"
    )
    ex = start(text, drain=False)
    result = wfq("watch", ex, "--interval", "0.05", "--timeout", "20")
    assert "stopped watching" not in result.output
    assert "made:revert" in result.output
    assert "execution REVERTED after" in result.output
    assert result.exit_code == 1
