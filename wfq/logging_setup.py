"""Logging of every wfq process: text or JSON lines, and on every record the ids of the workflow
execution, task execution and action execution being worked on (set with `log_context`).

Services call `log_context(execution_id=..., ...)` around a use case and `bind(...)` when they
learn an id mid-way (a worker learns the task and execution of an action when it claims it).
The ids live in a ContextVar, so threads (the embedded worker's pool) and Celery prefork
children each see their own. Stdlib only: any layer may import this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, TextIO

IDS = ("execution_id", "task_execution_id", "action_execution_id")
"""The ids every record carries (None when not known)."""
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(wfq_ids)s"
_SHORT = {"execution_id": "ex", "task_execution_id": "task", "action_execution_id": "action"}
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}

_context: ContextVar[dict[str, Any]] = ContextVar("wfq_log_context", default={})  # noqa: B039 (never mutated)


@contextlib.contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    """Within the block, log records carry these ids (added to the enclosing ones).

    Example: `with log_context(action_execution_id=action_id): ...`. None values are ignored.
    """
    token = _context.set({**_context.get(), **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**ids: Any) -> None:
    """Add ids to the current context until the enclosing `log_context` block ends."""
    _context.set({**_context.get(), **{k: v for k, v in ids.items() if v is not None}})


def current() -> dict[str, Any]:
    """The ids set for the code running now."""
    return dict(_context.get())


class ContextFilter(logging.Filter):
    """Copies the current ids onto each record (`record.execution_id`, ...), None when unknown."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _context.get()
        for name in IDS:
            if getattr(record, name, None) is None:
                setattr(record, name, ctx.get(name))
        for name, value in ctx.items():
            if name not in IDS and not hasattr(record, name):
                setattr(record, name, value)
        return True


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message [ex=… task=… action=…]`."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        known = [f"{_SHORT[n]}={getattr(record, n)}" for n in IDS if getattr(record, n, None)]
        record.wfq_ids = f" [{' '.join(known)}]" if known else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601), level, logger, message, the ids, any
    `extra=` fields, and exc_info as text."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in IDS:
            out[name] = getattr(record, name, None)
        for name, value in vars(record).items():
            if name not in _RESERVED and name not in out and name != "wfq_ids":
                out[name] = value
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(out, default=str)


def configure(
    level: str = "INFO", fmt: str | None = "text", stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record of the process to `stream` (stderr) in `fmt` ("text" or "json").

    Replaces the root logger's handlers; returns the handler installed.
    """
    fmt = (fmt or "text").lower()
    if fmt not in FORMATS:
        raise ValueError(f"Unknown log format {fmt!r}: expected one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
