// The form of a StreamingDistributionConfig, every member of it, used by
// Create and by Edit; it puts an API error next to the field it concerns.
import { checkbox, field, h, input, select, textarea } from "./dom.js";

const lines = (s) => s.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

// Which field an error concerns: by code, else by the name in its message.
const fieldOfCode = {
  InvalidOrigin: "S3Origin.DomainName",
  InvalidOriginAccessIdentity: "S3Origin.OriginAccessIdentity",
  InvalidOriginAccessControl: "S3Origin.OriginAccessIdentity",
  CNAMEAlreadyExists: "Aliases",
  TooManyStreamingDistributionCNAMEs: "Aliases",
  TooManyTrustedSigners: "TrustedSigners",
  TrustedSignerDoesNotExist: "TrustedSigners",
  StreamingDistributionAlreadyExists: "CallerReference",
  IllegalUpdate: "CallerReference",
  InvalidTagging: "Tags",
};
const fieldOfWord = [
  ["S3Origin.DomainName", "S3Origin.DomainName"],
  ["origin access identity", "S3Origin.OriginAccessIdentity"],
  ["CallerReference", "CallerReference"],
  ["Comment", "Comment"],
  ["CNAME", "Aliases"],
  ["Aliases", "Aliases"],
  ["logs", "Logging.Bucket"],
  ["logging Prefix", "Logging.Prefix"],
  ["PriceClass", "PriceClass"],
  ["trusted signer", "TrustedSigners"],
];

export function fieldOfError(err) {
  if (fieldOfCode[err.code]) return fieldOfCode[err.code];
  const m = err.message.toLowerCase();
  return fieldOfWord.find(([w]) => m.includes(w.toLowerCase()))?.[1] ?? "";
}

