"""`--url`: the cross-check with shared/bench/bench_v2.py, run as a subprocess against a v2
API (the one this run started, or any URL); its JSON summary becomes part of the results."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.harness import log


def bench_v2(a: argparse.Namespace, url: str) -> dict[str, Any]:
    """Run shared/bench/bench_v2.py against `url`; returns its JSON summary."""
    path = Path(a.bench_v2)
    if not path.exists():
        log(f"bench_v2.py not found at {path}")
        return {"error": f"not found: {path}"}
    argv = [sys.executable, str(path), "--url", url, "--reps", str(1 if a.quick else a.reps)]
    if a.quick:
        argv += ["--seq-runs", "3", "--n-throughput", "50", "--items", "100"]
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    argv += ["--out", out]
    log("bench_v2: " + " ".join(argv))
    rc = subprocess.run(argv, check=False, stdout=subprocess.DEVNULL).returncode
    if rc != 0:
        return {"error": f"{path.name} exited with {rc} (its error is above)"}
    try:
        return json.loads(Path(out).read_text())
    except (OSError, ValueError) as exc:
        return {"error": str(exc)}
    finally:
        with contextlib.suppress(OSError):
            os.unlink(out)
