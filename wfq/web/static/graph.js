// wfq web page: lay out a task graph (levels from the server) and draw it as SVG, in a viewport
// that fits the graph to its box (never below a readable scale) and pans and zooms.
"use strict";

const GraphView = (() => {
  const NODE_H = 70;
  const COL_GAP = 96;
  const ROW_GAP = 34;
  const PAD = 40;
  const LOOP_ROOM = 56;
  const KINDS = ["on-success", "on-error", "on-complete", "requires"];
  const NAME_FONT = '600 15px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  const SUB_FONT = '13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
  const MIN_W = 170;
  const MAX_W = 320;
  const TEXT_X = 18;

  let measurer = null;

  // The width of `text` in `font`, measured (canvas), so labels are clipped where they would
  // overflow and never run into each other.
  function textWidth(text, font) {
    measurer = measurer || document.createElement("canvas").getContext("2d");
    measurer.font = font;
    return measurer.measureText(text).width;
  }

  function fit(text, font, room) {
    if (textWidth(text, font) <= room) return text;
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (textWidth(text.slice(0, mid) + "…", font) <= room) lo = mid;
      else hi = mid - 1;
    }
    return text.slice(0, lo) + "…";
  }

  function clip(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  // A guard as people read it: `<% $.n >= 3 %>` -> `$.n >= 3`.
  function guard(expression) {
    return expression.replace(/^\s*(<%|\{\{)\s*/, "").replace(/\s*(%>|\}\})\s*$/, "");
  }

  function labelText(edge) {
    return edge.kind + (edge.condition ? `: ${clip(guard(edge.condition), 22)}` : "");
  }

  function labelWidth(edge) {
    return labelText(edge).length * 6.4 + 14;
  }

  function subtitle(node) {
    if (node.workflow) return "workflow " + node.workflow;
    return node.action || "std.noop";
  }

  function nodeWidth(node) {
    // Room for the command badges along the bottom edge, right of the state label.
    const badges = (node.commands || []).reduce((sum, c) => sum + badgeWidth(`${c.kind.replace("on-", "")} → ${c.name}`) + 4, 0);
    const need = Math.max(textWidth(node.name, NAME_FONT), textWidth(subtitle(node), SUB_FONT), badges + 96) + TEXT_X + 14;
    return Math.round(Math.min(MAX_W, Math.max(MIN_W, need)));
  }

  const SLOT_H = 8;
  const SLOT_GAP = 12;

  function isTask(item) {
    return item.task !== undefined;
  }

  // Columns by level, each centred vertically. A column holds tasks and the lanes of longer
  // edges that cross its level (`layers` from the server), so those edges pass between tasks.
  function layout(graph) {
    const byName = Object.fromEntries(graph.nodes.map((n) => [n.name, n]));
    const layers = graph.layers || graph.levels.map((level) => level.map((task) => ({ task })));
    const widths = layers.map((layer) =>
      Math.max(48, ...layer.filter(isTask).map((it) => nodeWidth(byName[it.task]))));
    const heights = layers.map((layer) => layer.reduce((sum, it, i) =>
      sum + (isTask(it) ? NODE_H : SLOT_H) + (i ? (isTask(it) && isTask(layer[i - 1]) ? ROW_GAP : SLOT_GAP) : 0), 0));
    const tallest = Math.max(NODE_H, ...heights);
    // The gap after a column fits the labels of the edges leaving it (drawn in that gap).
    const levelOf = Object.fromEntries(graph.nodes.map((n) => [n.name, n.level]));
    const gaps = layers.map((_, i) => Math.min(230, Math.max(COL_GAP,
      ...graph.edges.filter((e) => !e.back && levelOf[e.source] === i).map((e) => labelWidth(e) + 36))));
    const hasLoops = graph.edges.some((e) => e.back && e.source !== e.target);
    const pos = {};
    const lanes = {};
    let x = PAD;
    layers.forEach((layer, i) => {
      let y = PAD + (tallest - heights[i]) / 2;
      layer.forEach((it, j) => {
        if (j) y += isTask(it) && isTask(layer[j - 1]) ? ROW_GAP : SLOT_GAP;
        if (isTask(it)) {
          const w = nodeWidth(byName[it.task]);
          pos[it.task] = { x: x + (widths[i] - w) / 2, y, w, h: NODE_H };
          y += NODE_H;
        } else {
          (lanes[it.edge] = lanes[it.edge] || []).push({ x1: x - 6, x2: x + widths[i] + 6, y: y + SLOT_H / 2 });
          y += SLOT_H;
        }
      });
      x += widths[i] + gaps[i];
    });
    const width = Math.max(x - gaps[gaps.length - 1] + PAD, 320);
    const height = PAD * 2 + tallest + (hasLoops ? LOOP_ROOM : 0);
    return { pos, lanes, width, height, bottom: PAD + tallest };
  }

  function bezierMid(p0, p1, p2, p3) {
    return {
      x: (p0.x + 3 * p1.x + 3 * p2.x + p3.x) / 8,
      y: (p0.y + 3 * p1.y + 3 * p2.y + p3.y) / 8,
    };
  }

  function curve(a, b) {
    const dx = Math.max(30, (b.x - a.x) / 2);
    const c1 = { x: a.x + dx, y: a.y };
    const c2 = { x: b.x - dx, y: b.y };
    return { d: `C${c1.x},${c1.y} ${c2.x},${c2.y} ${b.x},${b.y}`, mid: bezierMid(a, c1, c2, b) };
  }

  // The path of one edge and where its label goes. `offset` separates parallel edges.
  function route(edge, index, lay, offset) {
    const s = lay.pos[edge.source];
    const t = lay.pos[edge.target];
    if (edge.source === edge.target) {
      const a = { x: s.x + s.w * 0.68, y: s.y };
      const b = { x: s.x + s.w * 0.32, y: s.y };
      const c1 = { x: a.x + 18, y: s.y - 42 };
      const c2 = { x: b.x - 18, y: s.y - 42 };
      return { d: `M${a.x},${a.y} C${c1.x},${c1.y} ${c2.x},${c2.y} ${b.x},${b.y}`, mid: bezierMid(a, c1, c2, b) };
    }
    if (edge.back) {
      // Out of the source's right side, along a lane under the graph, into the target's left
      // side: the vertical legs run in the gaps between columns, clear of every task.
      const a = { x: s.x + s.w, y: s.y + s.h * 0.72 };
      const b = { x: t.x - 2, y: t.y + t.h * 0.72 };
      const low = lay.bottom + 16 + (index % 4) * 9;
      const r = 14;
      const ax = a.x + 24;
      const bx = t.x - 26;
      const d = `M${a.x},${a.y} L${ax - r},${a.y} Q${ax},${a.y} ${ax},${a.y + r} L${ax},${low - r} ` +
        `Q${ax},${low} ${ax - r},${low} L${bx + r},${low} Q${bx},${low} ${bx},${low - r} ` +
        `L${bx},${b.y + r} Q${bx},${b.y} ${bx + r},${b.y} L${b.x},${b.y}`;
      return { d, mid: { x: (ax + bx) / 2, y: low } };
    }
    let at = { x: s.x + s.w, y: s.y + s.h / 2 + offset };
    let d = `M${at.x},${at.y}`;
    let mid = null;
    for (const lane of lay.lanes[index] || []) {
      const seg = curve(at, { x: lane.x1, y: lane.y });
      d += ` ${seg.d} L${lane.x2},${lane.y}`;
      mid = mid || seg.mid;
      at = { x: lane.x2, y: lane.y };
    }
    const last = curve(at, { x: t.x - 2, y: t.y + t.h / 2 + offset });
    return { d: `${d} ${last.d}`, mid: mid || last.mid };
  }

  function markers() {
    return h(
      "defs",
      {},
      KINDS.map((kind) =>
        h(
          "marker",
          { id: `arrow-${kind}`, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "11", markerHeight: "11",
            markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" },
          h("path", { d: "M0,0 L10,5 L0,10 z", class: `arrow arrow-${kind}` }),
        ),
      ),
    );
  }

  function drawEdge(edge, index, lay, offset) {
    const { d, mid } = route(edge, index, lay, offset);
    const label = labelText(edge);
    const tip = edge.condition ? `${edge.kind} when ${edge.condition}` : edge.kind;
    const width = labelWidth(edge);
    return h(
      "g",
      { class: `edge edge-${edge.kind}${edge.back ? " back" : ""}`, "data-source": edge.source, "data-target": edge.target, "data-kind": edge.kind },
      h("title", { text: `${edge.source} → ${edge.target}: ${tip}` }),
      h("path", { d, class: "line", "marker-end": `url(#arrow-${edge.kind})` }),
      h("rect", { class: "label-bg", x: mid.x - width / 2, y: mid.y - 8, width, height: 16, rx: 8 }),
      h("text", { class: "label", x: mid.x, y: mid.y + 4, "text-anchor": "middle", text: label }),
    );
  }

  function badgeWidth(text) {
    return text.length * 6.4 + 12;
  }

  function badge(text, cls, x, y) {
    const width = badgeWidth(text);
    return h(
      "g",
      { class: `mark ${cls}`, transform: `translate(${x - width},${y})` },
      h("rect", { width, height: 17, rx: 8.5 }),
      h("text", { x: width / 2, y: 12.5, "text-anchor": "middle", text }),
    );
  }

  function drawNode(node, p, onSelect) {
    const marks = [];
    let right = p.w - 8;
    if (node.join !== null && node.join !== undefined) {
      const m = badge(`join: ${node.join}`, "join-badge", right, -9);
      marks.push(m);
      right -= Number(m.firstChild.getAttribute("width")) + 4;
    }
    if (node.with_items) marks.push(badge("with-items", "items-badge", right, -9));
    let left = p.w - 8;
    for (const c of node.commands || []) {
      const m = badge(`${c.kind.replace("on-", "")} → ${c.name}`, `cmd-badge cmd-${c.kind}`, left, p.h - 8);
      marks.push(h("g", {}, h("title", { text: `${c.kind}: ${c.name}${c.condition ? " when " + c.condition : ""}` }), m));
      left -= Number(m.firstChild.getAttribute("width")) + 4;
    }
    const commands = (node.commands || []).map((c) => `${c.kind} → ${c.name}`).join(" · ");
    const tip = [node.name, subtitle(node), commands].filter(Boolean).join("\n");
    const room = p.w - TEXT_X - 10;
    // Three rows that never overlap: the name, what it runs, then its state and counters.
    return h(
      "g",
      { class: "node state-NONE", "data-task": node.name, transform: `translate(${p.x},${p.y})`, tabindex: "0", role: "button",
        onclick: () => onSelect(node.name),
        onkeydown: (ev) => { if (ev.key === "Enter" || ev.key === " ") onSelect(node.name); } },
      h("title", { text: tip }),
      h("rect", { class: "box", width: p.w, height: p.h, rx: 10 }),
      h("rect", { class: "stripe", x: 0, y: 0, width: 6, height: p.h, rx: 3 }),
      node.start ? h("circle", { class: "start-dot", cx: -9, cy: p.h / 2, r: 5 }) : null,
      h("text", { class: "name", x: TEXT_X, y: 24, text: fit(node.name, NAME_FONT, room) }),
      h("text", { class: "sub", x: TEXT_X, y: 43, text: fit(subtitle(node), SUB_FONT, room) }),
      h("text", { class: "state-text", x: TEXT_X, y: 60, text: "" }),
      h("text", { class: "extra-text", x: p.w - 10, y: 60, "text-anchor": "end", text: "" }),
      marks,
    );
  }

  // Parallel edges between the same two tasks are drawn a few pixels apart.
  function offsets(edges) {
    const seen = {};
    return edges.map((e) => {
      const key = [e.source, e.target].sort().join("\u0000");
      seen[key] = (seen[key] || 0) + 1;
      const n = seen[key] - 1;
      return n === 0 ? 0 : (n % 2 ? 1 : -1) * Math.ceil(n / 2) * 9;
    });
  }

  // Draw `graph` into `container`; returns {update(tasks), select(name), fit()}.
  // `options.definition`: a workflow's graph, not an execution's (no states: plain boxes).
  function render(container, graph, onSelect, options) {
    const lay = layout(graph);
    const shift = offsets(graph.edges);
    const stage = h("g", { class: "stage" },
      h("g", { class: "edges" }, graph.edges.map((e, i) => drawEdge(e, i, lay, shift[i]))),
      h("g", { class: "nodes" }, graph.nodes.map((n) => drawNode(n, lay.pos[n.name], onSelect))));
    const svg = h("svg", { class: `graph${options && options.definition ? " definition" : ""}`, width: "100%", height: lay.height, role: "img",
      "aria-label": `task graph of ${graph.workflow}`, "data-width": lay.width, "data-height": lay.height }, markers(), stage);
    const view = Viewport(container, svg, stage, lay);
    return {
      svg,
      fit: view.fit,
      update: (tasks, progress) => update(svg, graph, tasks, progress || {}),
      select: (name) => {
        svg.querySelectorAll(".node.selected").forEach((el) => el.classList.remove("selected"));
        const el = name ? svg.querySelector(`.node[data-task="${CSS.escape(name)}"]`) : null;
        if (el) el.classList.add("selected");
      },
    };
  }

  // Fit the drawing to the width of its box at a readable scale (between MIN_FIT and MAX_FIT);
  // a graph too big for that overflows, and the reader drags it around and zooms
  // (buttons, or Ctrl + wheel). A resize refits until the reader zooms or pans.
  const MIN_FIT = 0.75;
  const MAX_FIT = 1.25;
  function Viewport(container, svg, stage, lay) {
    const v = { s: 1, tx: 0, ty: 0, manual: false, height: 0 };
    const zoomText = h("span", { class: "zoom-level", text: "100%" });
    const apply = () => {
      stage.setAttribute("transform", `translate(${v.tx.toFixed(1)},${v.ty.toFixed(1)}) scale(${v.s.toFixed(4)})`);
      svg.setAttribute("data-scale", v.s.toFixed(3));
      zoomText.textContent = `${Math.round(v.s * 100)}%`;
    };
    const fit = () => {
      const width = container.clientWidth || lay.width;
      const maxH = Math.max(340, Math.round(window.innerHeight * 0.64));
      v.s = Math.min(MAX_FIT, Math.max(MIN_FIT, Math.min(width / lay.width, maxH / lay.height)));
      v.height = Math.round(Math.min(maxH, Math.max(200, lay.height * v.s)));
      svg.setAttribute("height", v.height);
      v.tx = Math.max(0, (width - lay.width * v.s) / 2);
      v.ty = Math.max(0, (v.height - lay.height * v.s) / 2);
      v.manual = false;
      apply();
    };
    const zoom = (factor, cx, cy) => {
      const s = Math.min(3, Math.max(0.25, v.s * factor));
      const x = cx === undefined ? container.clientWidth / 2 : cx;
      const y = cy === undefined ? v.height / 2 : cy;
      v.tx = x - ((x - v.tx) * s) / v.s;
      v.ty = y - ((y - v.ty) * s) / v.s;
      v.s = s;
      v.manual = true;
      apply();
    };
    let drag = null;
    svg.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0 || ev.target.closest(".node")) return;
      drag = { x: ev.clientX, y: ev.clientY, tx: v.tx, ty: v.ty };
      svg.setPointerCapture(ev.pointerId);
      svg.classList.add("dragging");
    });
    svg.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      v.tx = drag.tx + ev.clientX - drag.x;
      v.ty = drag.ty + ev.clientY - drag.y;
      v.manual = true;
      apply();
    });
    const end = () => { drag = null; svg.classList.remove("dragging"); };
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
    svg.addEventListener("wheel", (ev) => {
      if (!ev.ctrlKey && !ev.metaKey) return;
      ev.preventDefault();
      const box = svg.getBoundingClientRect();
      zoom(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - box.left, ev.clientY - box.top);
    }, { passive: false });
    const tools = h("div", { class: "graph-tools" },
      h("button", { type: "button", class: "zoom-out", title: "Zoom out", text: "−", onclick: () => zoom(1 / 1.25) }),
      zoomText,
      h("button", { type: "button", class: "zoom-in", title: "Zoom in", text: "+", onclick: () => zoom(1.25) }),
      h("button", { type: "button", class: "zoom-fit", title: "Fit the graph to the panel", text: "Fit", onclick: fit }));
    fill(container, svg, tools, h("div", { class: "graph-hint muted", text: "drag to pan · Ctrl + wheel to zoom" }));
    fit();
    if (window.ResizeObserver) {
      let last = container.clientWidth;
      new ResizeObserver(() => {
        if (container.clientWidth !== last && !v.manual) fit();
        last = container.clientWidth;
      }).observe(container);
    }
    return { fit, zoom };
  }

  // The latest task execution of each task name, and how many there were.
  function latestByName(tasks) {
    const out = {};
    for (const t of tasks) {
      const prev = out[t.name];
      const newer = !prev || (t.created_at || "") > (prev.task.created_at || "") ||
        ((t.created_at || "") === (prev.task.created_at || "") && t.id > prev.task.id);
      out[t.name] = { task: newer ? t : prev.task, count: (prev ? prev.count : 0) + 1 };
    }
    return out;
  }

  function taken(edge, from, to) {
    if (!from || !to) return false;
    const s = from.task.state;
    if (edge.kind === "on-success" || edge.kind === "requires") return s === "SUCCESS";
    if (edge.kind === "on-error") return s === "ERROR";
    return FINISHED.includes(s);
  }

  function update(svg, graph, tasks, progress) {
    const latest = latestByName(tasks);
    for (const el of svg.querySelectorAll(".node")) {
      const name = el.getAttribute("data-task");
      const info = latest[name];
      const state = info ? info.task.state : "NONE";
      el.setAttribute("class", `node state-${state}${el.classList.contains("selected") ? " selected" : ""}`);
      el.querySelector(".state-text").textContent = info ? state : "not started";
      const extra = [];
      if (info && progress[info.task.id]) extra.push(progress[info.task.id]);
      if (info && info.count > 1) extra.push(`×${info.count}`);
      el.querySelector(".extra-text").textContent = extra.join("  ");
    }
    for (const el of svg.querySelectorAll(".edge")) {
      const edge = { source: el.dataset.source, target: el.dataset.target, kind: el.dataset.kind };
      el.classList.toggle("taken", taken(edge, latest[edge.source], latest[edge.target]));
    }
  }

  return { render, layout, latestByName, textWidth };
})();
