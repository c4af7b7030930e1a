"""A timer that came due while wfq was down fires as soon as wfq is back, not 30 s later.

The embedded `wfq server` (memory:// broker) loses a timer's delayed message when it stops; the
integrity check fires late timers from the database. Its first pass after a start must not wait
`recovery_interval_s` and then apply `dispatch_grace_s` (both meant for a broker that may still
deliver the message): nothing was left to deliver it.
"""

from __future__ import annotations

import time
from pathlib import Path

from wfq.cli.bootstrap import build
from wfq.services import definitions, executions, queries
from wfq.settings import Settings

P = "<default-project>"
WAITS = """\
version: '2.0'
waits:
  tasks:
    later:
      wait-before: 2
      action: std.echo
      input: {output: done}
      publish: {said: <% task().result %>}
"""
DEADLINE_S = 20.0
"""Well under the 30 s (`dispatch_grace_s`) after which the bug fired the timer, and generous
for a loaded machine: the fixed server fires it on its first pass, at start."""


def test_a_timer_due_while_wfq_was_down_fires_at_once_after_the_restart(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/wfq.sqlite")  # defaults otherwise
    first = build(settings)
    definitions.create_workflows(first.services, WAITS, project_id=P)
    ex_id = executions.start_execution(first.services, "waits", project_id=P)
    first.close()  # wfq goes down: the timer's message lived in this process's broker
    time.sleep(3)  # the timer comes due while nothing runs

    second = build(settings)  # embedded: starts its worker and periodic work
    try:
        restarted = time.monotonic()
        state = "RUNNING"
        while time.monotonic() - restarted < DEADLINE_S:
            ex = queries.get(second.services, "execution", ex_id, project_id=P)
            state = ex["state"]
            if state != "RUNNING":
                break
            time.sleep(0.2)
        assert state == "SUCCESS", (state, ex.get("state_info"))
        assert ex["output"] == {"said": "done"}
    finally:
        second.close()
