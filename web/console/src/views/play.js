// Play: the RTMP, HLS and DASH URLs of an object (the HTTP edge's URL
// scheme), and the video itself over HLS with hls.js, signed
// when the distribution has trusted signers.
import Hls from "hls.js/light";
import { call, serverConfig } from "../api.js";
import { clear, copyButton, field, h, input, select, setStatus, statusLine } from "../dom.js";
import { rtmpStreamName, signQuery, signingKey } from "../sign.js";
import { keyPanel } from "./keypanel.js";
import { allDistributions } from "./signers.js";

export async function render(main, { params }) {
  const cfg = await serverConfig();
  const status = statusLine();
  main.append(h("h2", {}, "Play"), status);
  let dists = [];
  try {
    dists = await allDistributions();
  } catch (err) {
    setStatus(status, err.cli ?? String(err), "error");
  }
  const dist = field("Distribution", select(dists.map((d) => [d.Id, `${d.Id} (${d.DomainName})${d.Enabled ? "" : " — disabled"}`]), { id: "play-dist" }));
  if (params.get("dist")) dist.control.value = params.get("dist");
  const key = field("Object key", input({ id: "play-key", value: params.get("key") ?? "videos/clip.mp4" }));
  const urls = h("dl", { class: "urls", id: "play-urls" });
  const video = h("video", { id: "player", controls: true, muted: true, playsinline: true, "aria-label": "Video player" });
  const keyHolder = h("div");
  const go = h("button", { type: "submit", id: "play-go" }, "Play");
  const form = h("form", { class: "inline" }, dist.wrap, key.wrap, go);
  const time = h("p", { class: "hint", id: "play-time", "aria-live": "off" });
  video.addEventListener("timeupdate", () => (time.textContent = `Playing at ${video.currentTime.toFixed(1)} s`));
  main.append(form, keyHolder, video, time, urls);

  let hls = null;
  const stop = () => { hls?.destroy(); hls = null; video.removeAttribute("src"); };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    stop();
    clear(urls);
    clear(keyHolder);
    setStatus(status, "");
    const d = dists.find((x) => x.Id === dist.control.value);
    if (!d) return setStatus(status, "Choose a distribution.", "error");
    const k = key.control.value.trim().replace(/^\/+/, "");
    let query = "";
    let rtmpQuery = "";
    if (d.TrustedSigners?.Enabled) {
      if (!signingKey.key) {
        keyHolder.append(h("p", {}, "This distribution has trusted signers: plays need a signed URL. Load a key pair's private key:"),
          keyPanel(() => go.click()));
        return;
      }
      // One custom policy for the object, its playlists and every segment
      // below it (the packager appends the query to each URL it lists).
      query = "?" + await signQuery({ key: signingKey.key, keyPairId: signingKey.keyPairId, custom: true,
        resource: `${edgeBase(d, k, cfg)}*`, expires: Math.floor(Date.now() / 1000) + 3600 });
      rtmpQuery = "?" + await signQuery({ key: signingKey.key, keyPairId: signingKey.keyPairId,
        resource: rtmpStreamName(k), expires: Math.floor(Date.now() / 1000) + 3600 });
    }
    const list = playURLs(d, k, cfg, query, rtmpQuery);
    for (const [label, url] of list) {
      urls.append(h("dt", {}, label), h("dd", {}, h("code", { class: "url" }, url), " ", copyButton("Copy the " + label, () => url)));
    }
    const hlsURL = list.find(([l]) => l === "HLS (fMP4)")?.[1];
    if (!hlsURL) return setStatus(status, "The HTTP edge is not running (serve --http-listen): only RTMP is available.", "error");
    if (!Hls.isSupported()) return setStatus(status, "This browser has no Media Source Extensions for hls.js.", "error");
    hls = new Hls({ enableWorker: false });
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (data.fatal) setStatus(status, `Playback failed: ${data.details}${data.response?.code ? " (HTTP " + data.response.code + ")" : ""}`, "error");
    });
    hls.loadSource(hlsURL);
    hls.attachMedia(video);
    hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch((err) => setStatus(status, "Press play: " + err.message)));
  });
  if (params.get("dist") && params.get("key")) go.click();
  return stop;
}

// edgeBase is the object's URL on the local HTTP edge (Host
// <domain>.localhost, which browsers resolve to this machine).
function edgeBase(d, k, cfg) {
  return `${cfg.httpEdgeScheme ?? "http"}://${d.DomainName}.localhost:${cfg.httpEdgePort}/${k}`;
}

// playURLs lists the delivery URLs of object key k of distribution d.
// query signs the HTTP URLs (a policy for everything below the key),
// rtmpQuery the RTMP stream name.
export function playURLs(d, k, cfg, query, rtmpQuery) {
  const stream = rtmpStreamName(k) + rtmpQuery;
  const out = [["RTMP", `rtmp://${d.DomainName}/cfx/st/${stream}`]];
  if (cfg.rtmpEdge) {
    out.push(["ffplay (local RTMP edge)",
      `ffplay -rtmp_app cfx/st -rtmp_tcurl rtmp://${d.DomainName}/cfx/st -rtmp_playpath '${stream}' rtmp://${cfg.rtmpEdge}/cfx/st`]);
  }
  if (cfg.httpEdgePort) {
    const base = edgeBase(d, k, cfg);
    out.push(["HLS (fMP4)", `${base}/index.m3u8${query}`], ["HLS (MPEG-TS)", `${base}/ts/index.m3u8${query}`],
      ["DASH", `${base}/manifest.mpd${query}`], ["Progressive download", `${base}${query}`], ["Player page", `${base}/player${query}`]);
  }
  return out;
}
