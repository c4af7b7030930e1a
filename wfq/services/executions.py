"""Starting workflow executions (the API, the CLI, event triggers): one transaction
(`starting.start`), then its commands carried out."""

from __future__ import annotations

from typing import Any

from wfq.logging_setup import bind, log_context
from wfq.persistence.db import DuplicateRow
from wfq.services import starting, work_list
from wfq.services.context import Services


def start_execution(
    svc: Services,
    workflow: str,
    *,
    project_id: str,
    **options: Any,
) -> str:
    """Create an execution of `workflow` (name or id) and start it; returns its id.

    Options: namespace, wf_input, params, description, execution_id, root_execution_id,
    cron_trigger_id, workbook_name, workflow_version (see `starting.create_and_start`).
    """
    return _start(svc, workflow, project_id, options).execution_id


def start_and_show(
    svc: Services, workflow: str, *, project_id: str, **options: Any
) -> dict[str, Any]:
    """Like `start_execution`, but returns the execution as its start transaction committed
    it (RUNNING, as Mistral answers), however fast the workers then are.

    A client-given `execution_id` that is already taken (by an execution the caller cannot see:
    the API returns one of its own project instead) is a 409, as Mistral's duplicate entry;
    nothing else about that execution is told."""
    try:
        view = _start(svc, workflow, project_id, options).view
    except DuplicateRow:
        if not options.get("execution_id"):
            raise
        raise starting.id_taken(options["execution_id"]) from None
    assert view is not None
    return view


def _start(
    svc: Services, workflow: str, project_id: str, options: dict[str, Any]
) -> starting.Started:
    started = starting.start(svc, workflow, project_id, None, options)
    with log_context():
        bind(execution_id=started.execution_id or None)
        work_list.carry_out(svc, started.commands)
    return started