// configForm returns {el, read, fill, showError, clearErrors}. With edit set,
// CallerReference is read-only (it cannot change) and there are no tags.
export function configForm({ edit = false, oais = [] } = {}) {
  const f = {
    CallerReference: field("Caller reference", input({ required: true, readonly: edit || null }),
      { name: "CallerReference", hint: "Unique per request: sending the same one again returns the same distribution." }),
    DomainName: field("S3 origin domain name", input({ required: true, placeholder: "media.s3.amazonaws.com"}),
      { name: "S3Origin.DomainName", hint: "bucket.s3.amazonaws.com; the bucket is the origin directory's sub-directory." }),
    OAI: field("Origin access identity", input({ list: "oai-list", placeholder: "origin-access-identity/cloudfront/E…" }),
      { name: "S3Origin.OriginAccessIdentity", hint: "Empty for none." }),
    Aliases: field("Aliases (CNAMEs), one per line", textarea({ rows: 2 }), { name: "Aliases" }),
    Comment: field("Comment", input({}), { name: "Comment" }),
    PriceClass: field("Price class", select([["", "(not set)"], ["PriceClass_100", "PriceClass_100"],
      ["PriceClass_200", "PriceClass_200"], ["PriceClass_All", "PriceClass_All"]]), { name: "PriceClass" }),
    Enabled: checkbox("Enabled", true, { name: "Enabled" }),
    LogEnabled: checkbox("Access logging enabled", false, { name: "Logging.Enabled" }),
    LogBucket: field("Log bucket", input({ placeholder: "logs.s3.amazonaws.com" }), { name: "Logging.Bucket" }),
    LogPrefix: field("Log prefix", input({}), { name: "Logging.Prefix" }),
    TSEnabled: checkbox("Trusted signers enabled (plays need a signed URL)", false, { name: "TrustedSigners.Enabled" }),
    TSItems: field("Trusted signers, one per line (self or an account id)", textarea({ rows: 2 }), { name: "TrustedSigners" }),
    Tags: edit ? null : field("Tags, one Key=Value per line", textarea({ rows: 2 }), { name: "Tags" }),
  };
  f.CallerReference.control.value = "console-" + Date.now();
  const formError = h("p", { class: "form-error", role: "alert" });
  const datalist = h("datalist", { id: "oai-list" },
    oais.map((o) => h("option", { value: "origin-access-identity/cloudfront/" + o.Id }, o.Comment)));
  const el = h("div", { class: "config-form" },
    h("fieldset", {}, h("legend", {}, "Origin"), f.CallerReference.wrap, f.DomainName.wrap, f.OAI.wrap, datalist),
    h("fieldset", {}, h("legend", {}, "Distribution"), f.Aliases.wrap, f.Comment.wrap, f.PriceClass.wrap, f.Enabled.wrap),
    h("fieldset", {}, h("legend", {}, "Logging"), f.LogEnabled.wrap, f.LogBucket.wrap, f.LogPrefix.wrap),
    h("fieldset", {}, h("legend", {}, "Trusted signers"), f.TSEnabled.wrap, f.TSItems.wrap),
    f.Tags ? h("fieldset", {}, h("legend", {}, "Tags"), f.Tags.wrap) : null,
    formError);

  function read() {
    const aliases = lines(f.Aliases.control.value);
    const signers = lines(f.TSItems.control.value);
    const cfg = {
      CallerReference: f.CallerReference.control.value,
      S3Origin: { DomainName: f.DomainName.control.value.trim(), OriginAccessIdentity: f.OAI.control.value.trim() },
      Aliases: { Quantity: aliases.length, Items: aliases.length ? aliases : undefined },
      Comment: f.Comment.control.value,
      Logging: { Enabled: f.LogEnabled.control.checked, Bucket: f.LogBucket.control.value.trim(), Prefix: f.LogPrefix.control.value },
      TrustedSigners: { Enabled: f.TSEnabled.control.checked, Quantity: signers.length, Items: signers.length ? signers : undefined },
      PriceClass: f.PriceClass.control.value || undefined,
      Enabled: f.Enabled.control.checked,
    };
    return cfg;
  }

  function tags() {
    if (!f.Tags) return [];
    return lines(f.Tags.control.value).map((l) => {
      const i = l.indexOf("=");
      return i < 0 ? { Key: l, Value: "" } : { Key: l.slice(0, i).trim(), Value: l.slice(i + 1).trim() };
    });
  }

  function fill(cfg) {
    f.CallerReference.control.value = cfg.CallerReference ?? "";
    f.DomainName.control.value = cfg.S3Origin?.DomainName ?? "";
    f.OAI.control.value = cfg.S3Origin?.OriginAccessIdentity ?? "";
    f.Aliases.control.value = (cfg.Aliases?.Items ?? []).join("\n");
    f.Comment.control.value = cfg.Comment ?? "";
    f.PriceClass.control.value = cfg.PriceClass ?? "";
    f.Enabled.control.checked = !!cfg.Enabled;
    f.LogEnabled.control.checked = !!cfg.Logging?.Enabled;
    f.LogBucket.control.value = cfg.Logging?.Bucket ?? "";
    f.LogPrefix.control.value = cfg.Logging?.Prefix ?? "";
    f.TSEnabled.control.checked = !!cfg.TrustedSigners?.Enabled;
    f.TSItems.control.value = (cfg.TrustedSigners?.Items ?? []).join("\n");
  }

  function clearErrors() {
    for (const x of Object.values(f)) if (x) { x.err.textContent = ""; x.wrap.classList.remove("has-error"); }
    formError.textContent = "";
  }

  // showError puts err (an ApiError) next to its field, else under the form.
  function showError(err) {
    clearErrors();
    const name = fieldOfError(err);
    const target = Object.values(f).find((x) => x && name && x.wrap.dataset.field === name);
    if (target) {
      target.err.textContent = err.cli;
      target.wrap.classList.add("has-error");
      target.control.focus();
    } else {
      formError.textContent = err.cli;
      formError.scrollIntoView({ block: "nearest" });
    }
  }

  return { el, read, tags, fill, showError, clearErrors };
}
