"""One composition root: `wfq.composition.build_services` is the only code of wfq/, workers/,
beat/ and listener/ that constructs a `Services` (import-linter cannot see calls, so the
syntax trees are read here). Tests and benchmarks build their own with test doubles."""

from __future__ import annotations

import ast
from pathlib import Path

from wfq.composition import build_services
from wfq.services.context import Services
from wfq.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("wfq", "workers", "beat", "listener")
COMPOSITION_ROOT = Path("wfq/composition.py")


def _constructions(path: Path) -> list[int]:
    """Lines of `path` that call `Services(...)` (by name or as an attribute)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "Services":
                lines.append(node.lineno)
    return lines


def test_only_the_composition_root_builds_services() -> None:
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in _constructions(path)
        if path.relative_to(ROOT) != COMPOSITION_ROOT
    }
    assert found == set(), "build Services with wfq.composition.build_services instead"
    assert _constructions(ROOT / COMPOSITION_ROOT), "the composition root builds Services"


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
