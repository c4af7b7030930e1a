// wfq web page: cron triggers — the list with each next fire time, a form that creates one,
// and one trigger with the history of the executions it started. `wfq beat` fires them.
"use strict";

const CronView = (() => {
  const REFRESH_MS = 5000;

  function href(t) {
    return `#/cron-triggers/${encodeURIComponent(t.name)}`;
  }

  function nextFire(t) {
    if (!t.next_execution_time) return h("span", { class: "muted", text: t.status === "COMPLETED" ? "done" : "—" });
    return h("span", { class: "next-fire" }, h("span", { class: "time", text: formatTime(t.next_execution_time) }),
      h("span", { class: "muted", text: ` (${relativeTime(t.next_execution_time)})` }));
  }

  // "2026-12-07 14:05" (UTC, 24-hour), as the API takes it; a clear error otherwise.
  function apiTime(text) {
    const t = text.trim().replace("T", " ");
    if (!/^\d{4}-\d\d-\d\d \d\d:\d\d$/.test(t)) throw new Error(`First execution must read YYYY-MM-DD HH:MM (UTC, 24-hour), not "${text}".`);
    return t;
  }

  function jsonObject(text, what) {
    if (!text.trim()) return {};
    let value;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new Error(`${what} is not valid JSON: ${err.message}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`${what} must be a JSON object.`);
    return value;
  }

  function createForm(onCreated) {
    const error = Ui.alertBox("create-error");
    const name = h("input", { id: "cron-name", required: true, placeholder: "nightly_report" });
    const workflow = h("input", { id: "cron-workflow", required: true, list: "workflow-names", placeholder: "workflow name or id" });
    const names = h("datalist", { id: "workflow-names" });
    const pattern = h("input", { id: "cron-pattern", class: "mono", placeholder: "*/5 * * * *", value: "*/5 * * * *" });
    const first = h("input", { id: "cron-first", class: "mono", placeholder: "YYYY-MM-DD HH:MM" });
    const count = h("input", { id: "cron-count", type: "number", min: "1", placeholder: "unlimited" });
    const input = h("textarea", { id: "cron-input", class: "mono", rows: "3", placeholder: '{"name": "value"}' });
    const inputStatus = h("span", { class: "hint", id: "cron-input-status" });
    input.addEventListener("input", () => {
      try {
        jsonObject(input.value, "Workflow input");
        inputStatus.textContent = input.value.trim() ? "✓ valid JSON object" : "";
        inputStatus.className = "hint ok";
      } catch (err) {
        inputStatus.textContent = err.message;
        inputStatus.className = "hint bad";
      }
    });
    Api.get("v2/workflows?fields=name&sort_keys=name&limit=1000").then((d) =>
      fill(names, (d.workflows || []).map((w) => h("option", { value: w.name })))).catch(() => {});
    const form = h("form", { class: "create-form", id: "cron-form", onsubmit: async (ev) => {
      ev.preventDefault();
      error.show("");
      try {
        const body = {
          name: name.value.trim(),
          workflow_name: workflow.value.trim(),
          pattern: pattern.value.trim() || null,
          workflow_input: JSON.stringify(jsonObject(input.value, "Workflow input")),
        };
        if (first.value.trim()) body.first_execution_time = apiTime(first.value);
        if (count.value) body.remaining_executions = Number(count.value);
        const made = await Api.post("v2/cron_triggers", body);
        form.reset();
        pattern.value = "*/5 * * * *";
        inputStatus.textContent = "";
        onCreated(made);
      } catch (err) {
        error.show(err.message);
      }
    } },
    h("div", { class: "form-grid" },
      Ui.field("Name", name),
      Ui.field("Workflow", workflow),
      Ui.field("Pattern", pattern, "min hour day month weekday (UTC)"),
      Ui.field("First execution (UTC)", first, "optional, 24-hour"),
      Ui.field("Remaining executions", count, "optional"),
    ),
    Ui.field("Workflow input (JSON object)", input), inputStatus, names,
    h("div", { class: "form-row" }, h("div", { class: "grow" }), h("button", { type: "submit", class: "primary", id: "cron-create", text: "Create trigger" })),
    error);
    return form;
  }

  function mountList(root) {
    const error = Ui.alertBox("list-error");
    const body = h("div", {});
    const foot = Ui.footer("list-status");
    const refresh = async () => {
      if (body.querySelector(".armed")) return; // a Delete waits for its second click
      try {
        const data = await Api.get("v2/cron_triggers?sort_keys=name&limit=1000");
        const items = data.cron_triggers || [];
        const rows = items.map((t) => Ui.linkRow(href(t), { "data-name": t.name },
          h("td", { class: "name" }, h("a", { href: href(t), text: t.name })),
          h("td", {}, h("a", { href: `#/workflows/${encodeURIComponent(t.workflow_id)}`, text: t.workflow_name })),
          h("td", { class: "mono", text: t.pattern || "—" }),
          h("td", {}, nextFire(t)),
          h("td", { class: "num", text: t.remaining_executions === null || t.remaining_executions === undefined ? "∞" : t.remaining_executions }),
          h("td", { class: "time", text: formatTime(t.created_at) }),
          h("td", { class: "row-actions" }, Ui.confirmButton("Delete", async () => {
            try {
              await Api.del(`v2/cron_triggers/${encodeURIComponent(t.name)}`);
            } catch (err) {
              error.show(err.message);
            }
            poll.now();
          }, { class: "danger small delete" }))));
        fill(body, Ui.table("cron-table", ["Name", "Workflow", "Pattern", `Next fire (${Clock.short()})`, { title: "Left", cls: "num" }, `Created (${Clock.short()})`, ""],
          rows, "No cron trigger yet."));
        foot.say(`${plural(items.length, "cron trigger")} · fired by wfq beat`);
        error.show("");
      } catch (err) {
        error.show(err.message);
      }
    };
    const poll = Ui.poller(refresh, REFRESH_MS);
    fill(root,
      h("section", { class: "card" },
        h("div", { class: "toolbar" }, h("h1", { text: "Cron triggers" })),
        error, body, foot),
      h("section", { class: "card" }, h("h2", { text: "New cron trigger" }), createForm(() => poll.now())));
    return poll.stop;
  }

  function mountItem(root, key) {
    const error = Ui.alertBox("item-error");
    const head = h("div", {});
    const details = h("div", {});
    const history = h("div", {});
    const foot = Ui.footer("history-status");
    let trigger = null;
    const refresh = async () => {
      if (head.querySelector(".armed")) return; // a Delete waits for its second click
      try {
        trigger = await Api.get(`v2/cron_triggers/${encodeURIComponent(key)}`);
        const t = trigger;
        const del = Ui.confirmButton("Delete", async () => {
          try {
            await Api.del(`v2/cron_triggers/${encodeURIComponent(t.id)}`);
            window.location.hash = "#/cron-triggers";
          } catch (err) {
            error.show(err.message);
          }
        }, { id: "delete-trigger" });
        fill(head, Ui.pageHead({ crumbs: [{ href: "#/cron-triggers", text: "Cron triggers" }, { text: t.name }], title: t.name,
          badges: h("span", { class: `scope scope-${t.scope}`, text: t.scope }), actions: del,
          meta: [h("span", {}, "ID ", h("code", { text: t.id }))] }));
        fill(details, Ui.facts([
          ["workflow", h("a", { href: `#/workflows/${encodeURIComponent(t.workflow_id)}`, text: t.workflow_name })],
          ["pattern", h("code", { text: t.pattern || "—" })],
          ["next fire", nextFire(t)],
          ["first execution", t.first_execution_time ? formatTime(t.first_execution_time, true) : "—"],
          ["remaining", t.remaining_executions === null || t.remaining_executions === undefined ? "unlimited" : t.remaining_executions],
          ["workflow input", h("code", { text: t.workflow_input || "{}" })],
          ["created", formatTime(t.created_at, true)],
        ]));
        const data = await Api.get(`v2/executions?${qs({ cron_trigger_id: t.id, sort_keys: "created_at", sort_dirs: "desc", limit: 100 })}`);
        const items = data.executions || [];
        fill(history, Ui.table("history-table", ["State", "Execution", `Started (${Clock.short()})`, "Duration", "State info"],
          items.map((ex) => Ui.linkRow(`#/executions/${encodeURIComponent(ex.id)}`, { "data-id": ex.id },
            h("td", {}, stateBadge(ex.state)),
            h("td", { class: "mono" }, h("a", { href: `#/executions/${encodeURIComponent(ex.id)}`, text: shortId(ex.id) })),
            h("td", { class: "time", text: formatTime(ex.created_at) }),
            h("td", { class: "num", text: formatDuration(durationOf(ex.created_at, ex.updated_at, ex.state)) }),
            h("td", { class: "info", title: ex.state_info || "", text: ex.state_info || "" }))),
          "It has not fired yet."));
        foot.say(`${plural(items.length, "execution", items.length === 100)} started by this trigger`);
        error.show("");
      } catch (err) {
        error.show(err.message);
      }
    };
    const poll = Ui.poller(refresh, REFRESH_MS);
    fill(root,
      h("section", { class: "card" }, head, error),
      h("div", { class: "split narrow-left" },
        h("section", { class: "card" }, h("h2", { text: "Schedule" }), details),
        h("section", { class: "card" }, h("h2", { text: "Executions it started" }), history, foot)));
    return poll.stop;
  }

  return { mountList, mountItem };
})();
