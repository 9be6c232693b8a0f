// Trusted signers: ActiveTrustedSigners of every distribution, and a
// signed-URL generator (canned or custom policy) signing in the browser.
import { call, listDistributionsPage } from "../api.js";
import { clear, copyButton, field, h, input, select, setStatus, statusLine } from "../dom.js";
import { rtmpStreamName, signQuery, signingKey } from "../sign.js";
import { activeSigners } from "./detail.js";
import { keyPanel } from "./keypanel.js";

export async function allDistributions() {
  const all = [];
  let marker = "";
  do {
    const l = await listDistributionsPage(marker);
    all.push(...(l.Items ?? []));
    marker = l.IsTruncated ? l.NextMarker : "";
  } while (marker);
  return all;
}

export async function render(main) {
  const status = statusLine();
  const tbody = h("tbody");
  main.append(h("h2", {}, "Trusted signers"), status,
    h("div", { class: "table-wrap" }, h("table", { id: "signers" },
      h("caption", { class: "sr-only" }, "Active trusted signers per distribution"),
      h("thead", {}, h("tr", {}, ["Distribution", "Trusted signers", "Active trusted signers (account: key pairs)"].map((c) => h("th", { scope: "col" }, c)))),
      tbody)));
  let dists = [];
  try {
    dists = await allDistributions();
    const full = await Promise.all(dists.map((d) => call("GetStreamingDistribution", { Id: d.Id })));
    tbody.append(...full.map(({ StreamingDistribution: d }) => h("tr", {},
      h("td", {}, h("a", { href: "#/distribution/" + d.Id }, d.Id), h("br"), d.DomainName),
      h("td", {}, d.StreamingDistributionConfig.TrustedSigners.Enabled ? (d.StreamingDistributionConfig.TrustedSigners.Items ?? []).join(", ") : "off"),
      h("td", {}, activeSigners(d.ActiveTrustedSigners)))));
    if (!full.length) tbody.append(h("tr", {}, h("td", { colspan: 3 }, "No streaming distributions.")));
  } catch (err) {
    setStatus(status, err.cli ?? String(err), "error");
  }
  main.append(h("h3", {}, "Signed URL generator"), generator(dists));
}

function generator(dists) {
  const dist = field("Distribution", select(dists.map((d) => [d.DomainName, `${d.Id} (${d.DomainName})`]), { id: "sign-dist" }));
  const key = field("Object key", input({ id: "sign-key", value: "videos/clip.mp4" }));
  const expires = field("Expires (UTC)", input({ id: "sign-expires", type: "datetime-local", step: 1,
    value: new Date(Date.now() + 3600e3).toISOString().slice(0, 19) }));
  const policy = field("Policy", select([["canned", "Canned (expiry only)"], ["custom", "Custom (also start time and IP range)"]], { id: "sign-policy" }));
  const starts = field("Not before (UTC, custom policy)", input({ id: "sign-starts", type: "datetime-local", step: 1 }));
  const ip = field("Source IP range (custom policy)", input({ id: "sign-ip", placeholder: "192.0.2.0/24" }));
  const outRTMP = h("output", { id: "signed-rtmp", class: "url" });
  const outHTTP = h("output", { id: "signed-http", class: "url" });
  const status = statusLine();
  const go = h("button", { type: "button", id: "sign-go" }, "Sign");
  const epoch = (v) => (v ? Math.floor(Date.parse(v + "Z") / 1000) : 0);
  go.addEventListener("click", async () => {
    clear(outRTMP);
    clear(outHTTP);
    if (!signingKey.key) return setStatus(status, "Load a signing key first.", "error");
    const k = key.control.value.trim();
    const args = { key: signingKey.key, keyPairId: signingKey.keyPairId, expires: epoch(expires.control.value),
      custom: policy.control.value === "custom", starts: epoch(starts.control.value), ip: ip.control.value.trim() };
    try {
      const name = rtmpStreamName(k);
      const rtmp = name + "?" + await signQuery({ ...args, resource: name });
      const httpURL = `http://${dist.control.value}/${k}`;
      const http = httpURL + "?" + await signQuery({ ...args, resource: httpURL });
      outRTMP.textContent = rtmp;
      outHTTP.textContent = http;
      setStatus(status, "Signed in this page.", "ok");
    } catch (err) {
      setStatus(status, "Signing failed: " + (err.message || err.name), "error");
    }
  });
  return h("div", { class: "generator" }, keyPanel(), dist.wrap, key.wrap, expires.wrap, policy.wrap, starts.wrap, ip.wrap, go, status,
    h("p", {}, "RTMP stream name: ", outRTMP, " ", copyButton("Copy the signed RTMP stream name", () => outRTMP.textContent)),
    h("p", {}, "HTTP URL: ", outHTTP, " ", copyButton("Copy the signed HTTP URL", () => outHTTP.textContent)));
}
