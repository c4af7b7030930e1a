"""The workflow engine: pure decisions over one execution's persisted state."""

from wfq.engine.catalog import ActionCatalog, ActionInfo, Param
from wfq.engine.commands import (
    Command,
    ExecutionCompleted,
    ExecutionPausedOrResumed,
    RunAction,
    RunItems,
    ScheduleTimer,
    StartLanes,
    StartSubworkflow,
)
from wfq.engine.completion import child_failure
from wfq.engine.conductor import Decision, handle
from wfq.engine.events import (
    ActionCompleted,
    ActionStateRequested,
    ChildRerun,
    ChildStateChanged,
    Event,
    ItemsCompleted,
    ItemsWanted,
    RerunRequested,
    SkipRequested,
    StateRequested,
    SubworkflowCompleted,
    TimerFired,
    WorkflowStarted,
    event_from_dict,
)
from wfq.engine.snapshot import Snapshot

__all__ = [
    "child_failure",
    "ActionCatalog",
    "ActionCompleted",
    "ActionStateRequested",
    "ChildRerun",
    "ChildStateChanged",
    "RerunRequested",
    "SkipRequested",
    "StateRequested",
    "ActionInfo",
    "Command",
    "Decision",
    "Event",
    "ItemsCompleted",
    "ItemsWanted",
    "ScheduleTimer",
    "TimerFired",
    "event_from_dict",
    "ExecutionCompleted",
    "ExecutionPausedOrResumed",
    "Param",
    "RunAction",
    "RunItems",
    "Snapshot",
    "StartLanes",
    "StartSubworkflow",
    "SubworkflowCompleted",
    "WorkflowStarted",
    "handle",
]
