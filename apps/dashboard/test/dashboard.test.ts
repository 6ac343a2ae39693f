// The dashboard end to end: the real server over run directories written by the project's own
// writers (and a real operator episode), driven in Chromium through Playwright.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { launchChromium } from "@reasonlab/operator";
import { createRun, openRun, resumeRun } from "@reasonlab/runs";
import type { Browser, Page } from "playwright";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ScalarsResponse } from "../src/api.js";
import { startDashboard } from "../src/server.js";
import { downsample } from "../src/store.js";
import { seedRuns } from "./support/seed.js";

let root: string;
let dashboard: Awaited<ReturnType<typeof startDashboard>>;
let browser: Browser;
let page: Page;
let runs: Awaited<ReturnType<typeof seedRuns>>;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "reasonlab-dashboard-"));
  runs = await seedRuns(root);
  dashboard = await startDashboard({ runsRoot: root, port: 0 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  fs.rmSync(root, { recursive: true, force: true });
});
beforeEach(async () => {
  await page?.close();
  page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
});

const id = (dir: string) => path.basename(dir);

describe("dashboard in Chromium", () => {
  it("lists runs with status and headline metrics, filtered by words or /regex/", async () => {
    await page.goto(dashboard.url);
    await page.locator("#runs tbody tr").nth(3).waitFor();
    const rows = await page.locator("#runs tbody tr").allTextContents();
    expect(rows[0]).toMatch(/^arena.*arena.*finished/);
    expect(rows.find((r) => r.startsWith("rl-arithmetic"))).toMatch(/running.*wasm.*reward 0\.\d+/);
    expect(rows.find((r) => r.startsWith("sft-addition"))).toMatch(/finished.*loss 0\.0\d+/);
    await page.fill("#filter", "/^(sft|rl)-/");
    await expect.poll(() => page.locator("#runs tbody tr").count()).toBe(2);
    await page.fill("#filter", "operate");
    await expect
      .poll(() => page.locator("#runs tbody tr").allTextContents())
      .toEqual([expect.stringMatching(/^operate-login/)]);
  });

  it("draws a chart per metric that gains a point when the run appends one", async () => {
    await page.goto(`${dashboard.url}#/run/${id(runs.rl.dir)}/charts`);
    const chart = page.locator('.chart[data-key="rl/reward_mean"]');
    await chart.locator("canvas").waitFor();
    expect(await chart.getAttribute("data-points")).toBe("40");
    runs.rl.metrics(40, { "rl/reward_mean": 0.97, "rl/accuracy": 0.8 });
    // Within the page's one-second poll, without a reload.
    await expect.poll(() => chart.getAttribute("data-points"), { timeout: 5000 }).toBe("41");
    await page.fill("#chart-filter", "rl/accuracy");
    await expect.poll(() => page.locator(".chart").count()).toBe(1);
  });

  it("shows eval curves with their intervals", async () => {
    await page.goto(`${dashboard.url}#/run/${id(runs.sft.dir)}/charts`);
    const chart = page.locator('.chart[data-key="eval:addition/accuracy"]');
    await chart.locator("canvas").waitFor();
    expect(await chart.getAttribute("data-points")).toBe("3");
    const r = await (
      await fetch(`${dashboard.url}api/runs/${id(runs.sft.dir)}/scalars?keys=eval:addition/accuracy`)
    ).json();
    expect(r.series["eval:addition/accuracy"]).toMatchObject({ x: [100, 200, 300], y: [0.5, 0.7, 0.9] });
    expect(r.series["eval:addition/accuracy"].lo[0]).toBeCloseTo(0.44, 6);
  });

  it("filters samples by source, step and correctness", async () => {
    await page.goto(`${dashboard.url}#/run/${id(runs.sft.dir)}/samples`);
    await expect.poll(() => page.textContent("#sample-count")).toBe("9 samples");
    await page.selectOption("#sample-correct", "false");
    await expect.poll(() => page.textContent("#sample-count")).toBe("3 samples");
    expect(await page.locator(".sample.right").count()).toBe(0);
    await page.selectOption("#sample-step", "200");
    await expect.poll(() => page.textContent("#sample-count")).toBe("1 sample");
    await page.selectOption("#sample-source", "eval");
    await page.selectOption("#sample-step", "");
    await page.selectOption("#sample-correct", "");
    await expect.poll(() => page.textContent("#sample-count")).toBe("6 samples");
    expect(await page.locator("#sample-suite option").allTextContents()).toEqual(["all suites", "addition"]);
  });

  it("replays an operator episode: screenshots, marks where it acted, outputs and actions", async () => {
    // an operator run opens on its episodes, not on an empty charts tab
    await page.goto(`${dashboard.url}#/run/${id(runs.operate!.dir)}`);
    await page.locator("#replay img").waitFor();
    expect(await page.textContent(".tabs a.active")).toBe("episodes");
    await expect
      .poll(() => page.locator("#replay img").evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBe(1024);
    expect(await page.textContent("#replay-position")).toBe("step 1 of 4");
    expect(await page.textContent("#replay-output")).toMatch(/^type \[1\] "/);
    expect(await page.locator("#replay svg circle.click").count()).toBeGreaterThan(0);
    await page.click("text=next ▶");
    expect(await page.textContent("#replay-position")).toBe("step 2 of 4");
    await page.locator('tr[data-episode$="drag-drop"]').click();
    await expect.poll(() => page.textContent("#replay-action")).toMatch(/"type":"drag"/);
    expect(await page.locator("#replay svg polyline.drag").count()).toBe(1);
  });

  it("counts an arena vote: the leaderboard appears and the models are revealed", async () => {
    await page.goto(`${dashboard.url}#/arena`);
    await page.locator("#battle .prompt").waitFor();
    expect(await page.textContent("#leaderboard")).toContain("No decided battles yet");
    // Blind: the page shows no model names before the vote.
    expect(await page.textContent("#battle")).not.toMatch(/sft-addition|rl-arithmetic/);
    await page.click("#vote-a");
    await page.locator("#reveal").waitFor();
    expect(await page.textContent("#reveal")).toMatch(/A was (sft-addition|rl-arithmetic)@\d+/);
    await page.locator("#leaderboard tbody tr").nth(1).waitFor();
    const board = await page.locator("#leaderboard tbody tr").allTextContents();
    expect(board).toHaveLength(2);
    expect(board[0]).toMatch(/^1/);
    await page.click("#vote-b");
    await expect.poll(() => page.textContent("#leaderboard")).toContain("2 human votes");
  });

  it("compares runs: overlaid charts and a config diff", async () => {
    await page.goto(`${dashboard.url}#/compare/${id(runs.sft.dir)},${id(runs.rl.dir)}`);
    await page.locator("#config-diff").waitFor();
    const diff = await page.locator("#config-diff tbody tr").allTextContents();
    expect(diff).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^lr0\.0050\.0005$/),
        expect.stringMatching(/^groupSize–8$/),
      ]),
    );
    expect(await page.locator(".chart").count()).toBeGreaterThan(5);
  });

  it("shows the eval table of models x suites with intervals", async () => {
    await page.goto(`${dashboard.url}#/evals`);
    await page.locator("#eval-table table").waitFor();
    expect(await page.textContent("#eval-table tbody")).toMatch(/sft-addition0\.900 \[0\.840, 0\.960\]/);
    // in training order (SFT's run began first), not by name
    expect(await page.locator("#eval-table tbody tr td:first-child").allTextContents()).toEqual([
      "sft-addition",
      "rl-arithmetic",
    ]);
  });
});

