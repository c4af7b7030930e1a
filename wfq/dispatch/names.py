"""Celery task names shared by the dispatcher (sender) and workers/ (receiver)."""

RUN_ACTION = "wfq.run_action"
"""args: [action_execution_id]. Claims, runs and completes one action execution."""

RUN_ITEMS = "wfq.run_items"
"""args: [action_execution_id, notify]. A with-items lane: runs the item, then claims and runs the
task's next IDLE items until none is left. Chord header task (its result is kept)."""

CONTINUE_EXECUTION = "wfq.continue_execution"
"""args: [event dict]. Applies an engine event (timer, subworkflow end, chord callback)."""

RECOVER = "wfq.recover"
"""No args. The periodic integrity check: re-sends stranded work, fails lost actions."""

FIRE_CRON_TRIGGERS = "wfq.fire_cron_triggers"
"""No args: fires the cron triggers that are due (exactly once). Beat fires them itself now
(beat/scheduler.py); a worker still accepts the message from a beat of an older version."""

NOTIFY = "wfq.notify"
"""args: [targets, payload]. Posts one state-change event to the execution's webhooks."""
