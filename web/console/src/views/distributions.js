// Distributions: the list, 100 per page, filtered by text, Status polled
// until every shown distribution is Deployed.
import { call, listDistributionsPage } from "../api.js";
import { clear, field, h, input, latestOnly, setStatus, statusLine } from "../dom.js";

const pollMs = 1000;

export async function render(main) {
  const filter = field("Filter (Id, domain, alias, comment, tag)", input({ type: "search", id: "dist-filter" }),
    { hint: "Filters the page shown (100 distributions per page)." });
  const status = statusLine();
  const tbody = h("tbody");
  const pageInfo = h("span", { class: "page-info" });
  const prev = h("button", { type: "button", disabled: true }, "Previous page");
  const next = h("button", { type: "button", disabled: true }, "Next page");
  main.append(h("h2", {}, "Streaming distributions"),
    h("p", {}, h("a", { href: "#/create", class: "button" }, "Create distribution")),
    filter.wrap, status,
    h("div", { class: "table-wrap" }, h("table", { id: "distributions", class: "cards" },
      h("caption", { class: "sr-only" }, "Streaming distributions"),
      h("thead", {}, h("tr", {}, ["Id", "Domain name", "Aliases", "Comment", "Enabled", "Status", "Tags"].map((c) => h("th", { scope: "col" }, c)))),
      tbody)),
    h("div", { class: "pager" }, prev, pageInfo, next));

  const markers = [""]; // markers[i] is the Marker of page i
  let page = 0;
  let items = [];
  let nextMarker = "";
  const tags = new Map(); // ARN -> [{Key, Value}]
  let timer = null;
  let stopped = false;

  // A page click overtakes a poll in flight: only the newest load draws.
  const load = latestOnly(async (current, withTags) => {
    try {
      const list = await listDistributionsPage(markers[page]);
      if (withTags) await loadTags(list.Items ?? [], tags);
      if (!current()) return;
      items = list.Items ?? [];
      nextMarker = list.IsTruncated ? list.NextMarker : "";
      setStatus(status, "");
    } catch (err) {
      if (!current()) return;
      setStatus(status, err.cli ?? String(err), "error");
      items = [];
    }
    if (stopped) return;
    draw();
    clearTimeout(timer);
    if (items.some((d) => d.Status !== "Deployed")) timer = setTimeout(() => load(false), pollMs);
  });

  function draw() {
    const q = filter.control.value.trim().toLowerCase();
    const shown = items.filter((d) => !q || text(d, tags).includes(q));
    clear(tbody).append(...shown.map((d) => row(d, tags.get(d.ARN) ?? [])));
    if (shown.length === 0) tbody.append(h("tr", {}, h("td", { colspan: 7 }, items.length ? "No distribution matches the filter." : "No streaming distributions yet.")));
    pageInfo.textContent = `Page ${page + 1} · ${items.length} on this page`;
    prev.disabled = page === 0;
    next.disabled = !nextMarker;
  }

  filter.control.addEventListener("input", draw);
  prev.addEventListener("click", () => { page--; load(true); });
  next.addEventListener("click", () => { markers[page + 1] = nextMarker; page++; load(true); });
  await load(true);
  return () => { stopped = true; clearTimeout(timer); };
}

// loadTags fetches the tags of each distribution, a few at a time.
async function loadTags(items, tags) {
  const queue = [...items];
  const worker = async () => {
    for (let d; (d = queue.shift()); ) {
      try {
        const out = await call("ListTagsForResource", { Resource: d.ARN });
        tags.set(d.ARN, out.Tags?.Items ?? []);
      } catch {
        tags.set(d.ARN, []);
      }
    }
  };
  await Promise.all([1, 2, 3, 4].map(worker));
}

function text(d, tags) {
  const t = (tags.get(d.ARN) ?? []).map((x) => x.Key + "=" + x.Value);
  return [d.Id, d.DomainName, d.Comment, ...(d.Aliases?.Items ?? []), ...t].join(" ").toLowerCase();
}

function row(d, tagList) {
  const cell = (label, attrs, ...content) => h("td", { "data-label": label, ...attrs }, ...content);
  return h("tr", { dataset: { id: d.Id } },
    cell("Id", {}, h("a", { href: "#/distribution/" + encodeURIComponent(d.Id) }, d.Id)),
    cell("Domain name", {}, d.DomainName),
    cell("Aliases", {}, (d.Aliases?.Items ?? []).join(", ")),
    cell("Comment", {}, d.Comment),
    cell("Enabled", { class: "enabled" }, d.Enabled ? "Yes" : "No"),
    cell("Status", { class: "status-cell" }, h("span", { class: "badge " + (d.Status === "Deployed" ? "ok" : "busy") }, d.Status)),
    cell("Tags", {}, tagList.map((t) => h("span", { class: "tag" }, t.Key + "=" + t.Value))));
}
