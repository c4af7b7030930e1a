"""Which wfq code a run measures: the work tree, `--wfq-root DIR`, or a `git archive` snapshot
of a commit (`--head REV`, and the old side of `--compare REV`)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.processes import ROOT


def snapshot(rev: str) -> tuple[Path, str]:
    """A `git archive` of `rev` in a new temporary folder (to be removed), and its label. Its
    benchmarks/ is left out: the harness (bare Celery, the slow server) is this repository's,
    whatever the commit measured."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--short", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise SystemExit(f"not a commit: {rev} ({found.stderr.strip()})")
    tmp = Path(tempfile.mkdtemp(prefix="wfq-bench-src-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive.stdout, check=True)
    shutil.rmtree(tmp / "benchmarks", ignore_errors=True)
    return tmp, f"git {rev} ({found.stdout.strip()}), snapshot"


def use_code(a: argparse.Namespace) -> Path | None:
    """Where wfq is imported from; with --head, a temporary snapshot (returned to be removed)."""
    tmp = None
    if a.head:
        tmp, a.code = snapshot(a.head)
        a.root = tmp
    elif a.wfq_root:
        a.root, a.code = Path(a.wfq_root).resolve(), str(Path(a.wfq_root).resolve())
    else:
        a.root, a.code = ROOT, "work tree"
    # this process imports wfq too (the in-process harness of the profile; --compare has none)
    if a.root != ROOT and not a.compare:
        sys.path.insert(0, str(a.root))
    return tmp
