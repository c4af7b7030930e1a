"""with-items values kept on the task (items are created as lanes need them)

The evaluated `with-items` lists of a task are stored once, in a column the engine reads only
when it creates the next batch of items, instead of one action execution row per item at start.

Revision ID: 0004_items
Revises: 0004_features
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004_items"
down_revision = "0004_features"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(JSONB(), "postgresql")
    with op.batch_alter_table("task_executions") as batch:
        batch.add_column(sa.Column("with_items_values", json_type, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task_executions") as batch:
        batch.drop_column("with_items_values")
