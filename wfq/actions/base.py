"""What an action is: a named callable with an input signature and a description."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wfq.types import ActionInfo, Param


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What a running action may know about where it runs."""

    action_execution_id: str = ""
    task_execution_id: str | None = None
    workflow_execution_id: str | None = None
    workflow_name: str | None = None
    settings: Any = None


@dataclass(frozen=True, slots=True)
class Action:
    """A registered action. `fn(ctx, **input)` returns the result or raises to fail.

    `is_sync=False` marks actions whose result arrives later through the API (std.async_noop).
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
        import json

        parts = []
        for p in self.params:
            parts.append(p.name if p.required else f"{p.name}={json.dumps(p.default)}")
        if self.accepts_any:
            parts.append("**kwargs")
        return ", ".join(parts)


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


def action(
    name: str, *, is_sync: bool = True, class_name: str = "", secret: tuple[str, ...] = ()
) -> Callable[[Callable[..., Any]], Action]:
    """Decorator turning `def fn(ctx, a, b=1)` into an Action with input `a, b=1`."""

    def wrap(fn: Callable[..., Any]) -> Action:
        params, accepts_any = params_of(fn, skip=1)
        return Action(
            name=name,
            fn=fn,
            params=params,
            accepts_any=accepts_any,
            description=inspect.cleandoc(fn.__doc__ or ""),
            is_sync=is_sync,
            class_name=class_name,
            secret_params=frozenset(secret),
        )

    return wrap
