"""Alembic, driven from code: `upgrade(url)` brings a database to the newest schema and says
which migrations it applied."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass(frozen=True, slots=True)
class Applied:
    """One migration applied by `upgrade`: its revision id and the first line of its docstring."""

    revision: str
    message: str


def alembic_config(url: str) -> Config:
    """An Alembic Config pointing at wfq's migrations and the database `url`."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> list[Applied]:
    """Apply every migration up to `revision` (idempotent); returns those applied, oldest first
    (empty when the database was already there)."""
    cfg = alembic_config(url)
    applied: list[Applied] = []
    cfg.attributes["applied"] = applied  # filled by migrations/env.py as each one runs
    command.upgrade(cfg, revision)
    return applied


def display_url(url: str) -> str:
    """`url` as it may be printed: without its password."""
    return make_url(url).render_as_string(hide_password=True)
