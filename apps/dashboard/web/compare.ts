// Compare: chosen runs overlaid on the same charts, and the differences between their configs.
import { get, h, type RunDetail, type SeriesData } from "./api.js";
import { type Chart, COLORS, createChart } from "./charts.js";
import { chartControls } from "./controls.js";
import type { Page } from "./main.js";

/** Flattens a config into path -> JSON value, so two configs compare key by key. */
export function flatten(
  value: unknown,
  prefix = "",
  out: Record<string, string> = {},
): Record<string, string> {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(value) && value.some((v) => v && typeof v === "object")) {
    for (const [i, v] of value.entries()) flatten(v, `${prefix}[${i}]`, out);
  } else out[prefix] = JSON.stringify(value);
  return out;
}

export const comparePage: Page = (root, [ids]) => {
  const runIds = (ids ?? "").split(",").filter(Boolean);
  const legend = h("div", { class: "legend" });
  const grid = h("div", { class: "charts" });
  const diff = h("div", { class: "config-diff" });
  const charts = new Map<string, Chart>();
  let details: RunDetail[] = [];
  let data: Record<string, SeriesData>[] = [];
  const controls = chartControls(() => load());
  root.append(
    h("h2", {}, `Compare ${runIds.length} runs`),
    legend,
    controls.bar,
    grid,
    h("h3", {}, "Config differences"),
    diff,
  );

  const draw = () => {
    const o = controls.options;
    const keys = [...new Set(details.flatMap((d) => [...d.keys, ...d.evalKeys]))]
      .filter((k) => !o.filter || k.includes(o.filter))
      .sort();
    for (const key of keys) {
      let chart = charts.get(key);
      if (!chart) {
        chart = createChart(key);
        charts.set(key, chart);
        grid.append(chart.el);
      }
      chart.update(
        details.flatMap((d, i) =>
          data[i]?.[key]
            ? [{ label: d.info.name ?? d.info.id, data: data[i]![key]!, color: COLORS[i % COLORS.length]! }]
            : [],
        ),
        o,
      );
    }
  };
  const load = async () => {
    details = await Promise.all(runIds.map((id) => get<RunDetail>(`/api/runs/${encodeURIComponent(id)}`)));
    data = await Promise.all(
      details.map(async (d) => {
        const keys = [...d.keys, ...d.evalKeys].slice(0, 64);
        return (
          await get<{ series: Record<string, SeriesData> }>(
            `/api/runs/${encodeURIComponent(d.info.id)}/scalars?keys=${keys.map(encodeURIComponent).join(",")}&x=${controls.options.x}`,
          )
        ).series;
      }),
    );
    legend.replaceChildren(
      ...details.map((d, i) =>
        h(
          "span",
          { class: "chip" },
          h("i", { style: `background:${COLORS[i % COLORS.length]}` }),
          h("a", { href: `#/run/${encodeURIComponent(d.info.id)}` }, d.info.name ?? d.info.id),
        ),
      ),
    );
    draw();
    const flat = details.map((d) => flatten(d.config));
    const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
    const differing = keys.filter((k) => new Set(flat.map((f) => f[k] ?? "–")).size > 1);
    diff.replaceChildren(
      differing.length
        ? h(
            "table",
            { class: "grid", id: "config-diff" },
            h(
              "thead",
              {},
              h("tr", {}, h("th", {}, "key"), ...details.map((d) => h("th", {}, d.info.name ?? d.info.id))),
            ),
            h(
              "tbody",
              {},
              ...differing.map((k) =>
                h("tr", {}, h("td", {}, h("code", {}, k)), ...flat.map((f) => h("td", {}, f[k] ?? "–"))),
              ),
            ),
          )
        : h("p", { class: "muted" }, "The configs are identical."),
    );
  };
  // Refetch only when one of the runs' files changed, as the run page does.
  let versions = "";
  const poll = async () => {
    const next = (
      await Promise.all(
        runIds.map((id) => get<{ version: string }>(`/api/runs/${encodeURIComponent(id)}/version`)),
      )
    )
      .map((v) => v.version)
      .join("\n");
    if (next === versions) return;
    versions = next;
    await load();
  };
  poll();
  const timer = setInterval(() => poll().catch(() => {}), 3000);
  return () => {
    clearInterval(timer);
    for (const c of charts.values()) c.destroy();
  };
};
