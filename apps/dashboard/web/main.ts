// The dashboard app: hash routes to pages; each page owns its polling and cleans up when left.
import { arenaPage } from "./arena.js";
import { comparePage } from "./compare.js";
import { evalsPage } from "./evals.js";
import { runPage } from "./run.js";
import { runsPage } from "./runs.js";

export type Page = (root: HTMLElement, params: string[]) => () => void;

const ROUTES: [RegExp, Page][] = [
  [/^#?\/?$/, runsPage],
  [/^#\/run\/([^/]+)(?:\/(\w+))?$/, runPage],
  [/^#\/compare\/([^/]+)$/, comparePage],
  [/^#\/evals$/, evalsPage],
  [/^#\/arena$/, arenaPage],
];

let leave: () => void = () => {};

function route() {
  leave();
  const root = document.getElementById("app")!;
  root.replaceChildren();
  for (const a of Array.from(document.querySelectorAll("nav a"))) {
    const href = a.getAttribute("href")!;
    a.classList.toggle(
      "active",
      href === "#/" ? !/^#\/(evals|arena)/.test(location.hash) : location.hash.startsWith(href),
    );
  }
  for (const [pattern, page] of ROUTES) {
    const m = pattern.exec(location.hash);
    if (m) {
      leave = page(root, m.slice(1).map((p) => (p ? decodeURIComponent(p) : p)) as string[]);
      return;
    }
  }
  root.textContent = "Not found.";
  leave = () => {};
}

window.addEventListener("hashchange", route);
route();
