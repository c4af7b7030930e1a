"""partial index on the IDLE items of with-items tasks

A with-items lane claims the task's next IDLE item; without this index each claim reads and
sorts every idle item of the task, which makes a 10,000-item task quadratic.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_action_executions_idle_items",
        "action_executions",
        ["task_execution_id", "item_index"],
        postgresql_where=sa.text("state = 'IDLE'"),
        sqlite_where=sa.text("state = 'IDLE'"),
    )


def downgrade() -> None:
    op.drop_index("ix_action_executions_idle_items", "action_executions")
