// wfq web page: talking to the v2 API, and small helpers shared by the views.
"use strict";

const TOKEN_KEY = "wfq.token";

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const Api = {
  // The page lives at <root>/ui/: the API is at <root>/.
  root: new URL("../", window.location.href.split("#")[0]).pathname,

  // The token lives in sessionStorage: it is gone when the tab closes, and other tabs ask again.
  token() {
    return window.sessionStorage.getItem(TOKEN_KEY) || "";
  },

  setToken(value) {
    if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
    else window.sessionStorage.removeItem(TOKEN_KEY);
  },

  // `body`: an object (sent as JSON) or a string (sent as text/plain: YAML definitions).
  async request(method, path, body) {
    const headers = { Accept: "application/json" };
    const token = this.token();
    if (token) headers.Authorization = "Bearer " + token;
    const init = { method, headers };
    if (typeof body === "string") {
      headers["Content-Type"] = "text/plain";
      init.body = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(this.root + path, init);
    } catch (err) {
      throw new ApiError(0, "The server cannot be reached: " + err.message);
    }
    const text = await resp.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (err) {
      data = null;
    }
    if (!resp.ok) {
      const why = (data && (data.faultstring || data.message)) || text || resp.statusText;
      const hint = resp.status === 401 ? " Enter a token at the top right." : "";
      throw new ApiError(resp.status, `${resp.status}: ${why}${hint}`);
    }
    return data;
  },

  get(path) {
    return this.request("GET", path);
  },

  post(path, body) {
    return this.request("POST", path, body);
  },

  put(path, body) {
    return this.request("PUT", path, body);
  },

  del(path) {
    return this.request("DELETE", path);
  },
};

// Mistral sends input, output, published, result... as JSON text.
function parseField(value) {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch (err) {
    return value;
  }
}

function pretty(value) {
  const parsed = parseField(value);
  if (parsed === null || parsed === undefined) return "—";
  if (typeof parsed === "string") return parsed;
  return JSON.stringify(parsed, null, 2);
}

// Build an element: h("a", {href: "#", class: "x", onclick: fn}, "text", child...).
function h(tag, attrs, ...children) {
  const svg = ["svg", "g", "rect", "path", "text", "title", "defs", "marker", "circle", "tspan"];
  const el = svg.includes(tag)
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "text") {
      el.textContent = value;
    } else if (key === "value" && (tag === "input" || tag === "textarea" || tag === "select")) {
      el.value = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replace the children of `el`, skipping null/false (DOM's replaceChildren would print them).
function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

// Times: every time on the page is shown in one zone, 24-hour clock, and says which zone.
// The reader picks UTC (the default: Mistral's timestamps and cron patterns are UTC) or the
// browser's zone in the top bar; the choice is kept in localStorage.
const Clock = {
  KEY: "wfq.zone",

  local() {
    return window.localStorage.getItem(this.KEY) === "local";
  },

  setLocal(on) {
    window.localStorage.setItem(this.KEY, on ? "local" : "utc");
  },

  // "UTC", or the browser's zone: "Europe/Paris (UTC+01:00)".
  label() {
    if (!this.local()) return "UTC";
    const name = Intl.DateTimeFormat().resolvedOptions().timeZone || "local";
    const off = -new Date().getTimezoneOffset();
    const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
    const text = off === 0 ? "UTC" : `UTC${off < 0 ? "-" : "+"}${pad(off / 60)}:${pad(off % 60)}`;
    return name === "UTC" ? "UTC" : `${name} (${text})`;
  },

  // The short name used after a time: "UTC" or "UTC+01:00".
  short() {
    const label = this.label();
    const m = label.match(/\((UTC[^)]*)\)/);
    return m ? m[1] : label;
  },

  parts(date) {
    const utc = !this.local();
    return {
      y: utc ? date.getUTCFullYear() : date.getFullYear(),
      mo: (utc ? date.getUTCMonth() : date.getMonth()) + 1,
      d: utc ? date.getUTCDate() : date.getDate(),
      h: utc ? date.getUTCHours() : date.getHours(),
      mi: utc ? date.getUTCMinutes() : date.getMinutes(),
      s: utc ? date.getUTCSeconds() : date.getSeconds(),
    };
  },
};

const pad2 = (n) => String(n).padStart(2, "0");

// Mistral timestamps: "YYYY-MM-DD HH:MM:SS", UTC.
function parseTime(text) {
  if (!text) return null;
  const date = new Date(text.replace(" ", "T") + "Z");
  return Number.isNaN(date.getTime()) ? null : date;
}

// "2026-12-07 14:03:09" in the chosen zone; `withZone` appends " UTC" (or " UTC+01:00").
function formatTime(text, withZone) {
  const date = text instanceof Date ? text : parseTime(text);
  if (!date) return "—";
  const p = Clock.parts(date);
  const out = `${p.y}-${pad2(p.mo)}-${pad2(p.d)} ${pad2(p.h)}:${pad2(p.mi)}:${pad2(p.s)}`;
  return withZone ? `${out} ${Clock.short()}` : out;
}

// "14:03:09 UTC": the time of day, for "updated at" footers.
function formatClock(date) {
  const p = Clock.parts(date);
  return `${pad2(p.h)}:${pad2(p.mi)}:${pad2(p.s)} ${Clock.short()}`;
}

function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  const m = Math.floor(s / 60);
  if (m < 48 * 60) return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(m / 1440)}d ${Math.floor((m % 1440) / 60)}h`;
}

// "in 3m 20s" / "2m 05s ago" from a Mistral timestamp.
function relativeTime(text) {
  const date = parseTime(text);
  if (!date) return "";
  const delta = (date - new Date()) / 1000;
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

const FINISHED = ["SUCCESS", "ERROR", "CANCELLED", "SKIPPED", "REVERTED"];

// Seconds from start to end (or to now while still going).
function durationOf(start, end, state) {
  const from = parseTime(start);
  if (!from) return null;
  const to = FINISHED.includes(state) ? parseTime(end) : new Date();
  return to ? (to - from) / 1000 : null;
}

function stateBadge(state) {
  return h("span", { class: `badge state-${state || "NONE"}`, text: state || "not started" });
}

// wfq ids are UUIDv7: the start is a timestamp shared by neighbours, the end tells them apart.
function shortId(id) {
  return id ? "…" + id.slice(-12) : "";
}

// "1 workflow", "3 workflows"; `more` marks a full page: "100+ executions".
function plural(n, word, more) {
  return `${n}${more ? "+" : ""} ${word}${n === 1 ? "" : "s"}`;
}

// Query strings from an object, skipping empty values.
function qs(args) {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) if (v !== "" && v !== null && v !== undefined) out.set(k, String(v));
  return out.toString();
}
