"""`wfq graph`: a task graph (from `GET /v2/workflows/<id>/graph`) as text or as Graphviz DOT."""

from __future__ import annotations

from typing import Any

EDGE_COLOURS = {
    "on-success": "#2e7d32",
    "on-error": "#c62828",
    "on-complete": "#546e7a",
    "requires": "#7b1fa2",
}


def _runs(node: dict[str, Any]) -> str:
    return (
        f"workflow {node['workflow']}" if node.get("workflow") else node.get("action") or "std.noop"
    )


def _marks(node: dict[str, Any]) -> list[str]:
    marks = []
    if node.get("start"):
        marks.append("start")
    if node.get("join") is not None:
        marks.append(f"join: {node['join']}")
    if node.get("with_items"):
        marks.append("with-items")
    return marks


def as_text(graph: dict[str, Any]) -> str:
    """Levels top to bottom; under each task, its outgoing transitions as arrows."""
    nodes = {n["name"]: n for n in graph["nodes"]}
    out: dict[str, list[dict[str, Any]]] = {}
    for e in graph["edges"]:
        out.setdefault(e["source"], []).append(e)
    lines = [
        f"{graph['workflow']} ({graph['type']} workflow): {len(nodes)} tasks, {len(graph['levels'])} levels"
    ]
    for index, level in enumerate(graph["levels"]):
        lines.append(f"level {index}")
        for name in level:
            node = nodes[name]
            marks = _marks(node)
            lines.append(f"  {name}  {_runs(node)}" + (f"  [{', '.join(marks)}]" if marks else ""))
            for e in out.get(name, []):
                note = " (loop)" if e.get("back") else ""
                guard = f"  when {e['condition']}" if e.get("condition") else ""
                lines.append(f"    --{e['kind']}--> {e['target']}{note}{guard}")
            for c in node.get("commands") or []:
                guard = f"  when {c['condition']}" if c.get("condition") else ""
                lines.append(f"    --{c['kind']}--> ({c['name']}){guard}")
    return "\n".join(lines)


def _quote(text: Any) -> str:
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def as_dot(graph: dict[str, Any]) -> str:
    """Graphviz DOT, left to right, one rank per level (`wfq graph W --dot | dot -Tsvg`)."""
    lines = [
        f"digraph {_quote(graph['workflow'])} {{",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#f7f9fb", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for node in graph["nodes"]:
        label = "\n".join([node["name"], _runs(node), *_marks(node)])
        extra = ", peripheries=2" if node.get("join") is not None else ""
        lines.append(f"  {_quote(node['name'])} [label={_quote(label)}{extra}];")
    for e in graph["edges"]:
        label = e["kind"] + (f"\n{e['condition']}" if e.get("condition") else "")
        style = ', style="dashed"' if e["kind"] == "requires" or e.get("back") else ""
        colour = EDGE_COLOURS.get(e["kind"], "#333333")
        lines.append(
            f"  {_quote(e['source'])} -> {_quote(e['target'])} "
            f"[label={_quote(label)}, color={_quote(colour)}, fontcolor={_quote(colour)}{style}];"
        )
    for level in graph["levels"]:
        if len(level) > 1:
            lines.append("  { rank=same; " + " ".join(f"{_quote(n)};" for n in level) + " }")
    lines.append("}")
    return "\n".join(lines)
