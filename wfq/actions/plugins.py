"""Finding custom actions: the `wfq.actions` entry point group (and Mistral's `mistral.actions`,
so installed Mistral action packs run unchanged), and the `action_paths` setting (directories of
.py files, .py files, dotted module names) read at worker start. A plugin that fails to load is
logged and skipped; the others still load."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import sys
from collections.abc import Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from wfq.actions.adapters import to_action
from wfq.actions.base import Action

log = logging.getLogger("wfq.actions")

ENTRY_POINT_GROUP = "wfq.actions"
MISTRAL_ENTRY_POINT_GROUP = "mistral.actions"


def split_list(value: str | Sequence[str] | None) -> list[str]:
    """A comma-separated setting (or a TOML list) as its non-empty items."""
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(i).strip() for i in items if str(i).strip()]


def from_entry_points(
    group: str = ENTRY_POINT_GROUP,
    entry_points: Iterable[metadata.EntryPoint] | None = None,
    skip: Iterable[str] = (),
) -> list[Action]:
    """One Action per entry point of `group`, named like the entry point; names in `skip` are
    not even imported (Mistral's own std.* entry points, when Mistral is installed)."""
    found = []
    skipped = frozenset(skip)
    eps = metadata.entry_points(group=group) if entry_points is None else entry_points
    for ep in eps:
        if ep.name in skipped:
            continue
        try:
            found.append(to_action(ep.name, ep.load()))
        except Exception:  # a broken plugin must not stop the worker
            log.exception("skipping action %s (entry point %s = %s)", ep.name, group, ep.value)
    return found


def from_paths(paths: str | Sequence[str] | None) -> list[Action]:
    """The actions of every module named by the `action_paths` setting."""
    found: list[Action] = []
    for entry in split_list(paths):
        for label, load in _modules_of(entry):
            try:
                module = load()
            except Exception:  # one bad file skips that file only
                log.exception("skipping action module %s", label)
                continue
            found.extend(actions_of(module))
    return found


def _modules_of(entry: str) -> Iterator[tuple[str, Any]]:
    """(label, loader) for each module an `action_paths` entry names."""
    path = Path(entry).expanduser()
    if path.is_dir():
        for file in sorted(path.glob("*.py")):
            if not file.name.startswith("_"):
                yield str(file), lambda f=file: _load_file(f)
    elif path.suffix == ".py" or "/" in entry or "\\" in entry:
        yield str(path), lambda: _load_file(path)
    else:
        yield entry, lambda: importlib.import_module(entry)


def _load_file(file: Path) -> ModuleType:
    """Import one .py file under a private module name (two folders may hold `tools.py`)."""
    if not file.is_file():
        raise FileNotFoundError(f"action module {file} does not exist")
    digest = hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:10]
    name = f"wfq_action_path_{digest}_{file.stem}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def actions_of(module: ModuleType) -> list[Action]:
    """A module's actions: its `ACTIONS` (a dict name -> action, class or function, or a list
    of Actions) when it has one, else every `@action`-decorated object it defines."""
    declared = getattr(module, "ACTIONS", None)
    if declared is None:
        return [v for v in vars(module).values() if isinstance(v, Action)]
    pairs = declared.items() if isinstance(declared, dict) else ((None, a) for a in declared)
    found = []
    for name, obj in pairs:
        try:
            found.append(to_action(name, obj))
        except Exception:  # one bad entry skips that entry only
            log.exception("skipping action %s of module %s", name or obj, module.__name__)
    return found
