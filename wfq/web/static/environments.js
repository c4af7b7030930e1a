// wfq web page: environments — the list, one environment (its variables), and the form that
// creates or updates one (variables as a JSON object, checked as you type), and delete.
"use strict";

const EnvironmentsView = (() => {
  function href(env, edit) {
    return `#/environments/${encodeURIComponent(env.name)}${edit ? "/edit" : ""}`;
  }

  function variablesOf(env) {
    const v = parseField(env.variables);
    return v && typeof v === "object" ? v : {};
  }

  function mountList(root) {
    const error = Ui.alertBox("list-error");
    const body = h("div", {});
    const foot = Ui.footer("list-status");
    (async () => {
      try {
        const data = await Api.get("v2/environments?sort_keys=name&limit=1000");
        const items = data.environments || [];
        const rows = items.map((e) => {
          const keys = Object.keys(variablesOf(e));
          return Ui.linkRow(href(e), { "data-name": e.name },
            h("td", { class: "name" }, h("a", { href: href(e), text: e.name })),
            h("td", { text: e.description || "" }),
            h("td", { class: "mono small", title: keys.join(", "), text: keys.length ? `${keys.length}: ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""}` : "—" }),
            h("td", {}, h("span", { class: `scope scope-${e.scope}`, text: e.scope })),
            h("td", { class: "time", text: formatTime(e.updated_at || e.created_at) }));
        });
        fill(body, Ui.table("environments-table", ["Name", "Description", "Variables", "Scope", `Updated (${Clock.short()})`], rows,
          "No environment yet. An execution names one in its params: {\"env\": \"<name>\"}."));
        foot.say(plural(items.length, "environment"));
      } catch (err) {
        error.show(err.message);
      }
    })();
    fill(root, h("section", { class: "card" },
      h("div", { class: "toolbar" }, h("h1", { text: "Environments" }),
        h("a", { class: "button primary", id: "new-environment", href: "#/environments/new", text: "New environment" })),
      error, body, foot));
    return () => {};
  }

  // The form of a new (`env` null) or existing environment.
  function form(env, onSaved) {
    const error = Ui.alertBox("save-error");
    const name = h("input", { id: "env-name", required: true, value: env ? env.name : "", disabled: Boolean(env), placeholder: "staging" });
    const description = h("input", { id: "env-description", value: env ? env.description || "" : "", placeholder: "what it is for" });
    const scope = h("select", { id: "env-scope" }, ["private", "public"].map((s) => h("option", { value: s, text: s })));
    scope.value = env ? env.scope : "private";
    const status = h("div", { class: "validation", id: "validation", role: "status" });
    const save = h("button", { type: "submit", class: "primary", id: "save", text: env ? "Save" : "Create environment" });
    const check = (text) => {
      let value = null;
      let problem = null;
      try {
        value = JSON.parse(text);
        if (value === null || typeof value !== "object" || Array.isArray(value)) problem = "Variables must be a JSON object.";
      } catch (err) {
        problem = `Not valid JSON: ${err.message}`;
      }
      status.className = `validation ${problem ? "bad" : "ok"}`;
      status.textContent = problem ? `✗ ${problem}` : `✓ ${Object.keys(value).length} variables`;
      status.dataset.valid = String(!problem);
      save.disabled = Boolean(problem);
      return problem ? null : value;
    };
    const start = env ? JSON.stringify(variablesOf(env), null, 2) : '{\n  "api_url": "https://example.invalid",\n  "retries": 3\n}';
    const code = CodeEditor.create({ value: start, id: "env-variables", onInput: check, label: "variables (JSON)" });
    check(start);
    return h("form", { class: "editor-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const variables = check(code.value());
      if (!variables) return;
      error.show("");
      const body = { name: name.value.trim(), description: description.value, scope: scope.value, variables };
      try {
        onSaved(env ? await Api.put("v2/environments", body) : await Api.post("v2/environments", body));
      } catch (err) {
        error.show(err.message);
      }
    } },
    h("div", { class: "form-row" }, Ui.field("Name", name), Ui.field("Description", description), Ui.field("Scope", scope)),
    h("span", { class: "field-label", text: "Variables (JSON object)" }), code.el, status,
    h("div", { class: "form-row" }, h("div", { class: "grow" }),
      env ? h("a", { class: "button", href: href(env), text: "Cancel" }) : null, save),
    error);
  }

  function mountNew(root) {
    fill(root, h("section", { class: "card" },
      Ui.pageHead({ crumbs: [{ href: "#/environments", text: "Environments" }], title: "New environment" }),
      form(null, (env) => { window.location.hash = href(env); })));
    return () => {};
  }

  function mountItem(root, key, editing) {
    const error = Ui.alertBox("item-error");
    fill(root, error);
    (async () => {
      let env;
      try {
        env = await Api.get(`v2/environments/${encodeURIComponent(key)}`);
      } catch (err) {
        return error.show(err.message);
      }
      const del = Ui.confirmButton("Delete", async () => {
        try {
          await Api.del(`v2/environments/${encodeURIComponent(env.name)}`);
          window.location.hash = "#/environments";
        } catch (err) {
          error.show(err.message);
        }
      }, { id: "delete-environment" });
      const head = Ui.pageHead({
        crumbs: [{ href: "#/environments", text: "Environments" }, { text: env.name }], title: env.name,
        badges: h("span", { class: `scope scope-${env.scope}`, text: env.scope }),
        actions: editing ? null : [h("a", { class: "button primary", id: "edit", href: href(env, true), text: "Edit" }), del],
        meta: [h("span", {}, "ID ", h("code", { text: env.id })), env.description ? h("span", { text: env.description }) : null,
          h("span", { text: `updated ${formatTime(env.updated_at || env.created_at, true)}` })],
      });
      fill(root, h("section", { class: "card" }, head, error,
        editing ? form(env, (saved) => { window.location.hash = href(saved); })
          : [h("h2", { text: "Variables" }), CodeEditor.create({ value: JSON.stringify(variablesOf(env), null, 2), readOnly: true }).el,
            h("p", { class: "muted", text: `Use it: start an execution with params {"env": "${env.name}"}; its tasks read <% env().<variable> %>.` })]));
    })();
    return () => {};
  }

  return { mountList, mountNew, mountItem };
})();
