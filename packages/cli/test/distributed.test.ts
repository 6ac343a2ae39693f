// Distributed mode, end to end with real processes: a redis-server of the test's own, `reasonlab
// worker` processes, and the trainer and evals through the real command line.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type RedisServer, startRedisServer } from "@reasonlab/queue";
import { openRun } from "@reasonlab/runs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reasonlab as run } from "./support/run.js";

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "bin", "reasonlab.mjs");
const root = fs.mkdtempSync(path.join(os.tmpdir(), "reasonlab-distributed-"));
let redis: RedisServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
// a test that fails midway leaves its workers running; they would take the next test's jobs
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await redis.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** A `reasonlab` process in the background; resolves once its stdout has matched `ready`. */
async function start(args: string[], ready: RegExp): Promise<ChildProcess & { out: () => string }> {
  const p = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(p);
  let out = "";
  p.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  p.stderr!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (ready.test(out)) {
        clearInterval(t);
        resolve();
      }
    }, 20);
    p.once("exit", (code) => {
      clearInterval(t);
      reject(new Error(`reasonlab ${args[0]} exited (${code}): ${out}`));
    });
  });
  return Object.assign(p, { out: () => out });
}

const worker = (...extra: string[]) =>
  start(
    ["worker", "--redis", redis.url, "--backend", "wasm", "--lock-ms", "5000", ...extra],
    /worker \d+ on /,
  );
/** Resolves once the process has exited and its output is all read ("close", not "exit"). */
const exited = (p: ChildProcess) =>
  new Promise<number | null>((r) =>
    (p.exitCode !== null || p.signalCode !== null) && (p.stdout === null || p.stdout.closed)
      ? r(p.exitCode)
      : p.once("close", (c) => r(c)),
  );
const until = async (check: () => boolean, ms = 60_000) => {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
};

/**
 * A config file: one pretraining step of a tiny byte-level model (an RL stage needs a trained
 * start), then the RL stage given.
 */
function rlConfig(name: string, rl: object, contextLength = 96) {
  const file = path.join(root, `${name}.json`);
  const pretrain = {
    stage: "pretrain",
    steps: 1,
    batchSize: 2,
    data: { families: ["add"], difficulties: [1], perCell: 8 },
    accuracyProblems: 0,
  };
  fs.writeFileSync(
    file,
    JSON.stringify({
      name,
      seed: 1,
      backend: "wasm",
      runs: path.join(root, "runs"),
      tokenizer: { kind: "bytes" },
      model: { dModel: 32, nLayers: 1, nHeads: 2, contextLength },
      stages: [pretrain, { stage: "rl", maskTruncated: false, accuracyProblems: 0, ...rl }],
    }),
  );
  return file;
}

/** The toy environment (env-math's "digits"): a fresh policy learns it in a dozen steps. */
const digitsConfig = (name: string, steps: number, checkpointEvery: number) =>
  rlConfig(name, {
    steps,
    environment: { name: "digits", families: ["digits"] },
    promptsPerStep: 4,
    groupSize: 8,
    maxTokens: 6,
    evalEvery: 1000,
    checkpointEvery,
    samplesPerStep: 32,
    optimizer: { lr: 0.02, warmupSteps: 0, minLrRatio: 1, weightDecay: 0 },
  });

const rlDir = (name: string) => {
  const d = fs.readdirSync(path.join(root, "runs")).find((x) => x.includes(`-${name}-rl-`));
  return d ? path.join(root, "runs", d) : null;
};
const rewards = (dir: string) =>
  openRun(dir)
    .read("metrics")
    .records.filter((r) => r.values["rl/reward_mean"] !== undefined)
    .map((r) => r.values["rl/reward_mean"]!);
/** Files of a run, with checkpoint steps kept and run names dropped: its shape. */
const shape = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();

