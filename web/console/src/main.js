// The streamfront console: a hash-routed page of views, every one of them
// calling the public API through api.js.
import { credentials, forgetCredentials, saveCredentials, serverConfig } from "./api.js";
import { clear, field, h, input } from "./dom.js";
import * as distributions from "./views/distributions.js";
import * as detail from "./views/detail.js";
import * as create from "./views/create.js";
import * as oais from "./views/oais.js";
import * as signers from "./views/signers.js";
import * as play from "./views/play.js";
import * as edge from "./views/edge.js";

const routes = [
  ["distributions", "Distributions", distributions],
  ["create", "Create", create],
  ["oais", "Origin access identities", oais],
  ["signers", "Trusted signers", signers],
  ["play", "Play", play],
  ["edge", "Edge", edge],
  ["distribution", null, detail],
];

let stopView = null;

function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, ...rest] = path.split("/");
  return { name: name || "distributions", arg: rest.map(decodeURIComponent).join("/"), params: new URLSearchParams(query) };
}

let renders = 0;

// renderRoute shows the view of the hash. Each render gets its own
// container, so a slower earlier render (the user clicked on) fills a
// detached one and is stopped at once.
async function renderRoute() {
  const mine = ++renders;
  if (stopView) stopView();
  stopView = null;
  delete document.body.dataset.view; // set again once the view has rendered
  const view = h("div");
  document.getElementById("main").replaceChildren(view);
  const { name, arg, params } = parseHash();
  for (const a of document.querySelectorAll("nav a")) {
    a.toggleAttribute("aria-current", a.dataset.route === name);
  }
  if (!credentials()) {
    view.append(signIn());
    document.body.dataset.view = "signin";
    return;
  }
  const route = routes.find(([n]) => n === name) ?? routes[0];
  let stop = null;
  try {
    stop = (await route[2].render(view, { arg, params })) ?? null;
  } catch (err) {
    view.append(h("p", { class: "status error", role: "alert" }, err.cli ?? `The view failed: ${err.message ?? err}`));
  }
  if (mine !== renders) {
    stop?.();
    return;
  }
  stopView = stop;
  document.body.dataset.view = route[0];
  const heading = view.querySelector("h2");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

// signIn asks for the access key the API calls are signed with.
function signIn() {
  const key = field("Access key ID", input({ autocomplete: "username", required: true }));
  const secret = field("Secret access key", input({ type: "password", autocomplete: "current-password", required: true }));
  const note = h("p", { class: "hint" });
  serverConfig().then((c) => {
    note.textContent = c.mode === "open"
      ? "This server runs in open mode: any key works (e.g. test / test)."
      : "This server runs in secure mode: use an access key of its accounts file.";
  });
  const form = h("form", { class: "signin", "aria-labelledby": "signin-h" },
    h("h2", { id: "signin-h" }, "Sign in"),
    h("p", {}, "Requests are signed in this browser (SigV4). The secret stays in this tab's session storage and is never sent."),
    note, key.wrap, secret.wrap, h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    saveCredentials(key.control.value.trim(), secret.control.value.trim());
    updateWho();
    renderRoute();
  });
  return form;
}

function updateWho() {
  const c = credentials();
  const who = clear(document.getElementById("who"));
  if (!c) return;
  who.append(h("span", {}, "Key ", h("code", {}, c.accessKeyId)), " ",
    h("button", { type: "button", id: "signout", onclick: () => { forgetCredentials(); updateWho(); renderRoute(); } }, "Sign out"));
}

function start() {
  const nav = document.querySelector("nav ul");
  for (const [n, label] of routes) {
    if (label) nav.append(h("li", {}, h("a", { href: "#/" + n, dataset: { route: n } }, label)));
  }
  // The skip link focuses the view; a #main hash would be taken as a route.
  document.querySelector(".skip").addEventListener("click", (e) => {
    e.preventDefault();
    document.getElementById("main").focus();
  });
  updateWho();
  addEventListener("hashchange", renderRoute);
  renderRoute();
}

start();
