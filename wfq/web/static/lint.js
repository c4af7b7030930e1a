// wfq web page: lint warnings beside the validation status of the workflow editor — the
// `warnings` that POST /v2/workflows/validate returns about a valid definition (a variable that
// may not exist, an unknown function, a dropped inline value, a task that can never run, a join
// that is never released). A warning never makes the definition invalid. See docs/lint.md.
"use strict";

const LintWarnings = (() => {
  // Put the caret at the start of line `n` of the editor's text area and show it.
  function goToLine(editor, n) {
    const area = editor.el.querySelector("textarea");
    if (!area) return;
    const lines = editor.value().split("\n");
    const at = lines.slice(0, n - 1).reduce((sum, l) => sum + l.length + 1, 0);
    area.focus({ preventScroll: true });
    area.setSelectionRange(at, at + (lines[n - 1] || "").length);
    const mark = editor.el.querySelectorAll(".gutter span")[n - 1];
    if (mark) mark.scrollIntoView({ block: "nearest" });
  }

  // Mark the warned lines in the gutter (the editor repaints its gutter on each change, and
  // the validator reports again after it).
  function markLines(editor, lines) {
    const spans = editor.el.querySelectorAll(".gutter span");
    for (const n of lines) if (spans[n - 1] && !spans[n - 1].classList.contains("bad")) spans[n - 1].classList.add("warn");
  }

  function item(w, line, editor) {
    return h("li", { class: "lint-item", "data-path": w.path || "" },
      h("span", { class: "lint-where" },
        line ? h("button", { type: "button", class: "link lint-line", title: "Show this line", text: `line ${line}`,
          onclick: () => goToLine(editor, line) }) : null,
        h("span", { class: "lint-path mono", text: w.path || "" })),
      h("span", { class: "lint-message", text: w.message }));
  }

  // A box fed by the editor's validator: `box.report(v)` with v = {valid, warnings, pending}.
  // `editor` (a CodeEditor) gives each warning the line of its path.
  function box(id, editor) {
    const el = h("div", { class: "lint-warnings hidden", id, role: "status", "aria-live": "polite" });
    el.report = (v) => {
      if (v.pending) return; // keep the last warnings while the next answer comes
      const warnings = v.valid ? v.warnings || [] : [];
      el.classList.toggle("hidden", !warnings.length);
      el.dataset.count = String(warnings.length);
      if (!warnings.length) return fill(el);
      const text = editor.value();
      const lines = warnings.map((w) => CodeEditor.lineOfPath(w.path || "", text));
      markLines(editor, lines.filter(Boolean));
      fill(el,
        h("div", { class: "lint-head", text: `⚠ ${plural(warnings.length, "warning")}: valid Mistral, but probably not what you meant` }),
        h("ul", { class: "lint-list" }, warnings.map((w, i) => item(w, lines[i], editor))));
    };
    return el;
  }

  return { box };
})();
