"""One evaluation call: its data, its Runtime and its time budget, plus Mistral's expression
functions (task(), tasks(), execution(), executions(), env(), global(), json_*, yaml_*, uuid())
bound to them.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import time
import uuid as uuid_module
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import yaml

from wfq.expressions.base import (
    DeadlineExceeded,
    FunctionError,
    LimitExceeded,
    Runtime,
    RuntimeFailure,
    to_plain,
)
from wfq.expressions.limits import DEFAULT_MEMORY, LIMIT_ITERATORS

T = TypeVar("T")

_SHARED: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "wfq_shared_deadline", default=None
)
"""(monotonic deadline, its length in seconds) that every evaluation started in this thread
shares besides its own, while `shared_deadline` is active."""


@contextlib.contextmanager
def shared_deadline(seconds: float | None) -> Iterator[None]:
    """Hold every evaluation made inside the block to `seconds` in all (None: no shared
    limit). Time waiting for the Runtime still counts here: the block is one state change."""
    if not seconds:
        yield
        return
    token = _SHARED.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _SHARED.reset(token)


FUNCTION_NAMES: tuple[str, ...] = (
    "task",
    "tasks",
    "execution",
    "env",
    "global",
    "json_pp",
    "json_dump",
    "json_parse",
    "yaml_dump",
    "yaml_parse",
    "uuid",
    "executions",
)
"""Mistral's names for the functions every expression can call."""


class Scope:
    """The state of one `evaluate`/`evaluate_recursively` call.

    Its public methods are the expression functions; Jinja templates can reach them, so the
    Runtime and the deadline are kept in private attributes the sandbox refuses to read.
    """

    def __init__(
        self,
        data: Any,
        runtime: Runtime | None,
        timeout: float | None,
        memory: int = DEFAULT_MEMORY,
    ) -> None:
        self.data = data
        self.prepared: dict[str, Any] = {}  # per-language copies of `data`, made on first use
        self._runtime = runtime
        self._timeout = timeout
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._shared = _SHARED.get()
        self._memory = memory
        self._built = 0

    def check_deadline(self) -> None:
        """Raise DeadlineExceeded once the time budget is spent (this evaluation's, or the one
        its caller shares among several, see `shared_deadline`)."""
        now = time.monotonic()
        if self._deadline is not None and now > self._deadline:
            raise DeadlineExceeded(self._timeout or 0.0)
        if self._shared is not None and now > self._shared[0]:
            raise DeadlineExceeded(self._shared[1], shared=True)

    def expired(self) -> DeadlineExceeded:
        """The error of an evaluation stopped for running out of time."""
        if self._shared is not None and time.monotonic() > self._shared[0] - 0.01:
            return DeadlineExceeded(self._shared[1], shared=True)
        return DeadlineExceeded(self._timeout or 0.0)

    def remaining(self) -> float | None:
        """Seconds left of the time budget (None: unlimited); raises once it is spent."""
        self.check_deadline()
        ends = [
            d for d in (self._deadline, self._shared[0] if self._shared else None) if d is not None
        ]
        return max(0.001, min(ends) - time.monotonic()) if ends else None

    def charge(self, size: int) -> None:
        """Count `size` more bytes built by this evaluation; raise once the total passes the
        memory budget. Callers charge what they are about to build, before building it."""
        self._built += max(0, size)
        if self._built > self._memory:
            raise LimitExceeded(
                f"expression built more than {_mib(self._memory)} of strings and lists "
                "(expression_memory_mb) and was stopped"
            )
        self.check_deadline()

    def room(self) -> int:
        """Bytes still free in the memory budget."""
        return max(0, self._memory - self._built)

    def charge_value(self, value: Any) -> Any:
        """Charge what `value` (a just-built string or list) takes and return it."""
        if isinstance(value, str):
            self.charge(len(value) * _char_width(value))
        elif isinstance(value, (list, tuple)):
            self.charge(8 * len(value))
        return value

    def functions(self) -> dict[str, Callable[..., Any]]:
        """The expression functions by their Mistral names."""
        return {name: getattr(self, _METHODS.get(name, name)) for name in FUNCTION_NAMES}

    def task(self, task_name: str | None = None) -> Any:
        """The task execution `task_name` (default: the current task), or None if unknown."""
        name = _optional_str(task_name, "task")  # outside _ask: a misuse, not a Runtime failure
        return self._ask("task", lambda rt: rt.task(name))

    def tasks(
        self,
        workflow_execution_id: str | None = None,
        recursive: bool = False,
        state: str | None = None,
        flat: bool = False,
    ) -> Any:
        """Task executions filtered by execution id, nesting and state (Mistral's tasks())."""
        if flat:
            raise FunctionError("tasks(flat=true) is not supported")
        wf_ex_id = _optional_str(workflow_execution_id, "tasks")
        wanted = _optional_str(state, "tasks")
        return self._ask("tasks", lambda rt: rt.tasks(wf_ex_id, bool(recursive), wanted))

    def execution(self) -> Any:
        """The current workflow execution."""
        return self._ask("execution", lambda rt: rt.execution())

    def env(self) -> Any:
        """The execution's environment."""
        return self._ask("env", lambda rt: rt.env())

    def executions(
        self,
        id: str | None = None,  # noqa: A002 - Mistral's parameter name
        root_execution_id: str | None = None,
        state: str | None = None,
        from_time: str | None = None,
        to_time: str | None = None,
    ) -> Any:
        """Workflow executions of the project, filtered like Mistral's `executions()`:
        by id, root execution, state, and `from_time` <= created_at < `to_time`."""
        filters = {
            "id": _optional_str(id, "executions"),
            "root_execution_id": _optional_str(root_execution_id, "executions"),
            "state": _optional_str(state, "executions"),
            "from_time": _optional_time(from_time),
            "to_time": _optional_time(to_time),
        }
        wanted = {k: v for k, v in filters.items() if v is not None}
        return self._ask("executions", lambda rt: rt.executions(**wanted))

    def global_(self, var_name: str) -> Any:
        """An execution-wide variable (Mistral's global(name)); None if it is not set."""
        if not isinstance(var_name, str):
            raise FunctionError("global() expects a variable name")
        return self._ask("global", lambda rt: rt.global_(var_name))

    def json_pp(self, data: Any = None) -> str:
        """Deprecated Mistral pretty-printer: JSON with 4-space indent, escaped newlines
        turned into real ones. Without an argument it prints the whole data context."""
        value = self.data if data is None else data
        return json.dumps(to_plain(value), indent=4).replace("\\n", "\n")

    def json_dump(self, data: Any) -> str:
        """`data` as JSON text with 4-space indent."""
        return json.dumps(to_plain(data), indent=4)

    def json_parse(self, data: Any) -> Any:
        """The value that the JSON text `data` holds."""
        if not isinstance(data, str):
            raise FunctionError("json_parse() expects a string")
        return json.loads(data)

    def yaml_dump(self, data: Any) -> str:
        """`data` as block-style YAML text."""
        return str(yaml.safe_dump(to_plain(data), default_flow_style=False))

    def yaml_parse(self, data: Any) -> Any:
        """The value that the YAML text `data` holds (aliases may not expand it too far)."""
        if not isinstance(data, str):
            raise FunctionError("yaml_parse() expects a string")
        value = yaml.safe_load(data)
        if _is_container(value):
            _check_expanded_size(value)
        return value

    def uuid(self) -> str:
        """A new random UUID (version 4) as a string."""
        return str(uuid_module.uuid4())

    def _ask(self, function: str, call: Callable[[Runtime], T]) -> Any:
        if self._runtime is None:
            raise FunctionError(f"{function}() needs the workflow runtime, but there is no runtime")
        started = time.monotonic()
        try:
            answer = call(self._runtime)
        except Exception as error:
            raise RuntimeFailure(error) from error
        finally:
            # Waiting for the engine (usually the database) is not the expression's fault.
            if self._deadline is not None:
                self._deadline += time.monotonic() - started
        return to_plain(answer)


