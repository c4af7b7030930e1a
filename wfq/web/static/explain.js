// wfq web page: the task panel's "Why this state" section — what a task that has not finished
// waits on (GET /v2/executions/<id>/explain, narrowed to the task), in words and as its key data;
// for a finished execution, why a task never ran. See docs/explain.md.
"use strict";

const ExplainSection = (() => {
  // The title of each kind of wait (the API's `waiting_on`).
  const KINDS = {
    join: "Join", concurrency: "Concurrency slot", items: "Items", "wait-before": "wait-before",
    "wait-after": "wait-after", retry: "Retry delay", "pause-before": "pause-before", paused: "Paused",
    "async-action": "Asynchronous action", subworkflow: "Sub-workflow", "action-queued": "Sent, not claimed",
    "action-running": "Running on a worker", upstream: "Not reached yet", "never-ran": "Never ran",
    timer: "Timer", transition: "Transition", start: "About to start",
  };

  // Explain times are UTC with microseconds ("2026-12-07 02:42:59.875596"): keep the seconds.
  function when(text) {
    if (!text) return "—";
    const plain = String(text).slice(0, 19);
    return `${formatTime(plain, true)} (${relativeTime(plain)})`;
  }

  function seconds(value) {
    return value === null || value === undefined ? "—" : formatDuration(value);
  }

  function taskLink(execution, name) {
    return h("a", { href: `#/executions/${encodeURIComponent(execution.id)}?task=${encodeURIComponent(name)}`,
      class: "mono", text: name });
  }

  function join(d, ctx) {
    const needed = d.needed || (d.arrived || []).length + (d.missing || []).length;
    return [
      Ui.facts([["join", String(d.join)], ["arrived", `${(d.arrived || []).length} of ${needed}`]]),
      (d.missing || []).length ? h("ul", { class: "plain-list missing" }, d.missing.map((m) => h("li", { "data-task": m.task },
        taskLink(ctx.execution, m.task), " ",
        h("span", { class: m.can_still_arrive ? "muted" : "bad", text: m.can_still_arrive ? "can still arrive" : "can no longer arrive" })))) : null,
    ];
  }

  function items(d, ctx) {
    return [
      Ui.facts([["items", d.items], ["done", d.done], ["running", d.running], ["waiting for a slot", d.waiting_for_slot],
        ["failed", d.failed], ["concurrency", d.concurrency === null || d.concurrency === undefined ? "none" : d.concurrency]]),
      d.oldest_running ? h("div", { class: "nested" }, h("h4", { text: "Oldest running item" }), reasonView(d.oldest_running, ctx, true)) : null,
    ];
  }

  function timer(d) {
    return Ui.facts([["until", when(d.due_at)], ["left", seconds(d.seconds_left)], d.timeout_at ? ["timeout at", when(d.timeout_at)] : null]);
  }

  function queued(d) {
    const consumers = d.consumers === null || d.consumers === undefined
      ? h("span", { class: "bad", text: "no worker answered: none may be alive" })
      : d.consumers.length ? d.consumers.join(", ")
        : h("span", { class: "bad", text: `no live worker consumes ${d.queue}` });
    return Ui.facts([["action", d.action], ["queue", d.queue], ["sent", when(d.sent_at)], ["message age", seconds(d.message_age_s)],
      ["queue depth", d.queue_depth === null || d.queue_depth === undefined ? "unknown" : d.queue_depth],
      ["served by", consumers]]);
  }

  function running(d) {
    const stale = d.heartbeat_age_s !== null && d.heartbeat_age_s !== undefined && d.heartbeat_age_s > d.heartbeat_timeout_s;
    return Ui.facts([["action", d.action], ["worker", d.worker], ["heartbeat", when(d.heartbeat_at)],
      ["heartbeat age", h("span", { class: stale ? "bad" : null, text: `${seconds(d.heartbeat_age_s)} (timeout ${seconds(d.heartbeat_timeout_s)})` })],
      d.timeout_at ? ["timeout at", when(d.timeout_at)] : null]);
  }

  function asyncAction(d) {
    return Ui.facts([["action", d.action], ["action execution", h("code", { text: d.action_execution_id })],
      ["to finish it", h("code", { text: `PUT /v2/action_executions/${d.action_execution_id}` })]]);
  }

  function subworkflow(d) {
    if (!d.execution_id) return null;
    const inner = d.explain && d.explain.tasks ? d.explain.tasks : [];
    return [
      Ui.facts([["execution", h("a", { href: `#/executions/${encodeURIComponent(d.execution_id)}`, class: "sub-explain-link",
        text: d.workflow_name || shortId(d.execution_id) })], ["state", stateBadge(d.execution_state)]]),
      inner.length ? h("ul", { class: "plain-list inner" }, inner.map((r) => h("li", {},
        h("a", { href: `#/executions/${encodeURIComponent(d.execution_id)}?task=${encodeURIComponent(r.task)}`, class: "mono", text: r.task }),
        ": ", h("span", { text: r.message })))) : null,
    ];
  }

  function upstream(d, ctx) {
    return (d.upstream || []).length ? h("ul", { class: "plain-list upstream" }, d.upstream.map((u) => h("li", { "data-task": u.task },
      taskLink(ctx.execution, u.task), " ", stateBadge(u.state), " ", h("span", { class: "muted", text: u.why })))) : null;
  }

  const DETAILS = {
    join, concurrency: items, items, "wait-before": timer, "wait-after": timer, retry: timer,
    "action-queued": queued, "action-running": running, "async-action": asyncAction, subworkflow,
    upstream, "never-ran": upstream,
  };

  // One reason: the kind, the sentence, and the data of that kind.
  function reasonView(reason, ctx, nested) {
    const kind = reason.waiting_on;
    const render = DETAILS[kind];
    return h("div", { class: `explain-reason${nested ? " nested-reason" : ""}`, "data-kind": kind || "" },
      kind ? h("span", { class: `why-kind why-${kind}`, text: KINDS[kind] || kind }) : null,
      h("p", { class: "why-message", text: reason.message }),
      render ? render(reason.details || {}, ctx) : null,
      kind === "pause-before" || kind === "paused" ? h("p", { class: "hint", text: "Resume the execution to go on." }) : null);
  }

  // The reason about this task in the execution's answer: its own task execution, or (a task
  // that has not run) the entry with its name and no task execution.
  function pick(answer, ctx) {
    const tasks = answer.tasks || [];
    if (ctx.task) return tasks.find((r) => r.task_execution_id === ctx.task.id) || null;
    return tasks.find((r) => r.task === ctx.taskName && !r.task_execution_id) || null;
  }

  async function render(ctx) {
    const answer = await Api.get(`v2/executions/${encodeURIComponent(ctx.execution.id)}/explain`);
    const reason = pick(answer, ctx);
    if (!reason) {
      const what = ctx.task ? `${ctx.taskName} is ${ctx.task.state}: it waits for nothing.` : `${ctx.taskName} has not run.`;
      return h("div", { class: "explain-reason", "data-kind": "" }, h("p", { class: "muted why-message", text: what }));
    }
    return reasonView(reason, ctx, false);
  }

  // Shown for a task that is not finished, and for a task with no execution.
  TaskPanel.register({
    id: "explain", title: (ctx) => (ctx.task ? "Why this state" : "Why it has not run"), order: 25,
    when: (ctx) => Boolean(ctx.execution) && (!ctx.task || !FINISHED.includes(ctx.task.state)),
    render,
  });

  return { pick, reasonView };
})();
