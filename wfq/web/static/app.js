// wfq web page: the top bar (navigation, time zone, token) and the hash router.
"use strict";

(() => {
  const view = document.getElementById("view");
  let stop = null;

  // [pattern, section of the top bar, title, mount(root, match, params)]
  const ROUTES = [
    [/^executions\/([^/]+)$/, "executions", "execution", (r, m, p) => ExecutionView.mount(r, m[1], p)],
    [/^(workflows|workbooks)\/new$/, 1, "new", (r, m) => Definitions.mountNew(r, m[1])],
    [/^(workflows|workbooks)\/([^/]+)\/edit$/, 1, "edit", (r, m, p) => Definitions.mountItem(r, m[1], m[2], p, true)],
    [/^(workflows|workbooks)\/([^/]+)$/, 1, "definition", (r, m, p) => Definitions.mountItem(r, m[1], m[2], p, false)],
    [/^(workflows|workbooks)$/, 1, null, (r, m, p) => Definitions.mountList(r, m[1], p)],
    [/^cron-triggers\/([^/]+)$/, "cron-triggers", "cron trigger", (r, m) => CronView.mountItem(r, m[1])],
    [/^cron-triggers$/, "cron-triggers", "cron triggers", (r) => CronView.mountList(r)],
    [/^environments\/new$/, "environments", "new environment", (r) => EnvironmentsView.mountNew(r)],
    [/^environments\/([^/]+)\/edit$/, "environments", "environment", (r, m) => EnvironmentsView.mountItem(r, m[1], true)],
    [/^environments\/([^/]+)$/, "environments", "environment", (r, m) => EnvironmentsView.mountItem(r, m[1], false)],
    [/^environments$/, "environments", "environments", (r) => EnvironmentsView.mountList(r)],
    [/^(executions)?$/, "executions", "executions", (r, m, p) => ListView.mount(r, p)],
  ];

  function route() {
    if (stop) stop();
    stop = null;
    const hash = (window.location.hash || "#/").replace(/^#\/?/, "");
    const [path, query] = hash.split("?");
    const params = new URLSearchParams(query || "");
    for (const [pattern, section, title, mount] of ROUTES) {
      const m = path.match(pattern);
      if (!m) continue;
      const decoded = m.map((part) => (part === undefined ? part : decodeURIComponent(part)));
      const name = typeof section === "number" ? decoded[section] : section;
      document.querySelectorAll(".nav a").forEach((a) => a.classList.toggle("active", a.dataset.section === name));
      document.title = `wfq · ${title || name}`;
      view.replaceChildren();
      stop = mount(view, decoded, params);
      window.scrollTo(0, 0);
      return;
    }
    document.title = "wfq · not found";
    fill(view, h("section", { class: "card" }, h("h1", { text: "No such page" }),
      h("p", {}, h("a", { href: "#/", text: "Back to the executions" }))));
  }

  function setupToken() {
    const form = document.getElementById("token-form");
    const input = document.getElementById("token");
    const saved = document.getElementById("token-saved");
    input.value = Api.token();
    const mark = () => form.classList.toggle("has-token", Boolean(Api.token()));
    mark();
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      Api.setToken(input.value.trim());
      saved.textContent = input.value.trim() ? "saved for this tab" : "cleared";
      setTimeout(() => { saved.textContent = ""; }, 2500);
      mark();
      route();
    });
  }

  function setupZone() {
    const select = document.getElementById("zone");
    const local = Intl.DateTimeFormat().resolvedOptions().timeZone || "local";
    fill(select, h("option", { value: "utc", text: "UTC" }), h("option", { value: "local", text: `Local: ${local}` }));
    select.value = Clock.local() ? "local" : "utc";
    select.title = `Times are shown in ${Clock.label()}, 24-hour clock`;
    select.addEventListener("change", () => {
      Clock.setLocal(select.value === "local");
      select.title = `Times are shown in ${Clock.label()}, 24-hour clock`;
      route();
    });
  }

  window.addEventListener("hashchange", route);
  setupToken();
  setupZone();
  route();
})();
