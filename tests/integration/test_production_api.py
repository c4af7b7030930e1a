"""The API as docker-compose.yml runs it in production (granian over `wfq.api.wsgi:app`, two
processes), on PostgreSQL + Redis with a real worker: the shared `mistral_client_check.py`
drives the real `mistral` client through every command family against it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mistral_cli import CHECK_SCRIPT, get_json, install_client, wfq_server

pytestmark = pytest.mark.integration


def test_the_mistral_client_works_against_the_production_server(
    integration_env: dict[str, str], celery_worker: Any, tmp_path: Path
) -> None:
    mistral_bin = install_client()
    with wfq_server(integration_env, tmp_path / "granian.log", production=True) as url:
        assert get_json(url + "/") == {"uri": url}
        done = subprocess.run(
            [sys.executable, str(CHECK_SCRIPT), url, str(mistral_bin)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    lines = done.stdout.splitlines()
    failures = [line for line in lines if line.startswith("FAIL")]
    assert done.returncode == 0, (lines[-1:], failures, done.stderr[-2000:])
    assert lines[-1].endswith(" passed, 0 failed"), lines[-1]
