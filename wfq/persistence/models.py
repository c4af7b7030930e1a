"""SQLAlchemy 2.x tables of wfq. Rows only: no business rules live here.

Field names follow Mistral's API so that mapping a row to a response is a rename-free copy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JsonType = JSON().with_variant(JSONB(), "postgresql")
ID = String(36)


class Base(DeclarativeBase):
    """Declarative base of every wfq table."""

    type_annotation_map = {dict[str, Any]: JsonType, list[Any]: JsonType, Any: JsonType}

    def __init__(self, **fields: Any) -> None:
        # Column defaults apply at construction, not only at INSERT, so that the engine reads
        # `{}` rather than None from a row it has just created.
        for column in self.__table__.columns:
            if column.key not in fields and column.default is not None:
                arg = column.default.arg
                if callable(arg):
                    fields[column.key] = arg(None)  # SQLAlchemy wraps defaults to take a context
                else:
                    fields[column.key] = arg
        for key, value in fields.items():
            setattr(self, key, value)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class _Stamped:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None, onupdate=_now)


class _Definition(_Stamped):
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    namespace: Mapped[str] = mapped_column(String(255), default="")
    project_id: Mapped[str] = mapped_column(String(80), index=True)
    scope: Mapped[str] = mapped_column(String(20), default="private")
    definition: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict[str, Any]]
    tags: Mapped[list[Any]] = mapped_column(default=list)
    checksum: Mapped[str] = mapped_column(String(32), default="")


class Workbook(_Definition, Base):
    """A workbook: workflows and actions registered together under one name."""

    __tablename__ = "workbooks"
    __table_args__ = (UniqueConstraint("name", "namespace", "project_id"),)


class WorkflowDefinition(_Definition, Base):
    """A stored workflow; `spec` is its validated spec as a dict, rebuilt without re-parsing."""

    __tablename__ = "workflow_definitions"
    __table_args__ = (UniqueConstraint("name", "namespace", "project_id"),)
    workbook_name: Mapped[str | None] = mapped_column(String(255), default=None)
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)


class ActionDefinition(_Definition, Base):
    """An ad-hoc action (a base action with transformed input and output)."""

    __tablename__ = "action_definitions"
    __table_args__ = (UniqueConstraint("name", "namespace", "project_id"),)
    workbook_name: Mapped[str | None] = mapped_column(String(255), default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    input: Mapped[str] = mapped_column(Text, default="")
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)


class DefinitionVersion(Base):
    """One version of a workflow, workbook or ad-hoc action definition (a wfq extension).

    Version 1 is written when the definition is created, the next one at each update that
    changes its text. The rows of a deleted definition are kept, marked `deleted_at`: an
    execution that started before the delete still finds the ad-hoc actions and subworkflows
    it names there."""

    __tablename__ = "definition_versions"
    __table_args__ = (
        UniqueConstraint("resource_type", "resource_id", "version"),
        Index("ix_definition_versions_name", "resource_type", "name", "namespace"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(20))
    """workflow, workbook or action."""
    resource_id: Mapped[str] = mapped_column(ID, index=True)
    name: Mapped[str] = mapped_column(String(255))
    namespace: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict[str, Any]]
    checksum: Mapped[str] = mapped_column(String(32), default="")
    scope: Mapped[str] = mapped_column(String(20), default="private")
    project_id: Mapped[str] = mapped_column(String(80))
    """The project that owns the definition."""
    author_project: Mapped[str] = mapped_column(String(80), default="")
    """The project whose request wrote this version."""
    author_user: Mapped[str | None] = mapped_column(String(255), default=None)
    """The user the request named (X-User-Name / X-User-Id header), unverified; None without."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


