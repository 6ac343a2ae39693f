// The checkpoint watcher: each checkpoint evaluated exactly once per suite, across kills (SIGKILL
// mid-evaluation) and restarts of the real CLI process, and while training adds checkpoints.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openRun } from "@reasonlab/runs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { committedSamples } from "../src/evaluate.js";
import { loadSuite } from "../src/suites.js";
import { acquireLock, pending, watch } from "../src/watch.js";
import { tinyRun, tinySuite } from "./support/tiny.js";

const BIN = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "cli",
  "bin",
  "reasonlab.mjs",
);
let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "eval-watch-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const watcher = (runDir: string, suite: string, once = true): ChildProcess =>
  spawn(
    process.execPath,
    [
      BIN,
      "eval",
      "watch",
      runDir,
      "--suite",
      suite,
      "--backend",
      "wasm",
      "--interval",
      "0.2",
      ...(once ? ["--once"] : []),
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
const exit = (child: ChildProcess) =>
  new Promise<number | null>((r) => child.once("exit", (code) => r(code)));

describe("eval watch", () => {
  it("evaluates every checkpoint exactly once across SIGKILLs and restarts", async () => {
    const run = await tinyRun(path.join(root, "runs"), [100, 200, 300, 400, 500, 600]);
    const suite = tinySuite(root, {
      tasks: [{ family: "add", difficulties: [2], count: 40 }],
      maxTokens: 24,
    });
    const resultsFile = path.join(run.dir, "evals", "results.jsonl");
    const samplesFile = path.join(run.dir, "evals", "samples.jsonl");
    const lines = (f: string) =>
      fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").filter(Boolean).length : 0;

    // Kill the watcher as soon as it has committed one more checkpoint, twice.
    for (let kill = 0; kill < 2; kill++) {
      const before = lines(resultsFile);
      const child = watcher(run.dir, suite);
      const died = exit(child);
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (lines(resultsFile) > before || child.exitCode !== null) {
            clearInterval(timer);
            resolve();
          }
        }, 20);
      });
      child.kill("SIGKILL");
      await died;
    }
    expect(lines(resultsFile)).toBeLessThan(6);
    // What a kill between an evaluation's samples and its result leaves: samples with no result.
    const orphan = {
      t: Date.now(),
      evalId: "killed",
      suite: "tiny",
      model: "tiny",
      step: 600,
      item: "add/2/0",
      attempt: 0,
      prompt: "p",
      completion: "c",
      correct: true,
    };
    fs.appendFileSync(samplesFile, `${JSON.stringify(orphan)}\n`);
    const child = watcher(run.dir, suite);
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    expect(await exit(child)).toBe(0);

    const reader = openRun(run.dir);
    const results = reader.read("evalResults").records;
    expect(results.map((r) => r.step).sort()).toEqual([100, 200, 300, 400, 500, 600]);
    expect(new Set(results.map((r) => r.checkpoint)).size).toBe(6);
    // Interrupted evaluations left samples behind; only committed ones count.
    const all = reader.read("evalSamples").records;
    expect(committedSamples(results, all)).toHaveLength(6 * 40);
    expect(pending(run.dir, [loadSuite(suite)])).toEqual([]);
    expect(out).toMatch(/evaluated \d checkpoint/);
    expect(fs.existsSync(path.join(run.dir, "evals", "watch.lock"))).toBe(false);
    // three watcher processes, each starting tsx and tfjs: 6 s alone, past 60 s while turbo runs
    // the policy suite's worker threads on the same 2 cores
  }, 180_000);

  it("follows a running training run, then stops once it has finished and all is evaluated", async () => {
    const run = await tinyRun(path.join(root, "runs"), [1], { finish: false });
    const suite = loadSuite(tinySuite(root));
    const seen: string[] = [];
    const watching = watch({
      runDir: run.dir,
      suites: [suite],
      backend: "wasm",
      interval: 0.1,
      log: (l) => seen.push(l),
    });
    // Training goes on: a new checkpoint, then the end of the run.
    const more = await tinyRun(path.join(root, "runs2"), [2]);
    const src = openRun(more.dir).checkpoints()[0]!;
    fs.cpSync(src.dir, path.join(run.dir, "checkpoints", src.name), { recursive: true });
    run.finish();
    const { evaluated } = await watching;
    expect(evaluated).toBe(2);
    expect(
      openRun(run.dir)
        .read("evalResults")
        .records.map((r) => r.step),
    ).toEqual([1, 2]);
    expect(seen.at(-1)).toMatch(/finished and every checkpoint is evaluated/);
  });

  it("allows one watcher per run; a lock left by a dead process is taken over", () => {
    const dir = fs.mkdtempSync(path.join(root, "lock-"));
    const release = acquireLock(dir);
    expect(() => acquireLock(dir)).not.toThrow(); // the same process may re-enter
    fs.writeFileSync(path.join(dir, "evals", "watch.lock"), String(process.ppid));
    expect(() => acquireLock(dir)).toThrow(/another watcher \(pid \d+\)/);
    fs.writeFileSync(path.join(dir, "evals", "watch.lock"), "999999999");
    const again = acquireLock(dir);
    again();
    release();
  });
});
