"""The workflow engine: pure decisions over one execution's persisted state."""

from wfq.engine.catalog import ActionCatalog, ActionInfo, Param
from wfq.engine.commands import Command, ExecutionCompleted, RunAction, StartSubworkflow
from wfq.engine.conductor import Decision, handle
from wfq.engine.events import ActionCompleted, Event, SubworkflowCompleted, WorkflowStarted
from wfq.engine.snapshot import Snapshot

__all__ = [
    "ActionCatalog",
    "ActionCompleted",
    "ActionInfo",
    "Command",
    "Decision",
    "Event",
    "ExecutionCompleted",
    "Param",
    "RunAction",
    "Snapshot",
    "StartSubworkflow",
    "SubworkflowCompleted",
    "WorkflowStarted",
    "handle",
]
