"""definition versions (workflows, workbooks, ad-hoc actions) and the version an execution runs

Every stored definition gets its version 1 from its current text, so that its next update
becomes version 2.

Revision ID: 0006_versions
Revises: 0004_items
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_versions"
down_revision = "0004_items"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_SOURCES = {
    "workflow": "workflow_definitions",
    "workbook": "workbooks",
    "action": "action_definitions",
}


def upgrade() -> None:
    table = op.create_table(
        "definition_versions",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("resource_type", sa.String(length=20), nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("spec", _JSON, nullable=False),
        sa.Column("checksum", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        sa.Column("author_project", sa.String(length=80), nullable=False),
        sa.Column("author_user", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("resource_type", "resource_id", "version"),
    )
    op.create_index("ix_definition_versions_resource_id", "definition_versions", ["resource_id"])
    op.create_index(
        "ix_definition_versions_name", "definition_versions", ["resource_type", "name", "namespace"]
    )
    with op.batch_alter_table("workflow_executions") as batch:
        batch.add_column(sa.Column("workflow_version", sa.Integer(), nullable=True))
    _first_versions(table)


_TEXT_COLUMNS = ("id", "name", "namespace", "definition", "checksum", "scope", "project_id")


def _source(name: str) -> sa.TableClause:
    return sa.table(
        name,
        *(sa.column(c, sa.Text()) for c in _TEXT_COLUMNS),
        sa.column("spec", _JSON),
        sa.column("created_at", sa.DateTime()),
        sa.column("updated_at", sa.DateTime()),
    )


def _first_versions(table: sa.Table) -> None:
    bind = op.get_bind()
    rows = []
    for kind, source in _SOURCES.items():
        for r in bind.execute(sa.select(_source(source))).mappings():
            rows.append(
                {
                    **{
                        c: r[c]
                        for c in (
                            "name",
                            "namespace",
                            "definition",
                            "checksum",
                            "scope",
                            "project_id",
                        )
                    },
                    "id": str(uuid.uuid4()),
                    "resource_type": kind,
                    "resource_id": r["id"],
                    "version": 1,
                    "spec": r["spec"],
                    "author_project": r["project_id"],
                    "author_user": None,
                    "created_at": r["updated_at"] or r["created_at"],
                    "deleted_at": None,
                }
            )
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("workflow_executions") as batch:
        batch.drop_column("workflow_version")
    op.drop_index("ix_definition_versions_name", table_name="definition_versions")
    op.drop_index("ix_definition_versions_resource_id", table_name="definition_versions")
    op.drop_table("definition_versions")
