"""What an expression refers to, without evaluating it: the `$.name` / `_.name` variables it
reads at its top level and the functions it calls that no engine provides (for lint warnings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes
from yaql.language import expressions as yaql_nodes

from wfq.expressions import jinja_evaluator, yaql_evaluator
from wfq.expressions.base import JINJA_PATTERN, YAQL_PATTERN
from wfq.expressions.scope import FUNCTION_NAMES

_JINJA_NAMES = frozenset(
    {"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop", *FUNCTION_NAMES}
)


@dataclass
class References:
    """The root variables read (`$.x` -> "x") and the unknown function names called."""

    variables: set[str] = field(default_factory=set)
    unknown_functions: set[str] = field(default_factory=set)


def references(text: Any) -> References:
    """What the expressions inside `text` refer to; a syntax error yields nothing here (the
    validator reports it)."""
    found = References()
    if not isinstance(text, str):
        return found
    for match in YAQL_PATTERN.finditer(text):
        try:
            statement = yaql_evaluator._parse(match.group()[2:-2].strip())
        except Exception:  # noqa: S112 - reported by validate()
            continue
        _walk_yaql(getattr(statement, "expression", statement), found, in_lambda=False)
    if JINJA_PATTERN.search(text):
        try:
            tree = jinja_evaluator._ENV.parse(text)
        except Exception:
            return found
        _walk_jinja(tree, found)
    return found


def _walk_yaql(node: Any, found: References, in_lambda: bool) -> None:
    if isinstance(node, yaql_nodes.BinaryOperator) and node.name == "#operator_.":
        left, right = node.args
        root = _root_variable(left, right)
        if root is not None and not in_lambda:
            found.variables.add(root)
        _walk_yaql(left, found, in_lambda)
        # A method's arguments see the receiver's elements as `$` (where, select, ...).
        if isinstance(right, yaql_nodes.Function):
            _check_function(right.name, found)
            for arg in right.args:
                _walk_yaql(arg, found, True)
        else:
            _walk_yaql(right, found, in_lambda)
        return
    if isinstance(node, yaql_nodes.Function) and not node.name.startswith("#"):
        _check_function(node.name, found)
    for arg in getattr(node, "args", None) or []:
        _walk_yaql(arg, found, in_lambda)


def _root_variable(left: Any, right: Any) -> str | None:
    if (
        isinstance(left, yaql_nodes.GetContextValue)
        and getattr(left.path, "value", None) == "$"
        and isinstance(right, yaql_nodes.KeywordConstant)
    ):
        return str(right.value)
    return None


def _yaql_function_names() -> frozenset[str]:
    names: set[str] = set()
    context = yaql_evaluator._BASE_CONTEXT
    while context is not None:
        names.update(getattr(context, "_functions", {}))
        context = context.parent
    return frozenset(names)


_YAQL_FUNCTIONS = _yaql_function_names()


def _check_function(name: str, found: References) -> None:
    if name[:1] not in ("#", "*") and name not in _YAQL_FUNCTIONS:
        found.unknown_functions.add(name)


def _walk_jinja(tree: nodes.Node, found: References) -> None:
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        # find_all is typed by the tuple's common base (Expr); only these two have .node
        assert isinstance(node, (nodes.Getattr, nodes.Getitem))
        if isinstance(node.node, nodes.Name) and node.node.name == "_":
            key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
            if isinstance(key, str):
                found.variables.add(key)
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name not in _JINJA_NAMES | assigned:
            found.unknown_functions.add(call.node.name)
    for flt in tree.find_all((nodes.Filter, nodes.Test)):
        table = (
            jinja_evaluator._ENV.filters
            if isinstance(flt, nodes.Filter)
            else jinja_evaluator._ENV.tests
        )
        if flt.name not in table:
            found.unknown_functions.add(flt.name)
