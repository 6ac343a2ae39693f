// Line charts on uPlot: server-downsampled series, debiased EMA smoothing, step or wall-time x
// axis, log scale, drag to zoom (double-click resets), interval bands for eval curves.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { SeriesData } from "./api.js";

export interface ChartOptions {
  smoothing: number;
  x: "step" | "time";
  log: boolean;
}

export const COLORS = [
  "#3a6ff0",
  "#e4572e",
  "#17a398",
  "#f3a712",
  "#8a4fff",
  "#c2185b",
  "#5d737e",
  "#29bf12",
];

/** TensorBoard's smoothing: an exponential moving average divided by its bias toward zero. */
export function smooth(y: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return [...y];
  let last = 0;
  let count = 0;
  return y.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    count++;
    return last / (1 - weight ** count);
  });
}

/** Joins several series on the union of their x values, as uPlot wants one shared x array. */
function align(list: SeriesData[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(list.flatMap((s) => s.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const cols = list.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    s.x.forEach((x, i) => {
      col[index.get(x)!] = s.y[i] ?? null;
    });
    return col;
  });
  return [xs, ...cols];
}

export interface Chart {
  el: HTMLElement;
  update(series: { label: string; data: SeriesData; color?: string }[], o: ChartOptions): void;
  destroy(): void;
}

export function createChart(title: string, width = 420, height = 220): Chart {
  const el = document.createElement("div");
  el.className = "chart";
  el.dataset.key = title;
  const head = document.createElement("div");
  head.className = "chart-title";
  head.textContent = title;
  const body = document.createElement("div");
  el.append(head, body);
  let plot: uPlot | null = null;
  let shape = "";
  return {
    el,
    update(series, o) {
      const hasBand = (d: SeriesData) =>
        Boolean(d.lo?.some((v) => v !== null) && d.hi?.some((v) => v !== null));
      const bands = series.some((s) => hasBand(s.data));
      const list: SeriesData[] = [];
      const labels: string[] = [];
      const colors: string[] = [];
      for (const [k, s] of series.entries()) {
        const color = s.color ?? COLORS[k % COLORS.length]!;
        const y = smooth(s.data.y, s.data.lo ? 0 : o.smoothing).map((v) =>
          o.log && v !== null && v <= 0 ? null : v,
        );
        const x = o.x === "time" ? s.data.x.map((t) => t / 1000) : s.data.x;
        list.push({ x, y, total: s.data.total });
        labels.push(s.label);
        colors.push(color);
        if (hasBand(s.data)) {
          list.push({ x, y: s.data.lo!, total: 0 }, { x, y: s.data.hi!, total: 0 });
          labels.push(`${s.label} lo`, `${s.label} hi`);
          colors.push(color, color);
        }
      }
      const data = align(list) as uPlot.AlignedData;
      const nextShape = `${labels.join("|")}:${colors.join("|")}:${o.x}:${o.log}`;
      el.dataset.points = String(series.reduce((n, s) => n + s.data.x.length, 0));
      if (plot && shape === nextShape) {
        plot.setData(data, true);
        return;
      }
      plot?.destroy();
      shape = nextShape;
      const seriesOpts: uPlot.Series[] = [{ label: o.x }];
      for (const [k, label] of labels.entries()) {
        const isBand = label.endsWith(" lo") || label.endsWith(" hi");
        const color = colors[k]!;
        seriesOpts.push({
          label,
          stroke: isBand ? `${color}55` : color,
          width: isBand ? 1 : 1.5,
          dash: isBand ? [4, 3] : undefined,
          spanGaps: true,
          points: { show: bands && !isBand },
        });
      }
      plot = new uPlot(
        {
          width,
          height,
          series: seriesOpts,
          scales: { x: { time: o.x === "time" }, y: o.log ? { distr: 3 } : {} },
          axes: [
            { stroke: "#5d6778", grid: { stroke: "#eef1f6" } },
            { stroke: "#5d6778", grid: { stroke: "#eef1f6" }, size: 56 },
          ],
          legend: { show: series.length > 1 },
          cursor: { drag: { x: true, y: false } },
        },
        data,
        body,
      );
    },
    destroy() {
      plot?.destroy();
    },
  };
}
