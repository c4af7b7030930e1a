"""Celery task names shared by the dispatcher (sender) and workers/ (receiver)."""

RUN_ACTION = "wfq.run_action"
"""args: [action_execution_id]. Claims, runs and completes one action execution."""

CONTINUE_EXECUTION = "wfq.continue_execution"
"""args: [event dict]. Applies an engine event (timer, subworkflow end, chord callback)."""

RECOVER = "wfq.recover"
"""No args. The periodic integrity check: re-sends stranded work, fails lost actions."""
