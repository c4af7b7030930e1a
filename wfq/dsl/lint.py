"""Warnings about a valid workflow that will probably not do what its author meant -> Issues of
kind "warning": a variable read where it may not exist, an unknown function, an unquoted inline
value that Mistral silently drops, a task that can never run, a `join` that can never be
released. Pure; nothing here makes a workflow invalid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from wfq.dsl.inline import PARAMS_PATTERN
from wfq.dsl.schema import join_path
from wfq.dsl.workflow import KINDS, WorkflowSpec
from wfq.errors import Issue
from wfq.expressions.inspect import references

_ASSIGNMENT = re.compile(r"(?<![\w.-])([-_\w]+)=(\S*)")
_EXCLUSIVE = ({"on-success"}, {"on-error"})


def lint(spec: WorkflowSpec, path: str = "") -> list[Issue]:
    """Every warning about one workflow (`path` prefixes the locations)."""
    path = path or spec.name
    found = [*_functions(spec, path), *_inline_values(spec, path)]
    if spec.type == "direct":
        unreachable = _unreachable(spec)
        found += [
            Issue(
                join_path(path, "tasks", n),
                f"Task '{n}' can never run: no transition from a start task leads to it.",
                "warning",
            )
            for n in spec.tasks
            if n in unreachable
        ]
        found += list(_joins(spec, path, unreachable))
    found += list(_variables(spec, path))
    return found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _functions(spec: WorkflowSpec, path: str) -> Iterator[Issue]:
    sections = [
        ("output", spec.raw.get("output")),
        ("vars", spec.raw.get("vars")),
        ("task-defaults", spec.raw.get("task-defaults")),
    ]
    sections += [(join_path("tasks", n), t.raw) for n, t in spec.tasks.items()]
    for where, raw in sections:
        unknown = sorted({f for s in _strings(raw) for f in references(s).unknown_functions})
        for name in unknown:
            yield Issue(
                join_path(path, where),
                f"Unknown function '{name}': no YAQL or Jinja function has this name.",
                "warning",
            )


def _inline_values(spec: WorkflowSpec, path: str) -> Iterator[Issue]:
    for name, task in spec.tasks.items():
        texts = [(key, task.raw.get(key)) for key in ("action", "workflow", "retry")]
        for key in ("on-success", "on-error", "on-complete", "on-skip"):
            entries = task.raw.get(key)
            entries = entries.get("next") if isinstance(entries, dict) else entries
            for entry in entries if isinstance(entries, list) else [entries]:
                texts.append(
                    (key, next(iter(entry)) if isinstance(entry, dict) and entry else entry)
                )
        for key, text in texts:
            if isinstance(text, str):
                yield from _dropped(text, join_path(path, "tasks", name, key))


def _dropped(text: str, where: str) -> Iterator[Issue]:
    """`key=value` pairs that Mistral's parameter pattern does not match: silently dropped."""
    kept = list(text)
    for match in PARAMS_PATTERN.finditer(text):
        kept[match.start() : match.end()] = " " * (match.end() - match.start())
    rest = "".join(kept)
    for match in _ASSIGNMENT.finditer(rest):
        key, value = match.groups()
        yield Issue(
            where,
            f"Inline parameter '{key}={value}' is dropped silently (Mistral ignores unquoted values): "
            f'write {key}="{value}" or move it under input.',
            "warning",
        )


def _targets(spec: WorkflowSpec, name: str) -> dict[str, set[str]]:
    """The tasks `name` transitions to, each with the clauses that lead there."""
    out: dict[str, set[str]] = {}
    for kind in KINDS:
        clause = spec.on_clause(name, kind)
        for tr in clause.transitions if clause else ():
            if not tr.is_engine_command and tr.name in spec.tasks:
                out.setdefault(tr.name, set()).add(f"on-{kind}")
    return out


def _unreachable(spec: WorkflowSpec) -> set[str]:
    seen, todo = set(), list(spec.start_tasks())
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_targets(spec, name))
    return set(spec.tasks) - seen


