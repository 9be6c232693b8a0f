// One distribution: its configuration as fields and as the API's XML, its
// ETag, edit (If-Match), enable/disable, delete with progress, and tags.
import { call, callRaw } from "../api.js";
import { clear, h, setStatus, statusLine } from "../dom.js";
import { configForm } from "../form.js";
import { tagsSection } from "./tags.js";

const pollMs = 1000;

export async function render(main, { arg: id }) {
  let stopped = false;
  let timer = null;
  const status = statusLine();
  main.append(h("h2", {}, "Distribution ", h("code", {}, id)), status);
  let loaded;
  try {
    loaded = await callRaw("GetStreamingDistribution", { Id: id });
  } catch (err) {
    setStatus(status, err.cli, "error");
    return;
  }
  const d = loaded.out.StreamingDistribution;
  const etag = loaded.out.ETag; // the version the form below edits
  const cfg = d.StreamingDistributionConfig;

  const liveStatus = h("span", { id: "detail-status", class: "badge" });
  const showStatus = (s) => {
    liveStatus.textContent = s;
    liveStatus.className = "badge " + (s === "Deployed" ? "ok" : "busy");
  };
  showStatus(d.Status);
  const poll = async () => {
    if (stopped) return;
    try {
      const out = await call("GetStreamingDistribution", { Id: id });
      showStatus(out.StreamingDistribution.Status);
      if (out.StreamingDistribution.Status === "Deployed") return;
    } catch { /* shown on the next action */ }
    timer = setTimeout(poll, pollMs);
  };
  if (d.Status !== "Deployed") timer = setTimeout(poll, pollMs);

  const actions = actionsSection(id, d, etag, status);
  main.append(
    h("section", { "aria-labelledby": "sum-h" }, h("h3", { id: "sum-h" }, "Summary"),
      h("dl", { class: "facts" },
        fact("Domain name", d.DomainName), fact("ARN", d.ARN), fact("Status", liveStatus),
        fact("Last modified", d.LastModifiedTime?.toISOString?.() ?? ""),
        fact("ETag (as loaded)", h("code", { id: "detail-etag" }, etag)),
        fact("Active trusted signers", activeSigners(d.ActiveTrustedSigners)))),
    actions.el,
    h("section", { "aria-labelledby": "cfg-h" }, h("h3", { id: "cfg-h" }, "Configuration"),
      h("dl", { class: "facts", id: "config-fields" }, flatten(cfg).map(([k, v]) => fact(k, v)))),
    editSection(id, cfg, etag, status),
    await tagsSection(d.ARN),
    h("section", { "aria-labelledby": "xml-h" }, h("h3", { id: "xml-h" }, "As the API returns it (GetStreamingDistribution)"),
      h("pre", { class: "xml", id: "raw-xml", tabindex: 0, "aria-label": "Response XML" }, loaded.raw)));
  return () => { stopped = true; clearTimeout(timer); actions.stop(); };
}

function fact(k, v) {
  return [h("dt", {}, k), h("dd", {}, v)];
}

export function activeSigners(a) {
  if (!a?.Enabled) return "not enabled";
  return (a.Items ?? []).map((s) => `${s.AwsAccountNumber}: ${(s.KeyPairIds?.Items ?? []).join(", ") || "no active key pair"}`).join("; ") || "none";
}

// flatten turns the config into [path, text] pairs (Aliases.Items, …).
function flatten(obj, prefix = "") {
  const out = [];
  for (const [k, v] of Object.entries(obj ?? {})) {
    const path = prefix + k;
    if (Array.isArray(v)) out.push([path, v.join(", ")]);
    else if (v && typeof v === "object") out.push(...flatten(v, path + "."));
    else out.push([path, String(v)]);
  }
  return out;
}

// reloadOffer is the message of a 412: someone else changed it.
function reloadOffer(err) {
  return h("div", { class: "conflict", role: "alert", id: "conflict" },
    h("p", {}, "Someone else changed this distribution since you loaded it; nothing was saved."),
    h("p", {}, h("code", {}, err.cli)),
    h("button", { type: "button", onclick: () => dispatchEvent(new HashChangeEvent("hashchange")) }, "Reload"));
}

