// Operator benchmark: how long the Computer and the observations take per step in real Chromium,
// over expert episodes of every task family. Prints a table; run with `npm run bench -w @reasonlab/operator`.
import { performance } from "node:perf_hooks";
import { formatCommand } from "../src/grammar.js";
import { markedScreenshot, takeSnapshot } from "../src/snapshot.js";
import { createTaskEnv } from "../src/tasks/env.js";
import { TASK_FAMILIES } from "../src/tasks/families.js";

const seeds = Number(process.argv[2] ?? 5);
const env = await createTaskEnv();
const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const v = await f();
  return [v, performance.now() - t];
};
const totals = { snapshot: 0, screenshot: 0, marks: 0, step: 0, steps: 0, episodes: 0, solved: 0 };
const t0 = performance.now();
console.log(`family              episodes  solved  steps/ep  ms/step`);
for (const family of TASK_FAMILIES) {
  let steps = 0;
  let ms = 0;
  let solved = 0;
  for (let seed = 0; seed < seeds; seed++) {
    let obs = await env.reset(family.name, seed);
    for (let i = 0; i < env.task().maxSteps; i++) {
      const [snap, a] = await time(() => takeSnapshot(env.session.page));
      const [, b] = await time(() => env.session.computer.screenshot());
      const [, c] = await time(() => markedScreenshot(env.session.page, snap));
      totals.snapshot += a;
      totals.screenshot += b;
      totals.marks += c;
      const [r, d] = await time(() => env.step(formatCommand(env.task().expert(obs.snapshot))));
      ms += d;
      steps++;
      obs = r.observation;
      if (r.done) {
        if (r.reward === 1) solved++;
        break;
      }
    }
  }
  totals.step += ms;
  totals.steps += steps;
  totals.episodes += seeds;
  totals.solved += solved;
  console.log(
    `${family.name.padEnd(20)}${String(seeds).padStart(8)}${String(solved).padStart(8)}${(steps / seeds).toFixed(1).padStart(10)}${(ms / steps).toFixed(0).padStart(9)}`,
  );
}
const wall = (performance.now() - t0) / 1000;
const per = (x: number) => (x / totals.steps).toFixed(1);
console.log(
  `\n${totals.episodes} episodes, ${totals.solved} solved, ${totals.steps} steps in ${wall.toFixed(1)} s` +
    ` (${(totals.episodes / wall).toFixed(2)} episodes/s)\nper step: env.step (act + settle + score + observe) ${per(totals.step)} ms;` +
    ` snapshot ${per(totals.snapshot)} ms, screenshot ${per(totals.screenshot)} ms, set-of-marks screenshot ${per(totals.marks)} ms`,
);
await env.close();
