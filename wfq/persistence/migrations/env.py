"""Alembic environment of wfq (online mode only: migrations run against a live database)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from wfq.persistence.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
