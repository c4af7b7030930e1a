"""Ad-hoc actions: following a chain of ad-hoc actions down to a registered action, and
transforming its result back up (`apply_output`: the one place that does, for workflow tasks,
with-items lanes, reverts, the dry run and direct action runs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wfq import expressions
from wfq.errors import ActionNotFound, ExpressionError, InvalidInput
from wfq.types import ActionInfo


def resolve_chain(
    lookup: Callable[[str], ActionInfo | None],
    name: str,
    given: dict[str, Any],
    *,
    max_depth: int,
    data_of: Callable[[dict[str, Any]], dict[str, Any]] = lambda full: full,
    runtime: Any = None,
) -> dict[str, Any]:
    """The worker's `runtime` for running `name` with `given`: the registered action, its full
    input, and the ad-hoc `output` transformations (innermost first).

    Each level checks its input, then evaluates its `base-input` against `data_of(full input)`.

    Raises:
        ActionNotFound: a name in the chain is no action.
        InvalidInput: bad input at some level, a cycle, or a chain deeper than `max_depth`.
        ExpressionError: a `base-input` expression failed.
    """
    outputs: list[Any] = []
    seen: list[str] = []
    for _ in range(max_depth):
        info = lookup(name)
        if info is None:
            raise ActionNotFound(name)
        if info.name in seen:
            raise InvalidInput(f"Found a cycle in an ad-hoc action chain [action_name={name}]")
        seen.append(info.name)
        try:
            full = info.check_input(given)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        if info.base is None:
            return {"action": info.name, "input": full, "output": outputs[::-1]}
        given = expressions.evaluate_recursively(info.base_input, data_of(full), runtime)
        if info.output is not None:
            outputs.append(info.output)
        name = info.base
    raise InvalidInput(f"Ad-hoc action '{name}' nests deeper than {max_depth} levels")


def apply_output(runtime: dict[str, Any] | None, success: bool, result: Any) -> tuple[bool, Any]:
    """The outcome of an action run for an ad-hoc chain: a success gets the chain's `output`
    transformations (`transform_output`); one that cannot be evaluated makes it a failure
    whose result is the expression's error text. A failure is returned as it is."""
    if not success:
        return False, result
    try:
        return True, transform_output(runtime or {}, result)
    except ExpressionError as exc:
        return False, str(exc)


def transform_output(runtime: dict[str, Any], result: Any) -> Any:
    """Apply the ad-hoc `output` expressions recorded in an action's runtime, innermost first.
    Mistral quirk kept: an empty result leaves the expression unevaluated."""
    for expr in runtime.get("output") or []:
        result = expressions.evaluate_recursively(expr, result) if result else expr
    return result
