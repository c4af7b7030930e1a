"""A whole DSL document (workflows file, workbook or ad-hoc actions file) and its entry points.

`parse_document` raises; `validate_document` returns every issue as data and never raises for bad
input. Both build the same specs: schema and syntax issues are collected while building, graph
semantics and expression syntax after (validate.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wfq import storable
from wfq.dsl import loader, validate
from wfq.dsl.action import ActionSpec, build_action
from wfq.dsl.workbook import WorkbookSpec, build_workbook
from wfq.dsl.workflow import WorkflowSpec, build_workflow, remember
from wfq.errors import DSLParseError, DSLValidationError, Issue

KINDS = ("workflows", "workbook", "actions")
VERSION = "2.0"
_HEADER = "---\nversion: '2.0'\n\n"


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed document. `kind` is "workflows", "workbook" or "actions"."""

    kind: str
    version: str = VERSION
    workflows: tuple[WorkflowSpec, ...] = ()
    actions: tuple[ActionSpec, ...] = ()
    workbook: WorkbookSpec | None = None


def parse_document(
    text: str | bytes,
    *,
    kind: str | None = None,
    max_tasks: int = 1000,
    max_bytes: int = 1 << 20,
) -> Document:
    """Parse and validate a YAML or JSON definition.

    Args:
        text: the definition.
        kind: "workflows", "workbook" or "actions" to force the kind (the API endpoint knows
            it); None detects it from the content.
        max_tasks: most tasks allowed in the whole document.
        max_bytes: largest definition accepted, in UTF-8 bytes.

    Raises:
        DSLParseError: the text cannot be read ("Definition could not be parsed: ...").
        DSLValidationError: the document breaks the language; `issues` lists every problem.
    """
    document, issues = _analyse(loader.load(text, max_bytes=max_bytes), kind, max_tasks)
    if issues or document is None:
        raise DSLValidationError(issues)
    for workflow in document.workflows:
        remember(workflow)
    return document


def validate_document(
    text: str | bytes,
    *,
    kind: str | None = None,
    max_tasks: int = 1000,
    max_bytes: int = 1 << 20,
) -> list[Issue]:
    """Every problem of a definition (empty when valid); never raises for bad input."""
    try:
        loaded = loader.load(text, max_bytes=max_bytes)
    except DSLParseError as exc:
        return [Issue("", exc.message, "syntax")]
    return _analyse(loaded, kind, max_tasks)[1]


def detect_kind(data: dict[str, Any]) -> str:
    """Guess the kind of a document mapping (a workflow body is never a string, so a string
    `name` means a workbook)."""
    if isinstance(data.get("name"), str):
        return "workbook"
    for section, marker in (("workflows", "tasks"), ("actions", "base")):
        value = data.get(section)
        if isinstance(value, dict) and marker not in value:
            return "workbook"
    items = [v for k, v in data.items() if k != "version"]
    if items and all(isinstance(v, dict) and "base" in v and "tasks" not in v for v in items):
        return "actions"
    return "workflows"


def _version_issues(data: dict[str, Any]) -> list[Issue]:
    if "version" not in data:
        return [Issue("", "'version' is a required property")]
    version = data["version"]
    try:
        ok = not isinstance(version, bool) and float(version) == 2.0
    except (TypeError, ValueError):
        ok = False
    return [] if ok else [Issue("version", f"Unsupported DSL version: {version}")]


def _count_tasks(data: dict[str, Any], kind: str) -> int:
    bodies: Any = data.get("workflows") if kind == "workbook" else data
    if kind == "actions" or not isinstance(bodies, dict):
        return 0
    return sum(
        len(body["tasks"])
        for body in bodies.values()
        if isinstance(body, dict) and isinstance(body.get("tasks"), dict)
    )


def _analyse(
    loaded: loader.Loaded, kind: str | None, max_tasks: int
) -> tuple[Document | None, list[Issue]]:
    data = {} if loaded.data is None else loaded.data
    if not isinstance(data, dict):
        return None, [Issue("", f"A definition must be a mapping, got {type(data).__name__}")]
    kind = kind or detect_kind(data)
    if kind not in KINDS:
        raise ValueError(f"Unknown document kind '{kind}'")
    issues = _version_issues(data)
    count = _count_tasks(data, kind)
    if count > max_tasks:
        message = f"The definition has {count} tasks, more than the limit of {max_tasks}"
        issues.append(Issue("", message))
        return None, issues
    document = _build(loaded, data, kind, issues)
    issues.extend(_name_issues(document))
    check = validate.load_validator()
    for path, spec in _paths(document):
        if isinstance(spec, WorkflowSpec):
            issues.extend(validate.workflow_semantics(spec, path))
            if check is not None:
                values = validate.workflow_expression_values(spec, path)
                issues.extend(validate.check_expressions(values, check))
        elif check is not None:
            values = validate.action_expression_values(spec, path)
            issues.extend(validate.check_expressions(values, check))
    return document, list(dict.fromkeys(issues))


def _name_issues(document: Document) -> Iterator[Issue]:
    """Names that cannot be stored or addressed: too long, with '/' or control characters."""
    if document.workbook is not None:
        problem = storable.name_problem("workbook", document.workbook.name)
        if problem and document.workbook.name:
            yield Issue("name", problem)
    for path, spec in _paths(document):
        noun = "workflow" if isinstance(spec, WorkflowSpec) else "action"
        problem = storable.name_problem(noun, spec.name)
        if problem:
            yield Issue(path, problem)


def _paths(document: Document) -> Iterator[tuple[str, WorkflowSpec | ActionSpec]]:
    """Each workflow and action with the document path it was written at."""
    in_workbook = document.workbook is not None
    for workflow in document.workflows:
        short = workflow.name.rsplit(".", 1)[-1] if in_workbook else workflow.name
        yield (f"workflows.{short}" if in_workbook else short), workflow
    for action in document.actions:
        short = action.name.rsplit(".", 1)[-1] if in_workbook else action.name
        yield (f"actions.{short}" if in_workbook else short), action


def _definition(loaded: loader.Loaded, keys: tuple[str, ...], body: Any) -> str:
    cut = loader.section_text(loaded, keys, body)
    return _HEADER + (cut if cut is not None else loader.render({keys[-1]: body}))


def _build(loaded: loader.Loaded, data: dict[str, Any], kind: str, issues: list[Issue]) -> Document:
    if kind == "workbook":
        workbook = build_workbook(
            data,
            definition=loaded.text,
            definition_of=lambda section, short, body: _definition(loaded, (section, short), body),
            issues=issues,
        )
        return Document(kind, VERSION, workbook.workflows, workbook.actions, workbook)
    items = {k: v for k, v in data.items() if k != "version"}
    noun = "workflow" if kind == "workflows" else "action"
    if not items:
        issues.append(Issue("", f"At least one {noun} must be defined"))
    built: list[Any] = []
    for name, body in items.items():
        if not isinstance(body, dict) or not body:
            issues.append(Issue(name, f"A {noun} must be a non-empty mapping, got {body!r}"))
            continue
        text = loaded.text if len(items) == 1 else _definition(loaded, (name,), body)
        build = build_workflow if kind == "workflows" else build_action
        built.append(build(name, body, path=name, issues=issues, definition=text))
    if kind == "workflows":
        return Document(kind, VERSION, workflows=tuple(built))
    return Document(kind, VERSION, actions=tuple(built))
