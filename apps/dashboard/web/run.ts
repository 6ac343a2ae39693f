// One run: live charts, samples, operator episodes, checkpoints and config.
import { ago, get, h, type RunDetail, type SeriesData } from "./api.js";
import { type Chart, type ChartOptions, createChart } from "./charts.js";
import { chartControls } from "./controls.js";
import type { Page } from "./main.js";
import { replay } from "./replay.js";
import { samplesView } from "./samples.js";

const TABS = ["charts", "samples", "episodes", "checkpoints", "config"] as const;

export const runPage: Page = (root, [id, tabParam]) => {
  const asked = (TABS as readonly string[]).includes(tabParam ?? "") ? tabParam! : null;
  const header = h("div", { class: "run-header" });
  const links = TABS.map((t) => h("a", { href: `#/run/${encodeURIComponent(id!)}/${t}` }, t));
  const nav = h("div", { class: "tabs" }, ...links);
  const body = h("div", { class: "tab-body" });
  const problems = h("div", { class: "problems" });
  root.append(header, nav, problems, body);
  const cleanups: (() => void)[] = [];

  const renderHeader = (d: RunDetail) => {
    const i = d.info;
    header.replaceChildren(
      h("h2", {}, i.name ?? i.id, " ", h("span", { class: `status ${i.status}` }, i.status ?? "")),
      h(
        "div",
        { class: "muted small" },
        `${i.kind} · ${i.backend ?? "no backend"} · ${i.host?.hostname ?? "?"} · started ${ago(i.created)} · updated ${ago(i.updated)}${i.git?.commit ? ` · git ${i.git.commit.slice(0, 8)}` : ""}`,
      ),
      i.error ? h("div", { class: "error" }, i.error.message) : "",
    );
    problems.replaceChildren(
      ...(d.problems.length
        ? [
            h(
              "details",
              {},
              h("summary", {}, `${d.problems.length} unreadable line(s) skipped`),
              ...d.problems.map((p) =>
                h("div", { class: "small" }, `${p.file}:${p.line} ${p.kind}: ${p.message}`),
              ),
            ),
          ]
        : []),
    );
  };

  const start = async () => {
    let detail: RunDetail;
    try {
      detail = await get<RunDetail>(`/api/runs/${encodeURIComponent(id!)}`);
    } catch (e) {
      body.append(h("div", { class: "error" }, String((e as Error).message)));
      return;
    }
    renderHeader(detail);
    // a run opens on what it has: an operator run's episodes, a training run's charts
    const tab = asked ?? (detail.info.kind === "operate" ? "episodes" : "charts");
    for (const [i, a] of links.entries()) a.className = TABS[i] === tab ? "active" : "";
    if (tab === "charts") cleanups.push(chartsTab(body, id!, detail, renderHeader));
    else if (tab === "samples") cleanups.push(samplesView(body, id!));
    else if (tab === "episodes") cleanups.push(replay(body, id!, detail.episodes));
    else if (tab === "checkpoints")
      body.append(
        detail.checkpoints.length
          ? h(
              "table",
              { class: "grid" },
              h(
                "thead",
                {},
                h("tr", {}, h("th", {}, "checkpoint"), h("th", {}, "step"), h("th", {}, "stage")),
              ),
              h(
                "tbody",
                {},
                ...detail.checkpoints.map((c) =>
                  h("tr", {}, h("td", {}, c.name), h("td", {}, String(c.step)), h("td", {}, c.stage ?? "–")),
                ),
              ),
            )
          : h("p", { class: "muted" }, "No checkpoints yet."),
      );
    else body.append(h("pre", { class: "config" }, JSON.stringify(detail.config, null, 2) ?? "no config"));
  };
  start();
  return () => {
    for (const c of cleanups) c();
  };
};

/** Charts of every metric and eval curve, refreshed when the run's files change. */
function chartsTab(
  body: HTMLElement,
  id: string,
  first: RunDetail,
  onDetail: (d: RunDetail) => void,
): () => void {
  const charts = new Map<string, Chart>();
  const grid = h("div", { class: "charts" });
  let options: ChartOptions & { filter: string };
  let data: Record<string, SeriesData> = {};
  let detail = first;
  const draw = () => {
    const keys = [...detail.keys, ...detail.evalKeys].filter(
      (k) => !options.filter || k.toLowerCase().includes(options.filter.toLowerCase()),
    );
    for (const [k, c] of charts)
      if (!keys.includes(k)) {
        c.destroy();
        c.el.remove();
        charts.delete(k);
      }
    for (const key of keys) {
      const series = data[key];
      if (!series) continue;
      let chart = charts.get(key);
      if (!chart) {
        chart = createChart(key);
        charts.set(key, chart);
      }
      grid.append(chart.el);
      chart.update([{ label: key.split("/").pop() ?? key, data: series }], options);
    }
    empty.hidden = keys.length > 0;
  };
  const controls = chartControls((o) => {
    options = o;
    fetchAll();
  });
  options = controls.options;
  const empty = h("p", { class: "muted" }, "No metrics yet: charts appear as the run writes them.");
  body.append(controls.bar, empty, grid);
  let version = "";
  let busy = false;
  const fetchAll = async () => {
    if (busy) return;
    busy = true;
    try {
      const keys = [...detail.keys, ...detail.evalKeys];
      const next: Record<string, SeriesData> = {};
      for (let i = 0; i < keys.length; i += 64) {
        const chunk = keys.slice(i, i + 64);
        const r = await get<{ series: Record<string, SeriesData>; version: string }>(
          `/api/runs/${encodeURIComponent(id)}/scalars?keys=${chunk.map(encodeURIComponent).join(",")}&x=${options.x}&buckets=${Math.round(grid.clientWidth / 2) || 600}`,
        );
        Object.assign(next, r.series);
      }
      data = next;
      draw();
    } finally {
      busy = false;
    }
  };
  const poll = async () => {
    const v = (await get<{ version: string }>(`/api/runs/${encodeURIComponent(id)}/version`)).version;
    if (v === version) return;
    version = v;
    detail = await get<RunDetail>(`/api/runs/${encodeURIComponent(id)}`);
    onDetail(detail);
    await fetchAll();
  };
  poll();
  const timer = setInterval(() => poll().catch(() => {}), 1000);
  return () => {
    clearInterval(timer);
    for (const c of charts.values()) c.destroy();
  };
}
