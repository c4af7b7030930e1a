"""Task graphs for people: the nodes, edges and levels of a workflow, built from its stored spec
with `wfq.dsl.workflow_from_dict`, for the web page and `wfq graph` to draw.

Direct workflows: one edge per effective transition (task-defaults applied, guards kept as text),
labelled on-success / on-error / on-complete; engine commands (`fail`, `succeed`, `pause`,
`noop`) stay on their task. Reverse workflows: one `requires` edge from each required task to the
task that needs it. Levels are longest-path layers from the start tasks; an edge that closes a
cycle (a retry loop of a direct workflow) is marked `back` and does not push levels down.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from wfq import dsl
from wfq.errors import NotFound
from wfq.persistence.models import WorkflowDefinition, WorkflowExecution
from wfq.persistence.repositories import definitions as defs_repo
from wfq.services.context import Services

KIND_OF_CLAUSE = {"success": "on-success", "error": "on-error", "complete": "on-complete"}
REQUIRES = "requires"
VIRTUAL = "\x00"
_ORDERING_SWEEPS = 4


@dataclass(frozen=True, slots=True)
class Node:
    """One task as drawn: what it runs and the marks a reader needs (start, join, with-items)."""

    name: str
    level: int
    action: str | None = None
    workflow: str | None = None
    join: str | int | None = None
    with_items: bool = False
    start: bool = False
    commands: tuple[dict[str, Any], ...] = ()
    """Engine commands the task transitions to: `{"kind": "on-error", "name": "fail"}`."""


@dataclass(frozen=True, slots=True)
class Edge:
    """A transition (direct) or a dependency (reverse): `source` runs before `target`."""

    source: str
    target: str
    kind: str
    condition: str | None = None
    back: bool = False


@dataclass(frozen=True, slots=True)
class Graph:
    """A workflow's task graph; `levels` lists task names per level, in drawing order."""

    workflow: str
    type: str
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    levels: tuple[tuple[str, ...], ...] = ()
    layers: tuple[tuple[dict[str, Any], ...], ...] = ()
    """Per level, the drawing order of its tasks (`{"task": name}`) and of the lanes of longer
    edges crossing it (`{"edge": index into edges}`)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: workflow, type, nodes, edges, levels."""
        return {
            "workflow": self.workflow,
            "type": self.type,
            "nodes": [{**asdict(n), "commands": list(n.commands)} for n in self.nodes],
            "edges": [asdict(e) for e in self.edges],
            "levels": [list(level) for level in self.levels],
            "layers": [list(layer) for layer in self.layers],
        }


def build(spec: dsl.WorkflowSpec) -> Graph:
    """The graph of `spec` (pure: no I/O)."""
    names = list(spec.tasks)
    edges, commands = _reverse_edges(spec) if spec.type == "reverse" else _direct_edges(spec)
    starts = _starts(spec, names, edges)
    back = _back_edges(names, starts, edges)
    edges = [
        Edge(e.source, e.target, e.kind, e.condition, (e.source, e.target) in back) for e in edges
    ]
    level = _levels(names, [e for e in edges if not e.back])
    slots = _order(names, level, edges)
    layers = tuple(
        tuple(
            {"edge": int(s[1:].split(":")[0])} if s.startswith(VIRTUAL) else {"task": s}
            for s in layer
        )
        for layer in slots
    )
    levels = tuple(tuple(s for s in layer if not s.startswith(VIRTUAL)) for layer in slots)
    nodes = tuple(
        _node(spec.tasks[n], level[n], n in starts, tuple(commands.get(n, ()))) for n in names
    )
    return Graph(spec.name, spec.type, nodes, tuple(edges), levels, layers)


def _node(
    task: dsl.TaskSpec, level: int, start: bool, commands: tuple[dict[str, Any], ...]
) -> Node:
    return Node(
        name=task.name,
        level=level,
        action=None if task.workflow else task.action,
        workflow=task.workflow,
        join=task.join,
        with_items=bool(task.with_items),
        start=start,
        commands=commands,
    )


def _direct_edges(spec: dsl.WorkflowSpec) -> tuple[list[Edge], dict[str, list[dict[str, Any]]]]:
    edges: list[Edge] = []
    commands: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, str, str]] = set()
    for name in spec.tasks:
        for clause_kind, kind in KIND_OF_CLAUSE.items():
            clause = spec.on_clause(name, clause_kind)
            for t in clause.transitions if clause is not None else ():
                if t.is_engine_command:
                    commands.setdefault(name, []).append(
                        {"kind": kind, "name": t.name, "condition": t.condition}
                    )
                elif t.name in spec.tasks and (name, t.name, kind) not in seen:
                    seen.add((name, t.name, kind))
                    edges.append(Edge(name, t.name, kind, t.condition))
    return edges, commands


def _reverse_edges(spec: dsl.WorkflowSpec) -> tuple[list[Edge], dict[str, list[dict[str, Any]]]]:
    edges = [
        Edge(required, name, REQUIRES)
        for name in spec.tasks
        for required in spec.requires(name)
        if required in spec.tasks
    ]
    return edges, {}


