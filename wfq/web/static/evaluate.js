// wfq web page: the task panel's "Evaluate" console — type a YAQL `<% ... %>` or Jinja `{{ ... }}`
// expression and see its value, or the error in Mistral's wording, against the context the task
// saw (POST /v2/tasks/<id>/evaluate). See docs/evaluate.md.
"use strict";

const EvaluateConsole = (() => {
  const KEEP = 20;
  // The console of each task execution, kept while the page lives: the panel renders its sections
  // again whenever the task changes, and what the reader typed and got must survive that.
  const consoles = new Map();

  function answerView(answer) {
    if (Object.prototype.hasOwnProperty.call(answer, "error")) {
      return h("div", { class: "eval-answer bad" }, h("h4", { text: "Error" }), h("pre", { class: "error-text eval-error", "data-for": answer.expression, text: answer.error }));
    }
    return h("div", { class: "eval-answer ok" }, h("h4", { text: "Value" }),
      h("pre", { class: "eval-value", "data-for": answer.expression, text: JSON.stringify(answer.value, null, 2) }));
  }

  // Give focus back to `input` once the panel has moved the console into its new section and
  // that section is in the page (about 2 s at most).
  function refocus(c) {
    const { input } = c;
    const [start, end, from] = [input.selectionStart, input.selectionEnd, c.el.parentNode];
    let tries = 0;
    const again = () => {
      if (c.el.parentNode !== from && input.isConnected) {
        if (document.activeElement !== input) {
          input.focus({ preventScroll: true });
          input.setSelectionRange(start, end);
        }
        return;
      }
      if (++tries < 120) requestAnimationFrame(again);
    };
    requestAnimationFrame(again);
  }

  function create(taskId) {
    const out = h("div", { class: "eval-out", "aria-live": "polite" });
    const input = h("input", { type: "text", class: "mono eval-input", id: "evaluate-input", spellcheck: "false",
      autocomplete: "off", placeholder: "<% task().result %>  or  {{ _.name }}", "aria-label": "expression" });
    const outbound = h("input", { type: "checkbox", id: "evaluate-outbound" });
    const go = h("button", { type: "submit", class: "primary", id: "evaluate-go", text: "Evaluate" });
    const form = h("form", { class: "eval-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const expression = input.value;
      if (!expression.trim()) return;
      go.disabled = true;
      fill(out, h("p", { class: "muted", text: "Evaluating…" }));
      try {
        const answer = await Api.post(`v2/tasks/${encodeURIComponent(taskId)}/evaluate`,
          { expression, context: outbound.checked ? "outbound" : "inbound" });
        fill(out, answerView(answer));
      } catch (err) {
        fill(out, h("div", { class: "eval-answer bad" }, h("p", { class: "error", text: err.message })));
      } finally {
        go.disabled = false;
      }
    } },
    h("div", { class: "eval-row" }, input, go),
    h("label", { class: "hint eval-context", title: "Outbound: what the task's on-* guards and the tasks it started saw" },
      outbound, " with what this task published (outbound context)"));
    return { el: h("div", { class: "eval-console" }, form, out), input };
  }

  function render(ctx) {
    let c = consoles.get(ctx.task.id);
    if (!c) {
      c = create(ctx.task.id);
      consoles.set(ctx.task.id, c);
      if (consoles.size > KEEP) consoles.delete(consoles.keys().next().value);
    } else if (document.activeElement === c.input) {
      refocus(c);
    }
    return c.el;
  }

  TaskPanel.register({ id: "evaluate", title: "Evaluate an expression", order: 85, when: (ctx) => Boolean(ctx.task), render });

  return { answerView };
})();
