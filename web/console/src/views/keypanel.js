// The private-key panel shared by Trusted signers and Play: the key is read
// in the page (WebCrypto) and kept in memory only.
import { field, h, input, setStatus, statusLine, textarea } from "../dom.js";
import { importPrivateKey, signingKey } from "../sign.js";

export function keyPanel(onReady) {
  const id = field("Key pair ID", input({ value: signingKey.keyPairId, placeholder: "APKA…", autocomplete: "off", id: "key-pair-id" }));
  const pem = field("Private key (PEM)", textarea({ rows: 4, spellcheck: "false", autocomplete: "off", id: "private-key" }),
    { hint: "Read by this page only: it is never uploaded or stored." });
  const status = statusLine();
  if (signingKey.key) setStatus(status, `Key for ${signingKey.keyPairId} loaded.`, "ok");
  const use = h("button", { type: "button", id: "use-key" }, "Use this key");
  use.addEventListener("click", async () => {
    try {
      signingKey.key = await importPrivateKey(pem.control.value);
      signingKey.keyPairId = id.control.value.trim();
      pem.control.value = "";
      setStatus(status, `Key for ${signingKey.keyPairId} loaded.`, "ok");
      onReady?.();
    } catch (err) {
      setStatus(status, "Cannot read the key: " + (err.message || err.name), "error");
    }
  });
  return h("fieldset", { class: "key-panel" }, h("legend", {}, "Signing key"), id.wrap, pem.wrap, use, status);
}
