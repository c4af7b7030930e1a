"""What action authors import: `@action`, the Action it makes, ActionContext, Wait,
ActionException and the secret-input helpers (defined in wfq.actions.model; the decorator
adapts Mistral classes with wfq.actions.adapters, which builds on the model)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from wfq.actions.adapters import from_class
from wfq.actions.model import (
    MASK,
    SECRET_PARAMS,
    Action,
    ActionContext,
    ActionException,
    Wait,
    params_of,
    redact,
)

__all__ = [
    "MASK",
    "SECRET_PARAMS",
    "Action",
    "ActionContext",
    "ActionException",
    "Wait",
    "action",
    "params_of",
    "redact",
]


def action(
    name: str, *, is_sync: bool = True, class_name: str = "", secret: tuple[str, ...] = ()
) -> Callable[[Any], Action]:
    """Decorator turning `def fn(ctx, a, b=1)` into an Action with input `a, b=1`.

    Applied to a class written for Mistral (`__init__(self, a, b=1)` and `run(self, context)`,
    usually a `mistral_lib.actions.Action`), it registers that class under `name`.
    """

    def wrap(obj: Any) -> Action:
        if inspect.isclass(obj):
            found = from_class(name, obj)
            return Action(
                name=found.name,
                fn=found.fn,
                params=found.params,
                accepts_any=found.accepts_any,
                description=found.description,
                is_sync=found.is_sync and is_sync,
                class_name=class_name or found.class_name,
                secret_params=frozenset(secret) | found.secret_params,
            )
        params, accepts_any = params_of(obj, skip=1)
        return Action(
            name=name,
            fn=obj,
            params=params,
            accepts_any=accepts_any,
            description=inspect.cleandoc(obj.__doc__ or ""),
            is_sync=is_sync,
            class_name=class_name,
            secret_params=frozenset(secret),
        )

    return wrap
