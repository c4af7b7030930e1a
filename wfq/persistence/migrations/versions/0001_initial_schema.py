"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 14:18:32.053275
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "action_definitions",
        sa.Column("workbook_name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("is_system", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("checksum", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "namespace", "project_id"),
    )
    with op.batch_alter_table("action_definitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_definitions_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_action_definitions_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "action_executions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("task_execution_id", sa.String(length=36), nullable=True),
        sa.Column("workflow_execution_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("state_info", sa.Text(), nullable=True),
        sa.Column(
            "input",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "output",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "runtime",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=255), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("workflow_name", sa.String(length=255), nullable=True),
        sa.Column("workflow_namespace", sa.String(length=255), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("action_executions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_executions_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_action_executions_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index("ix_action_executions_state_claim", ["state", "worker"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_action_executions_task_execution_id"),
            ["task_execution_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_action_executions_workflow_execution_id"),
            ["workflow_execution_id"],
            unique=False,
        )

    op.create_table(
        "cron_triggers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("pattern", sa.String(length=100), nullable=True),
        sa.Column("first_execution_time", sa.DateTime(), nullable=True),
        sa.Column("next_execution_time", sa.DateTime(), nullable=True),
        sa.Column("remaining_executions", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("workflow_id", sa.String(length=36), nullable=False),
        sa.Column("workflow_name", sa.String(length=255), nullable=False),
        sa.Column("workflow_namespace", sa.String(length=255), nullable=False),
        sa.Column(
            "workflow_input",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "workflow_params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "project_id"),
    )
    with op.batch_alter_table("cron_triggers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cron_triggers_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cron_triggers_next_execution_time"),
            ["next_execution_time"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_cron_triggers_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "environments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "variables",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "project_id"),
    )
    with op.batch_alter_table("environments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_environments_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_environments_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "task_executions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workflow_execution_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("state_info", sa.Text(), nullable=True),
        sa.Column(
            "in_context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "published",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "runtime_context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("processed", sa.Boolean(), nullable=False),
        sa.Column("error_handled", sa.Boolean(), nullable=False),
        sa.Column("workflow_id", sa.String(length=36), nullable=False),
        sa.Column("workflow_name", sa.String(length=255), nullable=False),
        sa.Column("workflow_namespace", sa.String(length=255), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("task_executions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_task_executions_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_task_executions_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_task_executions_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_task_executions_workflow_execution_id"),
            ["workflow_execution_id"],
            unique=False,
        )

    op.create_table(
        "workbooks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("checksum", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "namespace", "project_id"),
    )
    with op.batch_alter_table("workbooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workbooks_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_workbooks_project_id"), ["project_id"], unique=False)

    op.create_table(
        "workflow_definitions",
        sa.Column("workbook_name", sa.String(length=255), nullable=True),
        sa.Column("is_system", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("checksum", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "namespace", "project_id"),
    )
    with op.batch_alter_table("workflow_definitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workflow_definitions_created_at"),
            ["created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_workflow_definitions_project_id"),
            ["project_id"],
            unique=False,
        )

    op.create_table(
        "workflow_executions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workflow_id", sa.String(length=36), nullable=False),
        sa.Column("workflow_name", sa.String(length=255), nullable=False),
        sa.Column("workflow_namespace", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "input",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "output",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "published_global",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("state_info", sa.Text(), nullable=True),
        sa.Column("task_execution_id", sa.String(length=36), nullable=True),
        sa.Column("root_execution_id", sa.String(length=36), nullable=True),
        sa.Column("cron_trigger_id", sa.String(length=36), nullable=True),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("workflow_executions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workflow_executions_created_at"),
            ["created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_workflow_executions_cron_trigger_id"),
            ["cron_trigger_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_workflow_executions_project_id"),
            ["project_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_workflow_executions_root_execution_id"),
            ["root_execution_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_workflow_executions_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_workflow_executions_task_execution_id"),
            ["task_execution_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_workflow_executions_workflow_name"),
            ["workflow_name"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("workflow_executions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workflow_executions_workflow_name"))
        batch_op.drop_index(batch_op.f("ix_workflow_executions_task_execution_id"))
        batch_op.drop_index(batch_op.f("ix_workflow_executions_state"))
        batch_op.drop_index(batch_op.f("ix_workflow_executions_root_execution_id"))
        batch_op.drop_index(batch_op.f("ix_workflow_executions_project_id"))
        batch_op.drop_index(batch_op.f("ix_workflow_executions_cron_trigger_id"))
        batch_op.drop_index(batch_op.f("ix_workflow_executions_created_at"))

    op.drop_table("workflow_executions")
    with op.batch_alter_table("workflow_definitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workflow_definitions_project_id"))
        batch_op.drop_index(batch_op.f("ix_workflow_definitions_created_at"))

    op.drop_table("workflow_definitions")
    with op.batch_alter_table("workbooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workbooks_project_id"))
        batch_op.drop_index(batch_op.f("ix_workbooks_created_at"))

    op.drop_table("workbooks")
    with op.batch_alter_table("task_executions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_executions_workflow_execution_id"))
        batch_op.drop_index(batch_op.f("ix_task_executions_state"))
        batch_op.drop_index(batch_op.f("ix_task_executions_project_id"))
        batch_op.drop_index(batch_op.f("ix_task_executions_created_at"))

    op.drop_table("task_executions")
    with op.batch_alter_table("environments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_environments_project_id"))
        batch_op.drop_index(batch_op.f("ix_environments_created_at"))

    op.drop_table("environments")
    with op.batch_alter_table("cron_triggers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cron_triggers_project_id"))
        batch_op.drop_index(batch_op.f("ix_cron_triggers_next_execution_time"))
        batch_op.drop_index(batch_op.f("ix_cron_triggers_created_at"))

    op.drop_table("cron_triggers")
    with op.batch_alter_table("action_executions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_executions_workflow_execution_id"))
        batch_op.drop_index(batch_op.f("ix_action_executions_task_execution_id"))
        batch_op.drop_index("ix_action_executions_state_claim")
        batch_op.drop_index(batch_op.f("ix_action_executions_project_id"))
        batch_op.drop_index(batch_op.f("ix_action_executions_created_at"))

    op.drop_table("action_executions")
    with op.batch_alter_table("action_definitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_definitions_project_id"))
        batch_op.drop_index(batch_op.f("ix_action_definitions_created_at"))

    op.drop_table("action_definitions")
