"""py-spy recording of running processes, and text summaries of what it sampled.

`py-spy record --format raw` writes collapsed stacks ("frame;frame;... count"); this module turns
them into the summaries the benchmark needs: time by layer (PostgreSQL driver, SQLAlchemy ORM,
JSON, expressions, Celery, kombu...), time by phase of one engine transition, and the top
functions by cumulative (inclusive) and self samples. It also draws a small SVG flame graph.
"""

from __future__ import annotations

import collections
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROFILES = Path(__file__).resolve().parent / "profiles"


def py_spy() -> str | None:
    exe = Path(sys.executable).with_name("py-spy")
    return str(exe) if exe.exists() else shutil.which("py-spy")


@dataclass
class Recording:
    proc: subprocess.Popen[bytes]
    out: Path
    rate: int
    log: Path

    def stop(self) -> Path:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.out


def record(
    pid: int, out: Path, *, rate: int = 100, idle: bool = False, subprocesses: bool = True
) -> Recording:
    """Start `py-spy record` on `pid` (raw collapsed stacks); stop it with `.stop()`."""
    exe = py_spy()
    if exe is None:
        raise RuntimeError("py-spy not installed: .venv/bin/pip install py-spy")
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        exe,
        "record",
        "--pid",
        str(pid),
        "--format",
        "raw",
        "-o",
        str(out),
        "--rate",
        str(rate),
        "--nonblocking",
    ]
    if idle:
        argv.append("--idle")
    if subprocesses:
        argv.append("--subprocesses")
    log = out.with_suffix(".py-spy.log")
    proc = subprocess.Popen(argv, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    time.sleep(1.0)  # let it attach to every process
    return Recording(proc, out, rate, log)


# ---- parsing ---------------------------------------------------------------------------------
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def parse(raw: Path) -> list[tuple[list[str], list[str], int]]:
    """[(process frames, code frames root->leaf, count)]; code frames are 'func (file)'."""
    out = []
    for line in raw.read_text(errors="replace").splitlines():
        line = line.strip()
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        try:
            n = int(count)
        except ValueError:
            continue
        procs, frames = [], []
        for fr in stack.split(";"):
            if fr.startswith("process ") and not frames:
                procs.append(fr.split(":", 1)[0])
                continue
            m = _FRAME.match(fr)
            frames.append(f"{m['func']} ({m['file']})" if m else fr)
        out.append((procs, frames, n))
    return out


LAYERS: list[tuple[str, str]] = [
    ("psycopg", "PostgreSQL driver (psycopg: send, wait for the server, parse rows)"),
    ("sqlalchemy/orm", "SQLAlchemy ORM (unit of work, identity map, row loading)"),
    ("sqlalchemy/", "SQLAlchemy Core (SQL compile, execute, pool, pre-ping)"),
    ("json/", "JSON encode/decode (stdlib json)"),
    ("yaql", "expression evaluation (YAQL/Jinja)"),
    ("jinja2", "expression evaluation (YAQL/Jinja)"),
    ("wfq/expressions", "expression evaluation (YAQL/Jinja)"),
    ("kombu/", "kombu (publish/consume, Redis transport)"),
    ("redis/", "redis-py (socket I/O to Redis)"),
    ("billiard/", "billiard (prefork pool, IPC with the consumer)"),
    ("celery/", "Celery (tracing, events, acks, routing, canvas)"),
    ("wfq/dsl", "wfq DSL (spec objects)"),
    ("wfq/engine", "wfq engine decisions"),
    ("wfq/persistence", "wfq persistence (repositories, models)"),
    ("wfq/services", "wfq services"),
    ("wfq/api", "wfq API (Flask resources, encoding)"),
    ("wfq/", "wfq other"),
    ("workers/", "wfq other"),
    ("werkzeug", "werkzeug / Flask / flask-restx (HTTP)"),
    ("flask", "werkzeug / Flask / flask-restx (HTTP)"),
    ("logging/", "logging"),
]


def layer_of(frames: list[str]) -> str:
    """The innermost frame that belongs to a known layer names the layer of the sample."""
    for fr in reversed(frames):
        for key, name in LAYERS:
            if key in fr:
                return name
    return "Python stdlib / other"


PHASES: list[tuple[str, str]] = [
    # deepest (closest to the leaf) marker wins
    ("carry_out (wfq/services/context.py)", "5 dispatch after commit (Celery publish)"),
    ("commit (sqlalchemy/orm/session.py)", "4 flush + COMMIT"),
    ("write (wfq/services/snapshots.py)", "4 flush + COMMIT"),
    ("handle (wfq/engine/conductor.py)", "3 engine decision (engine.handle)"),
    ("tasks_of (wfq/persistence/repositories/executions.py)", "2 snapshot: load tasks/actions"),
    ("snapshot (wfq/services/snapshots.py)", "2 snapshot: load tasks/actions"),
    ("workflow_from_dict (wfq/dsl/workflow.py)", "2 snapshot: load tasks/actions"),
    (
        "lock_execution (wfq/persistence/repositories/executions.py)",
        "1 lock execution row (SELECT FOR UPDATE)",
    ),
    (
        "lock_execution (wfq/persistence/records.py)",
        "1 lock execution row (SELECT FOR UPDATE), with the completed action and the tasks",
    ),
    ("complete_action (wfq/services/completing.py)", "6 complete_action: other"),
    ("execute (wfq/services/actions.py)", "0b run the action itself"),
    ("claim (wfq/services/actions.py)", "0a claim (lock action row, mark worker, COMMIT)"),
    ("run_action (workers/tasks.py)", "7 task body: other"),
]


def is_frame(fr: str, marker: str) -> bool:
    """`fr` is a frame of function `marker` ("name (file)"), methods and closures included."""
    name, _, file = marker.partition(" (")
    fname, _, ffile = fr.partition(" (")
    return ffile == file and (fname == name or fname.endswith("." + name))


def phase_of(frames: list[str]) -> str | None:
    """The phase of one engine transition a sample belongs to (None: outside the task body)."""
    if not any(is_frame(f, "run_action (workers/tasks.py)") for f in frames):
        return None
    best, best_depth = "7 task body: other", -1
    for depth, fr in enumerate(frames):
        for marker, name in PHASES:
            if depth > best_depth and is_frame(fr, marker):
                best, best_depth = name, depth
    # a commit inside claim() is part of the claim
    if (
        best == "4 flush + COMMIT"
        and any(is_frame(f, "claim (wfq/services/actions.py)") for f in frames)
        and not any(is_frame(f, "complete_action (wfq/services/completing.py)") for f in frames)
    ):
        best = "0a claim (lock action row, mark worker, COMMIT)"
    return best


# process entry and framework loop frames: present in most samples, they say nothing
_ENTRY_FILES = (
    "(click/",
    "(<frozen runpy>",
    "(celery/bin/",
    "(celery/__main__.py",
    "(celery/bootsteps.py",
    "(celery/worker/worker.py",
    "(billiard/process.py",
    "(billiard/popen_fork.py",
    "(celery/concurrency/",
    "(threading.py",
    "(socketserver.py",
    "(http/server.py",
    "(gunicorn/arbiter.py",
    "(celery/apps/worker.py",
    "(celery/app/base.py",
    "(celery/worker/consumer/consumer.py)",
    "(billiard/pool.py)",
    "(billiard/context.py)",
)


Stacks = list[tuple[list[str], list[str], int]]


def _counted(
    title: str,
    counts: collections.Counter[str],
    denom: int,
    ms: Any,
    top: int | None = None,
    skip: Any = None,
) -> list[str]:
    lines = [f"\n## {title}"]
    for name, n in counts.most_common():
        if skip is not None and skip(name, n):
            continue
        lines.append(f"  {n / denom:6.1%}  {ms(n)}  {name}")
        if top is not None and len(lines) > top:
            break
    return lines


def _functions(
    sel: Stacks, from_task: bool
) -> tuple[collections.Counter[str], collections.Counter[str]]:
    """Inclusive and self samples per function (`from_task`: only frames below the task)."""
    incl: collections.Counter[str] = collections.Counter()
    selfc: collections.Counter[str] = collections.Counter()
    for _, f, n in sel:
        if from_task:
            k = next(i for i, fr in enumerate(f) if is_frame(fr, "run_action (workers/tasks.py)"))
            f = f[k:]
        for fr in set(f):
            incl[fr] += n
        if f:
            selfc[f[-1]] += n
    return incl, selfc


def summarize(
    raw: Path,
    *,
    rate: int,
    title: str,
    per: tuple[str, int] | None = None,
    task_body_only: bool = False,
    top: int = 15,
) -> str:
    """A text summary of one recording. `per=("task", n)` also gives ms per task."""
    stacks = parse(raw)
    total = sum(n for _, _, n in stacks)
    lines = _header(raw, rate, title, total)
    if not total:
        return "\n".join(lines + ["(no samples)"]) + "\n"

    def ms(n: int) -> str:
        if per and per[1]:
            return f"{n / rate * 1000 / per[1]:8.2f} ms/{per[0]}"
        return f"{n / rate:8.2f} s"

    child = (
        "API server worker process" if raw.stem.startswith("api_") else "pool child (runs tasks)"
    )
    roles: collections.Counter[str] = collections.Counter()
    for procs, _frames, n in stacks:
        roles[child if len(procs) >= 2 else "main process"] += n
    lines += _counted("samples by process", roles, total, ms)
    body = [(p, f, n) for p, f, n in stacks if phase_of(f) is not None]
    if body:
        lines += _by_phase(body, total, ms)
    sel = body if task_body_only and body else stacks
    lines += _by_function(sel, sel is body, ms, top)
    return "\n".join(lines) + "\n"


def _header(raw: Path, rate: int, title: str, total: int) -> list[str]:
    idle_note = (
        "(wall clock: every thread, sleeping or not)"
        if "idle included" in title
        else "(non-idle samples: py-spy leaves out threads asleep in a system call, but on a loaded "
        "machine a thread that is runnable and waits for a CPU counts as busy)"
    )
    return [
        f"# {title}",
        f"source: {raw.name}, {total} samples at {rate} Hz ({total / rate:.1f} s of thread time)",
        idle_note,
    ]


def _by_phase(body: Stacks, total: int, ms: Any) -> list[str]:
    """The task body's samples by phase of the transition."""
    nbody = sum(n for _, _, n in body)
    phases: collections.Counter[str] = collections.Counter()
    for _, f, n in body:
        phases[phase_of(f) or "?"] += n
    head = (
        f"task body (workers/tasks.py run_action): {nbody} samples = {nbody / total:.1%} of all; "
        "by phase of the transition"
    )
    return [f"\n## {head}"] + [
        f"  {n / nbody:6.1%}  {ms(n)}  {ph}" for ph, n in sorted(phases.items())
    ]


def _by_function(sel: Stacks, is_body: bool, ms: Any, top: int) -> list[str]:
    """`sel`'s samples by layer, then its `top` functions by cumulative and by self samples
    (`is_body`: `sel` is the task body, counted from the task's frame down)."""
    nsel = sum(n for _, _, n in sel)
    scope = "task body" if is_body else "all samples"
    layers: collections.Counter[str] = collections.Counter()
    for _, f, n in sel:
        layers[layer_of(f)] += n
    lines = _counted(f"by layer ({scope}; the innermost known frame decides)", layers, nsel, ms)
    incl, selfc = _functions(sel, from_task=is_body)

    def skip(fr: str, n: int) -> bool:
        return not is_body and (n >= 0.97 * nsel or any(k in fr for k in _ENTRY_FILES))

    lines += _counted(
        f"top {top} functions by cumulative samples ({scope}; process entry frames left out)",
        incl,
        nsel,
        ms,
        top,
        skip,
    )
    lines += _counted(f"top {top} functions by self samples ({scope})", selfc, nsel, ms, top)
    return lines


# ---- SVG flame graph -------------------------------------------------------------------------
def flamegraph_svg(raw: Path, out: Path, title: str, width: int = 1600) -> None:
    """A minimal flame graph (icicle, root at the top) of the collapsed stacks in `raw`."""
    stacks = parse(raw)
    root: dict[str, Any] = {"n": 0, "c": {}}
    for procs, frames, n in stacks:
        node = root
        node["n"] += n
        for fr in [
            *(p.split()[0] + (" (pool child)" if i else " (main)") for i, p in enumerate(procs)),
            *frames,
        ]:
            node = node["c"].setdefault(fr, {"n": 0, "c": {}})
            node["n"] += n
    total = root["n"] or 1
    row_h, rects, depth_max = 16, [], 0

    def walk(node: dict[str, Any], x: float, depth: int) -> None:
        nonlocal depth_max
        for name, child in sorted(node["c"].items()):
            w = child["n"] / total * width
            if w >= 0.3:
                depth_max = max(depth_max, depth)
                rects.append((x, depth, w, name, child["n"]))
                walk(child, x, depth + 1)
            x += w

    walk(root, 0.0, 0)
    height = (depth_max + 3) * row_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" font-size="11">',
        f'<text x="4" y="12">{html.escape(title)} ({total} samples)</text>',
    ]
    for x, d, w, name, n in rects:
        y = (d + 1) * row_h + 4
        hue = (hash(name.split("(")[-1].split("/")[0]) % 60) + 10
        label = html.escape(name)
        parts.append(
            f"<g><title>{label} — {n} samples ({n / total:.1%})</title>"
            f'<rect x="{x:.1f}" y="{y}" width="{max(w - 0.5, 0.1):.1f}" height="{row_h - 1}" '
            f'fill="hsl({hue},80%,60%)"/>'
        )
        if w > 40:
            chars = int(w / 6.6)
            parts.append(f'<text x="{x + 2:.1f}" y="{y + 11}">{html.escape(name[:chars])}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    out.write_text("\n".join(parts))


def clean(directory: Path = PROFILES) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for p in directory.iterdir():
        if p.is_file() and p.suffix in (".raw", ".svg", ".txt", ".log"):
            os.unlink(p)
