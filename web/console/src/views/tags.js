// Tags of a distribution: list, add (TagResource), remove (UntagResource).
import { call } from "../api.js";
import { clear, field, h, input, latestOnly, setStatus, statusLine } from "../dom.js";

export async function tagsSection(arn) {
  const list = h("ul", { class: "tags", id: "tag-list" });
  const status = statusLine();
  const key = field("Tag key", input({ required: true }));
  const value = field("Tag value", input({}));
  const form = h("form", { class: "inline", id: "tag-form" }, key.wrap, value.wrap, h("button", { type: "submit" }, "Add tag"));

  const load = latestOnly(async (current) => {
    try {
      const out = await call("ListTagsForResource", { Resource: arn });
      if (!current()) return;
      const items = out.Tags?.Items ?? [];
      clear(list).append(...items.map((t) => h("li", {}, h("span", { class: "tag" }, `${t.Key}=${t.Value}`), " ",
        h("button", { type: "button", "aria-label": `Remove tag ${t.Key}`, onclick: () => untag(t.Key) }, "Remove"))));
      if (!items.length) list.append(h("li", {}, "No tags."));
    } catch (err) {
      setStatus(status, err.cli, "error");
    }
  });
  async function untag(k) {
    try {
      await call("UntagResource", { Resource: arn, TagKeys: { Items: [k] } });
      setStatus(status, `Removed ${k}.`, "ok");
    } catch (err) {
      setStatus(status, err.cli, "error");
    }
    load();
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await call("TagResource", { Resource: arn, Tags: { Items: [{ Key: key.control.value.trim(), Value: value.control.value }] } });
      setStatus(status, `Tagged ${key.control.value}.`, "ok");
      key.control.value = value.control.value = "";
    } catch (err) {
      setStatus(status, err.cli, "error");
    }
    load();
  });
  await load();
  return h("section", { "aria-labelledby": "tags-h" }, h("h3", { id: "tags-h" }, "Tags"), list, form, status);
}
