"""Shared helpers of the expression tests (a uniquely named module, importable from every test):
a fake Runtime answering from fixed task executions."""

from __future__ import annotations

from typing import Any

TASKS = {
    "t1": {
        "id": "task-1",
        "name": "t1",
        "spec": {"action": "std.echo"},
        "state": "SUCCESS",
        "state_info": None,
        "result": {"items": [1, 2, 3]},
        "published": {"x": 1},
        "type": "ACTION",
    },
    "t2": {
        "id": "task-2",
        "name": "t2",
        "spec": {"action": "std.fail"},
        "state": "ERROR",
        "state_info": "boom",
        "result": None,
        "published": {},
        "type": "ACTION",
    },
}


class FakeRuntime:
    """Answers from fixed data and records every question it is asked."""

    def __init__(self, current: str = "t1") -> None:
        self.current = current
        self.calls: list[tuple[Any, ...]] = []

    def task(self, name: str | None) -> dict[str, Any] | None:
        self.calls.append(("task", name))
        return TASKS.get(name or self.current)

    def tasks(
        self, workflow_execution_id: str | None, recursive: bool, state: str | None
    ) -> list[dict[str, Any]]:
        self.calls.append(("tasks", workflow_execution_id, recursive, state))
        return [t for t in TASKS.values() if state is None or t["state"] == state]

    def execution(self) -> dict[str, Any]:
        self.calls.append(("execution",))
        return {"id": "ex-1", "name": "wf", "input": {"a": 1}, "params": {}, "state": "RUNNING"}

    def env(self) -> dict[str, Any]:
        self.calls.append(("env",))
        return {"region": "eu"}

    def global_(self, name: str) -> Any:
        self.calls.append(("global", name))
        return {"counter": 7}.get(name)
