// wfq web page: the sub-workflow tree of an execution — its root, every execution under it,
// and for each the task of its parent that started it — drawn as nested lists to walk down and
// up, and as the breadcrumb trail from the root to one execution.
"use strict";

const SubTree = (() => {
  const FIELDS = "id,workflow_name,state,state_info,task_execution_id,root_execution_id,created_at,updated_at";
  const CHUNK = 80;
  const SHOWN = 25;
  const LIMIT = 2000;

  // {root, byId: {id: {ex, via: {id, name}, parentId, children: [ids]}}} of root `rootId`.
  async function load(rootId) {
    const enc = encodeURIComponent(rootId);
    const [root, under] = await Promise.all([
      Api.get(`v2/executions/${enc}`),
      Api.get(`v2/executions?root_execution_id=${enc}&limit=${LIMIT}&sort_keys=created_at,id&fields=${FIELDS}`),
    ]);
    const all = [root, ...(under.executions || [])];
    const byId = Object.fromEntries(all.map((ex) => [ex.id, { ex, via: null, parentId: null, children: [] }]));
    // The tasks that started them (a with-items task starts many: ask for each once).
    const taskIds = [...new Set(all.map((ex) => ex.task_execution_id).filter(Boolean))];
    const tasks = {};
    for (let i = 0; i < taskIds.length; i += CHUNK) {
      const ids = taskIds.slice(i, i + CHUNK).join(",");
      const found = await Api.get(`v2/tasks?id=in:${ids}&fields=id,name,workflow_execution_id&limit=${CHUNK}`);
      for (const t of found.tasks || []) tasks[t.id] = t;
    }
    for (const ex of all) {
      const task = tasks[ex.task_execution_id];
      if (!task || !byId[task.workflow_execution_id]) continue;
      byId[ex.id].via = { id: task.id, name: task.name };
      byId[ex.id].parentId = task.workflow_execution_id;
      byId[task.workflow_execution_id].children.push(ex.id);
    }
    return { root: rootId, byId, truncated: (under.executions || []).length === LIMIT };
  }

  // The executions from the root down to `id`, each with the task that started it.
  function path(tree, id) {
    const out = [];
    for (let at = tree.byId[id]; at; at = at.parentId ? tree.byId[at.parentId] : null) out.unshift(at);
    return out;
  }

  // Breadcrumbs for the page head: Executions › root › task › child › task › … › current.
  function crumbs(tree, id) {
    const out = [{ href: "#/", text: "Executions" }];
    for (const node of path(tree, id)) {
      if (node.via) {
        out.push({ href: `#/executions/${encodeURIComponent(node.parentId)}?task=${encodeURIComponent(node.via.name)}`,
          text: `task ${node.via.name}` });
      }
      if (node.ex.id !== id) out.push({ href: `#/executions/${encodeURIComponent(node.ex.id)}`, text: node.ex.workflow_name });
    }
    return out;
  }

  function item(tree, id, current, depth) {
    const node = tree.byId[id];
    const ex = node.ex;
    const kids = node.children;
    const line = h("div", { class: `tree-line${id === current ? " current" : ""}`, "data-id": id, "data-depth": depth },
      stateBadge(ex.state), " ",
      id === current
        ? h("strong", { text: ex.workflow_name, "aria-current": "page" })
        : h("a", { href: `#/executions/${encodeURIComponent(id)}`, text: ex.workflow_name }),
      node.via ? h("span", { class: "muted", text: ` via task ${node.via.name}` }) : null,
      h("span", { class: "muted mono", text: ` ${shortId(id)}` }),
      kids.length ? h("span", { class: "muted", text: ` · ${kids.length} sub-workflow${kids.length > 1 ? "s" : ""}` }) : null);
    if (!kids.length) return h("li", {}, line);
    const list = h("ul", {});
    const show = (n) => {
      fill(list, kids.slice(0, n).map((k) => item(tree, k, current, depth + 1)));
      if (kids.length > n) {
        list.append(h("li", {}, h("button", { type: "button", class: "link more", text: `show ${kids.length - n} more`,
          onclick: () => show(kids.length) })));
      }
    };
    show(SHOWN);
    return h("li", {}, line, list);
  }

  // The whole tree as nested lists, `current` marked.
  function render(tree, current) {
    return [h("ul", { class: "tree", id: "subtree" }, item(tree, tree.root, current, 0)),
      tree.truncated ? h("p", { class: "muted", text: `Only the first ${LIMIT} sub-workflow executions are shown.` }) : null];
  }

  function size(tree) {
    return Object.keys(tree.byId).length;
  }

  return { load, path, crumbs, render, size };
})();
