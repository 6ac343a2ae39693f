// The browser task suite behind env-math's Environment interface, in real Chromium: tasks drawn
// from training seeds by a counter, an episode per page, a grammar line per step acted out with
// real input, a restarted conversation carrying the new observation, the task's score at the end.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openRun } from "@reasonlab/runs";
import type { Browser } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../src/browser.js";
import { type BrowserEnvironment, browserEnvironment, TRAIN_SEEDS_FROM } from "../src/tasks/environment.js";
import { startTaskServer, type TaskServer } from "../src/tasks/server.js";

let browser: Browser;
let server: TaskServer;
let env: BrowserEnvironment;
const info = { tokens: 4, truncated: false };

beforeAll(async () => {
  browser = await launchChromium();
  server = await startTaskServer();
  env = await browserEnvironment({
    families: ["click-button", "fill-field"],
    seed: 3,
    browser,
    server,
    maxTurns: 4,
  });
});
afterAll(async () => {
  await env?.close();
  await server?.close();
  await browser?.close();
});

/** The index the observation gives the element with this role and name. */
const indexOf = (observation: string, role: string, name: string) =>
  Number(
    new RegExp(`\\[(\\d+)\\] ${role} ${JSON.stringify(name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`).exec(
      observation,
    )![1],
  );

describe("the browser environment", () => {
  it("draws (family, seed) tasks from training seeds by a counter, and resumes the same draws", async () => {
    const first = [env.nextTask(), env.nextTask(), env.nextTask()];
    for (const t of first) {
      expect(["click-button", "fill-field"]).toContain(t.family);
      expect(t.seed).toBeGreaterThanOrEqual(TRAIN_SEEDS_FROM);
      expect(t.id).toBe(`${t.family}/${t.seed}`);
    }
    const again = await browserEnvironment({
      families: ["click-button", "fill-field"],
      seed: 3,
      browser,
      server,
    });
    const resumed = await browserEnvironment({
      families: ["click-button", "fill-field"],
      seed: 3,
      browser,
      server,
      saved: { drawn: 1 },
    });
    expect([again.nextTask(), again.nextTask()]).toEqual(first.slice(0, 2));
    expect(resumed.nextTask()).toEqual(first[1]);
    await again.close();
    await resumed.close();
  });

  it("plays an episode: the observation, a failed step seen in the next one, the right click paid 1", async () => {
    const task = { id: "click-button/7", family: "click-button", seed: 7, prompt: "" };
    const episode = await env.reset(task);
    expect(episode.messages).toHaveLength(1);
    const observation = episode.messages[0]!.content;
    expect(observation).toMatch(/^Goal: Click the button labelled "(\w+)"\.\nPage: /);
    const label = /labelled "(\w+)"/.exec(observation)![1]!;

    const miss = await episode.step("I will click something.\nclick [99]", info);
    expect(miss).toMatchObject({ reward: 0, done: false, correct: false, restart: true });
    expect(miss.messages[0]!.content).toContain("Last: click [99] failed: there is no element [99]");

    const hit = await episode.step(`click [${indexOf(observation, "button", label)}]`, info);
    expect(hit).toEqual({ messages: [], reward: 1, done: true, correct: true, restart: true });
    await episode.close();
  });

  it("runs a group's episodes side by side, a page each, and ends an episode at its turn budget", async () => {
    const task = { id: "fill-field/11", family: "fill-field", seed: 11, prompt: "" };
    const group = await Promise.all([env.reset(task), env.reset(task), env.reset(task)]);
    expect(new Set(group.map((e) => e.messages[0]!.content)).size).toBe(1);
    expect(env.pages()).toBeGreaterThanOrEqual(3);
    const [a] = group;
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await a!.step("wait 10", info));
    expect(outcomes.map((o) => o.done)).toEqual([false, false, false, true]);
    expect(outcomes[3]).toMatchObject({ reward: 0, correct: false, messages: [] });
    await Promise.all(group.map((e) => e.close()));
  });

  it("keeps every n-th episode in the run directory for replay: each step's observation, reply, action and screenshot", async () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "rl-episodes-"));
    fs.writeFileSync(path.join(runDir, "run.json"), "{}"); // episodes need only their folder
    const recorded = await browserEnvironment({
      families: ["click-button"],
      seed: 5,
      browser,
      server,
      record: { runDir, every: 2 },
    });
    const task = { id: "click-button/7", family: "click-button", seed: 7, prompt: "" };
    const kept = await recorded.reset(task); // the 1st, kept
    const skipped = await recorded.reset(task); // the 2nd, not
    const observation = kept.messages[0]!.content;
    const label = /labelled "(\w+)"/.exec(observation)![1]!;
    await kept.step("click [99]", info);
    const last = await kept.step(`Found it.\nclick ${JSON.stringify(label)}`, info);
    expect(last).toMatchObject({ done: true, reward: 1 });
    await skipped.step(`click ${JSON.stringify(label)}`, info);
    await Promise.all([kept.close(), skipped.close()]);
    await recorded.close();

    const run = openRun(runDir);
    const episodes = run.episodes();
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({
      task: "click-button",
      seed: 7,
      status: "success",
      reward: 1,
      steps: 2,
    });
    const { records: steps } = run.episodeSteps(episodes[0]!.id);
    expect(steps.map((s) => s.modelOutput)).toEqual([
      "click [99]",
      `Found it.\nclick ${JSON.stringify(label)}`,
    ]);
    expect(steps[0]!.observation).toBe(observation);
    expect(steps[1]!.observation).toContain("Last: click [99] failed: there is no element [99]");
    expect(steps[1]!.action).toEqual({ verb: "click", target: label });
    expect(steps[0]!.error).toMatch(/no element \[99\]/);
    expect(steps[1]!.reward).toBe(1);
    for (const s of steps)
      expect(fs.statSync(run.episodeFile(episodes[0]!.id, s.screenshot!)!).size).toBeGreaterThan(1000);
    fs.rmSync(runDir, { recursive: true, force: true });
  });
  it("starts its own Chromium only with the first episode: drawing tasks needs none (a trainer whose rollouts run on workers)", async () => {
    const own = await browserEnvironment({ families: ["click-button"], seed: 9, maxTurns: 1 });
    try {
      const task = own.nextTask();
      expect(task.family).toBe("click-button");
      expect(own.pages()).toBe(0);
      const episode = await own.reset(task);
      expect(episode.messages[0]!.content).toContain("Goal:");
      expect(own.pages()).toBe(1);
      await episode.close();
    } finally {
      await own.close();
    }
    // closed before any episode: nothing was started, nothing to stop
    const unused = await browserEnvironment({ families: ["click-button"], seed: 9 });
    unused.nextTask();
    await unused.close();
  });
});
