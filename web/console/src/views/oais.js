// Origin access identities: list (with the distributions using each),
// create, edit the comment (If-Match), delete (InUse shown as the API says).
import { call, listDistributionsPage } from "../api.js";
import { clear, field, h, input, latestOnly, setStatus, statusLine } from "../dom.js";

export async function listOAIs() {
  const all = [];
  let marker;
  do {
    const out = await call("ListCloudFrontOriginAccessIdentities", { MaxItems: 100, Marker: marker });
    const l = out.CloudFrontOriginAccessIdentityList;
    all.push(...(l.Items ?? []));
    marker = l.IsTruncated ? l.NextMarker : undefined;
  } while (marker);
  return all;
}

// usedBy maps an OAI Id to the distributions whose S3Origin names it.
async function usedBy() {
  const m = new Map();
  let marker = "";
  do {
    const l = await listDistributionsPage(marker);
    for (const d of l.Items ?? []) {
      const id = (d.S3Origin?.OriginAccessIdentity ?? "").split("/").pop();
      if (id) m.set(id, [...(m.get(id) ?? []), d.Id]);
    }
    marker = l.IsTruncated ? l.NextMarker : "";
  } while (marker);
  return m;
}

export async function render(main) {
  const status = statusLine();
  const tbody = h("tbody");
  const ref = field("Caller reference", input({ required: true, value: "console-oai-" + Date.now() }));
  const comment = field("Comment", input({}));
  const create = h("form", { id: "oai-create", class: "inline" }, ref.wrap, comment.wrap, h("button", { type: "submit" }, "Create identity"));
  main.append(h("h2", {}, "Origin access identities"), status,
    h("div", { class: "table-wrap" }, h("table", { id: "oais" },
      h("caption", { class: "sr-only" }, "Origin access identities"),
      h("thead", {}, h("tr", {}, ["Id", "S3 canonical user", "Comment", "In use by", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
      tbody)),
    h("h3", {}, "Create"), create);

  const load = latestOnly(async (current) => {
    try {
      const [items, users] = await Promise.all([listOAIs(), usedBy().catch(() => new Map())]);
      if (!current()) return;
      clear(tbody).append(...items.map((o) => row(o, users.get(o.Id) ?? [], status, load)));
      if (!items.length) tbody.append(h("tr", {}, h("td", { colspan: 5 }, "No origin access identities yet.")));
    } catch (err) {
      setStatus(status, err.cli, "error");
    }
  });
  create.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const out = await call("CreateCloudFrontOriginAccessIdentity", {
        CloudFrontOriginAccessIdentityConfig: { CallerReference: ref.control.value, Comment: comment.control.value } });
      setStatus(status, `Created ${out.CloudFrontOriginAccessIdentity.Id}.`, "ok");
      ref.control.value = "console-oai-" + Date.now();
      comment.control.value = "";
    } catch (err) {
      setStatus(status, err.cli, "error");
    }
    load();
  });
  await load();
}

function row(o, users, status, reload) {
  const comment = h("input", { value: o.Comment, "aria-label": `Comment of ${o.Id}` });
  const save = h("button", { type: "button" }, "Save");
  const del = h("button", { type: "button", class: "danger" }, "Delete");
  save.addEventListener("click", async () => {
    try {
      const cur = await call("GetCloudFrontOriginAccessIdentityConfig", { Id: o.Id });
      await call("UpdateCloudFrontOriginAccessIdentity", { Id: o.Id, IfMatch: cur.ETag,
        CloudFrontOriginAccessIdentityConfig: { ...cur.CloudFrontOriginAccessIdentityConfig, Comment: comment.value } });
      setStatus(status, `Saved ${o.Id}.`, "ok");
    } catch (err) {
      setStatus(status, err.cli, "error");
    }
    reload();
  });
  del.addEventListener("click", async () => {
    try {
      const cur = await call("GetCloudFrontOriginAccessIdentity", { Id: o.Id });
      await call("DeleteCloudFrontOriginAccessIdentity", { Id: o.Id, IfMatch: cur.ETag });
      setStatus(status, `Deleted ${o.Id}.`, "ok");
    } catch (err) {
      setStatus(status, err.cli, "error");
    }
    reload();
  });
  return h("tr", { dataset: { id: o.Id } },
    h("td", {}, h("code", {}, o.Id)), h("td", { class: "wrap" }, o.S3CanonicalUserId),
    h("td", {}, comment),
    h("td", {}, users.length ? users.map((id) => h("a", { href: "#/distribution/" + id }, id)) : "not in use"),
    h("td", {}, save, " ", del));
}
