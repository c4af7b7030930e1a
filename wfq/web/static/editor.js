// wfq web page: a code area for YAML definitions — highlighted text with line numbers, editable
// (a transparent <textarea> over the highlighted <pre>, same metrics) or read-only — and
// validation as you type through the server's `validate` endpoints.
"use strict";

const CodeEditor = (() => {
  // {el, value(), set(text), focus(), markLine(n)}; `onInput(text)` after each change.
  function create({ value, id, readOnly, onInput, label }) {
    const gutter = h("div", { class: "gutter", "aria-hidden": "true" });
    const hl = h("pre", { class: "code hl", "aria-hidden": readOnly ? null : "true" });
    const area = readOnly ? null : h("textarea", { id, class: "code input", spellcheck: "false", wrap: "off",
      autocapitalize: "off", autocomplete: "off", "aria-label": label || "definition" });
    const el = h("div", { class: `code-editor${readOnly ? " readonly" : ""}` }, gutter, h("div", { class: "code-stack" }, hl, area));
    let text = value || "";
    let bad = 0;

    function paint() {
      Highlight.render(hl, text);
      const n = text.split("\n").length;
      fill(gutter, Array.from({ length: n }, (_, i) => h("span", { class: i + 1 === bad ? "bad" : null, text: String(i + 1) })));
    }

    if (area) {
      area.value = text;
      area.addEventListener("input", () => {
        text = area.value;
        paint();
        if (onInput) onInput(text);
      });
      // Tab indents by two spaces (YAML has no tabs) instead of leaving the field.
      area.addEventListener("keydown", (ev) => {
        if (ev.key !== "Tab" || ev.shiftKey || ev.ctrlKey || ev.altKey || ev.metaKey) return;
        ev.preventDefault();
        const { selectionStart: a, selectionEnd: b } = area;
        area.setRangeText("  ", a, b, "end");
        area.dispatchEvent(new Event("input"));
      });
    }
    paint();
    return {
      el,
      value: () => text,
      set(next) {
        text = next;
        if (area) area.value = next;
        paint();
      },
      focus() {
        if (!area) return;
        area.setSelectionRange(0, 0);
        area.focus({ preventScroll: true });
      },
      markLine(n) {
        bad = n || 0;
        paint();
      },
    };
  }

  // Validate `text` at `path` (POST, text body) as the reader types: at most one request in flight
  // per pause in typing, and an answer older than the text shown is dropped.
  // `report({valid, error, warnings, pending})` says where it stands (`warnings`: lint.js).
  function validator(path, report) {
    let timer = null;
    let seq = 0;
    return (text) => {
      clearTimeout(timer);
      const mine = ++seq;
      if (!text.trim()) return report({ valid: false, error: "The definition is empty." });
      report({ pending: true });
      timer = setTimeout(async () => {
        try {
          const verdict = await Api.post(path, text);
          if (mine === seq) report({ valid: Boolean(verdict.valid), error: verdict.error || null, warnings: verdict.warnings || [] });
        } catch (err) {
          if (mine === seq) report({ valid: false, error: err.message, failed: true });
        }
      }, 300);
    };
  }

  // The line an error is about: "line 7" (YAML errors, the last one named), or the deepest key of the path a DSL
  // error names ("Invalid DSL: wf.tasks.oops.on-success: …" -> the `on-success:` of task
  // `oops`); 0 when it cannot tell.
  function lineOf(error, text) {
    // PyYAML names the context first and the problem last: mark the problem.
    const at = [...error.matchAll(/line (\d+)/g)].pop();
    if (at) return Number(at[1]);
    const path = error.match(/^Invalid DSL: ([^\s:]+):/);
    return path ? lineOfPath(path[1], text) : 0;
  }

  // The line of the deepest key of a dotted path ("wf.tasks.oops.on-success"); 0 when not found.
  function lineOfPath(path, text) {
    const lines = text.split("\n");
    let found = 0;
    let from = 0;
    let indent = -1;
    for (const key of path.split(".")) {
      const i = lines.findIndex((l, n) => n >= from && keyOf(l) === key && l.search(/\S/) > indent);
      if (i < 0) break;
      found = i + 1;
      from = i + 1;
      indent = lines[i].search(/\S/);
    }
    return found;
  }

  function keyOf(line) {
    const m = line.match(/^\s*(?:-\s+)?(['"]?)([^'":#]+)\1\s*:(\s|$)/);
    return m ? m[2].trim() : null;
  }

  // A status line for a validator: "checking…", "valid", or the error (and its line marked).
  function statusLine(id, editor) {
    const el = h("div", { class: "validation", id, role: "status", "aria-live": "polite" });
    el.report = (v) => {
      el.className = `validation ${v.pending ? "pending" : v.valid ? "ok" : "bad"}`;
      el.textContent = v.pending ? "Checking…" : v.valid ? "✓ Valid definition" : `✗ ${v.error}`;
      el.dataset.valid = v.pending ? "" : String(Boolean(v.valid));
      if (editor) editor.markLine(!v.pending && !v.valid && v.error ? lineOf(v.error, editor.value()) : 0);
    };
    return el;
  }

  return { create, validator, statusLine, lineOfPath };
})();
