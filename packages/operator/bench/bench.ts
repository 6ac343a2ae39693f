// Operator benchmark: expert success and step latency per task family in real Chromium, what the
// snapshot lists on each page and what it costs, and the snapshot's cost on a large page.
//   npm run bench -w @reasonlab/operator -- [SEEDS] [--families a,b] [--first-seed N]
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { formatCommand } from "../src/grammar.js";
import { markedScreenshot, takeSnapshot } from "../src/snapshot.js";
import { createTaskEnv } from "../src/tasks/env.js";
import { TASK_FAMILIES } from "../src/tasks/families.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { families: { type: "string" }, "first-seed": { type: "string", default: "0" } },
});
const seeds = Number(positionals[0] ?? 5);
const firstSeed = Number(values["first-seed"]);
const families = values.families
  ? values.families.split(",").map((name) => {
      const f = TASK_FAMILIES.find((x) => x.name === name);
      if (!f)
        throw new Error(`unknown family ${name}; known: ${TASK_FAMILIES.map((x) => x.name).join(", ")}`);
      return f;
    })
  : TASK_FAMILIES;

const env = await createTaskEnv();
const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const v = await f();
  return [v, performance.now() - t];
};
const totals = { snapshot: 0, screenshot: 0, marks: 0, step: 0, steps: 0, episodes: 0, solved: 0 };
const failures: string[] = [];
const t0 = performance.now();
console.log(`seeds ${firstSeed}..${firstSeed + seeds - 1}`);
console.log("family              episodes  solved  steps/ep  ms/step  elements  snapshot ms");
for (const family of families) {
  let steps = 0;
  let ms = 0;
  let solved = 0;
  let elements = 0;
  let snapMs = 0;
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    let obs = await env.reset(family.name, seed);
    let solvedThis = false;
    for (let i = 0; i < env.task().maxSteps; i++) {
      const [snap, a] = await time(() => takeSnapshot(env.session.page));
      const [, b] = await time(() => env.session.computer.screenshot());
      const [, c] = await time(() => markedScreenshot(env.session.page, snap));
      totals.snapshot += a;
      totals.screenshot += b;
      totals.marks += c;
      elements += snap.elements.length;
      snapMs += a;
      const [r, d] = await time(() => env.step(formatCommand(env.task().expert(obs.snapshot))));
      ms += d;
      steps++;
      obs = r.observation;
      if (r.done) {
        solvedThis = r.reward === 1;
        break;
      }
    }
    if (solvedThis) solved++;
    else failures.push(`${family.name}/${seed}`);
  }
  totals.step += ms;
  totals.steps += steps;
  totals.episodes += seeds;
  totals.solved += solved;
  console.log(
    `${family.name.padEnd(20)}${String(seeds).padStart(8)}${String(solved).padStart(8)}${(steps / seeds).toFixed(1).padStart(10)}` +
      `${(ms / steps).toFixed(0).padStart(9)}${(elements / steps).toFixed(1).padStart(10)}${(snapMs / steps).toFixed(1).padStart(13)}`,
  );
}
const wall = (performance.now() - t0) / 1000;
const per = (x: number) => (x / totals.steps).toFixed(1);
console.log(
  `\n${totals.episodes} episodes, ${totals.solved} solved, ${totals.steps} steps in ${wall.toFixed(1)} s` +
    ` (${(totals.episodes / wall).toFixed(2)} episodes/s)${failures.length ? `; unsolved: ${failures.join(" ")}` : ""}` +
    `\nper step: env.step (act + settle + score + observe) ${per(totals.step)} ms;` +
    ` snapshot ${per(totals.snapshot)} ms, screenshot ${per(totals.screenshot)} ms, set-of-marks screenshot ${per(totals.marks)} ms`,
);

// A large page: 1,000 ordinary elements (cards of headings, text, spans, a link, a list), and the
// same page with every card clickable the way real pages do it (a pointer cursor and a listener).
const card = (i: number, clickable: boolean) =>
  `<div${clickable ? ' class="card" style="cursor:pointer"' : ""}><h3>Card ${i}</h3><p>Some text <span>with</span> <em>words</em> and <a href="#c${i}">a link</a></p><ul><li>one</li><li>two</li></ul></div>`;
const large = (clickable: boolean) =>
  `<!doctype html><html><body><main>${Array.from({ length: 111 }, (_, i) => card(i, clickable)).join("")}</main>` +
  `<script>for (const c of document.querySelectorAll(".card")) c.addEventListener("click", () => {});</script></body></html>`;
for (const clickable of [false, true]) {
  await env.session.page.goto(`data:text/html,${encodeURIComponent(large(clickable))}`);
  const count = await env.session.page.evaluate(() => document.body.getElementsByTagName("*").length);
  const times: number[] = [];
  let listed = 0;
  for (let i = 0; i < 21; i++) {
    const [snap, t] = await time(() => takeSnapshot(env.session.page));
    times.push(t);
    listed = snap.elements.length;
  }
  times.sort((a, b) => a - b);
  console.log(
    `page with ${count} elements${clickable ? ", 111 clickable cards" : ""}: snapshot ${times[10]!.toFixed(1)} ms median ` +
      `(${times[0]!.toFixed(1)}-${times[20]!.toFixed(1)} over 21), ${listed} listed`,
  );
}
await env.close();
