"""Prometheus metrics of wfq. Execution, task, action and cron numbers are computed from the
database at scrape time (the one store every API, worker and beat process shares); queue depths
are read from the broker; engine transition timings are this process's own.

See docs/operations.md for the metric list and why the numbers come from the database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from croniter import croniter
from prometheus_client import CollectorRegistry, Histogram, ProcessCollector
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder

import wfq
from wfq.dispatch import queue_probe
from wfq.persistence.ids import cron_execution_id
from wfq.persistence.models import CronTrigger
from wfq.persistence.repositories import metrics as repo
from wfq.services.context import Services
from wfq.settings import Settings
from wfq.states import COMPLETED, State

log = logging.getLogger("wfq.metrics")

DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
"""Upper bounds (seconds) of the duration histograms."""
TRANSITION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
WINDOW_H = 24.0
"""Duration histograms cover what was created in the last WINDOW_H hours (an index range)."""
CRON_WINDOW_H = 1.0
"""Missed cron instants are looked for in the last CRON_WINDOW_H hours."""
CRON_MAX_INSTANTS = 1000
"""At most this many instants are checked per trigger and scrape."""
ACTIVE_TASK_STATES = (State.IDLE, State.WAITING, State.RUNNING, State.RUNNING_DELAYED, State.PAUSED)
_FINISHED = tuple(s.value for s in COMPLETED)

PROCESS_REGISTRY = CollectorRegistry(auto_describe=True)
"""Metrics this process measures itself (not in the database)."""
TRANSITION_SECONDS = Histogram(
    "wfq_engine_transition_seconds",
    "Time of one engine decision (snapshot in, decision out) in this process, by event.",
    ["event"],
    buckets=TRANSITION_BUCKETS,
    registry=PROCESS_REGISTRY,
)


@contextlib.contextmanager
def timed_transition(event: str) -> Iterator[None]:
    """Time the block as one engine transition of `event` (e.g. "ActionCompleted")."""
    start = time.perf_counter()
    try:
        yield
    finally:
        TRANSITION_SECONDS.labels(event).observe(time.perf_counter() - start)


def exposition(
    svc: Services, *, project_id: str, accept: str = "", window_h: float = WINDOW_H
) -> tuple[bytes, str]:
    """The metrics of one project in the text format `accept` asks for: (body, content type)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(svc, project_id, window_h))
    registry.register(QueueCollector(svc.settings))
    registry.register(_Chain(PROCESS_REGISTRY))
    registry.register(ProcessCollector(registry=None))
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type


