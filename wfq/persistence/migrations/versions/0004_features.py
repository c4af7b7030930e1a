"""services, resource members, event triggers, code sources and dynamic actions

Revision ID: 0004_features
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_features"
down_revision = "0003"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
    ]


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def upgrade() -> None:
    op.create_table(
        "service_members",
        sa.Column("id", sa.String(length=320), primary_key=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
    )
    _index("service_members", "heartbeat_at")
    op.create_table(
        "resource_members",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("resource_id", sa.String(length=80), nullable=False),
        sa.Column("resource_type", sa.String(length=50), nullable=False),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        sa.Column("member_id", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("resource_id", "resource_type", "member_id"),
    )
    for column in ("resource_id", "member_id", "created_at"):
        _index("resource_members", column)
    op.create_table(
        "event_triggers",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("workflow_id", sa.String(length=36), nullable=False),
        sa.Column("workflow_name", sa.String(length=255), nullable=False),
        sa.Column("workflow_namespace", sa.String(length=255), nullable=False),
        sa.Column("workflow_input", _JSON, nullable=False),
        sa.Column("workflow_params", _JSON, nullable=False),
        sa.Column("exchange", sa.String(length=80), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("event", sa.String(length=80), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("exchange", "topic", "event", "workflow_id", "project_id"),
    )
    _index("event_triggers", "exchange", "topic")
    for column in ("project_id", "created_at"):
        _index("event_triggers", column)
    op.create_table(
        "code_sources",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("tags", _JSON, nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("name", "namespace", "project_id"),
    )
    for column in ("project_id", "created_at"):
        _index("code_sources", column)
    op.create_table(
        "dynamic_action_definitions",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("class_name", sa.String(length=255), nullable=False),
        sa.Column("code_source_id", sa.String(length=36), nullable=False),
        sa.Column("code_source_name", sa.String(length=255), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("name", "namespace", "project_id"),
    )
    for column in ("code_source_id", "project_id", "created_at"):
        _index("dynamic_action_definitions", column)


def downgrade() -> None:
    for table in (
        "dynamic_action_definitions",
        "code_sources",
        "event_triggers",
        "resource_members",
        "service_members",
    ):
        op.drop_table(table)
