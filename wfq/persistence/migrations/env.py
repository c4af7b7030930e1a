"""Alembic environment of wfq (online mode only: migrations run against a live database)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, pool

from wfq.persistence.migrate import Applied
from wfq.persistence.models import Base

config = context.config
applied: list[Applied] = config.attributes.get("applied", [])


def _record(
    ctx: MigrationContext, step: Any, heads: Collection[Any], run_args: Mapping[str, Any]
) -> None:
    # Alembic calls this after each migration (by keyword); `wfq db upgrade` prints what it
    # applied. `step` is a MigrationInfo whose `up_revision` is a Script (it has `doc`), which
    # Alembic's annotations call a bare Revision.
    if step.is_upgrade:
        doc = (step.up_revision.doc or "").strip().splitlines()
        applied.append(Applied(step.up_revision_id, doc[0] if doc else ""))


url = config.get_main_option("sqlalchemy.url")
assert url is not None  # wfq.persistence.migrate always sets it
engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
        on_version_apply=_record,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
