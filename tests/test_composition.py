"""The composition root: wfq.composition.build_services is the only code of wfq/, workers/,
beat/ and listener/ that constructs a `Services` (scripts/check_composition_root.py, which
`make lint` runs, reads the syntax trees), and it gives the engine lane's timers only to
processes that run a worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wfq.composition import build_services
from wfq.services.context import Services
from wfq.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_only_the_composition_root_builds_services() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_composition_root.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr


class _App:
    """Stands for a Celery app: building Services only keeps a reference to it."""


def test_the_root_gives_timers_to_processes_that_run_a_worker(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/wfq.sqlite")
    api = build_services(settings, _App())  # type: ignore[arg-type]
    worker = build_services(settings, _App(), engine_lane=True)  # type: ignore[arg-type]
    try:
        assert isinstance(api, Services) and api.timers is None
        assert worker.timers is not None
        assert worker.dispatcher.app is not api.dispatcher.app  # type: ignore[attr-defined]
    finally:
        if worker.timers is not None:
            worker.timers.stop(timeout=5)
        api.db.dispose()
        worker.db.dispose()