_METHODS = {"global": "global_"}


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def _char_width(text: str) -> int:
    """Bytes per character CPython stores `text` with (1, 2 or 4); cheap for short strings."""
    if len(text) < 4096 or text.isascii():
        return 1
    return 4 if max(text) > "\uffff" else 2


def _optional_str(value: Any, function: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise FunctionError(f"{function}() expects a string or null, not {type(value).__name__}")


def _optional_time(value: Any) -> str | None:
    """An `executions()` time bound as ISO text ('YYYY-MM-DD HH:MM:SS', UTC), or None."""
    text = _optional_str(value, "executions")
    if text is None:
        return None
    try:
        return (
            dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            .replace(tzinfo=None)
            .isoformat(" ")
        )
    except ValueError:
        raise FunctionError(
            f"executions() expects a date and time like 'YYYY-MM-DD HH:MM:SS', not '{text}'"
        ) from None


def _check_expanded_size(value: Any) -> None:
    """Refuse documents whose YAML aliases make them huge (a 'billion laughs') or recursive.

    Counts the nodes a full walk would visit, sharing the count of aliased (repeated) nodes.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # on the current path: meeting one again means a cycle
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        node, finished = stack.pop()
        children = list(node.values()) if isinstance(node, Mapping) else node
        if finished:
            size = 1 + sum(sizes.get(id(child), 1) for child in children)
            if size > LIMIT_ITERATORS:
                raise LimitExceeded(f"yaml_parse() result has more than {LIMIT_ITERATORS} nodes")
            sizes[id(node)] = size
            open_nodes.discard(id(node))
        elif id(node) in open_nodes:
            raise LimitExceeded("yaml_parse() result refers to itself")
        elif id(node) not in sizes:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if _is_container(child))


def _is_container(value: Any) -> bool:
    return isinstance(value, (Mapping, list))
