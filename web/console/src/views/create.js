// Create: every member of StreamingDistributionConfig, and tags; the API's
// error is shown next to the field it concerns.
import { call } from "../api.js";
import { h } from "../dom.js";
import { configForm } from "../form.js";
import { listOAIs } from "./oais.js";

export async function render(main) {
  const oais = await listOAIs().catch(() => []);
  const form = configForm({ oais });
  const submit = h("button", { type: "submit", id: "create-submit" }, "Create distribution");
  const el = h("form", { id: "create-form", novalidate: true }, form.el, submit);
  el.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.clearErrors();
    submit.disabled = true;
    try {
      const cfg = form.read();
      const tags = form.tags();
      const out = tags.length
        ? await call("CreateStreamingDistributionWithTags", { StreamingDistributionConfigWithTags: { StreamingDistributionConfig: cfg, Tags: { Items: tags } } })
        : await call("CreateStreamingDistribution", { StreamingDistributionConfig: cfg });
      location.hash = "#/distribution/" + encodeURIComponent(out.StreamingDistribution.Id);
    } catch (err) {
      if (!err.cli) throw err;
      form.showError(err);
    } finally {
      submit.disabled = false;
    }
  });
  main.append(h("h2", {}, "Create a streaming distribution"), el);
}
