"""std.javascript / std.js, run by the real `node`: Mistral's script convention, failures and the
sandbox."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from action_peers import context

from wfq.actions.base import ActionException
from wfq.actions.javascript import javascript, js
from wfq.settings import Settings

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def test_return_value_with_context(ctx: Any) -> None:
    script = "return {sum: $.numbers.reduce((a, b) => a + b, 0), who: $.name.toUpperCase()}"
    assert javascript.fn(ctx, script=script, context={"numbers": [1, 2, 3], "name": "ops"}) == {
        "sum": 6,
        "who": "OPS",
    }


def test_alias_and_scalars(ctx: Any) -> None:
    assert js.name == "std.js" and js.signature_text() == "script, context=null"
    assert js.fn(ctx, script="return 6 * 7") == 42
    assert js.fn(ctx, script="return 'text'") == "text"
    assert js.fn(ctx, script="var x = 1;") is None  # no return: null
    assert js.fn(ctx, script="return $", context=None) is None


def test_thrown_error(ctx: Any) -> None:
    with pytest.raises(ActionException) as err:
        javascript.fn(ctx, script="throw new Error('bad input: ' + $.x)", context={"x": 5})
    assert str(err.value) == "JavaScriptAction failed: Error: bad input: 5"


def test_syntax_error(ctx: Any) -> None:
    with pytest.raises(ActionException, match="JavaScriptAction failed: SyntaxError"):
        javascript.fn(ctx, script="return (;")


def test_endless_script_times_out() -> None:
    ctx = context(Settings(js_timeout_s=0.5))
    with pytest.raises(ActionException) as err:
        javascript.fn(ctx, script="while (true) {}")
    assert str(err.value) == "JavaScriptAction failed: the script ran longer than 0.5 s"


@pytest.mark.parametrize(
    "script",
    [
        "return require('fs').readFileSync('/etc/passwd', 'utf8')",
        "return process.env",
        "return $.constructor.constructor('return process')().pid",
        "return this.constructor.constructor('return process')().pid",
    ],
)
def test_script_cannot_reach_the_worker(ctx: Any, script: str) -> None:
    with pytest.raises(
        ActionException,
        match="JavaScriptAction failed: ReferenceError: (require|process) is not defined",
    ):
        javascript.fn(ctx, script=script, context={"a": 1})


def test_node_missing() -> None:
    ctx = context(Settings(js_node_path="/nonexistent/node"))
    with pytest.raises(ActionException) as err:
        javascript.fn(ctx, script="return 1")
    assert str(err.value) == (
        "JavaScriptAction failed: Node.js is not installed on this worker ('/nonexistent/node' "
        "not found; install node or set js_node_path)"
    )
