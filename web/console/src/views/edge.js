// Edge: live viewers and bytes sent per second, from the Prometheus metrics
// the server exposes on this listener (/metrics), as two small charts.
import { clear, h, setStatus, statusLine } from "../dom.js";

const everyMs = 2000;
const points = 60;
const svgNS = "http://www.w3.org/2000/svg";

// sum adds every series of a metric (all label sets) in Prometheus text.
export function sum(text, name) {
  let total = 0;
  let seen = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    const v = Number(line.trim().split(/\s+/).at(-1));
    if (!Number.isNaN(v)) { total += v; seen = true; }
  }
  return seen ? total : null;
}

// byLabel sums a metric's series per value of one label, e.g. the bytes
// sent by protocol: {rtmp: …, http: …}.
export function byLabel(text, name, label) {
  const out = {};
  const re = new RegExp(`^${name}\\{[^}]*\\b${label}="([^"]*)"[^}]*\\}\\s+(\\S+)`);
  for (const line of text.split("\n")) {
    const m = re.exec(line);
    if (m) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}

function chart(title, id) {
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("viewBox", `0 0 ${points} 40`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  const line = document.createElementNS(svgNS, "polyline");
  svg.append(line);
  const now = h("p", { class: "metric", id });
  const el = h("figure", {}, h("figcaption", {}, title), svg, now);
  return {
    el,
    draw(values, label) {
      const max = Math.max(1, ...values);
      line.setAttribute("points", values.map((v, i) => `${i + points - values.length},${40 - (v / max) * 38 - 1}`).join(" "));
      now.textContent = label + ` · peak shown ${fmt(max)}`;
    },
  };
}

const fmt = (n) => (n >= 1e6 ? (n / 1e6).toFixed(1) + " M" : n >= 1e3 ? (n / 1e3).toFixed(1) + " k" : String(Math.round(n)));

export async function render(main) {
  const status = statusLine();
  const viewers = chart("Viewers now", "edge-viewers");
  const rate = chart("Bytes sent per second", "edge-rate");
  main.append(h("h2", {}, "Edge"), h("p", {}, "From this server's ", h("a", { href: "/metrics" }, "/metrics"),
    ", every 2 s: streamfront_edge_viewers and the rate of streamfront_edge_sent_bytes_total."),
    status, h("div", { class: "charts" }, viewers.el, rate.el));
  const v = [];
  const r = [];
  let last = null;
  let timer = null;
  let stopped = false;
  async function tick() {
    try {
      const text = await (await fetch("/metrics", { cache: "no-store" })).text();
      const nViewers = sum(text, "streamfront_edge_viewers");
      const sent = sum(text, "streamfront_edge_sent_bytes_total");
      const sentBy = byLabel(text, "streamfront_edge_sent_bytes_total", "protocol");
      const t = performance.now();
      if (nViewers === null) setStatus(status, "No edge runs in this server (start serve with an origin).");
      else setStatus(status, "");
      v.push(nViewers ?? 0);
      const secs = last ? (t - last.t) / 1000 : 0;
      r.push(last && sent !== null ? Math.max(0, (sent - last.sent) / secs) : 0);
      const parts = last ? Object.entries(sentBy).map(([p, v]) => `${p} ${fmt(Math.max(0, (v - (last.sentBy[p] ?? 0)) / secs))}B/s`) : [];
      last = sent === null ? null : { sent, sentBy, t };
      for (const a of [v, r]) if (a.length > points) a.shift();
      viewers.draw(v, `${fmt(v.at(-1))} viewer${v.at(-1) === 1 ? "" : "s"}`);
      rate.draw(r, `${fmt(r.at(-1))}B/s` + (parts.length > 1 ? ` (${parts.join(", ")})` : ""));
    } catch (err) {
      setStatus(status, "Cannot read /metrics: " + err.message, "error");
    }
    if (!stopped) timer = setTimeout(tick, everyMs);
  }
  clear(status);
  await tick();
  return () => { stopped = true; clearTimeout(timer); };
}
