"""std.javascript (alias std.js): Mistral's JavaScriptAction, run by Node.js in a subprocess.

As in Mistral, the script is the body of a function: `$` is bound to `context` and its `return`
value is the result. The script runs in a fresh V8 context (no require, process or console)
inside a node started with the permission model on (no file system, no child processes), an
empty environment, a memory cap and a timeout."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import tempfile
from typing import Any

from wfq.actions.base import ActionContext, ActionException, action

_MISTRAL = "mistral.actions.std_actions"

# Reads {script, context, timeout_ms} on stdin, writes the JSON result on stdout. The context
# enters the sandbox as a JSON string, parsed there, so the script holds no object of this
# realm to climb out through (`$.constructor.constructor('return process')`).
RUNNER = r"""
const vm = require('vm');
let data = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { data += c; });
process.stdin.on('end', () => {
  const req = JSON.parse(data);
  const sandbox = Object.create(null);
  sandbox.__wfq_context = JSON.stringify(req.context);
  const code = 'var $ = JSON.parse(__wfq_context); delete globalThis.__wfq_context;\n' +
    'JSON.stringify((function f() {\n' + req.script + '\n})())';
  let out;
  try {
    out = vm.runInNewContext(code, sandbox, {timeout: req.timeout_ms, filename: 'script.js'});
  } catch (e) {
    process.stderr.write(String(e && e.name && e.message !== undefined ? e.name + ': ' + e.message : e));
    process.exitCode = 1;
    return;
  }
  process.stdout.write(typeof out === 'string' ? out : 'null');
});
"""


def evaluate(ctx: ActionContext, script: str, context: Any) -> Any:
    """Run `script` with `$` = `context` in node; its return value, decoded from JSON."""
    node = str(ctx.setting("js_node_path"))
    timeout = float(ctx.setting("js_timeout_s"))
    payload = json.dumps(
        {"script": script, "context": context, "timeout_ms": max(1, int(timeout * 1000))},
        default=str,
    )
    args = [
        node,
        "--experimental-permission",
        "--no-warnings",
        "--max-old-space-size=256",
        "-e",
        RUNNER,
    ]
    try:
        with tempfile.TemporaryDirectory(prefix="wfq-js-") as cwd:
            proc = subprocess.run(
                args,
                input=payload,
                capture_output=True,
                text=True,
                timeout=timeout + 5,
                cwd=cwd,
                env={},
                check=False,
            )
    except FileNotFoundError as exc:
        raise ActionException(
            f"JavaScriptAction failed: Node.js is not installed on this worker ('{node}' not "
            "found; install node or set js_node_path)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ActionException(
            f"JavaScriptAction failed: the script ran longer than {timeout} s"
        ) from exc
    if proc.returncode != 0:
        message = proc.stderr.strip() or f"node exited with status {proc.returncode}"
        if "Script execution timed out" in message:
            message = f"the script ran longer than {timeout} s"
        raise ActionException(f"JavaScriptAction failed: {message}")
    try:
        return json.loads(proc.stdout or "null")
    except ValueError as exc:
        raise ActionException(
            f"JavaScriptAction failed: unreadable result {proc.stdout[:200]!r}"
        ) from exc


@action("std.javascript", class_name=f"{_MISTRAL}.JavaScriptAction")
def javascript(ctx: ActionContext, script: str, context: Any = None) -> Any:
    """Evaluates `script` as the body of a JavaScript function where `$` is `context`; the
    function's return value (JSON-serialisable) is the result."""
    return evaluate(ctx, script, context)


js = dataclasses.replace(javascript, name="std.js")

ACTIONS = [javascript, js]
