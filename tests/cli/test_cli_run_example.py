"""The embedded default: `wfq run` of the shipped example in a clean directory, exactly as the
README's first command does it (SQLite file + in-process Celery worker, no servers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFQ_")}
    return subprocess.run(
        [sys.executable, "-m", "wfq.cli.main", "run", *args],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_wfq_run_of_the_shipped_example_succeeds_embedded(tmp_path: Path) -> None:
    p = _run(tmp_path, str(ROOT / "examples" / "nightly_backup.yaml"))
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert "execution SUCCESS" in out
    for task in ("snapshot_db", "snapshot_web", "prune", "report"):
        assert f"task {task}" in out
    output = json.loads(out[out.index("{") :])
    assert output["snapshots"] == ["snap-vol-db-01-nightly", "snap-vol-web-01-nightly"]
    assert output["report"] == "backed up 2 volumes, pruned snapshots older than 7 days"
    assert (tmp_path / "wfq.sqlite").exists()
    # One log line, saying how many actions run at once; nothing about an idle engine lane.
    logged = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(logged) == 1 and "embedded mode" in logged[0], p.stderr
    assert "up to 1000 actions at once" in logged[0]


def test_wfq_run_exits_non_zero_when_the_execution_fails(tmp_path: Path) -> None:
    wf = tmp_path / "bad.yaml"
    wf.write_text(
        "version: '2.0'\nbad:\n  tasks:\n    t:\n      action: std.fail error_data=\"nope\"\n"
    )
    p = _run(tmp_path, str(wf))
    assert p.returncode == 1
    assert "execution ERROR" in p.stdout and "nope" in p.stdout


def test_wfq_run_rejects_bad_input_clearly(tmp_path: Path) -> None:
    p = _run(tmp_path, str(ROOT / "examples" / "nightly_backup.yaml"), "--input", '{"bogus": 1}')
    assert p.returncode == 1
    assert "unexpected=['bogus']" in p.stdout
