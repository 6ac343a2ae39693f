// Eval table: models x suites, the latest result of each with its 95% interval.
import { type EvalRow, fmt, get, h } from "./api.js";
import type { Page } from "./main.js";

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
    const models = inTrainingOrder(rows);
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

/**
 * Models in the order they were trained: by the run that first evaluated them (run ids begin with
 * their creation time), then by step, so a pipeline reads pretrain, SFT, RL and a curve reads in
 * order; by name, "demo-rl@60" would come before "demo-sft@300".
 */
function inTrainingOrder(rows: readonly EvalRow[]): string[] {
  const first = new Map<string, { run: string; step: number }>();
  const before = (a: { run: string; step: number }, b: { run: string; step: number }) =>
    a.run < b.run || (a.run === b.run && a.step < b.step);
  for (const r of rows) {
    const key = { run: r.run, step: r.step ?? 0 };
    const seen = first.get(r.model);
    if (!seen || before(key, seen)) first.set(r.model, key);
  }
  return [...first.keys()].sort((a, b) =>
    before(first.get(a)!, first.get(b)!) ? -1 : before(first.get(b)!, first.get(a)!) ? 1 : 0,
  );
}
