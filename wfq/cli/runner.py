"""`wfq run`: register a workflow file, run it in this process, report progress and output."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wfq.errors import Conflict, WfqError
from wfq.services import definitions, executions, queries
from wfq.services.listing import ListQuery
from wfq.settings import Settings
from wfq.states import is_completed


def run_file(
    s: Settings,
    file: str,
    wf_input: dict[str, Any],
    params: dict[str, Any],
    workflow: str | None,
    timeout: float,
    echo: Callable[[str], None] = print,
) -> str:
    """Run the workflow in `file`; returns the execution's final state."""
    from wfq.cli.bootstrap import build

    proc = build(s)
    svc, project = proc.services, s.default_project
    try:
        text = Path(file).read_text(encoding="utf-8")
        try:
            wfs = definitions.create_workflows(svc, text, project_id=project)
        except Conflict:
            wfs = definitions.update_workflows(svc, text, project_id=project)
        name = workflow or wfs[0]["name"]
        ex_id = executions.start_execution(
            svc, name, project_id=project, wf_input=wf_input, params=params
        )
        echo(f"execution {ex_id} of {name} started")
        ex = _follow(svc, ex_id, project, timeout, echo)
    except WfqError as exc:
        echo(f"error: {exc}")
        return "ERROR"
    finally:
        proc.close()
    echo(f"execution {ex['state']}" + (f": {ex['state_info']}" if ex["state_info"] else ""))
    echo(json.dumps(ex["output"], indent=2, sort_keys=True, default=str))
    return str(ex["state"])


def _follow(
    svc: Any, ex_id: str, project: str, timeout: float, echo: Callable[[str], None]
) -> dict[str, Any]:
    seen: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    query = ListQuery(filters={"workflow_execution_id": ("eq", ex_id)})
    while True:
        ex = queries.get(svc, "execution", ex_id, project_id=project)
        for t in queries.list_(svc, "task", query, project_id=project):
            if seen.get(t["id"]) != t["state"]:
                seen[t["id"]] = t["state"]
                info = f"  ({t['state_info']})" if t["state_info"] and t["state"] == "ERROR" else ""
                echo(f"  task {t['name']:<24} {t['state']}{info}")
        if is_completed(ex["state"]):
            return ex
        if time.monotonic() > deadline:
            raise WfqError(f"execution {ex_id} still {ex['state']} after {timeout} s")
        time.sleep(0.05)
