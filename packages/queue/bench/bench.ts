// The distributed mode's costs on this machine, against a redis-server of its own:
//   npm run bench -w @reasonlab/queue -- [--jobs N] [--steps N] [--skip-rollouts]
// 1. the queue itself: round trip of an empty job (submit -> worker -> result), one at a time and
//    many in flight, with a worker process of the queue's tests;
// 2. RL rollout throughput through the real `reasonlab` command: in-process, then with 1 and 2
//    `reasonlab worker` processes, on the same config (math, a 0.4M-parameter policy).
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { queueClient, startRedisServer } from "../src/index.js";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "2000" },
    steps: { type: "string", default: "8" },
    "skip-rollouts": { type: "boolean", default: false },
  },
});
const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, "..", "..", "cli", "bin", "reasonlab.mjs");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "queue-bench-"));
const redis = await startRedisServer();
const children: ChildProcess[] = [];
const cleanup = async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await redis.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
};

function spawnReady(args: string[], ready: RegExp): Promise<ChildProcess> {
  const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.push(p);
  let out = "";
  return new Promise((resolve, reject) => {
    p.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve(p);
    });
    p.once("exit", (code) => reject(new Error(`${args.join(" ")} exited (${code})`)));
  });
}
const stop = async (p: ChildProcess) => {
  if (p.exitCode !== null) return;
  const done = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  await done;
};

console.log(
  `queue benchmark: node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? "?"})`,
);
try {
  // ---- 1. the queue's own overhead ----
  const echo = await spawnReady(
    [
      "--import",
      "tsx",
      path.join(here, "..", "test", "support", "echo-worker.ts"),
      redis.url,
      path.join(tmp, "ran"),
    ],
    /ready/,
  );
  const client = queueClient(redis.url);
  const n = Number(values.jobs);
  await client.submit("eval", "echo", { value: 0, ms: 0 }, { jobId: "warm" });
  let t0 = performance.now();
  const serial = 200;
  for (let i = 0; i < serial; i++)
    await client.submit("eval", "echo", { value: i, ms: 0 }, { jobId: `s${i}` });
  const roundTrip = (performance.now() - t0) / serial;
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      client.submit("eval", "echo", { value: i, ms: 0 }, { jobId: `p${i}` }),
    ),
  );
  const perSecond = n / ((performance.now() - t0) / 1000);
  await client.close();
  await stop(echo);
  console.log(
    `\nempty job, one at a time:   ${roundTrip.toFixed(2)} ms round trip (submit -> worker -> result)`,
  );
  console.log(
    `empty jobs, ${n} in flight: ${perSecond.toFixed(0)} jobs/s through one worker process (2 at a time)`,
  );

  // ---- 2. RL rollouts ----
  if (!values["skip-rollouts"]) {
    const steps = Number(values.steps);
    const config = path.join(tmp, "rollouts.json");
    fs.writeFileSync(
      config,
      JSON.stringify({
        name: "bench",
        seed: 1,
        backend: "wasm",
        runs: path.join(tmp, "runs"),
        tokenizer: { kind: "bytes" },
        model: { dModel: 128, nLayers: 2, nHeads: 4, contextLength: 128 },
        stages: [
          {
            stage: "pretrain",
            steps: 1,
            batchSize: 2,
            data: { families: ["add"], difficulties: [1], perCell: 8 },
            accuracyProblems: 0,
          },
          {
            stage: "rl",
            steps,
            data: { families: ["add", "mul"], difficulties: [1, 2] },
            promptsPerStep: 16,
            groupSize: 8,
            maxTokens: 32,
            maskTruncated: false,
            accuracyProblems: 0,
            evalEvery: 1000,
            checkpointEvery: 1000,
          },
        ],
      }),
    );
    const rows: string[][] = [];
    const measure = async (label: string, workers: number) => {
      const ws = await Promise.all(
        Array.from({ length: workers }, () =>
          spawnReady(
            [cli, "worker", "--redis", redis.url, "--queues", "rollouts", "--backend", "wasm"],
            /worker \d+ on /,
          ),
        ),
      );
      const args = [cli, "train", "--config", config, ...(workers ? ["--redis", redis.url] : [])];
      const t = performance.now();
      const out = await new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
        let s = "";
        p.stdout!.on("data", (d: Buffer) => {
          s += d.toString();
        });
        p.once("exit", (code) => (code === 0 ? resolve(s) : reject(new Error(`train exited ${code}: ${s}`))));
      });
      const wall = (performance.now() - t) / 1000;
      for (const w of ws) await stop(w);
      const runDir = /^rl: run (\S+)/m.exec(out)![1]!;
      const metrics = fs
        .readFileSync(path.join(runDir, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { step: number; values: Record<string, number> })
        .filter((r) => r.values["rl/rollout_tokens_per_s"] !== undefined && r.step > 1); // step 1 warms up
      const mean = (k: string) => metrics.reduce((a, r) => a + r.values[k]!, 0) / metrics.length;
      const stepSeconds = mean("rl/rollout_wait_seconds") + mean("rl/update_seconds");
      const sampled = mean("rl/rollout_tokens_per_s") * mean("rl/rollout_seconds");
      rows.push([
        label,
        (sampled / stepSeconds).toFixed(0),
        mean("rl/rollout_seconds").toFixed(2),
        mean("rl/rollout_wait_seconds").toFixed(2),
        mean("rl/update_seconds").toFixed(2),
        stepSeconds.toFixed(2),
        wall.toFixed(1),
      ]);
    };
    await measure("in-process", 0);
    await measure("1 worker process", 1);
    await measure("2 worker processes", 2);
    console.log(
      `\nRL rollouts, ${steps} steps of 16 prompts x 8 (math, 0.4M-parameter policy, maxTokens 32), means over steps 2..${steps}:`,
    );
    const head = ["mode", "sampled tok/s", "rollout s", "waited s", "update s", "step s", "wall s"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) =>
      r.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
    console.log(line(head));
    for (const r of rows) console.log(line(r));
    console.log(
      "sampled tok/s: tokens sampled per second of training (rollouts / step time); waited: the part of a step spent waiting for rollouts",
    );
  }
} finally {
  await cleanup();
}
