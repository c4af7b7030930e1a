// wfq web page: a small YAML highlighter for workflow and workbook definitions (and JSON, which
// is YAML). It knows what a Mistral definition holds: keys (DSL keywords apart), strings,
// numbers, booleans, comments, block scalars and YAQL/Jinja expressions (<% %>, {{ }}), also
// inside strings. It only colours: it never judges the text (the server validates).
"use strict";

const Highlight = (() => {
  const DSL_KEYS = new Set([
    "version", "name", "description", "tags", "type", "input", "output", "output-on-error", "vars",
    "task-defaults", "tasks", "workflows", "actions", "base", "base-input", "action", "workflow",
    "publish", "publish-on-error", "on-success", "on-error", "on-complete", "on-skip", "join",
    "requires", "with-items", "concurrency", "retry", "count", "delay", "break-on", "continue-on",
    "wait-before", "wait-after", "timeout", "pause-before", "safe-rerun", "target", "keep-result",
    "namespace", "branch", "global", "atomic",
  ]);
  const WORDS = { true: "bool", false: "bool", yes: "bool", no: "bool", null: "null", "~": "null" };
  const NUMBER = /^[-+]?(\d[\d_]*(\.\d+)?([eE][-+]?\d+)?|0x[0-9a-fA-F]+|\.inf|\.nan)$/;

  // Split `text` into [cls, piece] with the expressions of it marked.
  function withExpressions(text, cls) {
    const out = [];
    const re = /<%[\s\S]*?%>|\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
    let last = 0;
    let m;
    while ((m = re.exec(text))) {
      if (m.index > last) out.push([cls, text.slice(last, m.index)]);
      out.push(["expr", m[0]]);
      last = m.index + m[0].length;
    }
    if (last < text.length) out.push([cls, text.slice(last)]);
    return out;
  }

  function plain(word) {
    const [, before, core, after] = word.match(/^(\s*)([\s\S]*?)(\s*)$/);
    if (!core) return [["", word]];
    const cls = WORDS[core.toLowerCase()] || (NUMBER.test(core) ? "num" : null);
    const middle = cls ? [[cls, core]] : params(core);
    return [before ? ["", before] : null, ...middle, after ? ["", after] : null].filter(Boolean);
  }

  // `std.echo output=1 name=x`: the action's inline parameters marked `name=`.
  function params(text) {
    const out = [];
    const re = /(^|\s)([A-Za-z_][\w-]*)=/g;
    let last = 0;
    let m;
    while ((m = re.exec(text))) {
      const at = m.index + m[1].length;
      if (at > last) out.push(...withExpressions(text.slice(last, at), "plain"));
      out.push(["param", m[2] + "="]);
      last = at + m[2].length + 1;
    }
    if (last < text.length) out.push(...withExpressions(text.slice(last), "plain"));
    return out;
  }

  // The tokens of a value (what follows `key:` or `- `), up to the end of the line.
  function value(text) {
    const out = [];
    let i = 0;
    let word = "";
    const flush = () => { if (word) out.push(...plain(word)); word = ""; };
    while (i < text.length) {
      const c = text[i];
      const two = text.slice(i, i + 2);
      if (c === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
        flush();
        out.push(["comment", text.slice(i)]);
        return out;
      }
      if (two === "<%" || two === "{{" || two === "{%") {
        const close = { "<%": "%>", "{{": "}}", "{%": "%}" }[two];
        const end = text.indexOf(close, i + 2);
        const stop = end < 0 ? text.length : end + 2;
        word += text.slice(i, stop);
        i = stop;
        continue;
      }
      if ((c === "'" || c === '"') && (!word.trim() || word.endsWith("="))) {
        flush();
        let j = i + 1;
        while (j < text.length && text[j] !== c) j += c === '"' && text[j] === "\\" ? 2 : 1;
        out.push(...withExpressions(text.slice(i, j + 1), "str"));
        i = j + 1;
        continue;
      }
      if ("[]{},".includes(c)) {
        flush();
        out.push(["punct", c]);
        i += 1;
        continue;
      }
      if (c === ":" && (text[i + 1] === " " || i + 1 === text.length) && !/<%|\{\{/.test(word)) {
        // `a: 1` or `"a": 1` inside a flow mapping: what came before the colon is a key.
        if (word.trim()) out.push(["key", word]);
        else if (out.length && out[out.length - 1][0] === "str") out[out.length - 1][0] = "key";
        else if (word) out.push(["", word]);
        word = "";
        out.push(["punct", ":"]);
        i += 1;
        continue;
      }
      word += c;
      i += 1;
    }
    flush();
    return out;
  }

  // The tokens of one line outside a block scalar.
  function line(text) {
    if (/^\s*(---|\.\.\.)\s*$/.test(text)) return [["doc", text]];
    const out = [];
    const lead = text.match(/^(\s*)((?:-(?:\s+|$))*)/);
    if (lead[1]) out.push(["", lead[1]]);
    if (lead[2]) out.push(["punct", lead[2]]);
    let rest = text.slice(lead[0].length);
    const key = rest.match(/^((?:"[^"]*"|'[^']*'|[^\s#'"{}[\],:][^#]*?))(\s*:)(?=\s|$)/);
    if (key && !/<%|\{\{/.test(key[1])) {
      out.push([DSL_KEYS.has(key[1]) ? "dslkey" : "key", key[1]], ["punct", key[2]]);
      rest = rest.slice(key[0].length);
    }
    out.push(...value(rest));
    return out;
  }

  function indentOf(text) {
    return text.match(/^\s*/)[0].length;
  }

  // Tokens per line of a YAML text: [[cls, text], ...] for each line.
  function tokens(text) {
    const lines = text.split("\n");
    const result = [];
    let block = null; // the indent a block scalar's lines must exceed
    for (const ln of lines) {
      if (block !== null && (ln.trim() === "" || indentOf(ln) > block)) {
        result.push(withExpressions(ln, "str"));
        continue;
      }
      block = null;
      const toks = line(ln);
      result.push(toks);
      const code = toks.filter(([c]) => c !== "comment").map(([, t]) => t).join("").trimEnd();
      if (/(^|[:\-]\s)[|>][-+0-9]*$/.test(code) || /^\s*[|>][-+0-9]*$/.test(code)) block = indentOf(ln);
    }
    return result;
  }

  // Fill `target` with one <span class="ln"> per line, its tokens as <span class="tok-...">.
  function render(target, text) {
    const lines = tokens(text).map((toks) => h("span", { class: "ln" },
      toks.map(([cls, piece]) => (cls ? h("span", { class: `tok-${cls}`, text: piece }) : piece))));
    const parts = [];
    lines.forEach((el, i) => { if (i) parts.push("\n"); parts.push(el); });
    // A trailing newline needs one more character or the last empty line has no height.
    parts.push(text.endsWith("\n") ? " " : "");
    return fill(target, parts);
  }

  return { render, tokens };
})();
