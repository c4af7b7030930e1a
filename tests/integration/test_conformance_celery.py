"""Every conformance case (tests/conformance/cases) through the v2 API: the API in this process,
actions on a real Celery worker subprocess over Redis, state in PostgreSQL.

Each case gets its own namespace, so the names inside its documents stay as written (references
between workflows and actions need no renaming) and cases never collide. Ad-hoc actions are
registered with POST /v2/actions and workbooks with POST /v2/workbooks (text/plain YAML).
Cases listed in tests/conformance/known_gaps.txt are strict xfails.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))

from runner import Case, Outcome, TaskOutcome, check, load_cases, params_for  # noqa: E402

pytestmark = pytest.mark.integration

CASES = load_cases()
RUN_ID = uuid.uuid4().hex[:6]
TERMINAL = frozenset({"SUCCESS", "ERROR", "CANCELLED"})
BUSY_TASK_STATES = frozenset({"RUNNING", "DELAYED", "WAITING"})
SETTLE_TIMEOUT = 20.0


def _json(value: Any) -> Any:
    """API JSON fields are JSON-encoded strings; tolerate plain values too."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class CaseRun:
    """One case through the API: register its documents, start it, wait, observe."""

    def __init__(self, client: Any, case: Case) -> None:
        self.c = client
        self.case = case
        self.namespace = f"conf-{case.id.split('_', 1)[0]}-{RUN_ID}"

    def _post_text(self, path: str, text: str) -> None:
        r = self.c.post(f"{path}?namespace={self.namespace}", data=text, content_type="text/plain")
        assert r.status_code == 201, (
            f"POST {path} answered {r.status_code}: {r.get_data(as_text=True)[:500]}"
        )

    def register(self) -> None:
        if self.case.actions:
            self._post_text("/v2/actions", self.case.actions)
        self._post_text(
            "/v2/workbooks" if self.case.is_workbook else "/v2/workflows", self.case.definition
        )

    def start(self) -> str:
        body: dict[str, Any] = {
            "workflow_name": self.case.main_workflow(),
            "workflow_namespace": self.namespace,
            "input": json.dumps(self.case.input),
        }
        if self.case.params:
            body["params"] = json.dumps(self.case.params)
        r = self.c.post("/v2/executions", json=body)
        assert r.status_code == 201, f"POST /v2/executions answered {r.status_code}: {r.get_json()}"
        return r.get_json()["id"]

    def get(self, path: str) -> Any:
        r = self.c.get(path)
        assert r.status_code == 200, (
            f"GET {path} answered {r.status_code}: {r.get_data(as_text=True)[:300]}"
        )
        return r.get_json()

    def task_rows(self, ex_id: str) -> list[dict[str, Any]]:
        return self.get(f"/v2/tasks?workflow_execution_id={ex_id}&limit=1000")["tasks"]

    def settle(self, ex_id: str) -> dict[str, Any]:
        """Wait for a terminal state, or for PAUSED with no task still busy."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            ex = self.get(f"/v2/executions/{ex_id}")
            if ex["state"] in TERMINAL:
                return ex
            if ex["state"] == "PAUSED":
                if not any(t["state"] in BUSY_TASK_STATES for t in self.task_rows(ex_id)):
                    return ex
            if time.monotonic() > deadline:
                states = {t["name"]: t["state"] for t in self.task_rows(ex_id)}
                raise AssertionError(
                    f"execution not settled after {SETTLE_TIMEOUT}s: "
                    f"{ex['state']} {ex.get('state_info')!r} tasks={states}"
                )
            time.sleep(0.05)

    def outcome(self, ex: dict[str, Any]) -> Outcome:
        exp = self.case.expect
        detailed = set(exp.get("result") or {})
        counted = set(exp.get("action_count") or {})
        tasks = []
        for row in self.task_rows(ex["id"]):
            t = TaskOutcome(
                name=row["name"],
                state=row["state"],
                state_info=row["state_info"],
                published=_json(row.get("published")),
            )
            if row["name"] in detailed:
                t.result = _json(self.get(f"/v2/tasks/{row['id']}").get("result"))
            if row["name"] in counted:
                listing = self.get(f"/v2/tasks/{row['id']}/action_executions?limit=1000")
                t.action_count = len(listing["action_executions"])
            tasks.append(t)
        return Outcome(
            state=ex["state"],
            state_info=ex["state_info"],
            output=_json(ex.get("output")),
            tasks=tasks,
        )


@pytest.mark.parametrize("case", params_for(CASES, "celery"))
def test_case(client: Any, case: Case) -> None:
    run = CaseRun(client, case)
    run.register()
    ex = run.settle(run.start())
    check(case, run.outcome(ex))
