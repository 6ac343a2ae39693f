// Dashboard at scale: a run with a million metric points (250k steps x 4 metrics). Prints the
// time to the first chart in Chromium (cold and warm server cache) and the bytes sent for it.
// `npm run bench -w @reasonlab/dashboard`.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { launchChromium } from "@reasonlab/operator";
import { createRun } from "@reasonlab/runs";
import { startDashboard } from "../src/server.js";

const steps = Number(process.argv[2] ?? 250_000);
const root = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-bench-"));
let t = performance.now();
const run = createRun({ root, name: "million", kind: "train" });
for (let s = 0; s < steps; s++)
  run.metrics(s, {
    "train/loss": 3 * Math.exp(-s / 50_000) + 0.1 * Math.sin(s / 97),
    "train/lr": 1e-3,
    "train/grad_norm": 1 + Math.sin(s / 1000),
    "train/tokens_per_s": 3000 + (s % 100),
  });
run.finish();
const file = path.join(run.dir, "metrics.jsonl");
console.log(
  `wrote ${steps * 4} points (${(fs.statSync(file).size / 1e6).toFixed(1)} MB of JSONL) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

const dashboard = await startDashboard({ runsRoot: root, port: 0 });
const browser = await launchChromium();
let bytes = 0;
for (const label of ["cold server cache", "warm server cache"]) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("response", async (r) => {
    if (r.url().includes("/api/")) bytes += (await r.body().catch(() => Buffer.alloc(0))).length;
  });
  bytes = 0;
  t = performance.now();
  await page.goto(`${dashboard.url}#/run/${path.basename(run.dir)}/charts`);
  await page.locator('.chart[data-key="train/loss"] canvas').waitFor();
  await page.waitForFunction(() => document.querySelectorAll(".chart canvas").length === 4);
  const ms = performance.now() - t;
  const points = await page
    .locator(".chart")
    .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.points)));
  await page.close();
  console.log(
    `${label}: first chart in ${ms.toFixed(0)} ms; ${(bytes / 1024).toFixed(0)} KiB of JSON; points per chart ${points.join(", ")} (of ${steps})`,
  );
}
const r = await fetch(
  `${dashboard.url}api/runs/${path.basename(run.dir)}/scalars?keys=train/loss&buckets=800`,
);
const body = await r.text();
console.log(
  `one 800-pixel chart: ${JSON.parse(body).series["train/loss"].x.length} points, ${(body.length / 1024).toFixed(0)} KiB`,
);
await browser.close();
await dashboard.close();
fs.rmSync(root, { recursive: true, force: true });
