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

  token() {
    return window.localStorage.getItem(TOKEN_KEY) || "";
  },

  setToken(value) {
    if (value) window.localStorage.setItem(TOKEN_KEY, value);
    else window.localStorage.removeItem(TOKEN_KEY);
  },

  async request(method, path, body) {
    const headers = { Accept: "application/json" };
    const token = this.token();
    if (token) headers.Authorization = "Bearer " + token;
    const init = { method, headers };
    if (body !== undefined) {
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

  put(path, body) {
    return this.request("PUT", path, body);
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
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replace the children of `el`, skipping null/false (DOM's replaceChildren would print them).
function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

// Mistral timestamps: "YYYY-MM-DD HH:MM:SS", UTC.
function parseTime(text) {
  if (!text) return null;
  const date = new Date(text.replace(" ", "T") + "Z");
  return Number.isNaN(date.getTime()) ? null : date;
}

function formatTime(text) {
  const date = parseTime(text);
  if (!date) return "—";
  const pad = (n) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

const FINISHED = ["SUCCESS", "ERROR", "CANCELLED", "SKIPPED"];

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
