"""A small HTTP client of the wfq REST API, for the `wfq` commands that read executions
(`executions`, `tasks`, `watch`, `graph`). It speaks only HTTP: no wfq service is imported."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

DEFAULT_URL = "http://127.0.0.1:8989"
TIMEOUT_S = 10.0
MAX_PAGE = 10_000


class ApiError(Exception):
    """The API answered an error (or could not be reached: status 0)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Client:
    """Calls the v2 API at `url` with an optional bearer `token`."""

    def __init__(
        self, url: str = DEFAULT_URL, token: str | None = None, timeout: float = TIMEOUT_S
    ) -> None:
        self.url = url.rstrip("/")
        if self.url.endswith("/v2"):
            self.url = self.url[: -len("/v2")]
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET `path` (relative to the server root) and return the decoded JSON body."""
        try:
            resp = self.session.get(f"{self.url}/{path}", params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ApiError(0, f"cannot reach the wfq API at {self.url}: {exc}") from None
        if not resp.ok:
            raise ApiError(resp.status_code, f"{resp.status_code}: {_fault(resp)}")
        try:
            return resp.json()
        except ValueError:
            raise ApiError(resp.status_code, f"not a JSON answer from {resp.url}") from None

    def post(self, path: str, body: Any) -> Any:
        """POST a JSON `body` to `path` and return the decoded JSON answer."""
        try:
            resp = self.session.post(f"{self.url}/{path}", json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ApiError(0, f"cannot reach the wfq API at {self.url}: {exc}") from None
        if not resp.ok:
            raise ApiError(resp.status_code, f"{resp.status_code}: {_fault(resp)}")
        try:
            return resp.json()
        except ValueError:
            raise ApiError(resp.status_code, f"not a JSON answer from {resp.url}") from None

    def executions(
        self, state: str | None = None, workflow: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """The newest executions first, filtered by state and workflow name (exact)."""
        params: dict[str, Any] = {"sort_keys": "created_at", "sort_dirs": "desc", "limit": limit}
        if state:
            params["state"] = state.upper()
        if workflow:
            params["workflow_name"] = workflow
        return list(self.get("v2/executions", params)["executions"])

    def execution(self, ex_id: str) -> dict[str, Any]:
        """One execution."""
        return dict(self.get(f"v2/executions/{quote(ex_id, safe='')}"))

    def tasks(self, ex_id: str) -> list[dict[str, Any]]:
        """The task executions of one execution, oldest first."""
        params = {"workflow_execution_id": ex_id, "limit": MAX_PAGE}
        return list(self.get("v2/tasks", params)["tasks"])

    def action_executions(self, task_id: str, fields: str = "id,state") -> list[dict[str, Any]]:
        """The action executions of one task execution (only `fields`)."""
        params = {"fields": fields, "limit": MAX_PAGE}
        path = f"v2/tasks/{quote(task_id, safe='')}/action_executions"
        return list(self.get(path, params)["action_executions"])

    def workflow_graph(self, workflow: str, namespace: str = "") -> dict[str, Any]:
        """The task graph of a workflow (name or id): nodes, edges, levels."""
        params = {"namespace": namespace} if namespace else None
        return dict(self.get(f"v2/workflows/{quote(workflow, safe='')}/graph", params))


def _fault(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text.strip()[:500] or resp.reason
    if isinstance(body, dict):
        return str(body.get("faultstring") or body.get("message") or body)
    return str(body)
