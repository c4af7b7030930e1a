"""The benchmark's clients of a running wfq: its v2 REST API (`Api`), its database read
directly (`Db`: the execution rows' timestamps and states), and an RSS sampler of its processes."""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
import urllib.parse
from typing import Any

import requests

from benchmarks.processes import rss_kb

TERMINAL = {"SUCCESS", "ERROR", "CANCELLED"}


def med(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


class Api:
    """The v2 REST API (requests, one session per thread; the calls timed in the latency
    scenarios, POST of an execution and GET of its state, go through `http.client` on one
    kept-alive connection per thread instead)."""

    def __init__(self, url: str, timeout: float = 600.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._tls = threading.local()
        parts = urllib.parse.urlsplit(self.url)
        self._host, self._port, self._path = parts.hostname, parts.port, parts.path

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """One request on this thread's kept-alive connection: (status, decoded JSON body).
        requests costs the client about 0.65 ms of CPU per call, http.client about 0.15 ms: on
        2 cores, a client polling every 5 ms would otherwise take CPU from the system it
        measures, and bare Celery's client waits on Redis without polling.

        A server may close a kept-alive connection left idle (gunicorn after 2 s): one idle for
        over a second is replaced before use, and a request that could not be sent on a reused
        connection is sent once more on a new one (the server never saw it)."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn, last = getattr(self._tls, "conn", None), getattr(self._tls, "last", 0.0)
        if conn is not None and time.monotonic() - last > 1.0:
            conn.close()
            conn = None
        for attempt in (1, 2):
            reused = conn is not None
            if conn is None:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
            self._tls.conn = conn
            try:
                conn.request(method, self._path + path, body=data, headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                conn.close()
                conn = None
                if reused and attempt == 1:
                    continue
                raise
            try:
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                self._tls.conn = None
                raise
            self._tls.last = time.monotonic()
            return resp.status, json.loads(raw) if raw else None
        raise AssertionError("unreachable")

    @property
    def s(self) -> requests.Session:
        s = getattr(self._tls, "s", None)
        if s is None:
            s = self._tls.s = requests.Session()
        return s

    def put_workflow(self, text: str) -> None:
        h = {"Content-Type": "text/plain"}
        r = self.s.post(self.url + "/workflows", data=text, headers=h, timeout=60)
        if r.status_code == 409:
            r = self.s.put(self.url + "/workflows", data=text, headers=h, timeout=60)
        if r.status_code >= 300:
            raise RuntimeError(f"workflow upload failed: {r.status_code} {r.text[:300]}")

    def start(self, name: str, wf_input: dict[str, Any] | None = None) -> str:
        body = {"workflow_name": name, "input": json.dumps(wf_input or {})}
        status, answer = self._call("POST", "/executions", body)
        if status != 201:
            raise RuntimeError(f"start failed: {status} {str(answer)[:300]}")
        return str(answer["id"])

    def state(self, ex_id: str) -> str:
        status, answer = self._call("GET", "/executions/" + ex_id)
        if status != 200:
            raise RuntimeError(f"GET execution failed: {status} {str(answer)[:300]}")
        return str(answer["state"])

    def states_by_wf(self, name: str) -> dict[str, str]:
        out: dict[str, str] = {}
        url: str | None = self.url + "/executions"
        params: dict[str, Any] | None = {"workflow_name": name, "fields": "id,state", "limit": 1000}
        for _ in range(100):
            assert url is not None
            r = self.s.get(url, params=params, timeout=60)
            r.raise_for_status()
            j = r.json()
            out.update({e["id"]: e["state"] for e in j.get("executions", [])})
            url, params = j.get("next"), None
            if not url:
                break
        return out

    def wait(self, ex_id: str, poll: float) -> tuple[str, float]:
        """Poll until terminal; returns (state, monotonic time it was observed)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            st = self.state(ex_id)
            if st in TERMINAL:
                return st, time.monotonic()
            time.sleep(poll)
        return "TIMEOUT", time.monotonic()


class Db:
    """The runner's own read-only view of the benchmark database (autocommit)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.queries = 0
        """Statements this connection ran (subtracted from transaction counts)."""

    def one(self, sql: str, *args: Any) -> Any:
        self.queries += 1
        return self.conn.execute(sql, args).fetchone()

    def all(self, sql: str, *args: Any) -> list[Any]:
        self.queries += 1
        return self.conn.execute(sql, args).fetchall()

    def times(self, ids: list[str]) -> dict[str, tuple[Any, Any, str]]:
        rows = self.all(
            "SELECT id, created_at, finished_at, state FROM workflow_executions WHERE id = ANY(%s)",
            list(ids),
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def states(self, ids: list[str]) -> dict[str, str]:
        return {
            r[0]: r[1]
            for r in self.all(
                "SELECT id, state FROM workflow_executions WHERE id = ANY(%s)", list(ids)
            )
        }

    def wait(self, ex_id: str, poll: float, timeout: float) -> tuple[str, float]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.one("SELECT state FROM workflow_executions WHERE id = %s", ex_id)[0]
            if st in TERMINAL:
                return st, time.monotonic()
            time.sleep(poll)
        return "TIMEOUT", time.monotonic()

    def item_states(self, task_id: str) -> dict[str, int]:
        rows = self.all(
            "SELECT state, count(*) FROM action_executions WHERE task_execution_id = %s GROUP BY state",
            task_id,
        )
        return {r[0]: int(r[1]) for r in rows}

    def duration(self, ex_id: str) -> float | None:
        t = self.times([ex_id]).get(ex_id)
        if not t or t[1] is None:
            return None
        return (t[1] - t[0]).total_seconds()

    def close(self) -> None:
        self.conn.close()


class RssSampler:
    """Samples the RSS of some processes every `interval` s; keeps the peak of their sum."""

    def __init__(self, pids_of: dict[str, Any], interval: float = 0.05) -> None:
        self.pids_of = pids_of  # role -> callable returning the pids of that role
        self.interval = interval
        self.peak: dict[str, int] = {r: 0 for r in pids_of}
        self.start_kb: dict[str, int] = {}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> dict[str, int]:
        return {r: sum(rss_kb(p) for p in f()) for r, f in self.pids_of.items()}

    def _loop(self) -> None:
        while not self._stop.is_set():
            for r, kb in self._sample().items():
                self.peak[r] = max(self.peak[r], kb)
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self.start_kb = self._sample()
        self._t.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._t.join()
