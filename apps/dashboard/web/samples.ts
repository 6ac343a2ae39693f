// Samples: training rollouts or eval attempts, filtered by step, suite, correctness and text.
import { fmt, get, h, type SamplesResponse } from "./api.js";

type SampleRow = SamplesResponse["rows"][number];

export function samplesView(body: HTMLElement, id: string): () => void {
  const source = h(
    "select",
    { id: "sample-source" },
    h("option", { value: "train" }, "training samples"),
    h("option", { value: "eval" }, "eval samples"),
  );
  const step = h("select", { id: "sample-step" }, h("option", { value: "" }, "all steps"));
  const suite = h("select", { id: "sample-suite" }, h("option", { value: "" }, "all suites"));
  const correct = h(
    "select",
    { id: "sample-correct" },
    h("option", { value: "" }, "right and wrong"),
    h("option", { value: "true" }, "right"),
    h("option", { value: "false" }, "wrong"),
  );
  const text = h("input", { type: "search", placeholder: "search prompt or completion", id: "sample-text" });
  const count = h("span", { class: "muted small", id: "sample-count" });
  const list = h("div", { class: "samples" });
  body.append(h("div", { class: "toolbar" }, source, step, suite, correct, text, count), list);

  const fill = (select: HTMLSelectElement, values: (string | number)[], all: string) => {
    const current = select.value;
    select.replaceChildren(
      h("option", { value: "" }, all),
      ...values.map((v) => h("option", { value: String(v) }, String(v))),
    );
    select.value = values.map(String).includes(current) ? current : "";
  };
  const load = async () => {
    const q = new URLSearchParams({
      source: source.value,
      step: step.value,
      suite: suite.value,
      correct: correct.value,
      q: text.value,
      limit: "100",
    });
    const r = await get<SamplesResponse>(`/api/runs/${encodeURIComponent(id)}/samples?${q}`);
    fill(step, r.steps, "all steps");
    fill(suite, r.suites, "all suites");
    suite.hidden = source.value !== "eval";
    count.textContent = `${r.total} sample${r.total === 1 ? "" : "s"}${r.total > r.rows.length ? `, first ${r.rows.length} shown` : ""}`;
    list.replaceChildren(
      ...r.rows.map((s) =>
        h(
          "div",
          { class: `sample ${s.correct === true ? "right" : s.correct === false ? "wrong" : ""}` },
          h(
            "div",
            { class: "sample-head small" },
            s.step !== undefined ? `step ${s.step}` : "",
            "suite" in s ? ` · ${s.suite}` : "",
            "item" in s ? ` · ${s.item}` : "",
            ` · reward ${fmt(s.reward ?? null, 2)}`,
            s.expected !== undefined ? ` · expected ${s.expected}` : "",
            s.extracted !== undefined ? ` · got ${s.extracted ?? "nothing"}` : "",
            s.correct !== undefined ? h("b", {}, s.correct ? " ✓" : " ✗") : "",
          ),
          h("div", { class: "prompt" }, s.prompt),
          h("pre", { class: "completion" }, s.completion),
        ),
      ),
    );
  };
  for (const el of [source, step, suite, correct]) el.addEventListener("change", load);
  let debounce = 0;
  text.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = window.setTimeout(load, 200);
  });
  load();
  return () => clearTimeout(debounce);
}
