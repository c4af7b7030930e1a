"""Dynamic actions: Python source uploaded through the API (a code source) that defines action
classes or functions. Checking a source and reading a signature need no execution (the API does
only that, with `ast`); only a worker executes the source, when it runs one of its actions.

Running uploaded code is running arbitrary code with the worker's rights (files, network,
database credentials in the environment): the operator enables it for named projects only
(`code_source_projects`), see docs/operations.md.
"""

from __future__ import annotations

import ast
import types

from wfq.actions.adapters import to_action
from wfq.actions.base import Action
from wfq.errors import InvalidInput
from wfq.types import Param


def check_source(name: str, content: str) -> ast.Module:
    """The parsed source; InvalidInput naming the line of a syntax error."""
    if "\x00" in content:
        raise InvalidInput(f"Code source {name} contains a NUL character")
    try:
        return ast.parse(content, filename=f"<code source {name}>")
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        raise InvalidInput(f"Invalid Python in code source {name} at {where}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise InvalidInput(f"Invalid Python in code source {name}: {exc}") from None


def _top_level(tree: ast.Module, class_name: str) -> ast.ClassDef | ast.FunctionDef | None:
    found = None
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == class_name:
            found = node  # a later definition replaces an earlier one, as at import
    return found


def signature(source_name: str, content: str, class_name: str) -> tuple[tuple[Param, ...], bool]:
    """The input of `class_name` (its `__init__`, or the function's parameters) read from the
    source without running it; defaults that are not literals count as optional with None.

    Raises:
        InvalidInput: a syntax error, or no class or function of that name at the top level.
    """
    node = _top_level(check_source(source_name, content), class_name)
    if node is None:
        raise InvalidInput(f"Class {class_name} is not defined in code source {source_name}")
    if isinstance(node, ast.FunctionDef):
        return _params(node.args, skip=0)
    init = next(
        (n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None
    )
    return _params(init.args, skip=1) if init is not None else ((), False)


def _params(args: ast.arguments, skip: int) -> tuple[tuple[Param, ...], bool]:
    positional = [*args.posonlyargs, *args.args][skip:]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    params = [_param(a.arg, d) for a, d in zip(positional, defaults, strict=True)]
    params += [_param(a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    return tuple(params), args.kwarg is not None


def _param(name: str, default: ast.expr | None) -> Param:
    if default is None:
        return Param(name)
    try:
        value = ast.literal_eval(default)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        value = None
    return Param(name, value, required=False)


def load_module(module_name: str, content: str) -> types.ModuleType:
    """Execute a code source as a fresh module (workers only: this runs the uploaded code)."""
    module = types.ModuleType(module_name)
    code = compile(content, f"<code source {module_name}>", "exec")
    exec(code, module.__dict__)  # noqa: S102 - the point of code sources; see the module docstring
    return module


def action_of(module: types.ModuleType, action_name: str, class_name: str) -> Action:
    """The action `action_name` implemented by `class_name` of a loaded code source."""
    obj = getattr(module, class_name, None)
    if obj is None:
        raise InvalidInput(f"Class {class_name} is not defined in code source {module.__name__}")
    return to_action(action_name, obj)
