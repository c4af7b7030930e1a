"""Loading limits: size, depth, alias bombs, recursive aliases, non-JSON values."""

from __future__ import annotations

import pytest

from wfq.dsl import parse_document, validate_document
from wfq.errors import DSLParseError

BOMB = """\
version: '2.0'
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def parse_error(text: str | bytes, **kwargs: int) -> str:
    with pytest.raises(DSLParseError) as caught:
        parse_document(text, **kwargs)  # type: ignore[arg-type]
    (issue,) = validate_document(text, **kwargs)  # type: ignore[arg-type]
    assert issue.message == caught.value.message and issue.path == "" and issue.kind == "syntax"
    return caught.value.message


def test_alias_bomb_is_refused() -> None:
    message = parse_error(BOMB)
    assert message.startswith("Definition could not be parsed: aliases expand the document")


def test_recursive_alias_is_refused() -> None:
    message = parse_error("version: '2.0'\nx: &a [1, *a]\n")
    assert message == ("Definition could not be parsed: an alias refers to a node that contains it")


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    text = "version: '2.0'\nx: " + "[" * 200 + "]" * 200 + "\n"
    assert parse_error(text) == "Definition could not be parsed: the document nests deeper than 100"


def test_very_deep_nesting_is_refused_too() -> None:
    text = "x: " + "[" * 50_000
    assert "nests deeper than 100" in parse_error(text)


def test_deep_block_nesting_is_refused() -> None:
    text = "version: '2.0'\n" + "".join(" " * i + f"k{i}:\n" for i in range(150)) + " " * 150 + "v"
    assert "nests deeper than 100" in parse_error(text)


def test_aliases_deepening_the_tree_are_refused() -> None:
    level = "[" * 60 + "1" + "]" * 60
    text = f"version: '2.0'\na: &a {level}\nb: " + "[" * 45 + "*a" + "]" * 45 + "\n"
    assert "deeper than 100" in parse_error(text)


def test_size_limit() -> None:
    text = "version: '2.0'\nwf: {tasks: {a: {action: x}}}\n# " + "x" * 200
    message = parse_error(text, max_bytes=100)
    assert message.startswith("Definition could not be parsed: the definition is ")
    assert message.endswith("bytes, more than the limit of 100")


def test_bytes_are_accepted() -> None:
    text = "version: '2.0'\nwf: {tasks: {a: {action: std.echo output=\"ü\"}}}\n".encode()
    assert parse_document(text).workflows[0].tasks["a"].input == {"output": "ü"}


def test_non_string_keys_are_refused() -> None:
    message = parse_error("version: '2.0'\nwf: {tasks: {1: {action: x}}}\n")
    assert message == "Definition could not be parsed: mapping key 1 in 'wf.tasks' is not a string"


def test_binary_values_are_refused() -> None:
    text = "version: '2.0'\nwf: {tasks: {a: {action: x, input: {b: !!binary aGk=}}}}"
    message = parse_error(text)
    assert "which JSON cannot hold" in message and "wf.tasks.a.input.b" in message


def test_python_tags_are_not_constructed() -> None:
    message = parse_error("version: '2.0'\nx: !!python/object/apply:os.system ['true']\n")
    assert message.startswith("Definition could not be parsed: could not determine a constructor")


def test_empty_document_lacks_version() -> None:
    assert [i.message for i in validate_document("")] == [
        "'version' is a required property",
        "At least one workflow must be defined",
    ]
