// wfq web page: workflows and workbooks — the list, one definition (highlighted YAML; for a
// workflow its task graph and latest executions), and the editor that creates or updates them,
// validating as you type.
"use strict";

const Definitions = (() => {
  const TEMPLATES = {
    workflows: "version: '2.0'\n\nmy_workflow:\n  description: What it does\n  input:\n    - name: world\n  tasks:\n    greet:\n      action: std.echo output=\"hello <% $.name %>\"\n      publish:\n        greeting: <% task().result %>\n",
    workbooks: "version: '2.0'\n\nname: my_workbook\n\nworkflows:\n  hello:\n    tasks:\n      greet:\n        action: std.echo output=\"hello\"\n",
  };
  const KINDS = {
    workflows: { title: "Workflows", one: "workflow", list: "workflows", key: (d) => d.id },
    workbooks: { title: "Workbooks", one: "workbook", list: "workbooks", key: (d) => d.name },
  };

  function inputNames(wf) {
    const input = parseField(wf.input);
    if (typeof input === "string") return input;
    const iface = parseField(wf.interface) || {};
    return (iface.input || []).map((i) => (typeof i === "string" ? i : Object.keys(i)[0])).join(", ");
  }

  function itemHref(kind, d) {
    const ns = d.namespace ? `?namespace=${encodeURIComponent(d.namespace)}` : "";
    return `#/${kind}/${encodeURIComponent(KINDS[kind].key(d))}${ns}`;
  }

  // The list of workflows or workbooks, filtered by name.
  function mountList(root, kind, params) {
    const k = KINDS[kind];
    const error = Ui.alertBox("list-error");
    const body = h("div", {});
    const foot = Ui.footer("list-status");
    const search = h("input", { id: "filter-name", type: "search", placeholder: "name contains…", value: params.get("name") || "" });
    let seq = 0;
    async function refresh() {
      const mine = ++seq;
      try {
        const args = { sort_keys: "name", sort_dirs: "asc", limit: 1000 };
        if (search.value.trim()) args.name = "has:" + search.value.trim();
        const data = await Api.get(`v2/${kind}?${qs(args)}`);
        if (mine !== seq) return; // the reader typed on: a newer answer is coming
        const items = data[k.list] || [];
        const rows = items.map((d) => Ui.linkRow(itemHref(kind, d), { "data-name": d.name },
          h("td", { class: "name" }, h("a", { href: itemHref(kind, d), text: d.name })),
          kind === "workflows" ? h("td", { class: "mono small", text: inputNames(d) }) : null,
          h("td", { text: d.namespace || "—", class: d.namespace ? "" : "muted" }),
          h("td", {}, h("span", { class: `scope scope-${d.scope}`, text: d.scope })),
          h("td", { class: "muted", text: (d.tags || []).join(", ") }),
          h("td", { class: "time", text: formatTime(d.updated_at || d.created_at) })));
        const cols = ["Name", kind === "workflows" ? "Input" : null, "Namespace", "Scope", "Tags", `Updated (${Clock.short()})`].filter(Boolean);
        fill(body, Ui.table(`${kind}-table`, cols, rows, search.value ? `No ${k.one} matches.` : `No ${k.one} yet: create one.`));
        foot.say(plural(items.length, k.one));
        error.show("");
      } catch (err) {
        error.show(err.message);
      }
    }
    search.addEventListener("input", () => {
      history.replaceState(null, "", `#/${kind}${search.value.trim() ? "?name=" + encodeURIComponent(search.value.trim()) : ""}`);
      refresh();
    });
    fill(root, h("section", { class: "card" },
      h("div", { class: "toolbar" }, h("h1", { text: k.title }),
        h("div", { class: "filters" }, search,
          h("a", { class: "button primary", id: "new-definition", href: `#/${kind}/new`, text: `New ${k.one}` }))),
      error, body, foot));
    refresh();
    return () => {};
  }

  // The editor of a new or existing definition. `existing`: the stored item, or null.
  function editor(kind, existing, onDone) {
    const k = KINDS[kind];
    const error = Ui.alertBox("save-error");
    const code = CodeEditor.create({ value: existing ? existing.definition : TEMPLATES[kind], id: "definition-input",
      onInput: (text) => check(text), label: `${k.one} definition (YAML)` });
    const status = CodeEditor.statusLine("validation", code);
    const lint = LintWarnings.box("lint-warnings", code);
    const check = CodeEditor.validator(`v2/${kind}/validate`, (v) => {
      status.report(v);
      lint.report(v);
      save.disabled = v.pending || !v.valid;
    });
    const namespace = h("input", { id: "namespace", value: existing ? existing.namespace || "" : "", placeholder: "none",
      disabled: Boolean(existing), title: existing ? "The namespace is fixed once created" : "Optional" });
    const scope = h("select", { id: "scope" }, ["private", "public"].map((s) => h("option", { value: s, text: s })));
    scope.value = existing ? existing.scope : "private";
    const save = h("button", { type: "submit", class: "primary", id: "save", text: existing ? "Save" : `Create ${k.one}`, disabled: true });
    const form = h("form", { class: "editor-form", onsubmit: async (ev) => {
      ev.preventDefault();
      error.show("");
      save.disabled = true;
      const args = qs({ namespace: namespace.value.trim(), scope: scope.value });
      try {
        const out = existing ? await Api.put(`v2/${kind}?${args}`, code.value()) : await Api.post(`v2/${kind}?${args}`, code.value());
        const first = out && out.workflows ? out.workflows[0] : out;
        onDone(first);
      } catch (err) {
        error.show(err.message);
        save.disabled = false;
      }
    } },
    h("div", { class: "form-row" },
      Ui.field("Namespace", namespace),
      Ui.field("Scope", scope),
      h("div", { class: "grow" }),
      existing ? h("a", { class: "button", id: "cancel-edit", href: itemHref(kind, existing), text: "Cancel" }) : null,
      save),
    code.el, status, lint, error);
    check(code.value());
    setTimeout(() => code.focus(), 0);
    return form;
  }

  function mountNew(root, kind) {
    const k = KINDS[kind];
    fill(root, h("section", { class: "card" },
      Ui.pageHead({ crumbs: [{ href: `#/${kind}`, text: k.title }], title: `New ${k.one}` }),
      h("p", { class: "muted", text: kind === "workflows"
        ? "One YAML document may define several workflows; each is created. The definition is checked as you type."
        : "A workbook groups workflows (and actions) under one name; they are created as <workbook>.<workflow>." }),
      editor(kind, null, (made) => { window.location.hash = itemHref(kind, made); })));
    return () => {};
  }

  // Latest executions of a workflow, newest first.
  async function recentExecutions(wf) {
    const data = await Api.get(`v2/executions?${qs({ workflow_id: wf.id, sort_keys: "created_at", sort_dirs: "desc", limit: 10 })}`);
    const rows = (data.executions || []).map((ex) => Ui.linkRow(`#/executions/${encodeURIComponent(ex.id)}`, { "data-id": ex.id },
      h("td", {}, stateBadge(ex.state)),
      h("td", { class: "mono", text: shortId(ex.id) }),
      h("td", { class: "num", text: ex.workflow_version ? `v${ex.workflow_version}` : "—" }),
      h("td", { class: "time", text: formatTime(ex.created_at) }),
      h("td", { class: "info", title: ex.state_info || "", text: ex.state_info || "" })));
    return Ui.table("recent-executions", ["State", "ID", "Version", `Started (${Clock.short()})`, "State info"], rows, "Never run.");
  }

  // The input a workflow declares, with its defaults: {"name": default or null}.
  function inputTemplate(wf) {
    const iface = parseField(wf.interface) || {};
    const out = {};
    for (const item of iface.input || []) {
      if (typeof item === "string") out[item] = null;
      else Object.assign(out, item);
    }
    return out;
  }

  // Start an execution of `wf`: its input as JSON (checked as you type), optionally an
  // environment; then open it.
  function startForm(wf) {
    const error = Ui.alertBox("start-error");
    const input = h("textarea", { id: "start-input", class: "mono", rows: "4", value: JSON.stringify(inputTemplate(wf), null, 2) });
    const env = h("select", { id: "start-env" }, h("option", { value: "", text: "no environment" }));
    const start = h("button", { type: "submit", class: "primary", id: "start", text: "Start execution" });
    const check = () => {
      try {
        const v = JSON.parse(input.value || "{}");
        if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("the input must be a JSON object");
        error.show("");
        start.disabled = false;
        return v;
      } catch (err) {
        error.show(`Input: ${err.message}`);
        start.disabled = true;
        return null;
      }
    };
    input.addEventListener("input", check);
    Api.get("v2/environments?fields=name&sort_keys=name&limit=1000").then((d) =>
      env.append(...(d.environments || []).map((e) => h("option", { value: e.name, text: e.name })))).catch(() => {});
    return h("form", { class: "create-form", id: "start-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const value = check();
      if (!value) return;
      try {
        const body = { workflow_id: wf.id, input: JSON.stringify(value) };
        if (env.value) body.params = JSON.stringify({ env: env.value });
        const ex = await Api.post("v2/executions", body);
        window.location.hash = `#/executions/${encodeURIComponent(ex.id)}`;
      } catch (err) {
        error.show(err.message);
      }
    } },
    Ui.field("Input (JSON object)", input),
    h("div", { class: "form-row" }, Ui.field("Environment", env), h("div", { class: "grow" }), start),
    error);
  }

  // Workflows a workbook defines (named <workbook>.<name>).
  async function workbookWorkflows(wb) {
    const data = await Api.get(`v2/workflows?${qs({ name: "has:" + wb.name + ".", namespace: wb.namespace || "", limit: 1000, sort_keys: "name" })}`);
    const mine = (data.workflows || []).filter((w) => w.name.startsWith(wb.name + "."));
    return h("ul", { class: "plain-list", id: "workbook-workflows" }, mine.length
      ? mine.map((w) => h("li", {}, h("a", { href: itemHref("workflows", w), text: w.name })))
      : h("li", { class: "muted", text: "none" }));
  }

  // One workflow or workbook: its YAML, and beside it its graph and executions (workflow) or
  // its workflows (workbook). `#/<kind>/<key>/edit` opens the editor.
  function mountItem(root, kind, key, params, editing) {
    const k = KINDS[kind];
    const ns = params.get("namespace");
    const error = Ui.alertBox("item-error");
    let stopped = false;
    fill(root, h("section", { class: "card" }, h("p", { class: "muted", text: "Loading…" })), error);
    (async () => {
      let item;
      try {
        item = await Api.get(`v2/${kind}/${encodeURIComponent(key)}${ns ? "?namespace=" + encodeURIComponent(ns) : ""}`);
      } catch (err) {
        fill(root, error);
        return error.show(err.message);
      }
      if (stopped) return;
      const href = itemHref(kind, item);
      const editHref = href.replace(/(\?|$)/, "/edit$1");
      const head = Ui.pageHead({
        crumbs: [{ href: `#/${kind}`, text: k.title }, { text: item.name }],
        title: item.name,
        badges: h("span", { class: `scope scope-${item.scope}`, text: item.scope }),
        actions: editing ? null : [h("a", { class: "button primary", id: "edit", href: editHref, text: "Edit" }),
          Ui.confirmButton("Delete", async () => {
            try {
              await Api.del(`v2/${kind}/${encodeURIComponent(k.key(item))}${item.namespace ? "?namespace=" + encodeURIComponent(item.namespace) : ""}`);
              window.location.hash = `#/${kind}`;
            } catch (err) {
              error.show(err.message);
            }
          }, { id: "delete-definition", title: kind === "workflows" ? "Executions of it are kept" : "Its workflows are deleted with it" })],
        meta: [
          h("span", {}, "ID ", h("code", { text: item.id })),
          item.namespace ? h("span", { text: `namespace ${item.namespace}` }) : null,
          h("span", { text: `created ${formatTime(item.created_at, true)}` }),
          item.updated_at ? h("span", { text: `updated ${formatTime(item.updated_at, true)}` }) : null,
        ],
      });
      if (editing) {
        fill(root, h("section", { class: "card" }, head,
          editor(kind, item, () => { window.location.hash = href; })));
        return;
      }
      const side = h("div", { class: "side" });
      const graphBox = h("div", { class: "graph-box", id: "graph" });
      fill(root,
        h("section", { class: "card" }, head, error),
        kind === "workflows" ? h("section", { class: "card graph-card" }, h("h2", { text: "Task graph" }), graphBox) : null,
        h("div", { class: "split" },
          h("section", { class: "card" }, h("h2", { text: "Definition" }),
            CodeEditor.create({ value: item.definition, readOnly: true }).el),
          side),
        Versions.card(kind, item));
      try {
        if (kind === "workflows") {
          const graph = await Api.get(`v2/workflows/${encodeURIComponent(item.id)}/graph`);
          if (stopped) return;
          GraphView.render(graphBox, graph, () => {}, { definition: true });
          side.append(h("section", { class: "card" }, h("h2", { text: "Start an execution" }), startForm(item)),
            h("section", { class: "card" }, h("h2", { text: "Latest executions" }), await recentExecutions(item)));
        } else {
          side.append(h("section", { class: "card" }, h("h2", { text: "Workflows" }), await workbookWorkflows(item)));
        }
      } catch (err) {
        error.show(err.message);
      }
    })();
    return () => { stopped = true; };
  }

  return { mountList, mountNew, mountItem };
})();
