"""Rows -> plain dicts with Mistral's field names and native values (the API encodes them).

Each view is the resource's description in `wfq.fields` applied to a row.
"""

from __future__ import annotations

from typing import Any

from wfq import fields as described
from wfq.fields.definitions import input_text
from wfq.persistence.models import (
    ActionDefinition,
    ActionExecution,
    CronTrigger,
    Environment,
    TaskExecution,
    Workbook,
    WorkflowDefinition,
    WorkflowExecution,
)

__all__ = [
    "action_definition",
    "action_execution",
    "cron_trigger",
    "environment",
    "execution",
    "input_text",
    "task",
    "workbook",
    "workflow",
]


def workflow(row: WorkflowDefinition) -> dict[str, Any]:
    return described.view(described.WORKFLOW, row)


def execution(row: WorkflowExecution) -> dict[str, Any]:
    return described.view(described.EXECUTION, row)


def task(row: TaskExecution) -> dict[str, Any]:
    """A task execution; `progress` is added by `wfq.services.progress`."""
    return described.view(described.TASK, row)


def action_execution(row: ActionExecution) -> dict[str, Any]:
    """An action execution; `task_name` is null until `wfq.services.queries` joins it in."""
    return described.view(described.ACTION_EXECUTION, row, task_name=None)


def workbook(row: Workbook) -> dict[str, Any]:
    return described.view(described.WORKBOOK, row)


def action_definition(row: ActionDefinition) -> dict[str, Any]:
    return described.view(described.ACTION, row)


def environment(row: Environment) -> dict[str, Any]:
    return described.view(described.ENVIRONMENT, row)


def cron_trigger(row: CronTrigger) -> dict[str, Any]:
    return described.view(described.CRON_TRIGGER, row)
