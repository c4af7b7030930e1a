"""Structured logs: the ids of `log_context` on every record, text or JSON lines, `--log-format`."""

from __future__ import annotations

import io
import json
import logging
import threading

import pytest
from click.testing import CliRunner

from wfq import logging_setup
from wfq.cli.main import main
from wfq.logging_setup import bind, log_context

log = logging.getLogger("wfq.test")


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_ids_of_the_context() -> None:
    out = io.StringIO()
    logging_setup.configure("INFO", "json", stream=out)
    log.info("outside")
    with log_context(execution_id="ex-1"):
        log.info("in the execution")
        with log_context(action_execution_id="act-1"):
            bind(task_execution_id="task-1")
            log.warning("claimed %s", "act-1", extra={"worker": "w1"})
        log.info("back in the execution")
    log.info("outside again")
    first, in_ex, claimed, back, last = records(out)
    assert first["execution_id"] is None and first["message"] == "outside"
    assert in_ex["execution_id"] == "ex-1" and in_ex["task_execution_id"] is None
    assert claimed == {
        "ts": claimed["ts"],
        "level": "WARNING",
        "logger": "wfq.test",
        "message": "claimed act-1",
        "execution_id": "ex-1",
        "task_execution_id": "task-1",
        "action_execution_id": "act-1",
        "worker": "w1",
    }
    assert str(claimed["ts"]).endswith("+00:00")
    assert back["action_execution_id"] is None and back["task_execution_id"] is None
    assert last["execution_id"] is None


def test_exceptions_are_one_json_line() -> None:
    out = io.StringIO()
    logging_setup.configure("INFO", "json", stream=out)
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        log.exception("it failed")
    (rec,) = records(out)
    assert "ValueError: bad" in str(rec["exc_info"])


def test_text_lines_end_with_the_known_ids() -> None:
    out = io.StringIO()
    logging_setup.configure("DEBUG", "text", stream=out)
    with log_context(execution_id="ex-1", task_execution_id="task-1"):
        log.debug("hello")
    log.debug("plain")
    first, second = out.getvalue().splitlines()
    assert first.endswith("DEBUG wfq.test: hello [ex=ex-1 task=task-1]")
    assert second.endswith("DEBUG wfq.test: plain")


def test_each_thread_has_its_own_ids() -> None:
    out = io.StringIO()
    logging_setup.configure("INFO", "json", stream=out)
    ready = threading.Event()
    done = threading.Event()

    def other() -> None:
        with log_context(execution_id="other"):
            ready.set()
            done.wait(5)

    t = threading.Thread(target=other)
    t.start()
    ready.wait(5)
    log.info("main thread")
    done.set()
    t.join()
    assert records(out)[0]["execution_id"] is None


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown log format 'xml'"):
        logging_setup.configure("INFO", "xml")


def test_the_cli_option_and_variable_choose_json() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["--log-format", "json", "graph", "--help"])
    assert result.exit_code == 0
    # `--help` of a subcommand still runs the group: the root logger now writes JSON.
    formatter = logging.getLogger().handlers[0].formatter
    assert isinstance(formatter, logging_setup.JsonFormatter)
    runner.invoke(main, ["graph", "--help"], env={"WFQ_LOG_FORMAT": "text"})
    assert isinstance(logging.getLogger().handlers[0].formatter, logging_setup.TextFormatter)
    bad = runner.invoke(main, ["--log-format", "xml", "graph", "--help"])
    assert bad.exit_code == 2