class Environment(_Stamped, Base):
    """A named set of variables that executions read through `env()`."""

    __tablename__ = "environments"
    __table_args__ = (UniqueConstraint("name", "project_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    scope: Mapped[str] = mapped_column(String(20), default="private")
    project_id: Mapped[str] = mapped_column(String(80), index=True)


class CronTrigger(_Stamped, Base):
    """A schedule that starts a workflow; `next_execution_time` is claimed with a row lock."""

    __tablename__ = "cron_triggers"
    __table_args__ = (UniqueConstraint("name", "project_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    pattern: Mapped[str | None] = mapped_column(String(100), default=None)
    first_execution_time: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    next_execution_time: Mapped[dt.datetime | None] = mapped_column(
        DateTime, default=None, index=True
    )
    remaining_executions: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")
    workflow_id: Mapped[str] = mapped_column(ID)
    workflow_name: Mapped[str] = mapped_column(String(255))
    workflow_namespace: Mapped[str] = mapped_column(String(255), default="")
    workflow_input: Mapped[dict[str, Any]] = mapped_column(default=dict)
    workflow_params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    scope: Mapped[str] = mapped_column(String(20), default="private")
    project_id: Mapped[str] = mapped_column(String(80), index=True)


class WorkflowExecution(_Stamped, Base):
    """One run of a workflow. Its row is the lock every engine transition of the run takes."""

    __tablename__ = "workflow_executions"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(ID)
    workflow_name: Mapped[str] = mapped_column(String(255), index=True)
    workflow_namespace: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    spec: Mapped[dict[str, Any]]
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    input: Mapped[dict[str, Any]] = mapped_column(default=dict)
    output: Mapped[dict[str, Any]] = mapped_column(default=dict)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    published_global: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), index=True)
    state_info: Mapped[str | None] = mapped_column(Text, default=None)
    task_execution_id: Mapped[str | None] = mapped_column(ID, default=None, index=True)
    root_execution_id: Mapped[str | None] = mapped_column(ID, default=None, index=True)
    cron_trigger_id: Mapped[str | None] = mapped_column(ID, default=None, index=True)
    project_id: Mapped[str] = mapped_column(String(80), index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    workflow_version: Mapped[int | None] = mapped_column(Integer, default=None)
    """The version of the workflow definition the execution runs (None: started before
    versions were kept)."""


class TaskExecution(_Stamped, Base):
    """One run of a task inside a workflow execution."""

    __tablename__ = "task_executions"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    workflow_execution_id: Mapped[str] = mapped_column(ID, index=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(10), default="ACTION")
    state: Mapped[str] = mapped_column(String(20), index=True)
    state_info: Mapped[str | None] = mapped_column(Text, default=None)
    in_context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    published: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[Any] = mapped_column(default=None, nullable=True)
    runtime_context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    processed: Mapped[bool] = mapped_column(Boolean, default=False)
    error_handled: Mapped[bool] = mapped_column(Boolean, default=False)
    workflow_id: Mapped[str] = mapped_column(ID)
    workflow_name: Mapped[str] = mapped_column(String(255))
    workflow_namespace: Mapped[str] = mapped_column(String(255), default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    project_id: Mapped[str] = mapped_column(String(80), index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    timer_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None, index=True)
    """When the earliest timer of the task is due (the integrity check re-sends late ones)."""
    with_items_values: Mapped[Any] = mapped_column(default=None, nullable=True, deferred=True)
    """A with-items task's evaluated lists, `{var: [values]}`: read only when the next batch of
    items is created (deferred: loading the task for a transition does not read it)."""


class ActionExecution(_Stamped, Base):
    """One run of an action. `runtime` holds what the worker needs; `worker`/`heartbeat_at`
    show who runs it, so a lost worker can be detected."""

    __tablename__ = "action_executions"
    __table_args__ = (
        Index("ix_action_executions_state_claim", "state", "worker"),
        Index(
            "ix_action_executions_idle_items",
            "task_execution_id",
            "item_index",
            postgresql_where=text("state = 'IDLE'"),
            sqlite_where=text("state = 'IDLE'"),
        ),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    task_execution_id: Mapped[str | None] = mapped_column(ID, default=None, index=True)
    workflow_execution_id: Mapped[str | None] = mapped_column(ID, default=None, index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20))
    state_info: Mapped[str | None] = mapped_column(Text, default=None)
    input: Mapped[dict[str, Any]] = mapped_column(default=dict)
    output: Mapped[Any] = mapped_column(default=None, nullable=True)
    runtime: Mapped[dict[str, Any]] = mapped_column(default=dict)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    item_index: Mapped[int] = mapped_column(Integer, default=0)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(255), default=None)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    workflow_name: Mapped[str | None] = mapped_column(String(255), default=None)
    workflow_namespace: Mapped[str] = mapped_column(String(255), default="")
    tags: Mapped[list[Any] | None] = mapped_column(default=None)
    project_id: Mapped[str] = mapped_column(String(80), index=True)


class ServiceMember(Base):
    """One live wfq process in one role (Mistral's coordination group member); it refreshes
    `heartbeat_at` while it runs and deletes its row when it stops."""

    __tablename__ = "service_members"
    id: Mapped[str] = mapped_column(String(320), primary_key=True)
    """`<type>/<name>`: one row per process and role."""
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(50))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)


class ResourceMember(_Stamped, Base):
    """A workflow or workbook shared by its project (`project_id`) with another (`member_id`):
    pending until the member accepts or rejects it."""

    __tablename__ = "resource_members"
    __table_args__ = (UniqueConstraint("resource_id", "resource_type", "member_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(80), index=True)
    resource_type: Mapped[str] = mapped_column(String(50), default="workflow")
    project_id: Mapped[str] = mapped_column(String(80))
    member_id: Mapped[str] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")


class EventTrigger(_Stamped, Base):
    """Starts a workflow for each notification of `event` type on (`exchange`, `topic`)."""

    __tablename__ = "event_triggers"
    __table_args__ = (
        UniqueConstraint("exchange", "topic", "event", "workflow_id", "project_id"),
        Index("ix_event_triggers_exchange_topic", "exchange", "topic"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    workflow_id: Mapped[str] = mapped_column(ID)
    workflow_name: Mapped[str] = mapped_column(String(255))
    workflow_namespace: Mapped[str] = mapped_column(String(255), default="")
    workflow_input: Mapped[dict[str, Any]] = mapped_column(default=dict)
    workflow_params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    exchange: Mapped[str] = mapped_column(String(80))
    topic: Mapped[str] = mapped_column(String(80))
    event: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(20), default="private")
    project_id: Mapped[str] = mapped_column(String(80), index=True)


class CodeSource(_Stamped, Base):
    """A Python module uploaded through the API; its `version` grows with each update."""

    __tablename__ = "code_sources"
    __table_args__ = (UniqueConstraint("name", "namespace", "project_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    namespace: Mapped[str] = mapped_column(String(255), default="")
    content: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    scope: Mapped[str] = mapped_column(String(20), default="private")
    project_id: Mapped[str] = mapped_column(String(80), index=True)


class DynamicActionDefinition(_Stamped, Base):
    """An action named `name`, implemented by the class (or function) `class_name` of a code
    source."""

    __tablename__ = "dynamic_action_definitions"
    __table_args__ = (UniqueConstraint("name", "namespace", "project_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    namespace: Mapped[str] = mapped_column(String(255), default="")
    class_name: Mapped[str] = mapped_column(String(255))
    code_source_id: Mapped[str] = mapped_column(ID, index=True)
    code_source_name: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(20), default="private")
    project_id: Mapped[str] = mapped_column(String(80), index=True)
