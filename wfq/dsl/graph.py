"""Task graphs: transitions of direct workflows and `requires` dependencies of reverse ones.

Direct: a task's inbound tasks are the tasks with any transition to it (on-success, on-error or
on-complete, task-defaults included, guards ignored); start tasks are those with no inbound task.
As in Mistral, a transition named like an engine command still counts as inbound to a task of that
name, so such a task is not a start task (it can never run from a transition either).
Reverse: a task runs after everything it requires, transitively; cycles are refused at upload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def inbound_map(
    names: Iterable[str], outbound: Mapping[str, Iterable[str]]
) -> dict[str, tuple[str, ...]]:
    """For each task, the tasks (in definition order) with a transition to it."""
    order = list(names)
    inbound: dict[str, list[str]] = {name: [] for name in order}
    for source in order:
        for target in dict.fromkeys(outbound.get(source, ())):
            if target in inbound and source not in inbound[target]:
                inbound[target].append(source)
    return {name: tuple(sources) for name, sources in inbound.items()}


def start_tasks(inbound: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Tasks that no transition leads to, in definition order."""
    return [name for name, sources in inbound.items() if not sources]


def find_cycle(requires: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A dependency cycle as a path `[a, b, ..., a]`, or None. Iterative (no recursion limit)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for root in requires:
        if state.get(root):
            continue
        path: list[str] = []
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                state[node] = 2
                path.pop()
                continue
            if state.get(node) == 2:
                continue
            if state.get(node) == 1:
                return path[path.index(node) :] + [node]
            state[node] = 1
            path.append(node)
            stack.append((node, True))
            for dep in reversed(list(requires.get(node, ()))):
                if state.get(dep) != 2 and dep in requires:
                    stack.append((dep, False))
    return None


def dependency_levels(target: str, requires: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The tasks needed to run `target`, grouped in levels that can run in parallel.

    Level 0 holds tasks with no requirements; each later level depends only on earlier ones; the
    last level is `[target]`. Names keep definition order inside a level.
    """
    needed: set[str] = set()
    todo = [target]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        todo.extend(d for d in requires.get(name, ()) if d in requires)
    level: dict[str, int] = {}
    remaining = [name for name in requires if name in needed]
    while remaining:
        progressed = []
        for name in remaining:
            deps = [d for d in requires.get(name, ()) if d in needed]
            if all(d in level for d in deps):
                level[name] = 1 + max((level[d] for d in deps), default=-1)
                progressed.append(name)
        if not progressed:
            raise ValueError(f"Cycle in 'requires' among tasks {sorted(remaining)}")
        remaining = [name for name in remaining if name not in level]
    levels: list[list[str]] = [[] for _ in range(1 + max(level.values(), default=-1))]
    for name in requires:
        if name in level:
            levels[level[name]].append(name)
    return levels
