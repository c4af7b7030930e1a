// wfq web page: definition versions (a wfq extension) — the version list of a workflow or
// workbook with a diff between two of them, and the version an execution runs.
"use strict";

const Versions = (() => {
  function base(kind, item) {
    const key = kind === "workflows" ? item.id : item.name;
    const ns = item.namespace ? `?namespace=${encodeURIComponent(item.namespace)}` : "";
    return { url: `v2/${kind}/${encodeURIComponent(key)}/versions`, ns };
  }

  // The unified diff as lines, each marked added, removed, hunk head or context.
  function diffLines(text) {
    if (!text) return h("div", { class: "diff-line muted", text: "No difference: the two texts are equal." });
    return text.replace(/\n$/, "").split("\n").map((line) => {
      let cls = "diff-line";
      if (line.startsWith("+++") || line.startsWith("---")) cls += " diff-file";
      else if (line.startsWith("@@")) cls += " diff-hunk";
      else if (line.startsWith("+")) cls += " diff-add";
      else if (line.startsWith("-")) cls += " diff-del";
      return h("div", { class: cls, text: line || " " });
    });
  }

  function shown(value) {
    return value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  }

  // The changed paths of the YAML documents: path, what happened, old and new values.
  function changeTable(changes) {
    const rows = changes.map((c) => h("tr", { "data-name": c.path },
      h("td", { class: "mono small", text: c.path }),
      h("td", {}, h("span", { class: `change change-${c.change}`, text: c.change })),
      h("td", { class: "mono small diff-old", text: shown(c.old) }),
      h("td", { class: "mono small diff-new", text: shown(c.new) })));
    return Ui.table("version-changes", ["Path", "Change", "Old", "New"], rows, "No change.");
  }

  // The versions card of a workflow or workbook page: the list (newest first) and a diff
  // between two versions chosen in it (by default the one before the current one and it).
  function card(kind, item) {
    const { url, ns } = base(kind, item);
    const error = Ui.alertBox("versions-error");
    const list = h("div", { id: "versions-list" }, h("p", { class: "muted", text: "Loading…" }));
    const from = h("select", { id: "diff-from", "aria-label": "from version" });
    const to = h("select", { id: "diff-to", "aria-label": "to version" });
    const out = h("div", { id: "version-diff" });
    let seq = 0;
    async function showDiff() {
      if (!from.value || !to.value) return;
      const mine = ++seq;
      try {
        const d = await Api.get(`${url}/${from.value}/diff/${to.value}${ns}`);
        if (mine !== seq) return; // the reader chose again: a newer answer is coming
        const s = d.summary;
        fill(out,
          h("p", { class: "muted", id: "diff-summary",
            text: `version ${d.from_version} → ${d.to_version}: ${s.added} added, ${s.removed} removed, ${s.changed} changed` }),
          h("div", { class: "diff", id: "unified-diff" }, diffLines(d.unified_diff)),
          changeTable(d.changes));
        error.show("");
      } catch (err) {
        if (mine === seq) error.show(err.message);
      }
    }
    from.addEventListener("change", showDiff);
    to.addEventListener("change", showDiff);
    (async () => {
      try {
        const versions = (await Api.get(`${url}${ns}`)).versions || [];
        const rows = versions.map((v) => h("tr", { "data-id": String(v.version), class: v.current ? "selected" : "" },
          h("td", { class: "version-no", text: `v${v.version}` }),
          h("td", { class: "time", text: formatTime(v.created_at) }),
          h("td", { text: v.user ? `${v.user} (${v.project_id})` : v.project_id }),
          h("td", { class: "mono small", title: v.checksum, text: v.checksum.slice(0, 10) }),
          h("td", { class: "muted", text: v.current ? "current" : "" })));
        fill(list, Ui.table("versions-table", ["Version", `Saved (${Clock.short()})`, "By", "Checksum", ""], rows, "No version kept."));
        const options = () => versions.map((v) => h("option", { value: String(v.version), text: `v${v.version}` }));
        fill(from, options());
        fill(to, options());
        if (versions.length > 1) {
          from.value = String(versions[1].version);
          to.value = String(versions[0].version);
          showDiff();
        } else {
          fill(out, h("p", { class: "muted", text: "One version so far: saving a change keeps this one." }));
        }
      } catch (err) {
        error.show(err.message);
      }
    })();
    return h("section", { class: "card", id: "versions" },
      h("h2", { text: "Versions" }), error, list,
      h("div", { class: "form-row diff-pick" }, Ui.field("From", from), Ui.field("To", to)),
      out);
  }

  // "version N" for the head of an execution page, linking to the workflow's versions.
  function executionMeta(ex) {
    if (!ex.workflow_version) return null;
    return h("span", { id: "execution-version" }, "workflow ",
      h("a", { href: `#/workflows/${encodeURIComponent(ex.workflow_id)}`, text: `version ${ex.workflow_version}` }));
  }

  return { card, executionMeta };
})();