describe("dashboard server", () => {
  it("listens on loopback and refuses paths outside its folders", async () => {
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const bad of [
      "..%2f..%2fpackage.json",
      "%2e%2e/%2e%2e/package.json",
      "api/runs/..%2f..%2fetc/scalars",
      `api/runs/${id(runs.operate!.dir)}/episodes/x/files/..%2f..%2frun.json`,
    ]) {
      const res = await fetch(`${dashboard.url}${bad}`);
      expect([400, 404]).toContain(res.status);
      expect(await res.text()).not.toMatch(/@reasonlab\/dashboard|"schema"/);
    }
  });

  it("skips a torn or corrupt line, reports it, and keeps serving", async () => {
    fs.appendFileSync(path.join(runs.sft.dir, "metrics.jsonl"), '{"t": 1, "step": "x"}\n{"t": 2, "st');
    const detail = await (await fetch(`${dashboard.url}api/runs/${id(runs.sft.dir)}`)).json();
    expect(detail.problems.map((p: { kind: string }) => p.kind)).toContain("invalid");
    expect(detail.keys).toContain("train/loss");
    await page.goto(`${dashboard.url}#/run/${id(runs.sft.dir)}/charts`);
    await page.locator('.chart[data-key="train/loss"] canvas').waitFor();
    expect(await page.textContent(".problems")).toMatch(/1 unreadable line\(s\) skipped/);
  });

  it("shows each step of a resumed run once, live: the stopped process's redone steps drop out", async () => {
    const run = createRun({ root, name: "resumed", kind: "pretrain" });
    for (let step = 1; step <= 50; step++) run.metrics(step, { "train/loss": 1 });
    run.close(); // as a SIGKILL leaves it: running, with steps after the last checkpoint (40)
    const scalars = async () => {
      const url = `${dashboard.url}api/runs/${id(run.dir)}/scalars?keys=train/loss&buckets=4000`;
      const body = (await (await fetch(url)).json()) as ScalarsResponse;
      return body.series["train/loss"]!;
    };
    expect((await scalars()).x).toHaveLength(50); // the dashboard has read the stopped process's steps
    const again = resumeRun(run.dir, { fromStep: 40 });
    for (let step = 41; step <= 60; step++) again.metrics(step, { "train/loss": 0.5 });
    again.finish();
    const after = await scalars();
    expect(after.x).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(after.y.slice(40)).toEqual(Array(20).fill(0.5));
    expect(
      openRun(run.dir)
        .read("metrics")
        .records.map((r) => r.step),
    ).toEqual(after.x);
  });

  it("validates votes", async () => {
    const res = await fetch(`${dashboard.url}api/arena/${id(runs.arena.dir)}/vote`, {
      method: "POST",
      body: JSON.stringify({ id: "x", winner: "c" }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/^winner:/);
  });

  it("downsamples long series to min and max per bucket, keeping spikes", () => {
    const x = Array.from({ length: 100_000 }, (_, i) => i);
    const y = x.map((i) => (i === 54_321 ? 100 : Math.sin(i / 1000)));
    const d = downsample(x, y, 500);
    expect(d.x.length).toBeLessThanOrEqual(2000);
    expect(Math.max(...(d.y as number[]))).toBe(100);
    expect(d.x[0]).toBe(0);
    expect(d.x.at(-1)).toBe(99_999);
  });
});
