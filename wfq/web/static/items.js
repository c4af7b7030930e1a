// wfq web page: the task panel's with-items section — items done of total, failed, in flight and
// the estimated time left (the task's `progress` object), and "rerun only the failed items"
// (PUT /v2/tasks/<id> {"state": "RUNNING", "reset": false}) after showing its preview
// (the same body with "preview": true: what would run again, nothing changed; docs/rerun-preview.md).
// Replaces the built-in "items" section of panel.js.
"use strict";

const ItemsSection = (() => {
  function bar(p) {
    return h("div", { class: "progress", title: `${p.done} of ${p.total} items finished` },
      h("div", { class: "bar" }, h("progress", { max: String(p.total || 1), value: String(p.done) })),
      h("span", { class: "count", text: `${p.done}/${p.total}` }));
  }

  function timeLeft(task, p) {
    if (task.state !== "RUNNING") return "— (finished)";
    if (p.eta_seconds === null || p.eta_seconds === undefined) return "estimating (no item done yet)";
    return `~${formatDuration(p.eta_seconds)}`;
  }

  // An input on one line: { "output": 1, "delay": 2 }.
  function oneLine(value) {
    const parsed = parseField(value);
    return parsed === null || parsed === undefined ? "—" : JSON.stringify(parsed, null, 1).replace(/\n\s*/g, " ");
  }

  function counts(task, p) {
    return h("dl", { class: "facts items-facts" },
      h("dt", { text: "done" }), h("dd", { class: "items-done", text: `${p.done} of ${p.total}` }),
      h("dt", { text: "succeeded" }), h("dd", { class: "items-succeeded", text: String(p.succeeded) }),
      h("dt", { text: "failed" }), h("dd", { class: `items-failed${p.failed ? " bad" : ""}`, text: String(p.failed) }),
      h("dt", { text: "running" }), h("dd", { class: "items-running", text: String(p.running) }),
      h("dt", { text: "time left" }), h("dd", { class: "items-eta", text: timeLeft(task, p) }));
  }

  // The failed items a rerun starts only as lanes free up (concurrency): named by the API's
  // `items_later`; their inputs are evaluated when they start.
  function laterNote(mine, listed, failed) {
    const later = (mine && mine.items_later) || [];
    const count = later.length || Math.max(failed - listed, 0);
    if (!count) return null;
    const which = later.length ? ` (${later.length > 10 ? `items ${later.slice(0, 10).join(", ")}, …` : `item${later.length > 1 ? "s" : ""} ${later.join(", ")}`})` : "";
    return h("p", { class: "hint preview-later",
      text: `${plural(count, "more failed item")}${which} will start as lanes free up (concurrency).` });
  }

  // What the rerun would do: each task touched, its state now and after, the actions (one per
  // item, with its evaluated input) and the sub-workflows it would start.
  function previewView(answer, failed) {
    const mine = (answer.tasks || []).find((t) => t.task_execution_id === answer.task_execution_id);
    const listed = mine ? mine.actions.length + mine.subworkflows.length : failed;
    return h("div", { class: "rerun-preview", id: "rerun-preview" },
      h("p", {}, "Afterwards the execution is ", stateBadge(answer.execution_state_after), "."),
      laterNote(mine, listed, failed),
      (answer.tasks || []).map((t) => h("div", { class: "preview-task", "data-task": t.task },
        h("div", {}, h("strong", { class: "mono", text: t.task }), " ", stateBadge(t.state_now), " → ", stateBadge(t.state_after),
          t.task_execution_id ? null : h("span", { class: "muted", text: " (new task execution)" })),
        t.actions.length ? h("ul", { class: "plain-list preview-actions" }, t.actions.map((a) => h("li", { "data-item": a.item_index },
          h("span", { class: "item-no", text: `item ${a.item_index}` }), " ", h("span", { class: "mono", text: a.action }),
          a.sent_now ? null : h("span", { class: "muted", text: " (waits for a free lane)" }),
          h("pre", { class: "preview-input", text: oneLine(a.input) })))) : null,
        t.subworkflows.length ? h("ul", { class: "plain-list preview-subs" }, t.subworkflows.map((s) => h("li", {},
          "sub-workflow ", h("span", { class: "mono", text: s.workflow_name }),
          h("pre", { class: "preview-input", text: oneLine(s.input) })))) : null)));
  }

  // The optional env to merge, as an object (or undefined); throws on bad JSON.
  function envOf(text) {
    if (!text.trim()) return undefined;
    const env = JSON.parse(text);
    if (!env || typeof env !== "object" || Array.isArray(env)) throw new Error("env must be a JSON object");
    return env;
  }

  // The "rerun failed items" box: preview first, then confirm.
  function rerunBox(ctx, p) {
    const path = `v2/tasks/${encodeURIComponent(ctx.task.id)}`;
    const out = h("div", { class: "rerun-out" });
    const env = h("textarea", { class: "mono", id: "rerun-env", rows: "2", placeholder: '{"key": "value"}  (optional)', spellcheck: "false" });
    let previewed = null;
    const confirm = h("button", { type: "button", class: "primary", id: "rerun-items-confirm", disabled: true,
      text: `Rerun ${p.failed} failed item${p.failed === 1 ? "" : "s"}`, onclick: async () => {
        confirm.disabled = true;
        try {
          await Api.put(path, { state: "RUNNING", reset: false, env: previewed.env });
          ctx.refresh();
        } catch (err) {
          fill(out, h("p", { class: "error", text: err.message }));
        }
      } });
    const show = async () => {
      confirm.disabled = true;
      previewed = null;
      fill(out, h("p", { class: "muted", text: "Asking what would run again…" }));
      try {
        const value = envOf(env.value);
        const answer = await Api.put(path, { state: "RUNNING", reset: false, env: value, preview: true });
        previewed = { env: value, text: env.value };
        fill(out, previewView(answer, p.failed));
        confirm.disabled = false;
      } catch (err) {
        fill(out, h("p", { class: "error", text: err.message }));
      }
    };
    env.addEventListener("input", () => { if (previewed && previewed.text !== env.value) confirm.disabled = true; });
    const box = h("div", { class: "rerun-box hidden", id: "rerun-items-box" },
      h("h4", { text: "Preview: what would run again (nothing changes until you confirm)" }),
      Ui.field("env to merge", env, "Merged into the execution's env for this rerun, as the API's `env`."),
      h("div", { class: "actions" },
        h("button", { type: "button", id: "rerun-items-preview", text: "Preview", onclick: show }),
        confirm,
        h("button", { type: "button", id: "rerun-items-cancel", text: "Cancel", onclick: () => { box.classList.add("hidden"); opener.disabled = false; } })),
      out);
    const opener = h("button", { type: "button", id: "rerun-items", text: `Rerun only the failed items (${p.failed})…`,
      title: "Preview, then run again only the items that failed (reset: false)",
      onclick: () => { opener.disabled = true; box.classList.remove("hidden"); show(); } });
    return h("div", { class: "rerun-items" }, opener, box);
  }

  function render(ctx) {
    const p = ctx.task.progress;
    return h("div", { class: "items-progress" }, bar(p), counts(ctx.task, p),
      ctx.task.state === "ERROR" && p.failed > 0 ? rerunBox(ctx, p) : null);
  }

  TaskPanel.register({
    id: "items", title: "With-items progress", order: 20,
    when: (ctx) => Boolean(ctx.task && ctx.task.progress), render,
  });

  return { previewView };
})();
