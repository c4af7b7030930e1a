// wfq web page: one execution — its task graph coloured by state, controls, and a task panel.
"use strict";

const ExecutionView = (() => {
  const FAST_MS = 1000;
  const SLOW_MS = 5000;
  const CONTROLS = [
    { label: "Pause", state: "PAUSED", when: ["RUNNING"] },
    { label: "Resume", state: "RUNNING", when: ["PAUSED"] },
    { label: "Cancel", state: "CANCELLED", when: ["RUNNING", "PAUSED", "IDLE"] },
  ];
  const LEGEND = ["NONE", "IDLE", "WAITING", "RUNNING", "DELAYED", "PAUSED", "SUCCESS", "ERROR", "CANCELLED"];

  function section(title, content, cls) {
    return h("section", { class: `panel-section ${cls || ""}` }, h("h3", { text: title }), content);
  }

  function pre(value, cls) {
    return h("pre", { class: cls || "", text: pretty(value) });
  }

  function withItemsCount(task) {
    const rc = parseField(task.runtime_context) || {};
    return rc.with_items ? rc.with_items.count || 0 : null;
  }

  function progressBar(done, total) {
    const pct = total ? Math.round((100 * done) / total) : 100;
    return h("div", { class: "progress", title: `${done} of ${total} items finished` },
      h("div", { class: "bar" }, h("progress", { max: String(total || 1), value: String(done) })),
      h("span", { class: "count", text: `${done}/${total}` }));
  }

  // `open`: ids of the action executions whose details the reader unfolded (kept on refresh).
  function actionDetails(a, open) {
    return h("details", { class: "action", "data-id": a.id, open: open.has(a.id),
      ontoggle: (ev) => { if (ev.target.open) open.add(a.id); else open.delete(a.id); } },
      h("summary", {}, stateBadge(a.state), " ", h("span", { class: "mono", text: a.name }), " ",
        h("span", { class: "muted", text: shortId(a.id) })),
      a.state_info ? section("State info", pre(a.state_info, "error-text")) : null,
      section("Input", pre(a.input)),
      section("Output", pre(a.output)));
  }

  // Mount the view of execution `exId` into `root`; returns a stop() function.
  function mount(root, exId) {
    let stopped = false;
    let timer = null;
    let graphView = null;
    let graph = null;
    let execution = null;
    let tasks = [];
    let selected = null;
    let panelKey = "";
    let progress = {};
    const openActions = new Set();
    const enc = encodeURIComponent(exId);

    const title = h("h1", { text: "Execution" });
    const badgeSlot = h("span", {});
    const meta = h("div", { class: "meta" });
    const info = h("div", { class: "state-info hidden" });
    const error = h("div", { class: "error hidden", id: "execution-error", role: "alert" });
    const controlError = h("div", { class: "error hidden", id: "control-error", role: "alert" });
    const buttons = CONTROLS.map((c) => h("button", { class: `control control-${c.state}`, "data-state": c.state, text: c.label, disabled: true,
      onclick: () => control(c.state) }));
    const graphBox = h("div", { class: "graph-box", id: "graph" }, h("p", { class: "muted", text: "Loading the task graph…" }));
    const panel = h("aside", { class: "card task-panel", id: "task-panel" },
      h("p", { class: "muted", text: "Click a task to see its input, published variables and result." }));
    const taskBody = h("tbody", {});

    function showError(box, message) {
      box.textContent = message || "";
      box.classList.toggle("hidden", !message);
    }

    async function control(state) {
      showError(controlError, "");
      buttons.forEach((b) => { b.disabled = true; });
      try {
        await Api.put(`v2/executions/${enc}`, { state });
      } catch (err) {
        showError(controlError, err.message);
      }
      poll();
    }

    function renderHeader() {
      const ex = execution;
      title.textContent = ex.workflow_name;
      fill(badgeSlot, stateBadge(ex.state));
      fill(meta,
        h("span", {}, "ID ", h("code", { text: ex.id })),
        h("span", { text: `started ${formatTime(ex.created_at)}` }),
        h("span", { text: `duration ${formatDuration(durationOf(ex.created_at, ex.updated_at, ex.state))}` }),
        ex.task_execution_id ? h("span", { text: "sub-workflow execution" }) : null,
      );
      info.textContent = ex.state_info || "";
      info.classList.toggle("hidden", !ex.state_info);
      buttons.forEach((b, i) => { b.disabled = !CONTROLS[i].when.includes(ex.state); });
    }

    function renderTasks() {
      const rows = tasks.slice().sort((a, b) => (a.created_at || "").localeCompare(b.created_at || "") || a.id.localeCompare(b.id));
      fill(taskBody, ...rows.map((t) => h("tr", { "data-id": t.id, class: `clickable${selected === t.name ? " selected" : ""}`,
        onclick: () => select(t.name, t.id) },
        h("td", {}, stateBadge(t.state)),
        h("td", { text: t.name }),
        h("td", { text: formatTime(t.started_at || t.created_at) }),
        h("td", { class: "num", text: formatDuration(durationOf(t.started_at || t.created_at, t.finished_at || t.updated_at, t.state)) }),
        h("td", { class: "mono", title: t.id, text: shortId(t.id) }),
        h("td", { class: "info", title: t.state_info || "", text: t.state_info || "" }))));
      if (!rows.length) taskBody.append(h("tr", {}, h("td", { colspan: 6, class: "empty", text: "No task has started yet." })));
    }

    async function itemsProgress() {
      const out = {};
      const running = tasks.filter((t) => t.state === "RUNNING" && withItemsCount(t));
      await Promise.all(running.map(async (t) => {
        const data = await Api.get(`v2/tasks/${encodeURIComponent(t.id)}/action_executions?fields=id,state&limit=10000`);
        const done = (data.action_executions || []).filter((a) => FINISHED.includes(a.state)).length;
        out[t.id] = `${Math.min(done, withItemsCount(t))}/${withItemsCount(t)}`;
      }));
      return out;
    }

    async function poll() {
      clearTimeout(timer);
      try {
        if (!graph) {
          graph = await Api.get(`v2/executions/${enc}/graph`);
          graphView = GraphView.render(graphBox, graph, (name) => select(name));
        }
        const [ex, list] = await Promise.all([
          Api.get(`v2/executions/${enc}`),
          Api.get(`v2/tasks?workflow_execution_id=${enc}&limit=10000`),
        ]);
        if (stopped) return;
        execution = ex;
        tasks = list.tasks || [];
        renderHeader();
        renderTasks();
        progress = await itemsProgress();
        graphView.update(tasks, progress);
        if (selected) await renderPanel(false);
        showError(error, "");
      } catch (err) {
        if (stopped) return;
        showError(error, err.message);
      }
      if (!stopped) timer = setTimeout(poll, execution && FINISHED.includes(execution.state) ? SLOW_MS : FAST_MS);
    }

    function select(name, taskId) {
      selected = name;
      panelKey = "";
      if (graphView) graphView.select(name);
      renderTasks();
      renderPanel(true, taskId);
    }

    async function renderPanel(force, taskId) {
      const latest = GraphView.latestByName(tasks)[selected];
      const task = taskId ? tasks.find((t) => t.id === taskId) || (latest && latest.task) : latest && latest.task;
      const node = graph ? graph.nodes.find((n) => n.name === selected) : null;
      const key = task ? `${task.id}:${task.state}:${task.updated_at}:${progress[task.id] || ""}` : `none:${selected}`;
      if (!force && key === panelKey) return;
      panelKey = key;
      if (!task) {
        fill(panel, h("h2", { text: selected }), stateBadge(null),
          node ? section("Runs", pre(node.workflow ? `workflow ${node.workflow}` : node.action)) : null,
          node && node.join !== null ? section("Join", pre(String(node.join))) : null);
        return;
      }
      const tid = encodeURIComponent(task.id);
      const [full, acts] = await Promise.all([
        Api.get(`v2/tasks/${tid}`),
        Api.get(`v2/tasks/${tid}/action_executions?fields=id,name,state,state_info,input,output,created_at,updated_at&limit=500`),
      ]);
      if (stopped || selected !== task.name) return;
      const actions = acts.action_executions || [];
      const total = withItemsCount(full);
      const panelError = h("div", { class: "error hidden", id: "task-error", role: "alert" });
      const rerun = h("button", { id: "rerun", text: "Rerun", disabled: full.state !== "ERROR", title: "Run this failed task again (reset: true)",
        onclick: async () => {
          rerun.disabled = true;
          try {
            await Api.put(`v2/tasks/${tid}`, { state: "RUNNING", reset: true });
            panelKey = "";
            poll();
          } catch (err) {
            showError(panelError, err.message);
            rerun.disabled = false;
          }
        } });
      const child = full.type === "WORKFLOW" ? h("button", { id: "open-child", text: "Open sub-workflow", onclick: async () => {
        try {
          const found = await Api.get(`v2/executions?task_execution_id=${tid}`);
          const ex = (found.executions || [])[0];
          if (ex) window.location.hash = `#/executions/${encodeURIComponent(ex.id)}`;
          else showError(panelError, "The sub-workflow execution has not started yet.");
        } catch (err) {
          showError(panelError, err.message);
        }
      } }) : null;
      const input = actions.length === 1 ? actions[0].input : actions.length ? `${actions.length} action executions: see below` : null;
      fill(panel,
        h("div", { class: "panel-head" }, h("h2", { text: full.name }), stateBadge(full.state)),
        h("div", { class: "meta" }, h("code", { text: full.id }),
          h("span", { text: `duration ${formatDuration(durationOf(full.started_at || full.created_at, full.finished_at || full.updated_at, full.state))}` })),
        h("div", { class: "actions" }, rerun, child),
        panelError,
        total !== null ? section("Items", progressBar(actions.filter((a) => FINISHED.includes(a.state)).length, total)) : null,
        full.state_info ? section("State info", pre(full.state_info, "error-text"), "state-info-section") : null,
        section("Input", pre(input), "input"),
        section("Published", pre(full.published), "published"),
        section("Result", pre(full.result), "result"),
        section(`Action executions (${actions.length}${actions.length === 500 ? "+" : ""})`,
          actions.length ? h("div", { class: "action-list" }, actions.map((a) => actionDetails(a, openActions))) : h("p", { class: "muted", text: "none" })),
      );
    }

    fill(root,
      h("section", { class: "card exec-head" },
        h("a", { href: "#/", class: "back", text: "← Executions" }),
        h("div", { class: "title-row" }, title, badgeSlot, h("div", { class: "controls" }, buttons)),
        meta, info, controlError, error),
      h("div", { class: "exec-body" },
        h("section", { class: "card graph-card" },
          h("div", { class: "legend" }, LEGEND.map((s) => h("span", { class: `legend-item state-${s}` }, h("i", {}), s === "NONE" ? "not started" : s))),
          graphBox),
        panel),
      h("section", { class: "card" }, h("h2", { text: "Task executions" }),
        h("table", { class: "table", id: "tasks-table" },
          h("thead", {}, h("tr", {}, ["State", "Task", "Started", "Duration", "ID", "State info"].map((t) => h("th", { text: t })))),
          taskBody)),
    );
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  return { mount };
})();
