"""Custom Python actions turned into wfq Actions: plain functions (no context), and classes
written for Mistral (`__init__` gives the input, `run(context)` does the work, a returned
`mistral_lib.actions.Result` carries data or an error)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from wfq.actions.model import Action, ActionContext, params_of
from wfq.errors import ActionFailed


def to_action(name: str | None, obj: Any) -> Action:
    """An Action from what a plugin exposes: an Action (renamed to `name` when given), a class
    with `run(self, context)`, or a plain function whose parameters are all inputs."""
    if isinstance(obj, Action):
        return obj if not name or name == obj.name else _renamed(obj, name)
    if not name:
        raise TypeError(f"{obj!r} is not a wfq action; it needs a name (ACTIONS = {{name: ...}})")
    if inspect.isclass(obj):
        return from_class(name, obj)
    if callable(obj):
        return from_function(name, obj)
    raise TypeError(f"{name}: {obj!r} is neither an action, a class nor a function")


def _renamed(a: Action, name: str) -> Action:
    return Action(
        name=name,
        fn=a.fn,
        params=a.params,
        accepts_any=a.accepts_any,
        description=a.description,
        is_sync=a.is_sync,
        class_name=a.class_name,
        secret_params=a.secret_params,
    )


def _qualname(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', repr(obj))}"


def from_function(name: str, fn: Callable[..., Any]) -> Action:
    """`def add(a, b=1)` as the action `name` with input `a, b=1` (it gets no context)."""
    params, accepts_any = params_of(fn)

    def run(ctx: ActionContext, **given: Any) -> Any:
        return unwrap(fn(**given))

    return Action(
        name=name,
        fn=run,
        params=params,
        accepts_any=accepts_any,
        description=inspect.cleandoc(fn.__doc__ or ""),
        class_name=_qualname(fn),
    )


def from_class(name: str, cls: type) -> Action:
    """A Mistral-style action class as the action `name`: input from `__init__`, result from
    `run(context)`; `is_sync()` is asked of an instance built without `__init__`."""
    if not callable(getattr(cls, "run", None)):
        raise TypeError(f"{name}: class {_qualname(cls)} has no run(context) method")
    init = cls.__init__  # type: ignore[misc]
    if init is object.__init__:
        params: tuple[Any, ...] = ()
        accepts_any = False
    else:
        params, accepts_any = params_of(init, skip=1)

    def run(ctx: ActionContext, **given: Any) -> Any:
        instance = cls(**given)
        return unwrap(instance.run(mistral_context(ctx)))

    return Action(
        name=name,
        fn=run,
        params=params,
        accepts_any=accepts_any,
        description=inspect.cleandoc(cls.__dict__.get("__doc__") or ""),
        is_sync=_class_is_sync(cls),
        class_name=_qualname(cls),
    )


def _class_is_sync(cls: type) -> bool:
    probe = getattr(cls, "is_sync", None)
    if probe is None:
        return True
    try:
        blank: Any = cls.__new__(cls)  # type: ignore[call-overload]
        return bool(probe(blank))
    except Exception:  # is_sync() that needs __init__'s attributes: assume the default
        return True


def unwrap(result: Any) -> Any:
    """A returned mistral-lib `Result` (or anything shaped like it) as wfq's convention: its
    `data` is the result, its `error` (or `cancel`) fails the action with that data."""
    if not _looks_like_result(result):
        return result
    if result.is_error():
        error = result.error
        if error is None and getattr(result, "cancel", False):
            error = "The action was cancelled."
        raise ActionFailed(str(error), data=error)
    return result.data


def _looks_like_result(result: Any) -> bool:
    return (
        hasattr(result, "data")
        and hasattr(result, "error")
        and callable(getattr(result, "is_error", None))
    )


def mistral_context(ctx: ActionContext) -> Any:
    """What Mistral passes to `run(context)`: `context.execution.<workflow_execution_id,
    task_execution_id, action_execution_id, workflow_name, callback_url>` and
    `context.security`. mistral-lib's own classes when it is installed."""
    execution = {
        "workflow_execution_id": ctx.workflow_execution_id,
        "task_execution_id": ctx.task_execution_id,
        "action_execution_id": ctx.action_execution_id,
        "workflow_name": ctx.workflow_name,
        "callback_url": ctx.callback_url,
    }
    try:
        from mistral_lib.actions import context as mistral
    except ImportError:
        return _Context(security=_Namespace(), execution=_Namespace(**execution))
    return mistral.ActionContext(
        security_ctx=mistral.SecurityContext(), execution_ctx=mistral.ExecutionContext(**execution)
    )


class _Namespace:
    """Attributes given as keywords (mistral-lib's context classes when it is absent)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None  # Mistral's context fields all default to None


class _Context:
    """`context.security` and `context.execution`, as mistral-lib's ActionContext."""

    def __init__(self, security: _Namespace, execution: _Namespace) -> None:
        self.security = security
        self.execution = execution
