// Runs list: filter by text or /regex/, status, headline metrics, pick runs to compare.
import { ago, fmt, get, h, type RunRow } from "./api.js";
import type { Page } from "./main.js";

export function matcher(filter: string): (text: string) => boolean {
  const re = /^\/(.+)\/([a-z]*)$/.exec(filter.trim());
  if (re) {
    try {
      const r = new RegExp(re[1]!, re[2]!.includes("i") ? "i" : "");
      return (t) => r.test(t);
    } catch {
      return () => false;
    }
  }
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  return (t) => words.every((w) => t.toLowerCase().includes(w));
}

export const runsPage: Page = (root) => {
  const filter = h("input", {
    type: "search",
    placeholder: "filter runs: words, or /regex/",
    id: "filter",
    value: sessionStorage.getItem("runs-filter") ?? "",
  });
  const compare = h("button", { id: "compare", disabled: true }, "Compare selected");
  const summary = h("span", { class: "muted", id: "summary" });
  const body = h("tbody");
  const selected = new Set<string>();
  let rows: RunRow[] = [];
  const table = h(
    "table",
    { id: "runs", class: "grid" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, ""),
        h("th", {}, "run"),
        h("th", {}, "kind"),
        h("th", {}, "status"),
        h("th", {}, "backend"),
        h("th", {}, "host"),
        h("th", {}, "updated"),
        h("th", {}, "headline"),
      ),
    ),
    body,
  );
  root.append(h("div", { class: "toolbar" }, filter, compare, summary), table);

  const render = () => {
    const match = matcher(filter.value);
    const shown = rows.filter((r) =>
      match("unreadable" in r ? r.id : `${r.name} ${r.id} ${r.kind} ${r.status} ${r.backend ?? ""}`),
    );
    summary.textContent = `${shown.length} of ${rows.length} runs`;
    compare.disabled = selected.size < 2;
    body.replaceChildren(
      ...shown.map((r) => {
        if ("unreadable" in r)
          return h(
            "tr",
            { "data-run": r.id },
            h("td", {}),
            h("td", {}, r.id),
            h("td", { colspan: 6, class: "error" }, r.unreadable),
          );
        const box = h("input", {
          type: "checkbox",
          checked: selected.has(r.id),
          onchange: () => {
            if (box.checked) selected.add(r.id);
            else selected.delete(r.id);
            compare.disabled = selected.size < 2;
          },
        });
        const headline = Object.entries(r.headline).map(([k, v]) =>
          h("span", { class: "metric" }, `${k} ${fmt(v)}`),
        );
        return h(
          "tr",
          { "data-run": r.id },
          h("td", {}, box),
          h(
            "td",
            {},
            h("a", { href: `#/run/${encodeURIComponent(r.id)}` }, r.name),
            h("div", { class: "muted small" }, r.id),
          ),
          h("td", {}, r.kind),
          h("td", {}, h("span", { class: `status ${r.status}` }, r.status)),
          h("td", {}, r.backend ?? "–"),
          h("td", {}, r.host.hostname),
          h("td", { title: new Date(r.updated).toLocaleString() }, ago(r.updated)),
          h("td", {}, ...headline),
        );
      }),
    );
  };
  filter.addEventListener("input", () => {
    sessionStorage.setItem("runs-filter", filter.value);
    render();
  });
  compare.addEventListener("click", () => {
    location.hash = `#/compare/${[...selected].map(encodeURIComponent).join(",")}`;
  });
  const refresh = async () => {
    rows = (await get<RunRow[]>("/api/runs")).reverse();
    render();
  };
  refresh();
  const timer = setInterval(refresh, 2000);
  return () => clearInterval(timer);
};
