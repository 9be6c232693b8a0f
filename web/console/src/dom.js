// Tiny DOM helpers: the console is plain DOM code, no framework.

// h creates an element: h("button", {type: "button", onclick: f}, "Save").
// Attributes starting with "on" become listeners; "dataset" and "class" are
// handled; children may be strings, nodes, arrays or null.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2), v);
    } else if (k === "class") {
      el.className = v;
    } else if (k === "dataset") {
      Object.assign(el.dataset, v);
    } else if (k === "value" || k === "checked") {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

let ids = 0;

// field is a labelled input: a <div class="field"> with a <label for> and the
// control (created by make(id)), plus a slot for the API's error about it.
export function field(label, make, { hint, name } = {}) {
  const id = "f" + ++ids;
  const control = make(id); // attrs may name their own id
  const err = h("p", { class: "field-error", role: "alert", id: control.id + "-err" });
  control.setAttribute("aria-describedby", control.id + "-err");
  const wrap = h("div", { class: "field", dataset: { field: name ?? "" } },
    h("label", { for: control.id }, label), control, hint ? h("p", { class: "hint" }, hint) : null, err);
  return { wrap, control, err };
}

export const input = (attrs) => (id) => h("input", { id, ...attrs });
export const textarea = (attrs) => (id) => h("textarea", { id, ...attrs });
export const select = (options, attrs) => (id) =>
  h("select", { id, ...attrs }, options.map(([v, t]) => h("option", { value: v }, t)));

// checkbox is a labelled checkbox (label after the box).
export function checkbox(label, checked, { name } = {}) {
  const id = "f" + ++ids;
  const control = h("input", { id, type: "checkbox", checked });
  const err = h("p", { class: "field-error", role: "alert" });
  const wrap = h("div", { class: "field check", dataset: { field: name ?? "" } },
    control, h("label", { for: id }, label), err);
  return { wrap, control, err };
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// status is a live region for progress and errors of a view.
export function statusLine() {
  return h("p", { class: "status", role: "status", "aria-live": "polite" });
}

export function setStatus(el, text, kind = "") {
  el.textContent = text;
  el.className = "status " + kind;
}

// copyButton copies text() to the clipboard; falls back to selecting it.
export function copyButton(label, text) {
  const b = h("button", { type: "button", class: "copy", "aria-label": label }, "Copy");
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text());
      b.textContent = "Copied";
    } catch {
      b.textContent = "Select and copy";
    }
    setTimeout(() => (b.textContent = "Copy"), 1500);
  });
  return b;
}

// latestOnly wraps an async loader so that only the newest call's result is
// used: fn(isCurrent, ...args) checks isCurrent() after each await, and an
// older call (overtaken by a reload after a change) stops without drawing.
export function latestOnly(fn) {
  let seq = 0;
  return (...args) => {
    const mine = ++seq;
    return fn(() => mine === seq, ...args);
  };
}
