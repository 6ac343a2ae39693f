// Episode replay: the screenshots of an operator episode as a timeline, with where the agent
// clicked, dragged and typed drawn over them, and the model's output and action at each step.
import { type EpisodeInfo, type EpisodeStep, fmt, get, h } from "./api.js";

const SVG = "http://www.w3.org/2000/svg";

function overlay(step: EpisodeStep, vp: { width: number; height: number }): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${vp.width} ${vp.height}`);
  svg.setAttribute("class", "marks");
  const add = (tag: string, attrs: Record<string, string | number>) => {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
    return el;
  };
  const type = String(step.action?.type ?? "");
  const pts = step.points;
  if (type === "drag" && pts.length > 1)
    add("polyline", { points: pts.map((p) => `${p.x},${p.y}`).join(" "), class: "drag" });
  for (const [i, p] of pts.entries()) {
    const typing = type === "type" || (type === "sequence" && i === pts.length - 1 && pts.length > 1);
    add("circle", { cx: p.x, cy: p.y, r: typing ? 10 : 14, class: typing ? "typing" : "click" });
    add("circle", { cx: p.x, cy: p.y, r: 3, class: "dot" });
  }
  return svg;
}

export function replay(body: HTMLElement, id: string, episodes: EpisodeInfo[]): () => void {
  if (episodes.length === 0) {
    body.append(h("p", { class: "muted" }, "No operator episodes in this run."));
    return () => {};
  }
  const list = h(
    "table",
    { class: "grid episodes" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "episode"),
        h("th", {}, "task"),
        h("th", {}, "status"),
        h("th", {}, "reward"),
        h("th", {}, "steps"),
        h("th", {}, "model"),
      ),
    ),
    h(
      "tbody",
      {},
      ...episodes.map((e) =>
        h(
          "tr",
          { "data-episode": e.id, class: "clickable", onclick: () => open(e) },
          h("td", {}, e.id),
          h("td", {}, `${e.task}${e.seed !== undefined ? `/${e.seed}` : ""}`),
          h("td", {}, h("span", { class: `status ${e.status}` }, e.status)),
          h("td", {}, fmt(e.reward ?? null, 2)),
          h("td", {}, String(e.steps)),
          h("td", {}, e.model),
        ),
      ),
    ),
  );
  const viewer = h("div", { class: "replay", id: "replay" });
  body.append(list, viewer);

  const onKey = (e: KeyboardEvent) => {
    if (!current) return;
    if (e.key === "ArrowRight") show(Math.min(current.steps.length - 1, index + 1));
    if (e.key === "ArrowLeft") show(Math.max(0, index - 1));
  };
  document.addEventListener("keydown", onKey);
  let current: { info: EpisodeInfo; steps: EpisodeStep[] } | null = null;
  let index = 0;
  const show = (i: number) => {
    if (!current) return;
    index = i;
    const { info, steps } = current;
    const s = steps[i]!;
    const img = s.screenshot
      ? h("img", {
          src: `/api/runs/${encodeURIComponent(id)}/episodes/${encodeURIComponent(info.id)}/files/${encodeURIComponent(s.screenshot)}`,
          alt: `step ${i}`,
        })
      : h("div", { class: "muted" }, "no screenshot");
    const frame = h("div", { class: "frame" }, img);
    frame.append(overlay(s, info.viewport));
    const slider = h("input", {
      type: "range",
      min: 0,
      max: steps.length - 1,
      value: i,
      id: "replay-step",
      oninput: (e: Event) => show(Number((e.target as HTMLInputElement).value)),
    });
    viewer.replaceChildren(
      h("h3", {}, `${info.task}${info.seed !== undefined ? `/${info.seed}` : ""}: ${info.goal}`),
      h(
        "div",
        { class: "toolbar" },
        h("button", { onclick: () => show(Math.max(0, index - 1)), disabled: i === 0 }, "◀ prev"),
        slider,
        h(
          "button",
          { onclick: () => show(Math.min(steps.length - 1, index + 1)), disabled: i === steps.length - 1 },
          "next ▶",
        ),
        h("span", { class: "small", id: "replay-position" }, `step ${i + 1} of ${steps.length}`),
      ),
      h(
        "div",
        { class: "replay-body" },
        frame,
        h(
          "div",
          { class: "step-info" },
          h("div", { class: "small muted" }, s.url),
          h(
            "div",
            {},
            h("b", {}, "action "),
            h("code", { id: "replay-action" }, s.action ? JSON.stringify(s.action) : "none"),
          ),
          s.error ? h("div", { class: "error" }, s.error) : null,
          h(
            "div",
            {},
            h("b", {}, "reward "),
            fmt(s.reward ?? null, 2),
            s.durationMs !== undefined
              ? h("span", { class: "muted small" }, ` · ${Math.round(s.durationMs)} ms`)
              : "",
          ),
          h("div", { class: "small" }, h("b", {}, "model output")),
          h("pre", { class: "completion", id: "replay-output" }, s.modelOutput ?? ""),
          s.observation
            ? h(
                "details",
                {},
                h("summary", { class: "small" }, "observation"),
                h("pre", { class: "completion" }, s.observation),
              )
            : null,
        ),
      ),
    );
  };
  const open = async (e: EpisodeInfo) => {
    current = await get<{ info: EpisodeInfo; steps: EpisodeStep[] }>(
      `/api/runs/${encodeURIComponent(id)}/episodes/${encodeURIComponent(e.id)}`,
    );
    for (const tr of Array.from(list.querySelectorAll("tr")))
      tr.classList.toggle("selected", tr.dataset.episode === e.id);
    show(0);
  };
  open(episodes[0]!);
  return () => document.removeEventListener("keydown", onKey);
}