describe("distributed mode on Redis", () => {
  it("an RL stage whose rollouts come from 2 worker processes learns through a Redis restart, and writes the run in-process would", async () => {
    const workers = [await worker(), await worker()];
    const trainer = await start(
      ["train", "--config", digitsConfig("remote", 14, 7), "--redis", redis.url],
      /rl step 5\//,
    );
    // Redis restarts mid-run: trainer and workers reconnect and go on
    await redis.restart();
    expect(await exited(trainer), trainer.out()).toBe(0);
    expect(trainer.out()).toMatch(/rollouts on worker machines via redis:/);
    const dir = rlDir("remote")!;
    const curve = rewards(dir);
    expect(curve).toHaveLength(14);
    const mean3 = (xs: number[]) => (xs[0]! + xs[1]! + xs[2]!) / 3;
    expect(mean3(curve.slice(-3)), curve.map((r) => r.toFixed(2)).join(" ")).toBeGreaterThan(
      mean3(curve) + 0.1,
    );

    // both workers sampled, every rollout once, at most one update stale
    const samples = openRun(dir).read("samples").records;
    expect(new Set(samples.map((s) => s.meta!.worker)).size).toBe(2);
    expect(
      new Set(samples.map((s) => `${s.step}/${s.meta!.job}/${s.completion}/${s.meta!.advantage}`)).size,
    ).toBe(samples.length);
    const metrics = openRun(dir).read("metrics").records;
    expect(metrics.every((m) => (m.values["rl/staleness"] ?? 0) <= 1)).toBe(true);
    expect(metrics.some((m) => m.values["rl/staleness"] === 1)).toBe(true);
    // the queue's state is charted with the run, for the dashboard
    expect(metrics.at(-1)!.values["queue/workers"]).toBe(2);
    // the rate counts jobs finished since the previous step: a step whose rollouts were all in
    // before it may read 0, so the run as a whole is what must show throughput
    expect(metrics.some((m) => (m.values["queue/jobs_per_s"] ?? 0) > 0)).toBe(true);

    const local = await run(["train", "--config", digitsConfig("local", 14, 7)]);
    expect(local.code, local.stderr).toBe(0);
    expect(shape(dir)).toEqual(shape(rlDir("local")!));
    for (const w of workers) {
      w.kill("SIGTERM");
      expect(await exited(w)).toBe(0);
      expect(w.out()).toMatch(/stopped \(\d+ jobs done, 0 failed\)/);
    }
  });

  it("a trainer SIGKILLed mid-run and resumed applies no rollout of its past life", async () => {
    let w = await worker();
    const trainer = await start(
      ["train", "--config", digitsConfig("killed", 40, 2), "--redis", redis.url],
      /rl step 3\//,
    );
    // a worker killed mid-run: the trainer waits on its rollouts, then is killed itself
    w.kill("SIGKILL");
    await exited(w);
    await until(() => /rl step \d+\/40/.test(trainer.out()));
    trainer.kill("SIGKILL");
    await exited(trainer);
    // read after death: rollouts the worker finished before it died can carry the trainer a step
    // past the line we waited for, and a step is logged before its checkpoint is saved
    const before = [...trainer.out().matchAll(/rl step (\d+)\/40/g)].map((m) => Number(m[1])).at(-1)!;
    const dir = rlDir("killed")!;
    const saved = openRun(dir).checkpoints().at(-1)!.manifest.step;
    expect(saved).toBeLessThanOrEqual(before);

    w = await worker();
    const resumed = await run(["train", "--resume", dir, "--redis", redis.url]);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    const session = /\(session (\w+),/.exec(resumed.stdout)![1]!;
    const samples = openRun(dir).read("samples").records;
    const mine = samples.filter((s) => String(s.meta!.job).includes(`.${session}.`));
    // the resumed life trained steps saved+1..40, each on exactly its own 32 rollouts
    const steps = [...new Set(mine.map((s) => s.step))].sort((a, b) => a - b);
    expect(steps).toEqual(Array.from({ length: 40 - saved }, (_, i) => saved + 1 + i));
    for (const step of steps) expect(mine.filter((s) => s.step === step)).toHaveLength(32);
    // and no rollout of the old life was logged after the resume began
    const firstMine = samples.indexOf(mine[0]!);
    expect(samples.slice(firstMine).every((s) => String(s.meta!.job).includes(`.${session}.`))).toBe(true);
    w.kill("SIGTERM");
    await exited(w);
  });

  it("an eval sharded over 2 workers gives the in-process results; operator suites and operate episodes fan out too", async () => {
    const workers = [await worker(), await worker()];
    const ckpt = rlDir("remote")!;
    const suite = path.join(root, "tiny-add.json");
    fs.writeFileSync(
      suite,
      JSON.stringify({
        name: "tiny-add",
        kind: "math",
        tasks: [{ family: "add", difficulties: [1, 2], count: 70 }],
        samples: 2,
        temperature: 1,
        maxTokens: 8,
      }),
    );
    const completions = (dir: string) =>
      openRun(dir)
        .read("evalSamples")
        .records.map((r) => `${r.item}#${r.attempt}: ${r.completion}`)
        .sort();
    const evalRun = async (...extra: string[]) => {
      const r = await run([
        "eval",
        "run",
        "--suite",
        suite,
        "--model",
        ckpt,
        "--runs",
        path.join(root, "evals"),
        "--backend",
        "wasm",
        ...extra,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return /^run (\S+)/m.exec(r.stderr)![1]!;
    };
    const local = completions(await evalRun());
    const sharded = completions(await evalRun("--redis", redis.url));
    expect(local).toHaveLength(154);
    expect(sharded).toEqual(local);

    const op = path.join(root, "tiny-op.json");
    fs.writeFileSync(
      op,
      JSON.stringify({
        name: "tiny-op",
        kind: "operator",
        families: ["click-button", "checkboxes"],
        seeds: 2,
      }),
    );
    const episodes = await run([
      "eval",
      "run",
      "--suite",
      op,
      "--model",
      "expert",
      "--redis",
      redis.url,
      "--json",
      "--runs",
      path.join(root, "evals"),
    ]);
    expect(episodes.code, episodes.stderr).toBe(0);
    expect(JSON.parse(episodes.stdout).metrics.success).toMatchObject({ value: 1, n: 4 });
    const jobsSeen = workers.map((w) => (w.out().match(/episodes\/operator-episodes done/g) ?? []).length);
    // at least once: a job may run twice (a lock lost while a worker's event loop was busy), and
    // the caller still counts one result per family: 4 episodes above, not more
    expect(jobsSeen.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(2);

    // `operate` over seeds: each episode on some worker, recorded into the caller's run with its screenshots
    const operated = await run([
      "operate",
      "--task",
      "click-button",
      "--episodes",
      "4",
      "--seed",
      "20",
      "--redis",
      redis.url,
      "--runs",
      path.join(root, "operate"),
      "--yes",
    ]);
    expect(operated.code, operated.stderr).toBe(0);
    expect(operated.stdout).toMatch(/solved 4\/4/);
    const opDir = /^run (\S+)/m.exec(operated.stdout)![1]!;
    const recorded = fs.readdirSync(path.join(opDir, "episodes"));
    expect(recorded.map((e) => e.replace(/^\d+-/, "")).sort()).toEqual(
      [20, 21, 22, 23].map((s) => `click-button-${s}`),
    );
    for (const e of recorded) {
      const files = fs.readdirSync(path.join(opDir, "episodes", e));
      expect(files).toContain("steps.jsonl");
      expect(files.some((f) => f.endsWith(".png"))).toBe(true);
    }
    expect(new Set([...operated.stdout.matchAll(/ on (\S+) \(/g)].map((m) => m[1])).size).toBe(2);
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map(exited));
  });

  it("RL in Chromium through a worker: browser rollouts are sampled there and kept in the trainer's run", async () => {
    const w = await worker();
    const file = rlConfig(
      "browser",
      {
        steps: 2,
        environment: { name: "browser", families: ["click-button"], maxTurns: 1, recordEvery: 1 },
        promptsPerStep: 2,
        groupSize: 2,
        maxTokens: 6,
        samplesPerStep: 4,
      },
      1024,
    );
    const trained = await run(["train", "--config", file, "--redis", redis.url]);
    expect(trained.code, trained.stderr + trained.stdout).toBe(0);
    const dir = rlDir("browser")!;
    const samples = openRun(dir).read("samples").records;
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.every((s) => String(s.meta!.worker).endsWith(`:${w.pid}`))).toBe(true);
    // the worker shares this file system: its episodes land in the trainer's run, screenshots and all
    const episodes = fs.readdirSync(path.join(dir, "episodes"));
    expect(episodes.length).toBe(8);
    expect(fs.readdirSync(path.join(dir, "episodes", episodes[0]!)).some((f) => f.endsWith(".png"))).toBe(
      true,
    );
    w.kill("SIGTERM");
    await exited(w);
  });
});
