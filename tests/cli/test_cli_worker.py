"""`wfq worker`: its defaults (wfq's pool, worker_slots) and the options it hands to Celery."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from wfq.cli import main as cli


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, list[str]]]:
    """Capture the Celery app and argv `wfq worker` would start, instead of starting it."""
    from workers.app import WfqCelery

    calls: list[tuple[Any, list[str]]] = []
    monkeypatch.setattr(WfqCelery, "worker_main", lambda self, argv: calls.append((self, argv)))
    return calls


def test_by_default_a_worker_runs_worker_slots_actions_in_threads(started: list[Any]) -> None:
    result = CliRunner().invoke(
        cli.main, ["worker"], env={"WFQ_BROKER_URL": "redis://127.0.0.1:6379/15"}
    )
    assert result.exit_code == 0, result.output
    [(app, argv)] = started
    assert app.conf.worker_pool == "threads"
    assert "--concurrency=1000" in argv


def test_slots_and_other_celery_options_are_passed_on(started: list[Any]) -> None:
    args = ["worker", "-c", "300", "--max-tasks-per-child", "50", "-n", "w1@%h"]
    assert CliRunner().invoke(cli.main, args, env={"WFQ_WORKER_SLOTS": "5"}).exit_code == 0
    [(_, argv)] = started
    assert "--concurrency=300" in argv
    assert "--hostname=w1@%h" in argv  # the node name wfq chose is replaced, not doubled
    assert argv[-2:] == ["--max-tasks-per-child", "50"]


@pytest.mark.parametrize(
    "option", [["--pool", "prefork"], ["--pool=prefork"], ["-P", "prefork"], ["-Pprefork"]]
)
def test_a_pool_option_chooses_the_pool_and_leaves_the_size_to_celery(
    started: list[Any], option: list[str]
) -> None:
    assert CliRunner().invoke(cli.main, ["worker", *option]).exit_code == 0
    [(app, argv)] = started
    assert app.conf.worker_pool == "prefork"  # Celery would otherwise keep the configured threads
    assert not any(a.startswith("--concurrency") for a in argv)  # processes: one per core


def test_help_says_how_many_actions_and_that_options_go_to_celery() -> None:
    out = " ".join(CliRunner().invoke(cli.main, ["worker", "--help"]).output.split())
    assert "1000" in out and "passed to Celery's worker" in out
