"""Hypothesis strategies shared by the property tests: YAML-ish text, JSON values, documents
shaped like workflows with garbage in their fields, YAQL/Jinja expressions, and text that
databases and terminals choke on (NUL, lone surrogates, control characters, ANSI escapes,
'/', names just over 255 characters)."""

from __future__ import annotations

from hypothesis import strategies as st

# Pieces YAML gives meaning to, so that random text reaches the parser's odd corners.
_YAML_TOKENS = st.sampled_from(
    [
        "version: '2.0'\n",
        "wf:\n",
        "  tasks:\n",
        "    t:\n",
        "      action: std.noop\n",
        "- ",
        ": ",
        "\n",
        "  ",
        "\t",
        "&a ",
        "*a",
        "&b [*a, *a, *a]\n",
        "<<: *a\n",
        "{",
        "}",
        "[",
        "]",
        ",",
        "? ",
        "|\n",
        ">-\n",
        "!!python/object:os.system ",
        "!!binary ",
        "!!set ",
        "!!timestamp ",
        "%YAML 1.1\n",
        "---\n",
        "...\n",
        "'",
        '"',
        "#",
        "\\",
        "~",
        "null",
        "2001-12-14",
        "0x1F",
        ".inf",
        "1e999",
        "on-success: [",
        "<% $.x %>",
        "{{ _.x }}",
        "\x00",
        "\ufeff",
        "\u2028",
        "\ud7ff",
        '"\\0"',
        '"\\u0000"',
        '"\\x00"',
        "\x1b[31m",
    ]
)
yaml_like_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(_YAML_TOKENS, st.text(max_size=8)), max_size=40).map("".join),
)