class _Chain:
    """Yields the metrics of another registry (so one scrape holds everything)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()


@dataclass(eq=False)
class DatabaseCollector:
    """Execution, task, action and cron trigger metrics of one project, read at scrape time."""

    svc: Services
    project_id: str
    window_h: float = WINDOW_H

    def collect(self) -> Iterator[Metric]:
        now = self.svc.now()
        cutoff = now - dt.timedelta(hours=self.window_h)
        info = GaugeMetricFamily(
            "wfq_info", "wfq version of the process answering.", labels=["version"]
        )
        info.add_metric([wfq.__version__], 1)
        yield info
        with self.svc.db.read() as session:
            yield from self._executions(session)
            yield from self._tasks(session)
            yield from self._durations(session, cutoff)
            yield from self._cron(session, now)

    def _executions(self, session: Any) -> Iterator[Metric]:
        rows = repo.execution_counts(session, self.project_id)
        current = GaugeMetricFamily(
            "wfq_executions",
            "Workflow executions stored, by workflow and current state.",
            labels=["workflow", "state"],
        )
        started = CounterMetricFamily(
            "wfq_executions_started",
            "Workflow executions started (stored), by workflow.",
            labels=["workflow"],
        )
        finished = CounterMetricFamily(
            "wfq_executions_finished",
            "Workflow executions that ended (stored), by workflow and final state.",
            labels=["workflow", "state"],
        )
        totals: dict[str, int] = {}
        for name, state, count in rows:
            current.add_metric([name, state], count)
            totals[name] = totals.get(name, 0) + count
            if state in _FINISHED:
                finished.add_metric([name, state], count)
        for name, count in sorted(totals.items()):
            started.add_metric([name], count)
        yield from (current, started, finished)

    def _tasks(self, session: Any) -> Iterator[Metric]:
        states = [s.value for s in ACTIVE_TASK_STATES]
        family = GaugeMetricFamily(
            "wfq_tasks_active",
            "Task executions not finished yet, by workflow and state (IDLE, WAITING, RUNNING, "
            "DELAYED, PAUSED).",
            labels=["workflow", "state"],
        )
        for name, state, count in repo.task_counts(session, self.project_id, states):
            family.add_metric([name, state], count)
        yield family

    def _durations(self, session: Any, cutoff: dt.datetime) -> Iterator[Metric]:
        window = f"created in the last {self.window_h:g} h"
        pid, bounds = self.project_id, DURATION_BUCKETS
        specs = (
            (
                "wfq_execution_duration_seconds",
                f"Duration of finished workflow executions {window}, by workflow.",
                "workflow",
                lambda: repo.execution_durations(session, pid, cutoff, bounds, _FINISHED),
            ),
            (
                "wfq_task_duration_seconds",
                f"Duration (started to finished) of finished task executions {window}, by workflow.",
                "workflow",
                lambda: repo.task_durations(session, pid, cutoff, bounds),
            ),
            (
                "wfq_action_duration_seconds",
                f"Duration (created to result, queue wait included) of finished action executions "
                f"{window}, by action.",
                "action",
                lambda: repo.action_durations(session, pid, cutoff, bounds),
            ),
        )
        for name, doc, label, rows in specs:
            family = GaugeHistogramMetricFamily(name, doc, labels=[label])
            for row in rows():
                value, count, total, *cumulative = row
                buckets = [
                    (repr(float(b)), int(c or 0))
                    for b, c in zip(DURATION_BUCKETS, cumulative, strict=True)
                ]
                buckets.append(("+Inf", int(count)))
                family.add_metric([value or ""], buckets, float(total or 0.0))
            yield family

    def _cron(self, session: Any, now: dt.datetime) -> Iterator[Metric]:
        triggers = repo.cron_triggers(session, self.project_id)
        names = {t.id: t.name for t in triggers}
        firings = CounterMetricFamily(
            "wfq_cron_trigger_firings",
            "Executions started by each cron trigger (stored).",
            labels=["trigger"],
        )
        for trigger_id, count in repo.cron_firing_counts(session, self.project_id):
            firings.add_metric([names.get(trigger_id, trigger_id)], count)
        missed = GaugeMetricFamily(
            "wfq_cron_trigger_missed",
            f"Instants of the last {CRON_WINDOW_H:g} h for which a cron trigger started no "
            "execution (beat down, or the workflow could not start).",
            labels=["trigger"],
        )
        overdue = GaugeMetricFamily(
            "wfq_cron_trigger_overdue_seconds",
            "How late an active cron trigger's next firing is (0 when on time).",
            labels=["trigger"],
        )
        for t in triggers:
            if t.status != "ACTIVE" or t.next_execution_time is None:
                continue
            late = max(0.0, (now - t.next_execution_time).total_seconds())
            overdue.add_metric([t.name], late)
            missed.add_metric([t.name], self._missed(session, t, now))
        yield from (firings, missed, overdue)

    def _missed(self, session: Any, trigger: CronTrigger, now: dt.datetime) -> int:
        expected = past_instants(trigger, now - dt.timedelta(hours=CRON_WINDOW_H))
        if not expected:
            return 0
        ids = [cron_execution_id(trigger.id, instant) for instant in expected]
        return len(ids) - repo.count_executions(session, ids)


def past_instants(trigger: Any, since: dt.datetime) -> list[dt.datetime]:
    """The instants a trigger should already have fired at, from `since` on (at most
    CRON_MAX_INSTANTS): its first_execution_time, then its pattern's instants after it (or after
    its creation), up to but excluding its `next_execution_time`."""
    until = trigger.next_execution_time
    first = trigger.first_execution_time
    out: list[dt.datetime] = []
    if first is not None and since <= first < until:
        out.append(first)
    if not trigger.pattern:
        return out
    base = max(first or trigger.created_at, since)
    it = croniter(trigger.pattern, base)
    while len(out) < CRON_MAX_INSTANTS:
        instant: dt.datetime = it.get_next(dt.datetime)
        if instant >= until:
            break
        out.append(instant)
    return out


class QueueCollector:
    """Messages waiting in wfq's Celery queues, when the broker is Redis (LLEN)."""

    def __init__(self, settings: Settings, queues: Sequence[str] | None = None) -> None:
        self.settings = settings
        self.queues = tuple(queues or (settings.queue, settings.engine_queue))

    def collect(self) -> Iterator[Metric]:
        url = self.settings.broker_url
        if not queue_probe.is_redis(url):
            return
        up = GaugeMetricFamily("wfq_broker_up", "1 when the Redis broker answered this scrape.")
        depth = GaugeMetricFamily(
            "wfq_queue_messages",
            "Messages waiting in a wfq Celery queue (Redis LLEN).",
            labels=["queue"],
        )
        try:
            depths = queue_probe.queue_depths(url, self.queues)
        except Exception as exc:  # a scrape must answer even when the broker is down
            log.warning("cannot read queue depths from %s: %s", url, exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for queue, count in depths.items():
            depth.add_metric([queue], count)
        yield from (up, depth)
