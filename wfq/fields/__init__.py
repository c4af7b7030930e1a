"""Each Mistral resource's fields, described once (issue #20): API name, where the value comes
from, JSON type, whether it is a JSON-encoded string, its documentation, whether lists show it.

The service views (`wfq.services.views`), the response shapes (`wfq.api.shapes`) and the
OpenAPI models (`wfq.api.schemas`) are derived from these descriptions. The SQL columns stay in
`wfq.persistence.models`; tests/test_fields.py keeps the two in step.
"""

from __future__ import annotations

from wfq.fields.base import JSON_TEXT, TIMESTAMP_TEXT, Field, Kind, Resource, view
from wfq.fields.configuration import CRON_TRIGGER, ENVIRONMENT, EVENT_TRIGGER, MEMBER, SERVICE
from wfq.fields.definitions import ACTION, CODE_SOURCE, DYNAMIC_ACTION, VERSION, WORKBOOK, WORKFLOW
from wfq.fields.executions import ACTION_EXECUTION, EXECUTION, TASK

__all__ = [
    "ACTION",
    "ACTION_EXECUTION",
    "ALL",
    "CODE_SOURCE",
    "CRON_TRIGGER",
    "DYNAMIC_ACTION",
    "ENVIRONMENT",
    "EVENT_TRIGGER",
    "EXECUTION",
    "JSON_TEXT",
    "MEMBER",
    "SERVICE",
    "TASK",
    "TIMESTAMP_TEXT",
    "VERSION",
    "WORKBOOK",
    "WORKFLOW",
    "Field",
    "Kind",
    "Resource",
    "view",
]

ALL: tuple[Resource, ...] = (
    EXECUTION,
    TASK,
    ACTION_EXECUTION,
    WORKFLOW,
    WORKBOOK,
    ACTION,
    CODE_SOURCE,
    DYNAMIC_ACTION,
    ENVIRONMENT,
    CRON_TRIGGER,
    EVENT_TRIGGER,
    MEMBER,
    SERVICE,
    VERSION,
)
"""Every described resource."""