def _joins(spec: WorkflowSpec, path: str, unreachable: set[str]) -> Iterator[Issue]:
    for name, task in spec.tasks.items():
        if task.join is None or name in unreachable:
            continue
        inbound = spec.inbound_tasks(name)
        possible = [n for n in inbound if n not in unreachable]
        need = len(inbound) if task.join == "all" else int(task.join)
        where = join_path(path, "tasks", name, "join")
        if len(possible) < need:
            dead = [n for n in inbound if n in unreachable]
            yield Issue(
                where,
                f"join of '{name}' can never be released: it needs {need}, but {dead} can never run.",
                "warning",
            )
            continue
        if task.join == "all":
            pair = _exclusive_pair(spec, possible)
            if pair:
                yield Issue(
                    where,
                    f"join of '{name}' can never be released: '{pair[0]}' and '{pair[1]}' are the on-success "
                    f"and on-error branches of '{pair[2]}', so they never both run.",
                    "warning",
                )


def _exclusive_pair(spec: WorkflowSpec, inbound: list[str]) -> tuple[str, str, str] | None:
    for i, a in enumerate(inbound):
        for b in inbound[i + 1 :]:
            pa, pb = spec.inbound_tasks(a), spec.inbound_tasks(b)
            if len(pa) != 1 or pa != pb:
                continue
            ka, kb = _targets(spec, pa[0])[a], _targets(spec, pa[0])[b]
            if (ka, kb) in (_EXCLUSIVE, _EXCLUSIVE[::-1]):
                return a, b, pa[0]
    return None


def _published(spec: WorkflowSpec, name: str) -> tuple[set[str], set[str]]:
    """(branch variables, global variables) task `name` may publish."""
    branch: set[str] = set()
    glob: set[str] = set()
    for pub in (
        spec.effective_publish(name, True),
        spec.effective_publish(name, False),
        spec.skip_publish(name),
    ):
        branch |= {k for k in pub.branch if isinstance(k, str)}
        glob |= {k for k in (*pub.global_, *pub.atomic) if isinstance(k, str)}
    return branch, glob


def _ancestors(spec: WorkflowSpec, name: str) -> set[str]:
    inbound = spec.inbound_tasks if spec.type == "direct" else spec.requires
    seen: set[str] = set()
    todo = list(inbound(name))
    while todo:
        n = todo.pop()
        if n not in seen and n in spec.tasks:
            seen.add(n)
            todo.extend(inbound(n))
    return seen


def _variables(spec: WorkflowSpec, path: str) -> Iterator[Issue]:
    declared = {p.name for p in spec.input} | {k for k in spec.vars if isinstance(k, str)}
    publishes = {n: _published(spec, n) for n in spec.tasks}
    declared |= {v for _, glob in publishes.values() for v in glob}
    anywhere = {v for branch, _ in publishes.values() for v in branch}
    for name, task in spec.tasks.items():
        known = declared | {v for a in _ancestors(spec, name) for v in publishes[a][0]}
        known |= {var for var, _ in task.with_items}
        own = {
            k: v
            for k, v in task.raw.items()
            if not k.startswith("on-") and k not in ("publish", "publish-on-error")
        }
        after = {k: v for k, v in task.raw.items() if k.startswith("on-")}
        yield from _check(own, known, anywhere, publishes, join_path(path, "tasks", name))
        yield from _check(
            after, known | publishes[name][0], anywhere, publishes, join_path(path, "tasks", name)
        )
        pub = {k: task.raw.get(k) for k in ("publish", "publish-on-error")}
        yield from _check(pub, known, anywhere, publishes, join_path(path, "tasks", name))
    yield from _check(
        spec.raw.get("output"), declared | anywhere, anywhere, publishes, join_path(path, "output")
    )


def _check(
    raw: Any,
    known: set[str],
    anywhere: set[str],
    publishes: dict[str, tuple[set[str], set[str]]],
    where: str,
) -> Iterator[Issue]:
    used = sorted({v for s in _strings(raw) for v in references(s).variables})
    for var in used:
        if var in known or var.startswith("__"):
            continue
        if var in anywhere:
            by = sorted(n for n, (branch, _) in publishes.items() if var in branch)
            msg = (
                f"'$.{var}' may not exist here: it is published only by {by}, not upstream of "
                "this task (another parallel branch?) and not declared as input."
            )
        else:
            msg = f"'$.{var}' is not a workflow input, a var, nor published by any task."
        yield Issue(where, msg, "warning")
