"""Properties of the DSL parser over generated input (hypothesis).

Whatever text or structure a user sends, the parser answers with specs or with one of wfq's two
DSL errors and a message, quickly; a valid generated workflow reads back as it was written.
"""

from __future__ import annotations

import time
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st
from wfq_strategies import workflow_shaped_documents, yaml_like_text

from wfq.dsl import parse_document, validate_document
from wfq.errors import DSLParseError, DSLValidationError

SECONDS = 5.0
"""Longest one parse may take: far above the real cost, far below a hang."""

# No NUL: a definition holding one is refused (the database cannot store it).
plain_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20
).filter(lambda t: not any(d in t for d in ("<%", "{{", "{%")))
plain_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), plain_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(plain_text, inner, max_size=4)
    ),
    max_leaves=8,
)
"""JSON values without expressions: what a workflow may hold as literal data."""


def _outcome(text: str) -> tuple[str, Any]:
    """Parse `text`: ("ok", document) or ("parse"/"invalid", message). Anything else fails."""
    started = time.monotonic()
    try:
        document: Any = parse_document(text)
        outcome: tuple[str, Any] = ("ok", document)
    except DSLParseError as exc:
        outcome = ("parse", exc.message)
    except DSLValidationError as exc:
        assert exc.issues, "a validation error names at least one issue"
        outcome = ("invalid", exc.message)
    assert time.monotonic() - started < SECONDS
    if outcome[0] != "ok":
        assert isinstance(outcome[1], str) and outcome[1].strip()
    return outcome


@given(yaml_like_text)
def test_any_text_parses_or_raises_a_dsl_error(text: str) -> None:
    kind, detail = _outcome(text)
    if kind == "parse":
        assert detail.startswith("Definition could not be parsed: ")
    if kind == "invalid":
        assert detail.startswith("Invalid DSL: ")


@given(workflow_shaped_documents)
def test_workflow_shaped_garbage_parses_or_raises_a_dsl_error(document: dict[str, Any]) -> None:
    _outcome(yaml.safe_dump(document, allow_unicode=True))


@given(st.one_of(yaml_like_text, workflow_shaped_documents.map(yaml.safe_dump)))
def test_validate_agrees_with_parse(text: str) -> None:
    """validate_document never raises, and finds issues exactly when parse_document refuses."""
    kind, _ = _outcome(text)
    issues = validate_document(text)
    assert (kind == "ok") == (issues == [])


# -- valid workflows read back as written ------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)


@st.composite
def direct_workflows(draw: st.DrawFn) -> dict[str, Any]:
    """A valid direct workflow: inputs with and without defaults, tasks with echo actions,
    publishes, and forward transitions (so no task is unreachable)."""
    task_names = draw(st.lists(names, min_size=1, max_size=8, unique=True))
    inputs = draw(st.lists(names, max_size=4, unique=True))
    defaults = draw(st.dictionaries(st.sampled_from(inputs), plain_values)) if inputs else {}
    tasks: dict[str, Any] = {}
    for index, name in enumerate(task_names):
        body: dict[str, Any] = {"action": "std.echo", "input": {"output": draw(plain_values)}}
        publish = draw(st.dictionaries(names, st.sampled_from(["<% task().result %>", 1, "x"])))
        if publish:
            body["publish"] = publish
        later = task_names[index + 1 :]
        for key in ("on-success", "on-error", "on-complete"):
            targets = draw(st.lists(st.sampled_from(later), unique=True)) if later else []
            if targets:
                body[key] = targets
        tasks[name] = body
    params = [{p: defaults[p]} if p in defaults else p for p in inputs]
    return {"input": params, "tasks": tasks}


@given(names, direct_workflows())
def test_valid_workflow_round_trips(name: str, body: dict[str, Any]) -> None:
    text = yaml.safe_dump({"version": "2.0", name: body}, sort_keys=False)
    (workflow,) = parse_document(text).workflows
    assert workflow.name == name
    assert list(workflow.tasks) == list(body["tasks"])
    for task_name, written in body["tasks"].items():
        task = workflow.tasks[task_name]
        assert task.action == "std.echo"
        assert task.input == written["input"]
        assert dict(task.publish.branch) == written.get("publish", {})
        for key, clause in (
            ("on-success", task.on_success),
            ("on-error", task.on_error),
            ("on-complete", task.on_complete),
        ):
            read = [t.name for t in clause.transitions] if clause else []
            assert read == written.get(key, [])
    inputs = [(p.name, p.has_default, p.default) for p in workflow.input]
    written_inputs = [
        (next(iter(p)), True, next(iter(p.values()))) if isinstance(p, dict) else (p, False, None)
        for p in body["input"]
    ]
    assert inputs == written_inputs
    assert workflow.start_tasks()[0] == next(iter(body["tasks"]))
