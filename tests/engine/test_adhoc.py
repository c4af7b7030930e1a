"""The ad-hoc output transformation, applied in one place (adhoc.apply_output)."""

from __future__ import annotations

from wfq.engine import adhoc


def test_a_success_gets_the_outputs_innermost_first() -> None:
    runtime = {"output": ["<% $.x + 1 %>", "<% $ * 10 %>"]}
    assert adhoc.apply_output(runtime, True, {"x": 1}) == (True, 20)


def test_a_failure_and_an_action_without_outputs_are_left_as_they_are() -> None:
    assert adhoc.apply_output({"output": ["<% $.x %>"]}, False, "boom") == (False, "boom")
    assert adhoc.apply_output(None, True, {"x": 1}) == (True, {"x": 1})


def test_an_output_that_cannot_be_evaluated_fails_the_action_with_its_text() -> None:
    success, result = adhoc.apply_output({"output": ["<% $.missing.deeper %>"]}, True, {"x": 1})
    assert success is False
    assert isinstance(result, str) and "missing" in result
