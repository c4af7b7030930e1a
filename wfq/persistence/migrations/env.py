"""Alembic environment of wfq (online mode only: migrations run against a live database)."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine, pool

from wfq.persistence.migrate import Applied
from wfq.persistence.models import Base

config = context.config
applied: list[Applied] = config.attributes.get("applied", [])


def _record(*, step: Any, **_: Any) -> None:
    # Alembic calls this after each migration; `wfq db upgrade` prints what it applied.
    if step.is_upgrade:
        doc = (step.up_revision.doc or "").strip().splitlines()
        applied.append(Applied(step.up_revision_id, doc[0] if doc else ""))


url = config.get_main_option("sqlalchemy.url")
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
