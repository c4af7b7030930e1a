"""Expression syntax is checked through `wfq.expressions.validate` (replaced here by a stub)."""

from __future__ import annotations

import sys
import types

import pytest

import wfq
from wfq.dsl import parse_document, validate_document
from wfq.errors import DSLValidationError, ExpressionError, Issue

DOC = """\
version: '2.0'
wf:
  input:
    - a: <% BAD input default %>
  vars:
    v: {nested: [ok, "<% BAD var %>"]}
  output: "{{ BAD output }}"
  task-defaults:
    timeout: <% BAD timeout %>
  tasks:
    t1:
      action: std.echo output=<% BAD inline %>
      with-items: i in <% BAD items %>
      publish: {p: <% BAD publish %>}
      retry: {count: 1, delay: 1, break-on: <% BAD break %>}
      on-success:
        - t2: <% BAD guard %>
        - fail msg=<% BAD message %>
    t2:
      action: std.noop
      keep-result: <% $.fine %>
      publish: {q: plain text, r: <% RAISE %>}
"""


def _install(monkeypatch: pytest.MonkeyPatch, module: types.ModuleType | None) -> None:
    monkeypatch.setitem(sys.modules, "wfq.expressions", module)
    if module is None:
        monkeypatch.delattr(wfq, "expressions", raising=False)
    else:
        monkeypatch.setattr(wfq, "expressions", module, raising=False)


def _stub() -> types.ModuleType:
    module = types.ModuleType("wfq.expressions")

    def validate(expression: str) -> list[str]:
        if "RAISE" in expression:
            raise ExpressionError(expression, "raised")
        return ["unexpected token"] if "BAD" in expression else []

    module.validate = validate  # type: ignore[attr-defined]
    module.is_expression = lambda value: isinstance(value, str) and "<%" in value  # type: ignore[attr-defined]
    return module


def test_every_expression_place_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, _stub())
    found = validate_document(DOC)
    assert all(i.kind == "expressions" for i in found)
    assert [i.path for i in found] == [
        "wf.input[0].a",
        "wf.vars.v.nested[1]",
        "wf.output",
        "wf.task-defaults.timeout",
        "wf.tasks.t1.input.output",
        "wf.tasks.t1.with-items.i",
        "wf.tasks.t1.publish.p",
        "wf.tasks.t1.retry.break-on",
        "wf.tasks.t1.on-success",
        "wf.tasks.t1.on-success.msg",
        "wf.tasks.t2.publish.r",
    ]
    assert found[0] == Issue(
        "wf.input[0].a",
        "<% BAD input default %>: unexpected token",
        "expressions",
    )
    assert found[-1].message.endswith(
        "Can not evaluate YAQL expression [expression=RAISE, error=raised]"
    )
    with pytest.raises(DSLValidationError):
        parse_document(DOC)


def test_ad_hoc_action_expressions(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, _stub())
    text = "version: '2.0'\nact:\n  base: std.echo output=<% BAD %>\n  output: <% BAD out %>\n"
    assert [(i.path, i.kind) for i in validate_document(text)] == [
        ("act.base-input.output", "expressions"),
        ("act.output", "expressions"),
    ]


def test_checks_are_skipped_while_the_package_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, None)  # `from wfq import expressions` now raises ImportError
    assert validate_document(DOC) == []
    assert parse_document(DOC).workflows[0].name == "wf"


def test_real_expression_checker_when_available() -> None:
    module = pytest.importorskip("wfq.expressions")
    if not callable(getattr(module, "validate", None)):
        pytest.skip("wfq.expressions.validate is not written yet")
    text = "version: '2.0'\nwf:\n  output: {a: <% $.x + %>}\n  tasks:\n    t: {action: x}\n"
    (issue,) = validate_document(text)
    assert issue.path == "wf.output.a" and issue.kind == "expressions"
    assert issue.message.startswith("<% $.x + %>: ")
