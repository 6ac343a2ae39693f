// Chart controls shared by the run and compare pages, remembered across pages.
import { h } from "./api.js";
import type { ChartOptions } from "./charts.js";

export function chartControls(onChange: (o: ChartOptions & { filter: string }) => void) {
  const saved = JSON.parse(localStorage.getItem("chart-options") ?? "{}") as Partial<ChartOptions>;
  const o: ChartOptions & { filter: string } = {
    smoothing: saved.smoothing ?? 0.6,
    x: saved.x ?? "step",
    log: saved.log ?? false,
    filter: "",
  };
  const label = h("span", { class: "small" }, o.smoothing.toFixed(2));
  const slider = h("input", {
    type: "range",
    min: 0,
    max: 0.99,
    step: 0.01,
    value: o.smoothing,
    id: "smoothing",
  });
  const axis = h(
    "select",
    { id: "axis" },
    h("option", { value: "step" }, "step"),
    h("option", { value: "time" }, "wall time"),
  );
  axis.value = o.x;
  const log = h("input", { type: "checkbox", id: "log", checked: o.log });
  const filter = h("input", { type: "search", placeholder: "filter charts", id: "chart-filter" });
  const changed = () => {
    o.smoothing = Number(slider.value);
    o.x = axis.value as "step" | "time";
    o.log = log.checked;
    o.filter = filter.value;
    label.textContent = o.smoothing.toFixed(2);
    localStorage.setItem("chart-options", JSON.stringify({ smoothing: o.smoothing, x: o.x, log: o.log }));
    onChange(o);
  };
  for (const el of [slider, axis, log, filter]) el.addEventListener("input", changed);
  const bar = h(
    "div",
    { class: "toolbar" },
    h("label", {}, "smoothing ", slider, " ", label),
    h("label", {}, "x ", axis),
    h("label", {}, log, " log y"),
    filter,
    h("span", { class: "muted small" }, "drag to zoom, double-click to reset"),
  );
  return { bar, options: o };
}
