// wfq web page: small widgets every view uses (page heads, tables, alerts, two-step delete).
"use strict";

const Ui = (() => {
  // A red box that shows an error message, hidden while there is none.
  function alertBox(id) {
    const el = h("div", { class: "error hidden", id, role: "alert" });
    el.show = (message) => {
      el.textContent = message || "";
      el.classList.toggle("hidden", !message);
    };
    return el;
  }

  // The head of a page: a breadcrumb trail, a title with badges, buttons on the right.
  function pageHead({ crumbs, title, badges, actions, meta, id }) {
    return h("div", { class: "page-head", id: id || null },
      crumbs && crumbs.length ? h("nav", { class: "crumbs", "aria-label": "breadcrumb" },
        crumbs.map((c, i) => [i ? h("span", { class: "sep", text: "›" }) : null,
          c.href ? h("a", { href: c.href, text: c.text }) : h("span", { text: c.text })])) : null,
      h("div", { class: "title-row" }, h("h1", { text: title }), badges || null,
        actions ? h("div", { class: "controls" }, actions) : null),
      meta ? h("div", { class: "meta" }, meta) : null);
  }

  // A table: `columns` are titles (or {title, cls}), `rows` are <tr> elements.
  function table(id, columns, rows, empty) {
    const cols = columns.map((c) => (typeof c === "string" ? { title: c } : c));
    const body = h("tbody", {}, rows);
    if (!rows.length) body.append(h("tr", {}, h("td", { colspan: cols.length, class: "empty", text: empty || "Nothing here yet." })));
    return h("table", { class: "table", id },
      h("thead", {}, h("tr", {}, cols.map((c) => h("th", { class: c.cls || null, text: c.title })))),
      body);
  }

  // A row that opens `href` when clicked anywhere (links inside keep their own target).
  function linkRow(href, attrs, ...cells) {
    return h("tr", { ...attrs, class: `clickable ${attrs.class || ""}`,
      onclick: (ev) => { if (!ev.target.closest("a, button, input")) window.location.hash = href; } }, cells);
  }

  // A delete button that asks for a second click within 4 s before it acts.
  function confirmButton(label, action, attrs) {
    let armed = null;
    const btn = h("button", { type: "button", class: "danger", ...attrs, text: label, onclick: async () => {
      if (!armed) {
        btn.textContent = `Click again to ${label.toLowerCase()}`;
        btn.classList.add("armed");
        armed = setTimeout(() => { armed = null; btn.textContent = label; btn.classList.remove("armed"); }, 4000);
        return;
      }
      clearTimeout(armed);
      armed = null;
      btn.disabled = true;
      try {
        await action();
      } finally {
        btn.disabled = false;
        btn.textContent = label;
        btn.classList.remove("armed");
      }
    } });
    return btn;
  }

  // A labelled form field; `hint` is a line of help under it.
  function field(label, input, hint) {
    return h("label", { class: "field" }, h("span", { class: "field-label", text: label }), input,
      hint ? h("span", { class: "hint", text: hint }) : null);
  }

  // Run `fn` now and every `ms` until stop() (skips a tick while one is still running).
  function poller(fn, ms) {
    let timer = null;
    let stopped = false;
    async function tick() {
      if (stopped) return;
      try {
        await fn();
      } finally {
        if (!stopped) timer = setTimeout(tick, typeof ms === "function" ? ms() : ms);
      }
    }
    tick();
    return { stop: () => { stopped = true; clearTimeout(timer); }, now: () => { clearTimeout(timer); tick(); } };
  }

  // "key value" pairs shown as a compact definition list.
  function facts(pairs) {
    return h("dl", { class: "facts" }, pairs.filter(Boolean).map(([k, v]) =>
      [h("dt", { text: k }), h("dd", {}, v instanceof Node ? v : String(v === null || v === undefined || v === "" ? "—" : v))]));
  }

  // A footer line: "12 items · updated 14:03:09 UTC".
  function footer(id) {
    const el = h("div", { class: "footer muted", id });
    el.say = (text) => { el.textContent = `${text} · updated ${formatClock(new Date())}`; };
    return el;
  }

  return { alertBox, pageHead, table, linkRow, confirmButton, field, poller, facts, footer };
})();
