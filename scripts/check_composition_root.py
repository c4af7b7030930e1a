#!/usr/bin/env python3
"""Fail when code of wfq/, workers/, beat/ or listener/ other than the composition root
(wfq/composition.py) constructs a `Services` (`make lint` runs it; import-linter sees imports,
not calls). Tests and benchmarks build their own with test doubles and are not checked.

Usage: .venv/bin/python scripts/check_composition_root.py
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("wfq", "workers", "beat", "listener")
COMPOSITION_ROOT = Path("wfq/composition.py")


def constructions(path: Path) -> Iterator[int]:
    """Lines of `path` that call `Services(...)`, by name or as an attribute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "Services":
                yield node.lineno


def main() -> int:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.relative_to(ROOT) != COMPOSITION_ROOT
        for line in constructions(path)
    ]
    for place in found:
        print(f"{place}: builds Services; use wfq.composition.build_services")
    if not any(constructions(ROOT / COMPOSITION_ROOT)):
        print(f"{COMPOSITION_ROOT} no longer builds Services: move this check with it")
        return 1
    if found:
        return 1
    print("Services is built only by the composition root")
    return 0


if __name__ == "__main__":
    sys.exit(main())
