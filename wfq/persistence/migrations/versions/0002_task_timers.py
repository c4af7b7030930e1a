"""task timers: task_executions.timer_at

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task_executions") as batch:
        batch.add_column(sa.Column("timer_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_task_executions_timer_at", ["timer_at"])


def downgrade() -> None:
    with op.batch_alter_table("task_executions") as batch:
        batch.drop_index("ix_task_executions_timer_at")
        batch.drop_column("timer_at")
