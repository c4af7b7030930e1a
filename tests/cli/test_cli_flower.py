"""`wfq flower`: runs Celery's Flower on wfq's broker, or says why it cannot."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from click.testing import CliRunner

from wfq.cli.main import main

REDIS = {"WFQ_BROKER_URL": "redis://127.0.0.1:6379/15"}


def test_flower_needs_a_real_broker() -> None:
    result = CliRunner().invoke(main, ["flower"], env={"WFQ_BROKER_URL": "memory://"})
    assert result.exit_code == 1
    assert "Flower needs a real broker: set WFQ_BROKER_URL" in result.output


def test_flower_must_be_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "flower", None)  # makes `import flower` fail
    result = CliRunner().invoke(main, ["flower"], env=REDIS)
    assert result.exit_code == 1
    assert "Flower is not installed: pip install flower" in result.output


def test_flower_runs_on_the_wfq_celery_app(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("flower")
    import workers.app

    started: list[Any] = []

    class FakeApp:
        def start(self, argv: list[str]) -> None:
            started.append(argv)

    made: list[Any] = []
    monkeypatch.setattr(workers.app, "make_celery", lambda s: made.append(s) or FakeApp())
    result = CliRunner().invoke(
        main, ["flower", "--port", "5566", "--basic-auth=ops:pw"], env=REDIS
    )
    assert result.exit_code == 0, result.output
    assert started == [["flower", "--port=5566", "--basic-auth=ops:pw"]]
    assert made[0].broker_url == REDIS["WFQ_BROKER_URL"]
