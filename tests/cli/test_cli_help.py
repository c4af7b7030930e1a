"""What `wfq worker --help`, `wfq beat --help` and `wfq server --help` tell an operator."""

from __future__ import annotations

from click.testing import CliRunner

from wfq.cli.main import main


def test_worker_help_says_other_options_go_to_celery() -> None:
    result = CliRunner().invoke(main, ["worker", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "passed to Celery's worker" in text
    assert "wfq-<pid>@<host>" in text


def test_beat_help_says_it_fires_cron_triggers_now() -> None:
    result = CliRunner().invoke(main, ["beat", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "fires cron triggers" in text and "later" not in text


def test_server_help_says_what_the_embedded_mode_runs_and_how_many_actions_at_once() -> None:
    result = CliRunner().invoke(main, ["server", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "worker_slots (1000) actions at once" in text
    assert "cron triggers" in text and "run `wfq worker` and `wfq beat`" in text
