/**
 * The network explorer and governance console: hash routes to the pages, each rendered into
 * <main> with an AbortSignal that stops its live updates when the route changes.
 */
import "./style.css";
import { errorView, replace } from "./dom.ts";
import { renderGovernance } from "./pages/governance.ts";
import { renderNetwork } from "./pages/network.ts";
import { renderProposal } from "./pages/proposal.ts";
import { renderProvider } from "./pages/provider.ts";
import { renderSession } from "./pages/session.ts";

type Page = (main: HTMLElement, signal: AbortSignal, arg: string) => Promise<void> | void;

const routes: [RegExp, Page, string][] = [
  [/^\/?$/, renderNetwork, "network"],
  [/^\/provider\/(0x[0-9a-fA-F]{40})$/, renderProvider, "network"],
  [/^\/session\/(\d+)$/, renderSession, "network"],
  [/^\/governance$/, renderGovernance, "governance"],
  [/^\/proposal\/(\d+)$/, renderProposal, "governance"],
];

let current: AbortController | undefined;

function route(): void {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const main = document.getElementById("main")!;
  const path = decodeURIComponent(location.hash.replace(/^#/, "")) || "/";
  const found = routes.map(([re, page, nav]) => [re.exec(path), page, nav] as const).find(([m]) => m);
  for (const a of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
    if (found && a.dataset.nav === found[2]) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (!found) {
    replace(main, errorView("this page", new Error(`no page at ${path}`)));
    return;
  }
  const [match, page] = found;
  Promise.resolve(page(main, controller.signal, match?.[1] ?? "")).catch((err: unknown) => {
    if (!controller.signal.aborted) replace(main, errorView("the page", err, route));
  });
  main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);
route();
