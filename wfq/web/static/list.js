// wfq web page: the list of executions, filtered by state and workflow name, refreshed live.
// Top-level executions only, unless the reader asks for the sub-workflow executions too.
"use strict";

const ListView = (() => {
  const STATES = ["", "RUNNING", "PAUSED", "SUCCESS", "ERROR", "CANCELLED", "IDLE", "REVERTING", "REVERTED"];
  const REFRESH_MS = 2000;
  const PAGE = 100;

  function query(filters) {
    const args = new URLSearchParams({ sort_keys: "created_at", sort_dirs: "desc", limit: String(PAGE) });
    if (filters.state) args.set("state", filters.state);
    if (filters.workflow) args.set("workflow_name", "has:" + filters.workflow);
    if (!filters.subs) args.set("nulls", "task_execution_id");
    return "v2/executions?" + args.toString();
  }

  function row(ex) {
    const link = `#/executions/${encodeURIComponent(ex.id)}`;
    return h(
      "tr",
      { "data-id": ex.id, "data-state": ex.state, class: "clickable", onclick: () => { window.location.hash = link; } },
      h("td", {}, stateBadge(ex.state)),
      h("td", { class: "workflow" }, ex.task_execution_id ? h("span", { class: "sub-arrow", title: "a sub-workflow execution", text: "↳ " }) : null,
        h("a", { href: link, text: ex.workflow_name }),
        ex.task_execution_id && ex.root_execution_id ? h("span", { class: "muted" }, " in ",
          h("a", { href: `#/executions/${encodeURIComponent(ex.root_execution_id)}`, class: "mono", text: shortId(ex.root_execution_id) })) : null),
      h("td", { class: "mono", title: ex.id }, shortId(ex.id),
        ex.cron_trigger_id ? h("a", { class: "cron-mark", title: "started by a cron trigger", text: "cron",
          href: `#/cron-triggers/${encodeURIComponent(ex.cron_trigger_id)}` }) : null),
      h("td", { class: "time", text: formatTime(ex.created_at) }),
      h("td", { class: "num", text: formatDuration(durationOf(ex.created_at, ex.updated_at, ex.state)) }),
      h("td", { class: "info", title: ex.state_info || "", text: ex.state_info || "" }),
    );
  }

  // Mount the view into `root` with the filters of the URL; returns a stop() function.
  function mount(root, params) {
    const filters = { state: params.get("state") || "", workflow: params.get("workflow") || "", subs: params.get("subs") === "1" };
    let timer = null;
    let stopped = false;
    const status = h("span", { class: "muted", id: "list-status" });
    const error = h("div", { class: "error hidden", id: "list-error", role: "alert" });
    const body = h("tbody", {});
    const stateSelect = h(
      "select",
      { id: "filter-state", onchange: () => apply() },
      STATES.map((s) => h("option", { value: s, text: s || "any state" })),
    );
    stateSelect.value = filters.state;
    const nameInput = h("input", { id: "filter-workflow", type: "search", placeholder: "workflow name contains…", value: filters.workflow });
    nameInput.addEventListener("change", () => apply());
    const subs = h("input", { id: "show-subs", type: "checkbox", checked: filters.subs, onchange: () => apply() });
    const auto = h("input", { id: "auto-refresh", type: "checkbox", checked: true });
    auto.addEventListener("change", () => schedule());

    function apply() {
      filters.state = stateSelect.value;
      filters.workflow = nameInput.value.trim();
      filters.subs = subs.checked;
      const args = new URLSearchParams();
      if (filters.state) args.set("state", filters.state);
      if (filters.workflow) args.set("workflow", filters.workflow);
      if (filters.subs) args.set("subs", "1");
      const hash = "#/" + (args.toString() ? "?" + args.toString() : "");
      if (window.location.hash !== hash) history.replaceState(null, "", hash);
      refresh();
    }

    async function refresh() {
      try {
        const data = await Api.get(query(filters));
        if (stopped) return;
        const rows = (data.executions || []).map(row);
        fill(body, ...rows);
        if (!rows.length) body.append(h("tr", {}, h("td", { colspan: 6, class: "empty", text: "No execution matches." })));
        const what = plural(rows.length, filters.subs ? "execution" : "top-level execution", rows.length === PAGE);
        status.textContent = `${what} · updated ${formatClock(new Date())}`;
        error.classList.add("hidden");
      } catch (err) {
        if (stopped) return;
        error.textContent = err.message;
        error.classList.remove("hidden");
      }
      schedule();
    }

    function schedule() {
      clearTimeout(timer);
      if (!stopped && auto.checked) timer = setTimeout(refresh, REFRESH_MS);
    }

    fill(root,
      h(
        "section",
        { class: "card" },
        h("div", { class: "toolbar" },
          h("h1", { text: "Executions" }),
          h("form", { class: "filters", onsubmit: (ev) => { ev.preventDefault(); apply(); } },
            h("label", {}, "State ", stateSelect),
            h("label", {}, "Workflow ", nameInput),
            h("button", { type: "submit", text: "Filter" }),
            h("label", { class: "muted", title: "Sub-workflow executions are listed under their parent's page" }, subs, " sub-workflows too"),
            h("label", { class: "muted" }, auto, " auto-refresh"),
          ),
        ),
        error,
        h("table", { class: "table", id: "executions-table" },
          h("thead", {}, h("tr", {},
            ["State", "Workflow", "ID", `Started (${Clock.short()})`, "Duration", "State info"].map((t) => h("th", { text: t })))),
          body,
        ),
        h("div", { class: "footer" }, status),
      ),
    );
    refresh();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  return { mount };
})();
