// wfq web page: the task panel of an execution, built from a registry of sections.
//
// Each section is an object registered with TaskPanel.register():
//   id       unique name; the <section> gets class `panel-section <id>` and data-section=<id>
//   title    the heading (a string, or a function of the context)
//   order    where it goes (lower first); the built-in ones use 10, 20, ... 90
//   when     (ctx) => bool: show it for this task? (default: when a task execution exists)
//   render   (ctx) => Node | Promise<Node>: its content
// The context `ctx` holds: execution (the workflow execution), task (the full task execution,
// or null when the task has not run), taskName, node (the graph node: action, workflow, join,
// with_items, commands), actions (its action executions), children (the sub-workflow
// executions it started), refresh() (reload the panel and the page), showError(message).
// Sections render again whenever the task changes (state, update time, items counted).
//
// Planned sections slot in with their own order without touching the others, e.g. an "explain"
// section (why the task is in its state) at 25, with-items progress at 20 (replacing "items"),
// an "evaluate expression" console at 85 and definition versions/diff at 95.
"use strict";

const TaskPanel = (() => {
  const sections = [];

  function register(section) {
    const old = sections.findIndex((s) => s.id === section.id);
    if (old >= 0) sections.splice(old, 1);
    sections.push({ order: 50, when: (ctx) => Boolean(ctx.task), ...section });
    sections.sort((a, b) => a.order - b.order);
  }

  function registered() {
    return sections.map((s) => s.id);
  }

  function pre(value, cls) {
    return h("pre", { class: cls || "", text: pretty(value) });
  }

  // One section; a section that fails to render says so instead of breaking the panel.
  async function one(section, ctx) {
    let content;
    try {
      content = await section.render(ctx);
    } catch (err) {
      content = h("p", { class: "error", text: `This section failed: ${err.message}` });
    }
    if (!content) return null;
    const title = typeof section.title === "function" ? section.title(ctx) : section.title;
    return h("section", { class: `panel-section ${section.id} ${section.cls || ""}`, "data-section": section.id },
      title ? h("h3", { text: title }) : null, content);
  }

  // The sections of `ctx`, in order.
  async function build(ctx) {
    const chosen = sections.filter((s) => {
      try {
        return s.when(ctx);
      } catch (err) {
        return false;
      }
    });
    return (await Promise.all(chosen.map((s) => one(s, ctx)))).filter(Boolean);
  }

  return { register, registered, build, pre };
})();

// The built-in sections.
(() => {
  const { pre } = TaskPanel;

  function withItemsCount(task) {
    const rc = parseField(task.runtime_context) || {};
    return rc.with_items ? rc.with_items.count || 0 : null;
  }

  function progressBar(done, total) {
    return h("div", { class: "progress", title: `${done} of ${total} items finished` },
      h("div", { class: "bar" }, h("progress", { max: String(total || 1), value: String(done) })),
      h("span", { class: "count", text: `${done}/${total}` }));
  }

  function actionDetails(a, open) {
    return h("details", { class: "action", "data-id": a.id, open: open.has(a.id),
      ontoggle: (ev) => { if (ev.target.open) open.add(a.id); else open.delete(a.id); } },
      h("summary", {}, stateBadge(a.state), " ", h("span", { class: "mono", text: a.name }), " ",
        h("span", { class: "muted", text: shortId(a.id) })),
      a.state_info ? h("div", {}, h("h4", { text: "State info" }), pre(a.state_info, "error-text")) : null,
      h("h4", { text: "Input" }), pre(a.input),
      h("h4", { text: "Output" }), pre(a.output));
  }

  TaskPanel.register({
    id: "definition", title: "Definition", order: 5, when: (ctx) => Boolean(ctx.node),
    render: (ctx) => Ui.facts([
      ["runs", ctx.node.workflow ? `workflow ${ctx.node.workflow}` : ctx.node.action || "std.noop"],
      ctx.node.join !== null && ctx.node.join !== undefined ? ["join", String(ctx.node.join)] : null,
      ctx.node.with_items ? ["with-items", "yes"] : null,
      ...(ctx.node.commands || []).map((c) => [c.kind, `${c.name}${c.condition ? " when " + c.condition : ""}`]),
    ]),
  });

  TaskPanel.register({
    id: "subworkflows", order: 10, when: (ctx) => ctx.task && ctx.task.type === "WORKFLOW",
    title: (ctx) => (ctx.children.length > 1 ? `Sub-workflow executions (${ctx.children.length})` : "Sub-workflow execution"),
    render: (ctx) => {
      if (!ctx.children.length) return h("p", { class: "muted", text: "Not started yet." });
      return h("ul", { class: "child-list" }, ctx.children.map((c, i) => h("li", {},
        stateBadge(c.state), " ",
        h("a", { href: `#/executions/${encodeURIComponent(c.id)}`, id: i === 0 ? "open-child" : null, class: "child-link",
          text: c.workflow_name }), " ",
        h("span", { class: "muted mono", text: shortId(c.id) }))));
    },
  });

  TaskPanel.register({
    id: "items", title: "Items", order: 20, when: (ctx) => ctx.task && withItemsCount(ctx.task) !== null,
    // Items run as action executions, or as sub-workflow executions for a `workflow:` task.
    render: (ctx) => {
      const runs = ctx.task.type === "WORKFLOW" ? ctx.children : ctx.actions;
      return progressBar(runs.filter((a) => FINISHED.includes(a.state)).length, withItemsCount(ctx.task));
    },
  });

  TaskPanel.register({
    id: "state-info", cls: "state-info-section", title: "State info", order: 30, when: (ctx) => ctx.task && ctx.task.state_info,
    render: (ctx) => pre(ctx.task.state_info, "error-text"),
  });

  // A `workflow:` task's input is on each sub-workflow execution's page.
  TaskPanel.register({
    id: "input", title: "Input", order: 40, when: (ctx) => ctx.task && ctx.task.type !== "WORKFLOW",
    render: (ctx) => {
      const n = ctx.actions.length;
      return pre(n === 1 ? ctx.actions[0].input : n ? `${n} action executions: see below` : null);
    },
  });

  TaskPanel.register({ id: "published", title: "Published", order: 50, render: (ctx) => pre(ctx.task.published) });
  TaskPanel.register({ id: "result", title: "Result", order: 60, render: (ctx) => pre(ctx.task.result) });

  TaskPanel.register({
    id: "action-executions", order: 70, when: (ctx) => ctx.task && ctx.task.type !== "WORKFLOW",
    title: (ctx) => `Action executions (${ctx.actions.length}${ctx.actions.length === 500 ? "+" : ""})`,
    render: (ctx) => (ctx.actions.length
      ? h("div", { class: "action-list" }, ctx.actions.map((a) => actionDetails(a, ctx.openActions)))
      : h("p", { class: "muted", text: "none" })),
  });
})();
