"""`wfq db upgrade` says what it did: each migration it applied on a new database, and
"already up to date" only when there was nothing to apply."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from wfq.cli.main import main
from wfq.persistence.migrate import alembic_config, display_url


def test_upgrade_of_an_empty_database_lists_the_revisions_it_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    monkeypatch.setenv("WFQ_DATABASE_URL", url)
    every = [s.revision for s in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()][
        ::-1
    ]

    first = CliRunner().invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    applied = [
        line.split(":")[0].removeprefix("applied ") for line in lines if line.startswith("applied ")
    ]
    assert applied == every
    assert f"is now at revision {every[-1]}" in first.output
    assert "already up to date" not in first.output

    again = CliRunner().invoke(main, ["db", "upgrade"])
    assert again.exit_code == 0, again.output
    assert "applied" not in again.output and "already up to date" in again.output


def test_upgrade_does_not_print_the_database_password() -> None:
    assert (
        display_url("postgresql+psycopg://wfq:s3cret@db:5432/wfq")
        == "postgresql+psycopg://wfq:***@db:5432/wfq"
    )
