#!/usr/bin/env python3
"""Fail when the modules of one package import one another in a circle (`make lint` runs it).

The packages are each package of wfq/ (wfq.engine, wfq.services, ..., every subpackage with its
parent), the top-level modules of wfq/, and workers/, beat/ and listener/. Imports between those
packages are the layers contract's business (.importlinter). Imports made only for type checking
count too: a circle that exists only under `if TYPE_CHECKING:` still ties the modules together.
Every circle found is printed as a chain of imports with their line numbers.

Usage: .venv/bin/python scripts/check_cycles.py
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

import grimp

ROOTS = ("wfq", "workers", "beat", "listener")


def packages(graph: grimp.ImportGraph) -> Iterator[tuple[str, set[str]]]:
    """(name, modules) of each package whose modules must not import one another in a circle."""
    for root in ROOTS:
        children = graph.find_children(root)
        subpackages = {c for c in children if graph.find_children(c)}
        if root != "wfq":
            yield root, {root, *graph.find_descendants(root)}
            continue
        yield "wfq (top-level modules)", {root, *(children - subpackages)}
        for package in sorted(subpackages):
            yield package, {package, *graph.find_descendants(package)}


def circles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected groups of more than one module (or a module importing itself),
    in the import graph restricted to `modules` (Tarjan's algorithm, iterative)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(modules):
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(edges[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = _pop_group(stack, on_stack, node)
                    if len(group) > 1 or node in edges[node]:
                        found.append(sorted(group))
    return found


def _pop_group(stack: list[str], on_stack: set[str], root: str) -> list[str]:
    group = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        group.append(member)
        if member == root:
            return group


def shortest_circle(graph: grimp.ImportGraph, group: Iterable[str]) -> list[str]:
    """One shortest circle through the first module of `group`: [m0, m1, ..., m0]."""
    members = set(group)
    first = min(members)
    paths = {first: [first]}
    frontier = [first]
    while frontier:
        following = []
        for module in frontier:
            for target in sorted(graph.find_modules_directly_imported_by(module) & members):
                if target == first:
                    return [*paths[module], first]
                if target not in paths:
                    paths[target] = [*paths[module], target]
                    following.append(target)
        frontier = following
    return [first]


def describe(graph: grimp.ImportGraph, circle: list[str]) -> str:
    """The circle as import lines: `a (line 12) -> b (line 3) -> a`."""
    steps = []
    for importer, imported in zip(circle, circle[1:], strict=False):
        details = graph.get_import_details(importer=importer, imported=imported)
        lines = ",".join(str(d["line_number"]) for d in details) or "?"
        steps.append(f"    {importer} (line {lines}) imports {imported}")
    return "\n".join(steps)


def main(argv: list[str]) -> int:
    graph = grimp.build_graph(*ROOTS, cache_dir=None)
    failed = 0
    for name, modules in packages(graph):
        for group in circles(graph, modules):
            failed += 1
            print(f"import circle in {name}: {', '.join(group)}")
            print(describe(graph, shortest_circle(graph, group)))
    if failed:
        return 1
    print("no import circles inside a package")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