ODD_PIECES = [
    "\x00",
    "\ud800",
    "\udfff",
    "\udbff\udbff",
    "\x1b[31m",
    "\x1b]8;;http://x\x07",
    "\x07",
    "\x7f",
    "\x85",
    "\x9b",
    "/",
    "\u202e",
    "\ufeff",
    "\r\n",
]
"""NUL (PostgreSQL stores none), lone surrogates (not UTF-8), control characters, ANSI/OSC
escape sequences, C1 controls, '/', a bidi override, a BOM."""
odd_text = st.one_of(
    st.lists(
        st.one_of(st.sampled_from(ODD_PIECES), st.text(max_size=4)), min_size=1, max_size=8
    ).map("".join),
    st.integers(min_value=250, max_value=320).map(lambda n: "w" * n),
    st.integers(min_value=250, max_value=320).map(lambda n: "é" * n),
)
"""Text that the database or a terminal chokes on."""
odd_names = st.one_of(odd_text, st.text(alphabet="abcxyz_-.0123456789", min_size=1, max_size=12))
"""Names: odd ones, and ordinary ones (stored, so later examples meet 409s too)."""

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["<% $.x %>", "<% $.x +++ %>", "{{ _.x }}", "{% if %}", "std.noop", "t0"]),
    odd_text,
)
_VOCABULARY = [
    "version",
    "name",
    "tasks",
    "action",
    "workflow",
    "input",
    "output",
    "publish",
    "branch",
    "global",
    "atomic",
    "next",
    "count",
    "delay",
    "break-on",
    "continue-on",
    "base",
    "base-input",
    "on-success",
    "on-error",
    "on-complete",
    "join",
    "requires",
    "with-items",
    "retry",
    "type",
    "task-defaults",
    "vars",
    "tags",
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
    "action",
    "workflow",
    "input",
    "publish",
    "publish-on-error",
    "on-success",
    "on-error",
    "on-complete",
    "join",
    "requires",
    "with-items",
    "concurrency",
    "retry",
    "wait-before",
    "wait-after",
    "timeout",
    "pause-before",
    "fail-on",
    "keep-result",
    "safe-rerun",
    "target",
    "description",
    "tags",
    "type",
    "bogus",
]
_WORKFLOW_KEYS = [
    "type",
    "input",
    "output",
    "output-on-error",
    "vars",
    "task-defaults",
    "description",
    "tags",
    "tasks",
    "bogus",
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

_DELIMITERS = ("<%", "%>", "{{", "}}", "{%", "%}")
_plain_text = st.text(max_size=30).filter(lambda t: not any(d in t for d in _DELIMITERS))

# Fragments of both grammars, including functions that build big values and names that lead
# out of a sandbox, so that generated expressions are mostly almost valid.
_YAQL_TOKENS = [
    "$",
    "$.x",
    "$.a",
    "$.list",
    "$.name",
    ".x",
    ".len()",
    "[0]",
    "[-1]",
    "1",
    "0",
    "-1",
    "2.5",
    "'s'",
    '"q"',
    "true",
    "false",
    "null",
    "+",
    "-",
    "*",
    "/",
    " mod ",
    " and ",
    " or ",
    "not ",
    "=",
    "!=",
    "<",
    ">",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=>",
    "len(",
    "range(",
    "sum(",
    "str(",
    "int(",
    "float(",
    "dict(",
    "list(",
    "list(range(100000))",
    "range(10000000)",
    ".select(",
    ".where(",
    "$.select($ * 2)",
    ".selectMany(",
    ".join(",
    "concat(",
    "repeat(",
    "task(",
    "task()",
    "tasks()",
    "execution()",
    "env()",
    "global('x')",
    "json_parse(",
    "json_dump(",
    "yaml_parse(",
    "uuid()",
    ".__class__",
    "#wfq_scope",
    "let(",
    "$x",
    "->",
    "'a' * 100000000",
    "pow(10, 100000000)",
    "sequence()",
    "sleep(100)",
    " ",
    "\\",
]
_JINJA_TOKENS = [
    "_",
    "_.x",
    "_.a",
    "_.list",
    "_.name",
    ".x",
    "[0]",
    "|length",
    "|list",
    "|join",
    "|sum",
    "|tojson",
    "|json_dump",
    "|yaml_dump",
    "1",
    "-1",
    "2.5",
    "'s'",
    "true",
    "none",
    "+",
    "*",
    "**",
    "~",
    " and ",
    " not ",
    " in ",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "range(",
    "range(100000)",
    "lipsum(",
    "cycler",
    "joiner",
    "namespace(",
    "dict(",
    "task()",
    "execution()",
    "env()",
    "uuid()",
    ".__class__",
    ".__mro__",
    ".__subclasses__()",
    ".__globals__",
    ".__init__",
    ".__builtins__",
    ".mro()",
    "self",
    "config",
    "request",
    ".format(",
    "'{0.__class__}'.format(_)",
    "'a' * 100000000",
    "9 ** 9999999",
    " if ",
    " else ",
    " for i in ",
    " ",
]


def _joined(tokens: list[str]) -> st.SearchStrategy[str]:
    return st.lists(
        st.one_of(st.sampled_from(tokens), st.text(max_size=4)), min_size=1, max_size=12
    ).map("".join)


yaql_expressions = _joined(_YAQL_TOKENS).map(lambda body: f"<% {body} %>")
jinja_expressions = st.one_of(
    _joined(_JINJA_TOKENS).map(lambda body: f"{{{{ {body} }}}}"),
    _joined(_JINJA_TOKENS).map(lambda body: f"{{% for i in {body} %}}{{{{ i }}}}{{% endfor %}}"),
    _joined(_JINJA_TOKENS).map(lambda body: f"{{% set v = {body} %}}{{{{ v }}}}"),
)


def _grammar(atoms: list[str], calls: list[str], operators: list[str]) -> st.SearchStrategy[str]:
    """Well-formed expressions of one language: atoms, calls ({} is the argument), operators."""
    atom = st.one_of(st.sampled_from(atoms), st.integers(-1000, 1000).map(str))
    return st.recursive(
        atom,
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(calls), inner).map(lambda c: c[0].format(c[1])),
            st.tuples(inner, st.sampled_from(operators), inner).map(
                lambda c: f"({c[0]}{c[1]}{c[2]})"
            ),
            st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        ),
        max_leaves=6,
    )


yaql_grammar = _grammar(
    ["$", "$.x", "$.a", "$.list", "$.name", "'s'", "true", "null", "2.5", "{a => 1}"],
    [
        "len({})",
        "str({})",
        "int({})",
        "list({})",
        "sum({})",
        "{}.len()",
        "{}[0]",
        "{}.x",
        "{}.select($ * 2)",
        "{}.where($ > 0)",
        "{}.keys()",
        "range({})",
        "json_dump({})",
        "json_parse({})",
        "{}.join(',')",
        "task({})",
        "env()",
        "dict({} => 1)",
        "not {}",
    ],
    [" + ", " - ", " * ", " / ", " mod ", " = ", " != ", " < ", " > ", " and ", " or ", " in "],
)
jinja_grammar = _grammar(
    ["_", "_.x", "_.a", "_.list", "_.name", "'s'", "true", "none", "2.5", "{'k': 1}"],
    [
        "{}|length",
        "{}|list",
        "{}|sum",
        "{}|string",
        "{}|tojson",
        "{}|json_dump",
        "{}[0]",
        "{}.x",
        "range({})",
        "({}).__class__",
        "{}|attr('__class__')",
        "task({})",
        "not {}",
        "({} if {} else 0)".replace("{} else", "_.x else"),
    ],
    [" + ", " - ", " * ", " / ", " // ", " % ", " == ", " != ", " < ", " and ", " or ", " ~ "],
)
grammar_expressions = st.one_of(
    yaql_grammar.map(lambda body: f"<% {body} %>"),
    jinja_grammar.map(lambda body: f"{{{{ {body} }}}}"),
)
"""Expressions that parse (nearly always): they reach evaluation, not just the parser."""
expressions = st.one_of(
    grammar_expressions,
    yaql_expressions,
    jinja_expressions,
    st.tuples(_plain_text, yaql_expressions, _plain_text).map("".join),
    st.tuples(_plain_text, jinja_expressions, _plain_text).map("".join),
    st.text(max_size=40).map(lambda text: f"<% {text} %>"),
    st.text(max_size=40).map(lambda text: f"{{{{ {text} }}}}"),
)


