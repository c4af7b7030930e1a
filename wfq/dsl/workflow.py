"""A workflow: its spec, the rules the engine asks it about, and its (de)serialisation.

On-clause resolution follows Mistral's DirectWorkflowSpec.get_on_*_clause: a task's own clause is
used when it names at least one transition; otherwise the task-defaults clause of that kind,
minus any transition back to the task itself. A task's own clause that only publishes keeps its
publish but takes the default transitions. Task-defaults never contribute a publish.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfq.dsl import graph, policies, schema
from wfq.dsl.input_param import InputParam, parse_input
from wfq.dsl.on_clause import OnClause
from wfq.dsl.publish import EMPTY, PublishSpec
from wfq.dsl.schema import Issues, join_path
from wfq.dsl.task import TaskSpec, parse_task
from wfq.dsl.task_defaults import TaskDefaultsSpec, parse_task_defaults
from wfq.errors import InvalidInput, Issue

KINDS = ("success", "error", "complete", "skip")
_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class WorkflowSpec:
    """One workflow, immutable; build it with parse_document or workflow_from_dict.

    In a workbook `name` is "<workbook>.<name>". `raw` is the mapping as written; `refs` maps the
    workbook's short action/workflow names to their qualified names. Do not mutate the dicts.
    """

    name: str
    type: str = "direct"
    description: str | None = None
    tags: tuple[str, ...] = ()
    input: tuple[InputParam, ...] = ()
    output: Any = field(default_factory=dict)
    output_on_error: Any = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    task_defaults: TaskDefaultsSpec | None = None
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    definition: str = ""
    workbook_name: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, dict[str, str]] = field(default_factory=dict)
    checksum: str = ""
    _clauses: dict[tuple[str, str], OnClause | None] = field(default_factory=dict, repr=False)
    _inbound: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _requires: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def start_tasks(self) -> list[str]:
        """Direct: tasks no transition leads to, in definition order. Reverse: none (use
        tasks_to_run)."""
        return graph.start_tasks(self._inbound) if self.type == "direct" else []

    def on_clause(self, task_name: str, kind: str) -> OnClause | None:
        """The effective clause of `kind` ('success', 'error', 'complete' or 'skip'), defaults
        applied."""
        if kind not in KINDS:
            raise ValueError(f"Unknown on-clause kind '{kind}'")
        return self._clauses.get((task_name, kind))

    def inbound_tasks(self, task_name: str) -> tuple[str, ...]:
        """Tasks with any transition (guarded or not) to `task_name`, for join counting."""
        return self._inbound.get(task_name, ())

    def outbound_tasks(self, task_name: str) -> tuple[str, ...]:
        """Tasks `task_name` may transition to (engine commands excluded)."""
        names: dict[str, None] = {}
        for kind in KINDS:
            clause = self._clauses.get((task_name, kind))
            if clause is not None:
                names.update(dict.fromkeys(clause.task_names))
        return tuple(n for n in names if n in self.tasks)

    def requires(self, task_name: str) -> tuple[str, ...]:
        """Reverse: the task's `requires` plus task-defaults `requires`, without itself."""
        return self._requires.get(task_name, ())

    def tasks_to_run(self, target: str | None) -> list[list[str]]:
        """Reverse: the tasks needed for `target` in dependency levels (each level parallel).

        Raises:
            InvalidInput: `target` is not a task of this workflow.
        """
        if target is None or target not in self.tasks:
            raise InvalidInput(f"Invalid task name [workflow={self.name}, task_name={target}]")
        return graph.dependency_levels(target, self._requires)

    def policies(self, task_name: str) -> policies.Policies:
        """Effective retry, wait-before, wait-after, timeout, pause-before, concurrency, fail-on
        and safe-rerun of a task (task value wins when set; see policies.py)."""
        defaults = self.task_defaults.policies if self.task_defaults else None
        return policies.resolve(self.tasks[task_name].own_policies, defaults)

    def effective_publish(self, task_name: str, success: bool) -> PublishSpec:
        """What a finished task publishes: `publish` (or `publish-on-error`), overridden by the
        on-complete clause's publish, overridden by on-success's (or on-error's), as documented."""
        task = self.tasks[task_name]
        result = task.publish if success else task.publish_on_error
        specific = task.on_success if success else task.on_error
        for clause in (task.on_complete, specific):
            if clause is not None and clause.publish:
                result = result.merged(clause.publish)
        return result if result else EMPTY

    def skip_publish(self, task_name: str) -> PublishSpec:
        """What a skipped task publishes: `publish-on-skip`, overridden by on-skip's publish."""
        task = self.tasks[task_name]
        result = task.publish_on_skip
        if task.on_skip is not None and task.on_skip.publish:
            result = result.merged(task.on_skip.publish)
        return result if result else EMPTY

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form that workflow_from_dict turns back into this spec.

        Rebuilding reads name, raw, definition, workbook_name, refs and checksum; the other keys
        (description, tags, input, output) are there for display.
        """
        return {
            "version": "2.0",
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "tags": list(self.tags),
            "input": [param.to_raw() for param in self.input],
            "output": self.output,
            "workbook_name": self.workbook_name,
            "refs": self.refs,
            "definition": self.definition,
            "raw": self.raw,
            "checksum": self.checksum,
        }


def _checksum(name: str, workbook: str | None, refs: Any, raw: Any, definition: str) -> str:
    payload = [name, workbook, refs, raw, definition]
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_workflow(
    name: str,
    raw: dict[str, Any],
    *,
    path: str,
    issues: list[Issue],
    definition: str = "",
    workbook_name: str | None = None,
    refs: Mapping[str, Mapping[str, str]] | None = None,
) -> WorkflowSpec:
    """Build a WorkflowSpec from its mapping, appending every problem found to `issues`."""
    schema.check_into(issues, raw, schema.WORKFLOW, path)
    refs_ = {section: dict(names) for section, names in (refs or {}).items()}
    wf_type = "reverse" if raw.get("type") == "reverse" else "direct"
    defaults = parse_task_defaults(
        raw.get("task-defaults"), join_path(path, "task-defaults"), wf_type, issues
    )
    tasks: dict[str, TaskSpec] = {}
    raw_tasks = raw.get("tasks")
    for task_name, task_raw in raw_tasks.items() if isinstance(raw_tasks, dict) else ():
        if isinstance(task_raw, dict):
            tasks[task_name] = parse_task(
                task_name,
                task_raw,
                wf_type=wf_type,
                path=join_path(path, "tasks", task_name),
                refs=refs_,
                issues=issues,
            )
    clauses, inbound, requires = _graph(wf_type, tasks, defaults)
    return WorkflowSpec(
        name=name,
        type=wf_type,
        description=raw.get("description"),
        tags=schema.tags_of(raw),
        input=parse_input(raw.get("input"), join_path(path, "input"), issues),
        output=raw.get("output", {}),
        output_on_error=raw.get("output-on-error", {}),
        vars=schema.mapping_of(raw, "vars"),
        task_defaults=defaults,
        tasks=tasks,
        definition=definition,
        workbook_name=workbook_name,
        raw=raw,
        refs=refs_,
        checksum=_checksum(name, workbook_name, refs_, raw, definition),
        _clauses=clauses,
        _inbound=inbound,
        _requires=requires,
    )


def _graph(
    wf_type: str, tasks: dict[str, TaskSpec], defaults: TaskDefaultsSpec | None
) -> tuple[
    dict[tuple[str, str], OnClause | None], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]
]:
    clauses: dict[tuple[str, str], OnClause | None] = {}
    requires: dict[str, tuple[str, ...]] = {}
    if wf_type == "reverse":
        extra = defaults.requires if defaults else ()
        for name, task in tasks.items():
            requires[name] = tuple(r for r in dict.fromkeys((*task.requires, *extra)) if r != name)
        return clauses, {}, requires
    outbound: dict[str, list[str]] = {}
    for name, task in tasks.items():
        own = {
            "success": task.on_success,
            "error": task.on_error,
            "complete": task.on_complete,
            "skip": task.on_skip,
        }
        for kind in KINDS:
            clause = _resolve(name, own[kind], defaults.clause(kind) if defaults else None)
            clauses[(name, kind)] = clause
            if clause is not None:
                outbound.setdefault(name, []).extend(t.name for t in clause.transitions)
    return clauses, graph.inbound_map(tasks, outbound), requires


def _resolve(name: str, own: OnClause | None, default: OnClause | None) -> OnClause | None:
    if own is not None and own.transitions:
        return own
    if default is None or not default.transitions:
        return own
    inherited = tuple(t for t in default.transitions if t.name != name)
    if not inherited:
        return own
    return OnClause(inherited, own.publish if own is not None else None)


class _SpecCache:
    """A small thread-safe LRU of specs keyed by checksum."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, WorkflowSpec] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> WorkflowSpec | None:
        with self._lock:
            spec = self._items.get(key)
            if spec is not None:
                self._items.move_to_end(key)
            return spec

    def put(self, key: str, spec: WorkflowSpec) -> None:
        with self._lock:
            self._items[key] = spec
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_cache = _SpecCache(_CACHE_SIZE)


def remember(spec: WorkflowSpec) -> None:
    """Seed the workflow_from_dict cache with a freshly validated spec."""
    _cache.put(spec.checksum, spec)


def known_workflow(checksum: str) -> WorkflowSpec | None:
    """The spec this process built (or was given) with this checksum, if it still keeps it."""
    return _cache.get(checksum)


def workflow_from_dict(data: Mapping[str, Any]) -> WorkflowSpec:
    """Rebuild a spec from WorkflowSpec.to_dict() output, without schema validation.

    Memoised on the stored checksum (computed when missing), so repeated calls are a dict lookup.
    """
    key = data.get("checksum") or _checksum(
        data["name"],
        data.get("workbook_name"),
        data.get("refs") or {},
        data["raw"],
        data.get("definition", ""),
    )
    spec = _cache.get(key)
    if spec is None:
        spec = build_workflow(
            data["name"],
            data["raw"],
            path=data["name"],
            issues=Issues(checking=False),
            definition=data.get("definition", ""),
            workbook_name=data.get("workbook_name"),
            refs=data.get("refs") or {},
        )
        _cache.put(key, spec)
    return spec
