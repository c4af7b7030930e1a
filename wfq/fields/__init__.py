"""Each Mistral resource's fields, described once (issue #20): API name, where the value comes
from, JSON type, whether it is a JSON-encoded string, its documentation, whether lists show it.

The service views (`wfq.services.views`), the response shapes (`wfq.api.shapes`) and the
OpenAPI models (`wfq.api.schemas`) are derived from these descriptions. The SQL columns stay in
`wfq.persistence.models`; tests/persistence/test_fields_match_models.py keeps the two in step.
"""

from __future__ import annotations

from wfq.fields.base import JSON_TEXT, TIMESTAMP_TEXT, Field, Kind, Resource, view
from wfq.fields.executions import ACTION_EXECUTION, EXECUTION, TASK

__all__ = [
    "ACTION_EXECUTION",
    "ALL",
    "EXECUTION",
    "JSON_TEXT",
    "TASK",
    "TIMESTAMP_TEXT",
    "Field",
    "Kind",
    "Resource",
    "view",
]

ALL: tuple[Resource, ...] = (EXECUTION, TASK, ACTION_EXECUTION)
"""Every described resource."""
