"""Inline parameters: `std.echo output="hi" n=1`, `fail msg=<% $.x %>`, `count=3 delay=1`.

Matches Mistral's `BaseSpec._parse_cmd_and_input` and its PARAMS_PTRN regex. A value is one of: a
double- or single-quoted string, a YAQL `<% %>` or Jinja `{{ }}` expression (spaces allowed), a
`[...]` list (JSON; greedy up to the last `]`), `true`, `false`, `null` or digits. Anything else,
such as the bare word in `output=abc` or a URL without quotes, is silently dropped, as in Mistral.
"""

from __future__ import annotations

import json
import re
from typing import Any

_EXPRESSION = r"\{\{.*?\}\}|<%.*?%>"
_VALUE = "|".join(
    (
        r"\"[^\"]*\"\s*",  # "double quoted"
        r"'[^']*'\s*",  # 'single quoted'
        _EXPRESSION,
        r"\[.*\]\s*",  # [a, list]
        "true",
        "false",
        "null",
        r"\d+",
    )
)
PARAMS_PATTERN = re.compile(rf"([-_\w]+)=({_VALUE})")
# The name in front of the parameters: a dotted word, or an expression giving the name.
COMMAND_PATTERN = re.compile(r"^([\w.]+[^=(\s\"]*|<%.*?%>|\{\{.*\}\}|\{%.*%\})")


def parse_params(text: str) -> dict[str, Any]:
    """Every `key=value` in `text`, converted as Mistral does (quotes stripped, JSON decoded)."""
    params: dict[str, Any] = {}
    for match in PARAMS_PATTERN.finditer(text):
        key, raw = match.group(1), match.group(2).strip()
        value: Any
        if raw[0] in "\"'":
            value = raw[1:-1]
        else:
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
        params[key] = value
    return params


def parse_command(text: str) -> tuple[str, dict[str, Any]]:
    """Split `name key=value ...` into the name and its parameters.

    Raises:
        ValueError: the text has parameters but does not start with a name or an expression.
    """
    if " " not in text:
        return text, {}
    match = COMMAND_PATTERN.search(text)
    if not match:
        raise ValueError(f"Invalid action/workflow task property: {text}")
    return match.group(0), parse_params(text)
