"""What an action is: a named callable with an input signature and a description; what it may
know while it runs (ActionContext); and how its secret inputs are kept out of logs (redact).
Action authors import these from wfq.actions.base, which adds the `@action` decorator."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wfq.settings import Settings
from wfq.types import ActionInfo, Param

SECRET_PARAMS = frozenset({"password", "smtp_password", "private_key", "token", "secret"})
"""Input names whose values are never logged, for every action (plus its `secret_params`)."""

MASK = "***"
# Nested keys that look like credentials (Mistral's redact pattern): headers, params, cookies.
_SENSITIVE_KEY = re.compile(
    r"(passwd|password|token|secret|auth|api[_-]?key|apikey|credential|cookie|private_key)",
    re.IGNORECASE,
)
_DEFAULT_SETTINGS = Settings()


class ActionException(Exception):
    """An action could not do its work (Mistral's ActionException): the worker records the
    failure as "The action raised an exception [...]" with this message."""


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What a running action may know about where it runs."""

    action_execution_id: str = ""
    task_execution_id: str | None = None
    workflow_execution_id: str | None = None
    workflow_name: str | None = None
    settings: Any = None

    @property
    def callback_url(self) -> str:
        """Where an asynchronous action's result is sent (Mistral's relative form)."""
        return f"/v2/action_executions/{self.action_execution_id}"

    def setting(self, name: str) -> Any:
        """A field of this process's Settings, or its default when none were passed."""
        return getattr(self.settings if self.settings is not None else _DEFAULT_SETTINGS, name)


@dataclass(frozen=True, slots=True)
class Wait:
    """What an action returns when all it has left to do is wait: the worker finishes it with
    `result` after `seconds`, and meanwhile the action holds no slot (no thread). It stays
    RUNNING, claimed and heart-beating, so a worker lost meanwhile is detected as for any
    action. Where nothing can park it (a direct run in the API), it is waited for in place."""

    seconds: float
    result: Any = None


@dataclass(frozen=True, slots=True)
class Action:
    """A registered action. `fn(ctx, **input)` returns the result or raises to fail.

    `is_sync=False` marks actions whose result arrives later through the API (std.async_noop).
    `secret_params` names inputs that must never be logged, beyond `SECRET_PARAMS`.
    """

    name: str
    fn: Callable[..., Any]
    params: tuple[Param, ...] = ()
    accepts_any: bool = False
    description: str = ""
    is_sync: bool = True
    class_name: str = ""
    secret_params: frozenset[str] = field(default_factory=frozenset)

    @property
    def info(self) -> ActionInfo:
        return ActionInfo(
            name=self.name,
            params=self.params,
            accepts_any=self.accepts_any,
            class_name=self.class_name or self.name,
        )

    def signature_text(self) -> str:
        """Mistral's `input` string: `output, delay=0`."""
        parts = []
        for p in self.params:
            parts.append(p.name if p.required else f"{p.name}={_default_text(p.default)}")
        if self.accepts_any:
            parts.append("**kwargs")
        return ", ".join(parts)

    def redact(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """`given` with this action's secret inputs masked (for logs and API views)."""
        return redact(given, self.secret_params)


def _default_text(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def redact(given: Mapping[str, Any] | None, secret_params: Iterable[str] = ()) -> dict[str, Any]:
    """A copy of an action input that is safe to log or show.

    Top-level inputs named in `SECRET_PARAMS` or `secret_params` are replaced by `***`; so are,
    at any depth, dict keys that look like credentials (password, token, auth, cookie, ...).
    """
    secrets = SECRET_PARAMS | frozenset(secret_params)
    return {
        k: MASK if (k in secrets or _SENSITIVE_KEY.search(str(k))) and v is not None else _mask(v)
        for k, v in (given or {}).items()
    }


def _mask(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: MASK if isinstance(k, str) and _SENSITIVE_KEY.search(k) else _mask(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def params_of(fn: Callable[..., Any], skip: int = 0) -> tuple[tuple[Param, ...], bool]:
    """Input parameters from a Python signature; `skip` leading positional ones (ctx, self)."""
    params: list[Param] = []
    accepts_any = False
    for i, p in enumerate(inspect.signature(fn).parameters.values()):
        if i < skip:
            continue
        if p.kind == p.VAR_KEYWORD:
            accepts_any = True
        elif p.kind == p.VAR_POSITIONAL:
            continue
        elif p.default is inspect.Parameter.empty:
            params.append(Param(p.name))
        else:
            params.append(Param(p.name, p.default, required=False))
    return tuple(params), accepts_any