function editSection(id, cfg, etag, status) {
  const form = configForm({ edit: true });
  form.fill(cfg);
  const result = h("div");
  const save = h("button", { type: "submit", id: "edit-save" }, "Save changes");
  const el = h("form", { id: "edit-form", novalidate: true }, form.el, save, result);
  el.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.clearErrors();
    clear(result);
    save.disabled = true;
    try {
      await call("UpdateStreamingDistribution", { Id: id, IfMatch: etag, StreamingDistributionConfig: form.read() });
      setStatus(status, "Saved.", "ok");
      dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      if (err.code === "PreconditionFailed") result.append(reloadOffer(err));
      else form.showError(err);
    } finally {
      save.disabled = false;
    }
  });
  return h("section", { "aria-labelledby": "edit-h" }, h("h3", { id: "edit-h" }, "Edit (If-Match ", h("code", {}, etag), ")"), el);
}

function actionsSection(id, d, etag, status) {
  const cfg = d.StreamingDistributionConfig;
  let stopped = false;
  const progress = h("ol", { class: "progress", id: "delete-progress", "aria-live": "polite" });
  const conflict = h("div");
  const toggle = h("button", { type: "button", id: "toggle-enabled" }, cfg.Enabled ? "Disable" : "Enable");
  const del = h("button", { type: "button", id: "delete", class: "danger" }, "Delete…");
  const confirm = h("button", { type: "button", id: "delete-confirm", class: "danger", hidden: true }, `Delete ${id} now`);
  const step = (text) => {
    const li = h("li", {}, text);
    progress.append(li);
    return li;
  };
  toggle.addEventListener("click", async () => {
    toggle.disabled = true;
    try {
      await call("UpdateStreamingDistribution", { Id: id, IfMatch: etag, StreamingDistributionConfig: { ...cfg, Enabled: !cfg.Enabled } });
      dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      if (err.code === "PreconditionFailed") conflict.append(reloadOffer(err));
      else setStatus(status, err.cli, "error");
      toggle.disabled = false;
    }
  });
  del.addEventListener("click", () => { confirm.hidden = false; confirm.focus(); });
  confirm.addEventListener("click", async () => {
    confirm.disabled = toggle.disabled = del.disabled = true;
    clear(progress);
    try {
      let tag = etag;
      if (cfg.Enabled) {
        const s = step("Disabling…");
        tag = (await call("UpdateStreamingDistribution", { Id: id, IfMatch: etag, StreamingDistributionConfig: { ...cfg, Enabled: false } })).ETag;
        s.textContent = "Disabled.";
      }
      const w = step("Waiting for Status Deployed…");
      const started = Date.now();
      for (;;) {
        if (stopped) return;
        const out = await call("GetStreamingDistribution", { Id: id });
        tag = out.ETag;
        if (out.StreamingDistribution.Status === "Deployed") break;
        w.textContent = `Waiting for Status Deployed… (${Math.round((Date.now() - started) / 1000)} s, ${out.StreamingDistribution.Status})`;
        await new Promise((r) => setTimeout(r, pollMs));
      }
      w.textContent = "Deployed.";
      const x = step("Deleting…");
      await call("DeleteStreamingDistribution", { Id: id, IfMatch: tag });
      x.textContent = "Deleted.";
      step(h("a", { href: "#/distributions" }, "Back to the distributions"));
    } catch (err) {
      if (err.code === "PreconditionFailed") conflict.append(reloadOffer(err));
      step("Failed: " + (err.cli ?? err)).classList.add("error");
      confirm.disabled = toggle.disabled = del.disabled = false;
    }
  });
  const el = h("section", { "aria-labelledby": "act-h" }, h("h3", { id: "act-h" }, "Actions"),
    h("div", { class: "actions" }, toggle, del, confirm,
      h("a", { class: "button", href: "#/play?dist=" + encodeURIComponent(id) }, "Play…")),
    conflict, progress);
  return { el, stop: () => (stopped = true) };
}
