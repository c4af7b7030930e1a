"""Inline parameters (`action: std.echo output="hi"`) parse exactly as Mistral's regex does."""

from __future__ import annotations

import pytest

from wfq.dsl import parse_command, parse_params


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('output="hi there"', {"output": "hi there"}),
        ("output='single quoted'", {"output": "single quoted"}),
        ("n=42", {"n": 42}),
        ("flag=true off=false nothing=null", {"flag": True, "off": False, "nothing": None}),
        ("items=[1, 2, 3]", {"items": [1, 2, 3]}),
        ("x=<% $.a + 1 %>", {"x": "<% $.a + 1 %>"}),
        ("x={{ _.a ~ 'b' }}", {"x": "{{ _.a ~ 'b' }}"}),
        ("break-on=<% $.x = 1 %>", {"break-on": "<% $.x = 1 %>"}),
        # An unquoted bare word is silently dropped, as in Mistral.
        ("output=abc", {}),
        ("url=http://example.org", {}),
        ('a=abc b="kept"', {"b": "kept"}),
        # Only digits are numbers: the fraction and the sign are not part of the value.
        ("x=1.5", {"x": 1}),
        ("x=-3", {}),
        # `[...]` is greedy up to the last `]`; invalid JSON stays text.
        ("a=[1] b=[2]", {"a": "[1] b=[2]"}),
    ],
)
def test_parse_params(text: str, expected: dict[str, object]) -> None:
    assert parse_params(text) == expected


def test_parse_command_splits_name_and_params() -> None:
    assert parse_command("std.echo") == ("std.echo", {})
    assert parse_command('std.echo output="x" n=1') == ("std.echo", {"output": "x", "n": 1})
    assert parse_command("<% $.action %> x=1") == ("<% $.action %>", {"x": 1})


def test_parse_command_refuses_garbage_in_front() -> None:
    with pytest.raises(ValueError, match="Invalid action/workflow task property"):
        parse_command('"quoted name" x=1')
