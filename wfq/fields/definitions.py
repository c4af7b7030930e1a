"""The fields of workflows, workbooks, ad-hoc actions, code sources and dynamic actions."""

from __future__ import annotations

import json
from typing import Any

from wfq.fields.base import TIMESTAMP_TEXT, Field, Kind, Resource, nullable, stamps, string, tags

_PRIVATE_OR_PUBLIC = "private or public"


def input_text(inputs: list[Any] | None) -> str:
    """Mistral's `input` text of a declared input list: `names, greeting="hi"`."""
    parts = []
    for item in inputs or []:
        if isinstance(item, dict):
            ((k, v),) = item.items()
            parts.append(f"{k}={json.dumps(v)}")
        else:
            parts.append(str(item))
    return ", ".join(parts)


def workflow_input(row: Any) -> str:
    """A workflow's `input`: its declared inputs as text."""
    return input_text(row.spec.get("input_raw", []))


def workflow_interface(row: Any) -> dict[str, Any]:
    """A workflow's `interface`: `{"input": [declared inputs], "output": [output names]}`."""
    output = row.spec.get("output") or {}
    return {
        "input": row.spec.get("input_raw", []),
        "output": list(output) if isinstance(output, dict) else [],
    }


WORKFLOW = Resource(
    name="workflow",
    plural="workflows",
    fields=(
        string("id"),
        string("name"),
        string("namespace"),
        string(
            "input",
            "the input parameters as text, e.g. 'names, greeting=\"hi\"'",
            compute=workflow_input,
        ),
        Field(
            "interface",
            Kind.ANY,
            "{input, output}: an object in POST/PUT answers, a JSON-encoded string in GET answers",
            json=True,
            compute=workflow_interface,
            always=True,
        ),
        string("definition", "the YAML text"),
        string("checksum", "md5 of the definition"),
        tags(),
        string("scope", _PRIVATE_OR_PUBLIC),
        string("project_id"),
        *stamps(),
    ),
    internal=("spec", "workbook_name", "is_system"),
)

WORKBOOK = Resource(
    name="workbook",
    plural="workbooks",
    fields=(
        string("id"),
        string("name"),
        string("namespace"),
        string("definition", "the YAML text", filter=False),
        tags(),
        string("scope", _PRIVATE_OR_PUBLIC),
        string("project_id"),
        *stamps(),
    ),
    internal=("spec", "checksum"),
)

ACTION = Resource(
    name="action",
    plural="actions",
    fields=(
        string("id", "the name, for a system action"),
        string("name"),
        Field("is_system", Kind.BOOLEAN, "true for actions of the registry (std.*)"),
        string("input", "the input parameters as text, e.g. 'output, delay=0'"),
        string("description"),
        tags("null for a system action", nullable=True),
        string("definition", "the YAML text ('' for a system action)", filter=False),
        nullable("scope", "null for a system action"),
        nullable("project_id", "null for a system action"),
        *stamps(),
        string("namespace"),
    ),
    internal=("spec", "checksum", "workbook_name"),
)

CODE_SOURCE = Resource(
    name="code_source",
    plural="code_sources",
    fields=(
        string("id"),
        string("name", "the module name"),
        string("namespace"),
        string("content", "the Python source", filter=False),
        Field("version", Kind.INTEGER, "1, then one more at each update"),
        string("scope", _PRIVATE_OR_PUBLIC),
        string("project_id"),
        # Named by wfq.services.code_sources (a query of the dynamic actions).
        Field("actions", Kind.STRINGS, "the dynamic actions defined on it", added=True),
        *stamps(),
    ),
    internal=("tags",),
)

DYNAMIC_ACTION = Resource(
    name="dynamic_action",
    plural="dynamic_actions",
    fields=(
        string("id"),
        string("name", "the action name workflows use"),
        string("namespace"),
        string("class_name", "the class (or function) of the code source"),
        string("code_source_id"),
        string("code_source_name"),
        string("scope", _PRIVATE_OR_PUBLIC),
        string("project_id"),
        *stamps(),
    ),
)

VERSION = Resource(
    name="version",
    plural="versions",
    fields=(
        Field("version", Kind.INTEGER, "1 for the definition as created, then +1 per change"),
        string("resource_type", "workflow, workbook or action"),
        string("resource_id"),
        string("name"),
        string("namespace"),
        string("checksum", "md5 of the definition text"),
        Field("created_at", Kind.TIMESTAMP, TIMESTAMP_TEXT),
        string("project_id", "the project whose request wrote it", attr="author_project"),
        nullable(
            "user", "X-User-Name or X-User-Id of that request (unverified)", attr="author_user"
        ),
        # Only in the list, marking the newest version (wfq.services.versions).
        Field("current", Kind.BOOLEAN, added=True),
        # Only in the view of one version: the caller passes it.
        Field("definition", Kind.STRING, added=True),
    ),
    internal=("id", "spec", "scope", "project_id", "deleted_at"),
    filters=False,
)
"""A version of a workflow, workbook or ad-hoc action definition (a wfq extension)."""
