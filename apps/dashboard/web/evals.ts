// Eval table: models x suites, the latest result of each with its 95% interval.
import { fmt, get, h } from "./api.js";
import type { Page } from "./main.js";

interface EvalRow {
  run: string;
  runName: string;
  suite: string;
  model: string;
  step?: number;
  metrics: Record<string, { value: number | null; lo?: number | null; hi?: number | null; n?: number }>;
}

export const evalsPage: Page = (root) => {
  const table = h("div", { id: "eval-table" });
  root.append(
    h("h2", {}, "Evaluations"),
    h(
      "p",
      { class: "muted small" },
      "Latest result per model and suite across all runs; accuracy (or success) with its 95% interval.",
    ),
    table,
  );
  const load = async () => {
    const rows = await get<EvalRow[]>("/api/evals");
    const suites = [...new Set(rows.map((r) => r.suite))].sort();
    const models = [...new Set(rows.map((r) => r.model))].sort();
    if (rows.length === 0) {
      table.replaceChildren(
        h(
          "p",
          { class: "muted" },
          "No eval results yet: reasonlab eval run, or eval watch on a training run.",
        ),
      );
      return;
    }
    const cell = (model: string, suite: string) => {
      const r = rows.find((x) => x.model === model && x.suite === suite);
      if (!r) return h("td", { class: "muted" }, "–");
      const m = r.metrics.accuracy ?? r.metrics.success;
      const pass = Object.keys(r.metrics)
        .filter((k) => k.startsWith("pass@"))
        .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
        .pop();
      return h(
        "td",
        { title: `${r.runName}${r.step !== undefined ? ` step ${r.step}` : ""}` },
        h("b", {}, fmt(m?.value ?? null)),
        h("span", { class: "muted small" }, ` [${fmt(m?.lo ?? null)}, ${fmt(m?.hi ?? null)}]`),
        pass ? h("div", { class: "small muted" }, `${pass} ${fmt(r.metrics[pass]!.value)}`) : null,
        m?.n ? h("div", { class: "small muted" }, `n=${m.n}`) : null,
      );
    };
    table.replaceChildren(
      h(
        "table",
        { class: "grid" },
        h("thead", {}, h("tr", {}, h("th", {}, "model"), ...suites.map((s) => h("th", {}, s)))),
        h("tbody", {}, ...models.map((m) => h("tr", {}, h("td", {}, m), ...suites.map((s) => cell(m, s))))),
      ),
    );
  };
  load();
  const timer = setInterval(() => load().catch(() => {}), 5000);
  return () => clearInterval(timer);
};
