"""Hypothesis strategies shared by the property tests: YAML-ish text, JSON values, and
documents shaped like workflows with garbage in their fields."""

from __future__ import annotations

from hypothesis import strategies as st

# Pieces YAML gives meaning to, so that random text reaches the parser's odd corners.
_YAML_TOKENS = st.sampled_from(
    [
        "version: '2.0'\n", "wf:\n", "  tasks:\n", "    t:\n", "      action: std.noop\n",
        "- ", ": ", "\n", "  ", "\t", "&a ", "*a", "&b [*a, *a, *a]\n", "<<: *a\n", "{", "}",
        "[", "]", ",", "? ", "|\n", ">-\n", "!!python/object:os.system ", "!!binary ", "!!set ",
        "!!timestamp ", "%YAML 1.1\n", "---\n", "...\n", "'", '"', "#", "\\", "~", "null",
        "2001-12-14", "0x1F", ".inf", "1e999", "on-success: [", "<% $.x %>", "{{ _.x }}",
        "\x00", "\ufeff", "\u2028", "\ud7ff",
    ]
)
yaml_like_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(_YAML_TOKENS, st.text(max_size=8)), max_size=40).map("".join),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["<% $.x %>", "<% $.x +++ %>", "{{ _.x }}", "{% if %}", "std.noop", "t0"]),
)
_VOCABULARY = [
    "version", "name", "tasks", "action", "workflow", "input", "output", "publish", "branch",
    "global", "atomic", "next", "count", "delay", "break-on", "continue-on", "base",
    "base-input", "on-success", "on-error", "on-complete", "join", "requires", "with-items",
    "retry", "type", "task-defaults", "vars", "tags",
]
"""Keys the language gives meaning to, so generated mappings often look almost right."""
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(_VOCABULARY), st.text(max_size=8)), inner, max_size=4
        ),
    ),
    max_leaves=12,
)

_TASK_KEYS = [
    "action", "workflow", "input", "publish", "publish-on-error", "on-success", "on-error",
    "on-complete", "join", "requires", "with-items", "concurrency", "retry", "wait-before",
    "wait-after", "timeout", "pause-before", "fail-on", "keep-result", "safe-rerun", "target",
    "description", "tags", "type", "bogus",
]
_WORKFLOW_KEYS = [
    "type", "input", "output", "output-on-error", "vars", "task-defaults", "description",
    "tags", "tasks", "bogus",
]
task_bodies = st.one_of(
    json_values, st.dictionaries(st.sampled_from(_TASK_KEYS), json_values, max_size=6)
)
workflow_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"tasks": st.one_of(json_values, st.dictionaries(st.text(max_size=6), task_bodies))},
        optional={k: json_values for k in _WORKFLOW_KEYS if k != "tasks"},
    ),
)
workflow_shaped_documents = st.fixed_dictionaries(
    {},
    optional={
        "version": st.one_of(st.just("2.0"), json_scalars),
        "wf": workflow_bodies,
        "name": json_values,
        "workflows": st.one_of(json_values, st.dictionaries(st.text(max_size=6), workflow_bodies)),
        "actions": json_values,
    },
)