def _starts(spec: dsl.WorkflowSpec, names: list[str], edges: list[Edge]) -> list[str]:
    if spec.type == "direct":
        starts = spec.start_tasks()
    else:
        targets = {e.target for e in edges}
        starts = [n for n in names if n not in targets]
    return starts or names[:1]


def _back_edges(names: list[str], starts: list[str], edges: Iterable[Edge]) -> set[tuple[str, str]]:
    """Edges closing a cycle, found by an iterative depth-first walk from the start tasks."""
    out: dict[str, list[str]] = {n: [] for n in names}
    for e in edges:
        out[e.source].append(e.target)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in [*starts, *names]:
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, i = stack[-1]
            if i == len(out[node]):
                state[node] = 2
                stack.pop()
                continue
            stack[-1] = (node, i + 1)
            target = out[node][i]
            if state.get(target) == 1:
                back.add((node, target))
            elif target not in state:
                state[target] = 1
                stack.append((target, 0))
    return back


def _levels(names: list[str], edges: list[Edge]) -> dict[str, int]:
    """Longest-path layers of an acyclic edge set (Kahn's order)."""
    inbound = {n: 0 for n in names}
    out: dict[str, list[str]] = {n: [] for n in names}
    for e in edges:
        inbound[e.target] += 1
        out[e.source].append(e.target)
    level = {n: 0 for n in names}
    ready = deque(n for n in names if inbound[n] == 0)
    while ready:
        node = ready.popleft()
        for target in out[node]:
            level[target] = max(level[target], level[node] + 1)
            inbound[target] -= 1
            if inbound[target] == 0:
                ready.append(target)
    return level


def _order(
    names: list[str], level: dict[str, int], edges: list[Edge]
) -> tuple[tuple[str, ...], ...]:
    """Slots per level, ordered to keep edges short and uncrossed (barycentre sweeps, definition
    order first). A slot is a task name, or a lane (`lane_name(edge index, level)`) where a
    forward edge spanning several levels crosses a level: a virtual node of the layout. Back
    edges take no part."""
    layers: list[list[str]] = [[] for _ in range(1 + max(level.values(), default=-1))]
    for n in names:
        layers[level[n]].append(n)
    preds: dict[str, list[str]] = {n: [] for n in names}
    succs: dict[str, list[str]] = {n: [] for n in names}
    for index, e in enumerate(edges):
        if e.back:
            continue
        chain = [e.source]
        for lvl in range(level[e.source] + 1, level[e.target]):
            lane = lane_name(index, lvl)
            layers[lvl].append(lane)
            preds[lane], succs[lane] = [], []
            chain.append(lane)
        chain.append(e.target)
        for a, b in zip(chain, chain[1:], strict=False):
            succs[a].append(b)
            preds[b].append(a)
    for sweep in range(_ORDERING_SWEEPS):
        downward = sweep % 2 == 0
        indexes = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
        for i in indexes:
            neighbours = preds if downward else succs
            ref = layers[i - 1] if downward else layers[i + 1]
            pos = {n: p for p, n in enumerate(ref)}
            layers[i] = _by_barycentre(layers[i], neighbours, pos)
    return tuple(tuple(layer) for layer in layers)


def lane_name(edge_index: int, level: int) -> str:
    """The slot of a long edge in a level it crosses (NUL-prefixed: no task is named so)."""
    return f"{VIRTUAL}{edge_index}:{level}"


def _by_barycentre(
    layer: list[str], neighbours: dict[str, list[str]], pos: dict[str, int]
) -> list[str]:
    def key(item: tuple[int, str]) -> tuple[float, int]:
        index, name = item
        linked = [pos[n] for n in neighbours[name] if n in pos]
        return (sum(linked) / len(linked) if linked else float(index), index)

    return [name for _, name in sorted(enumerate(layer), key=key)]


def of_workflow(
    svc: Services, identifier: str, *, project_id: str, namespace: str = ""
) -> dict[str, Any]:
    """The graph of a stored workflow (name or id) the project can see.

    Raises:
        NotFound: no such workflow for this project.
    """
    with svc.db.read() as session:
        row = defs_repo.find_by_name_or_id(
            session, WorkflowDefinition, identifier, namespace, project_id
        )
        if row is None:
            raise NotFound(
                f"Workflow not found [workflow_identifier={identifier}, namespace={namespace}]"
            )
        spec, wf_id = row.spec, row.id
    graph = build(dsl.workflow_from_dict(spec))
    return {**graph.to_dict(), "workflow_id": wf_id}


def of_execution(svc: Services, ex_id: str, *, project_id: str) -> dict[str, Any]:
    """The graph of the workflow an execution runs (its own copy of the spec).

    Raises:
        NotFound: no such execution in the project.
    """
    with svc.db.read() as session:
        row = session.get(WorkflowExecution, ex_id)
        if row is None or row.project_id != project_id:
            raise NotFound(f"WorkflowExecution not found [id={ex_id}]")
        spec, wf_id = row.spec, row.workflow_id
    graph = build(dsl.workflow_from_dict(spec))
    return {**graph.to_dict(), "workflow_id": wf_id, "execution_id": ex_id}
