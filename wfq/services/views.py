"""Rows -> plain dicts with Mistral's field names and native values (the API encodes them)."""

from __future__ import annotations

import json
from typing import Any

from wfq import fields as described
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


def input_text(inputs: list[Any]) -> str:
    """Mistral's `input` text of a declared input list: `names, greeting="hi"`."""
    parts = []
    for item in inputs or []:
        if isinstance(item, dict):
            ((k, v),) = item.items()
            parts.append(f"{k}={json.dumps(v)}")
        else:
            parts.append(str(item))
    return ", ".join(parts)


def workflow(row: WorkflowDefinition) -> dict[str, Any]:
    spec = row.spec
    inputs = spec.get("input_raw", [])
    output = spec.get("output") or {}
    return {
        "id": row.id,
        "name": row.name,
        "namespace": row.namespace,
        "input": input_text(inputs),
        "interface": {
            "input": inputs,
            "output": list(output) if isinstance(output, dict) else [],
        },
        "definition": row.definition,
        "checksum": row.checksum,
        "tags": row.tags or [],
        "scope": row.scope,
        "project_id": row.project_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def execution(row: WorkflowExecution) -> dict[str, Any]:
    return described.view(described.EXECUTION, row)


def task(row: TaskExecution) -> dict[str, Any]:
    """A task execution; `progress` is added by `wfq.services.progress`."""
    return described.view(described.TASK, row)


def action_execution(row: ActionExecution) -> dict[str, Any]:
    """An action execution; `task_name` is null until `wfq.services.queries` joins it in."""
    return described.view(described.ACTION_EXECUTION, row, task_name=None)


def workbook(row: Workbook) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "namespace": row.namespace,
        "definition": row.definition,
        "tags": row.tags or [],
        "scope": row.scope,
        "project_id": row.project_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def action_definition(row: ActionDefinition) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "is_system": row.is_system,
        "input": row.input,
        "description": row.description,
        "tags": row.tags or [],
        "definition": row.definition,
        "scope": row.scope,
        "project_id": row.project_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "namespace": row.namespace,
    }


def environment(row: Environment) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "variables": row.variables,
        "scope": row.scope,
        "project_id": row.project_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def cron_trigger(row: CronTrigger) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "pattern": row.pattern,
        "workflow_name": row.workflow_name,
        "workflow_id": row.workflow_id,
        "workflow_namespace": row.workflow_namespace,
        "workflow_input": row.workflow_input,
        "workflow_params": row.workflow_params,
        "scope": row.scope,
        "project_id": row.project_id,
        "remaining_executions": row.remaining_executions,
        "first_execution_time": row.first_execution_time,
        "next_execution_time": row.next_execution_time,
        "status": row.status,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
