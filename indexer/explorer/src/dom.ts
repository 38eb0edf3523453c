/** A tiny DOM builder and the shared loading / error / empty views. */

/** Anything {@link h} accepts as a child. */
export type Child = Node | string | number | bigint | null | undefined | false | Child[];

type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/**
 * Creates an element: `h("a", { href: "#/" }, "home")`. Attributes starting with `on` are
 * listeners; `false`/`null`/`undefined` attributes are left out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === false || v === null || v === undefined) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A busy placeholder, announced to screen readers. */
export function loadingView(what: string): HTMLElement {
  return h("p", { class: "state loading", role: "status", "aria-busy": "true" }, `Loading ${what}…`);
}

/** An error with what failed and a retry button. */
export function errorView(what: string, error: unknown, retry?: () => void): HTMLElement {
  const message =
    error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
  return h(
    "div",
    { class: "state error", role: "alert" },
    h("p", null, `Could not load ${what}: ${message}`),
    retry ? h("button", { type: "button", onclick: () => retry() }, "Try again") : null,
  );
}

/** An empty list, saying what would appear here. */
export function emptyView(text: string): HTMLElement {
  return h("p", { class: "state empty" }, text);
}

/** A two-column definition list from label/value pairs (values may be nodes). */
export function facts(rows: [string, Child][], testid?: string): HTMLElement {
  return h(
    "dl",
    { class: "facts", "data-testid": testid },
    rows.map(([k, v]) => [h("dt", null, k), h("dd", { "data-field": k }, v)]),
  );
}

/** A table with a caption, column headers and rows; `rowAttrs` tags each row (e.g. data-id). */
export function table(caption: string, headers: string[], rows: { attrs?: Attrs; cells: Child[] }[]): HTMLElement {
  return h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    h(
      "table",
      null,
      h("caption", null, caption),
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          headers.map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        null,
        rows.map((r) =>
          h(
            "tr",
            r.attrs ?? null,
            r.cells.map((c, i) => h("td", { "data-label": headers[i] }, c)),
          ),
        ),
      ),
    ),
  );
}

/** A horizontal bar (0–1) with a text label, for charts people read at a glance. */
export function bar(fraction: number, label: string): HTMLElement {
  const pct = Math.max(0, Math.min(1, fraction)) * 100;
  return h(
    "span",
    { class: "bar", role: "img", "aria-label": label },
    h("span", { class: "bar-fill", style: `width:${pct.toFixed(1)}%` }),
    h("span", { class: "bar-label" }, label),
  );
}
