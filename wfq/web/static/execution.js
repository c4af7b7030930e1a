// wfq web page: one execution — where it sits in its sub-workflow tree, its task graph coloured
// by state, controls, the task panel (sections from panel.js) and the task list.
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
  const FAIL_WHEN = { "on-success": ["SUCCESS"], "on-error": ["ERROR"], "on-complete": ["SUCCESS", "ERROR"] };

  // Why an ERROR execution has no state info: Mistral leaves it empty when a `fail` command
  // without `msg` ended it. Name the tasks whose `fail` could have fired.
  function emptyErrorInfo(graph, tasks) {
    const latest = GraphView.latestByName(tasks);
    const names = (graph ? graph.nodes : []).filter((n) => (n.commands || []).some((c) =>
      c.name === "fail" && latest[n.name] && (FAIL_WHEN[c.kind] || []).includes(latest[n.name].task.state))).map((n) => n.name);
    if (!names.length) return "No state info was recorded for this error.";
    return `Failed by a \`fail\` command without a message, after task ${names.join(", ")}. ` +
      "Like Mistral, wfq then leaves state_info empty: write `fail msg=\"…\"` to say why.";
  }

  // Mount the view of execution `exId` into `root`; returns a stop() function.
  function mount(root, exId, params) {
    let stopped = false;
    let timer = null;
    let graphView = null;
    let graph = null;
    let execution = null;
    let tasks = [];
    let selected = params.get("task") || null;
    let panelKey = "";
    let progress = {};
    let tree = null;
    let treeAt = 0;
    let treeFinal = false;
    const openActions = new Set();
    const enc = encodeURIComponent(exId);

    const head = h("div", {});
    const info = h("div", { class: "state-info hidden", id: "state-info" });
    const error = Ui.alertBox("execution-error");
    const controlError = Ui.alertBox("control-error");
    const buttons = CONTROLS.map((c) => h("button", { class: `control control-${c.state}`, "data-state": c.state, text: c.label, disabled: true,
      onclick: () => control(c.state) }));
    const graphBox = h("div", { class: "graph-box", id: "graph" }, h("p", { class: "muted", text: "Loading the task graph…" }));
    const panel = h("aside", { class: "card task-panel", id: "task-panel" },
      h("p", { class: "muted", text: "Click a task to see its input, published variables and result." }));
    const treeCard = h("section", { class: "card hidden", id: "tree-card" });
    const taskBody = h("tbody", {});
    const taskHead = h("thead", {});

    async function control(state) {
      controlError.show("");
      buttons.forEach((b) => { b.disabled = true; });
      try {
        await Api.put(`v2/executions/${enc}`, { state });
      } catch (err) {
        controlError.show(err.message);
      }
      poll();
    }

    // "sub-workflow of <parent> (task <name>)", linking to the parent with that task selected.
    function parentLink(ex) {
      const node = tree && tree.byId[ex.id];
      const parent = node && node.parentId ? tree.byId[node.parentId] : null;
      if (!parent) return h("span", { class: "sub-mark", text: "sub-workflow execution" });
      const pid = encodeURIComponent(parent.ex.id);
      return h("span", { class: "sub-mark", id: "parent-link" }, "sub-workflow of ",
        h("a", { href: `#/executions/${pid}`, text: parent.ex.workflow_name }), " (",
        h("a", { href: `#/executions/${pid}?task=${encodeURIComponent(node.via.name)}`, text: `task ${node.via.name}` }), ")");
    }

    function renderHeader() {
      const ex = execution;
      const crumbs = tree && tree.byId[ex.id] ? SubTree.crumbs(tree, ex.id) : [{ href: "#/", text: "Executions" }];
      fill(head, Ui.pageHead({
        crumbs, title: ex.workflow_name, badges: stateBadge(ex.state), actions: buttons,
        meta: [
          h("span", {}, "ID ", h("code", { text: ex.id })),
          h("span", { text: `started ${formatTime(ex.created_at, true)}` }),
          Versions.executionMeta(ex),
          h("span", { text: `duration ${formatDuration(durationOf(ex.created_at, ex.updated_at, ex.state))}` }),
          ex.task_execution_id ? parentLink(ex) : null,
          ex.cron_trigger_id ? h("span", {}, "started by ",
            h("a", { href: `#/cron-triggers/${encodeURIComponent(ex.cron_trigger_id)}`, text: "a cron trigger" })) : null,
        ],
      }));
      const empty = ex.state === "ERROR" && !ex.state_info;
      info.textContent = empty ? emptyErrorInfo(graph, tasks) : ex.state_info || "";
      info.classList.toggle("explained", empty);
      info.classList.toggle("hidden", !info.textContent);
      buttons.forEach((b, i) => { b.disabled = !CONTROLS[i].when.includes(ex.state); });
    }

    function renderTasks() {
      fill(taskHead, h("tr", {}, ["State", "Task", `Started (${Clock.short()})`, "Duration", "ID", "State info"].map((t) => h("th", { text: t }))));
      const rows = tasks.slice().sort((a, b) => (a.created_at || "").localeCompare(b.created_at || "") || a.id.localeCompare(b.id));
      fill(taskBody, ...rows.map((t) => h("tr", { "data-id": t.id, class: `clickable${selected === t.name ? " selected" : ""}`,
        onclick: () => select(t.name, t.id) },
        h("td", {}, stateBadge(t.state)),
        h("td", { text: t.name }),
        h("td", { class: "time", text: formatTime(t.started_at || t.created_at) }),
        h("td", { class: "num", text: formatDuration(durationOf(t.started_at || t.created_at, t.finished_at || t.updated_at, t.state)) }),
        h("td", { class: "mono", title: t.id, text: shortId(t.id) }),
        h("td", { class: "info", title: t.state_info || "", text: t.state_info || "" }))));
      if (!rows.length) taskBody.append(h("tr", {}, h("td", { colspan: 6, class: "empty", text: "No task has started yet." })));
    }

    function withItemsCount(task) {
      const rc = parseField(task.runtime_context) || {};
      return rc.with_items ? rc.with_items.count || 0 : null;
    }

    async function itemsProgress() {
      const out = {};
      const running = tasks.filter((t) => t.state === "RUNNING" && withItemsCount(t));
      await Promise.all(running.map(async (t) => {
        const tid = encodeURIComponent(t.id);
        const data = t.type === "WORKFLOW"
          ? await Api.get(`v2/executions?task_execution_id=${tid}&fields=id,state&limit=10000`)
          : await Api.get(`v2/tasks/${tid}/action_executions?fields=id,state&limit=10000`);
        const done = (data.action_executions || data.executions || []).filter((a) => FINISHED.includes(a.state)).length;
        out[t.id] = `${Math.min(done, withItemsCount(t))}/${withItemsCount(t)}`;
      }));
      return out;
    }

    async function loadTree() {
      // While running: again every few seconds; once finished: one last time.
      const finished = FINISHED.includes(execution.state);
      if (tree && (treeFinal || (!finished && Date.now() - treeAt < SLOW_MS))) return;
      tree = await SubTree.load(execution.root_execution_id || execution.id);
      treeAt = Date.now();
      treeFinal = finished;
      if (SubTree.size(tree) < 2) return treeCard.classList.add("hidden");
      const n = SubTree.size(tree) - 1;
      fill(treeCard, h("h2", { text: `Sub-workflow tree · ${n} sub-workflow execution${n > 1 ? "s" : ""}` }), SubTree.render(tree, exId));
      treeCard.classList.remove("hidden");
    }

    async function poll() {
      clearTimeout(timer);
      try {
        if (!graph) {
          graph = await Api.get(`v2/executions/${enc}/graph`);
          graphView = GraphView.render(graphBox, graph, (name) => select(name));
          if (selected) graphView.select(selected);
        }
        const [ex, list] = await Promise.all([
          Api.get(`v2/executions/${enc}`),
          Api.get(`v2/tasks?workflow_execution_id=${enc}&limit=10000`),
        ]);
        if (stopped) return;
        execution = ex;
        tasks = list.tasks || [];
        await loadTree();
        if (stopped) return;
        renderHeader();
        renderTasks();
        progress = await itemsProgress();
        graphView.update(tasks, progress);
        if (selected) await renderPanel(false);
        else renderSummary();
        error.show("");
      } catch (err) {
        if (stopped) return;
        error.show(err.message);
      }
      if (!stopped) timer = setTimeout(poll, execution && FINISHED.includes(execution.state) ? SLOW_MS : FAST_MS);
    }

    function select(name, taskId) {
      selected = name;
      panelKey = "";
      if (graphView) graphView.select(name);
      const hash = `#/executions/${enc}?task=${encodeURIComponent(name)}`;
      if (window.location.hash !== hash) history.replaceState(null, "", hash);
      renderTasks();
      renderPanel(true, taskId);
    }

    async function rerun(task, btn, showError) {
      btn.disabled = true;
      try {
        await Api.put(`v2/tasks/${encodeURIComponent(task.id)}`, { state: "RUNNING", reset: true });
        panelKey = "";
        poll();
      } catch (err) {
        showError(err.message);
        btn.disabled = false;
      }
    }

    // With no task selected, the panel shows the execution's own input, output and params.
    function renderSummary() {
      const ex = execution;
      const key = `summary:${ex.state}:${ex.updated_at}`;
      if (key === panelKey) return;
      panelKey = key;
      const part = (title, value, cls) => h("section", { class: `panel-section ${cls}` }, h("h3", { text: title }), TaskPanel.pre(value));
      fill(panel,
        h("div", { class: "panel-head" }, h("h2", { text: "Execution" }), stateBadge(ex.state)),
        h("p", { class: "muted", text: "Click a task in the graph or the list to see its details." }),
        part("Input", ex.input, "exec-input"),
        part("Output", ex.output, "exec-output"),
        part("Params", ex.params, "exec-params"));
    }

    async function renderPanel(force, taskId) {
      const latest = GraphView.latestByName(tasks)[selected];
      const task = (taskId && tasks.find((t) => t.id === taskId)) || (latest && latest.task) || null;
      const node = graph ? graph.nodes.find((n) => n.name === selected) || null : null;
      const key = task ? `${task.id}:${task.state}:${task.updated_at}:${progress[task.id] || ""}` : `none:${selected}`;
      if (!force && key === panelKey) return;
      panelKey = key;
      const name = selected;
      let full = null;
      let actions = [];
      let children = [];
      if (task) {
        const tid = encodeURIComponent(task.id);
        const [one, acts, kids] = await Promise.all([
          Api.get(`v2/tasks/${tid}`),
          Api.get(`v2/tasks/${tid}/action_executions?fields=id,name,state,state_info,input,output,created_at,updated_at&limit=500`),
          task.type === "WORKFLOW" ? Api.get(`v2/executions?task_execution_id=${tid}&fields=id,workflow_name,state&limit=1000`) : null,
        ]);
        full = one;
        actions = acts.action_executions || [];
        children = kids ? kids.executions || [] : [];
      }
      if (stopped || selected !== name) return;
      const panelError = Ui.alertBox("task-error");
      const ctx = { execution, task: full, taskName: name, node, graph, actions, children, openActions,
        refresh: () => { panelKey = ""; poll(); }, showError: panelError.show };
      const rerunBtn = full ? h("button", { id: "rerun", text: "Rerun", disabled: full.state !== "ERROR",
        title: "Run this failed task again (reset: true)", onclick: () => rerun(full, rerunBtn, panelError.show) }) : null;
      const sections = await TaskPanel.build(ctx);
      if (stopped || selected !== name) return;
      fill(panel,
        h("div", { class: "panel-head" }, h("h2", { text: name }), stateBadge(full ? full.state : null)),
        full ? h("div", { class: "meta" }, h("code", { title: full.id, text: shortId(full.id) }),
          h("span", { text: `started ${formatTime(full.started_at || full.created_at, true)}` }),
          h("span", { text: `duration ${formatDuration(durationOf(full.started_at || full.created_at, full.finished_at || full.updated_at, full.state))}` })) : null,
        full ? h("div", { class: "actions" }, rerunBtn) : null,
        panelError,
        sections);
    }

    fill(root,
      h("section", { class: "card exec-head" }, head, info, controlError, error),
      h("div", { class: "exec-body" },
        h("div", { class: "exec-main" },
          h("section", { class: "card graph-card" },
            h("div", { class: "legend" }, LEGEND.map((s) => h("span", { class: `legend-item state-${s}` }, h("i", {}), s === "NONE" ? "not started" : s))),
            graphBox),
          treeCard),
        panel),
      h("section", { class: "card" }, h("h2", { text: "Task executions" }),
        h("table", { class: "table", id: "tasks-table" }, taskHead, taskBody)),
    );
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  return { mount };
})();
