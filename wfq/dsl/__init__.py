"""wfq.dsl: Mistral Workflow Language v2 text -> validated, immutable specs. Pure: no I/O."""

from __future__ import annotations

from wfq.dsl.action import ActionSpec, action_from_dict
from wfq.dsl.document import Document, detect_kind, parse_document, validate_document
from wfq.dsl.inline import parse_command, parse_params
from wfq.dsl.input_param import InputParam
from wfq.dsl.on_clause import ENGINE_COMMANDS, OnClause, Transition
from wfq.dsl.policies import Policies
from wfq.dsl.publish import PublishSpec
from wfq.dsl.retry import RetrySpec
from wfq.dsl.task import TaskSpec
from wfq.dsl.task_defaults import TaskDefaultsSpec
from wfq.dsl.workbook import WorkbookSpec
from wfq.dsl.workflow import WorkflowSpec, known_workflow, workflow_from_dict
from wfq.errors import Issue

__all__ = [
    "ENGINE_COMMANDS",
    "ActionSpec",
    "Document",
    "InputParam",
    "Issue",
    "OnClause",
    "Policies",
    "PublishSpec",
    "RetrySpec",
    "TaskDefaultsSpec",
    "TaskSpec",
    "Transition",
    "WorkbookSpec",
    "WorkflowSpec",
    "action_from_dict",
    "detect_kind",
    "known_workflow",
    "parse_command",
    "parse_document",
    "parse_params",
    "validate_document",
    "workflow_from_dict",
]