# --- Expression bombs (issue 15, engine half: regular expressions and values built piece by
# piece). Kept in this block of its own; other blocks of issue 15 live beside it. ---

_REGEX_BOMB_PATTERNS = [
    "^(a|aa)+$",
    "^(a+)+$",
    "^(a|a?)+$",
    "(x+x+)+y",
    "^(\\\\w+\\\\s?)*$",
    "^(a*)*b$",
]
_SUBJECT = st.tuples(st.integers(20, 60), st.sampled_from(["!", "b", "", " !"])).map(
    lambda t: "a" * t[0] + t[1]
)
regex_bombs = st.one_of(
    st.tuples(st.sampled_from(_REGEX_BOMB_PATTERNS), _SUBJECT).map(
        lambda t: f"<% regex('{t[0]}').matches('{t[1]}') %>"
    ),
    st.tuples(st.sampled_from(_REGEX_BOMB_PATTERNS), _SUBJECT).map(
        lambda t: f"<% '{t[1]}' =~ '{t[0]}' %>"
    ),
    st.tuples(st.sampled_from(_REGEX_BOMB_PATTERNS), _SUBJECT).map(
        lambda t: f"<% regex('{t[0]}').searchAll('{t[1]}') %>"
    ),
    st.tuples(st.sampled_from(_REGEX_BOMB_PATTERNS), _SUBJECT).map(
        lambda t: f"<% regex('{t[0]}').replace('{t[1]}' * 1000, 'xx') %>"
    ),
)
"""Regular expressions that backtrack catastrophically (with `re`: seconds to hours)."""
_PIECE = st.integers(1_000_000, 9_000_000)
_TIMES = st.integers(20, 2000)
memory_bombs = st.one_of(
    st.tuples(_TIMES, _PIECE).map(lambda t: f"<% range(0, {t[0]}).select('a' * {t[1]}) %>"),
    st.tuples(_TIMES, _PIECE).map(
        lambda t: f"<% let(s => 'a' * {t[1]}) -> range(0, {t[0]}).select($s + 'b') %>"
    ),
    st.tuples(_TIMES, _PIECE).map(
        lambda t: f"<% range(0, {t[0]}).select(concat('a' * {t[1]}, 'b')) %>"
    ),
    st.tuples(_TIMES, _PIECE).map(lambda t: f"<% ('a' * {t[1]}).replace('a', 'b' * {t[0]}) %>"),
    st.tuples(st.integers(20, 64), st.sampled_from(["+", "~"])).map(
        lambda t: (
            "{% set ns = namespace(s='xy') %}{% for i in range(" + str(t[0]) + ") %}"
            "{% set ns.s = ns.s " + t[1] + " ns.s %}{% endfor %}{{ ns.s|length }}"
        )
    ),
    st.tuples(_TIMES, _PIECE).map(
        lambda t: "{% for i in range(" + str(t[0]) + ") %}{{ 'a' * " + str(t[1]) + " }}{% endfor %}"
    ),
    _PIECE.map(lambda n: "{{ 'x'|center(" + str(n * 100) + ") }}"),
    _PIECE.map(lambda n: "{{ 'x'.ljust(" + str(n * 100) + ") }}"),
    _PIECE.map(lambda n: "{{ '%" + str(n * 100) + "s' % 'x' }}"),
    _PIECE.map(lambda n: "{{ '{0:>" + str(n * 100) + "}'.format('x') }}"),
    _TIMES.map(lambda n: "{{ lipsum(" + str(n * 1000) + ") }}"),
    _PIECE.map(lambda n: "{{ [1, [2, [3]]] | tojson(indent=" + str(n * 10) + ") }}"),
    st.tuples(_TIMES, _PIECE).map(
        lambda t: "{{ (['a'] * " + str(t[0]) + ") | join('x' * " + str(t[1]) + ") }}"
    ),
)
"""Expressions that build a huge value out of pieces each under the length limit."""
bomb_expressions = st.one_of(regex_bombs, memory_bombs)
