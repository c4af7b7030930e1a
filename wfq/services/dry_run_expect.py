"""What `wfq test` checks: a dry-run report against the `expect` section of MOCKS.yaml, and the
report as text lines."""

from __future__ import annotations

import json
from typing import Any

EXPECT_KEYS = (
    "state",
    "state_info",
    "output",
    "tasks",
    "path",
    "published",
    "not_run",
    "all_transitions_covered",
)


def compare(report: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    """Every way the report differs from `expect` (empty when it matches).

    state, output, path: equal. state_info: contained. tasks: {name: state of its last
    execution}. published: {task: {var: value}} (each given var equal). not_run: names that
    must have no execution. all_transitions_covered: true asks every transition to be taken.
    """
    unknown = sorted(set(expect) - set(EXPECT_KEYS))
    found = [f"unknown expect keys {unknown} (known: {list(EXPECT_KEYS)})"] if unknown else []
    for key in ("state", "output", "path"):
        if key in expect and expect[key] != report[key]:
            found.append(f"{key}: expected {_show(expect[key])}, got {_show(report[key])}")
    if "state_info" in expect and str(expect["state_info"]) not in str(report["state_info"] or ""):
        found.append(
            f"state_info: expected it to contain {expect['state_info']!r}, got {report['state_info']!r}"
        )
    last = {t["name"]: t for t in report["tasks"]}
    for name, state in (expect.get("tasks") or {}).items():
        got = last[name]["state"] if name in last else None
        if got != state:
            found.append(f"task {name}: expected {state}, got {got or 'never ran'}")
    for name, values in (expect.get("published") or {}).items():
        got = last[name]["published"] if name in last else {}
        for var, value in (values or {}).items():
            if var not in got or got[var] != value:
                found.append(
                    f"{name} published {var}: expected {_show(value)}, got {_show(got.get(var))}"
                )
    found += [
        f"task {n}: expected never to run, but it ran"
        for n in expect.get("not_run") or []
        if n in last
    ]
    if expect.get("all_transitions_covered"):
        found += [
            f"transition not taken: {t['from']} {t['on']} -> {t['to']}"
            for t in report["transitions"]
            if not t["taken"]
        ]
    return found


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def report_lines(report: dict[str, Any], indent: str = "") -> list[str]:
    """The report for people: path, results, output, transitions, then the mismatches."""
    lines = [
        f"{indent}dry run of {report['workflow_name']}: {report['state']}"
        + (f" ({report['state_info'].strip()})" if report.get("state_info") else "")
    ]
    for task in report["tasks"]:
        by = ", ".join(sorted({a["mocked_by"] for a in task["actions"]})) or "-"
        pub = f" published {_show(task['published'])}" if task["published"] else ""
        lines.append(f"{indent}  {task['name']:<20} {task['state']:<8} [{by}]{pub}")
        for child in task.get("subworkflows", []):
            lines += report_lines(child, indent + "      ")
    if not indent:
        lines.append(f"output: {_show(report['output'])}")
        covered = [t for t in report["transitions"] if t["taken"]]
        lines.append(f"transitions taken: {len(covered)} of {len(report['transitions'])}")
        lines += [
            f"  not taken: {t['from']} {t['on']} -> {t['to']}"
            for t in report["transitions"]
            if not t["taken"]
        ]
        lines += [f"note: {n}" for n in report.get("notes", [])]
        if report.get("unmocked"):
            lines.append(f"unmocked (answered null): {', '.join(report['unmocked'])}")
        for m in report.get("mismatches", []):
            lines.append(f"MISMATCH {m}")
        if "mismatches" in report:
            lines.append(
                "FAILED" if report["mismatches"] else "OK: the outcome is what MOCKS expects"
            )
    return lines
