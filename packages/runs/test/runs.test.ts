import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createRun,
  listRuns,
  MetricRecord,
  newRunId,
  openRun,
  RecordError,
  readJsonl,
  resolveInside,
  resumeRun,
  runPaths,
} from "../src/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "reasonlab-runs-"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function child(mode: "append" | "hang", count: number) {
  return spawn(
    process.execPath,
    ["--import", "tsx", path.join(here, "fixtures/writer-process.ts"), root, mode, String(count)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
}

describe("writer and reader", () => {
  it("round-trips every record type", async () => {
    let now = 1_700_000_000_000;
    const run = createRun({
      root,
      name: "Round trip!",
      kind: "rl",
      config: { lr: 3e-4, layers: 2 },
      backend: "wasm",
      clock: () => now++,
    });
    const metric = run.metrics(3, { "train/loss": 1.25, "train/diverged": Number.NaN });
    const sample = run.log("samples", {
      step: 3,
      prompt: "2+2?",
      completion: "<answer>4</answer>",
      expected: "4",
      extracted: "4",
      reward: 1,
      correct: true,
    });
    const event = run.event("stage", "rl begins", { step: 3, data: { from: "sft" } });
    const evalResult = run.log("evalResults", {
      suite: "math/decimal-compare",
      model: "policy",
      step: 3,
      metrics: { accuracy: { value: 0.5, stderr: 0.1, lo: 0.3, hi: 0.7, n: 20 } },
    });
    const evalSample = run.log("evalSamples", {
      suite: "math/decimal-compare",
      model: "policy",
      item: "dc-1",
      prompt: "9.11 or 9.9?",
      completion: "9.9",
      correct: true,
    });
    const ckpt = await run.checkpoint(
      3,
      (dir) => fs.writeFileSync(path.join(dir, "model.safetensors"), "weights"),
      { stage: "rl", metrics: { loss: 1.25 } },
    );
    const episode = run.episode({
      task: "click-button",
      goal: "Click OK",
      model: "expert",
      seed: 7,
      viewport: { width: 800, height: 600 },
    });
    const step = episode.step(
      {
        url: "http://127.0.0.1/x",
        action: { type: "click", x: 10, y: 20 },
        points: [{ x: 10, y: 20 }],
        modelOutput: "click [3]",
      },
      Buffer.from("png"),
    );
    const ended = episode.end("success", 1);
    run.finish();

    const reader = openRun(run.dir);
    const info = reader.info();
    expect(info).toMatchObject({
      name: "Round trip!",
      kind: "rl",
      status: "finished",
      backend: "wasm",
      host: { pid: process.pid },
    });
    expect(reader.config()).toEqual({ lr: 3e-4, layers: 2 });
    expect(reader.read("metrics").records).toEqual([
      { ...metric, values: { "train/loss": 1.25, "train/diverged": null } },
    ]);
    expect(reader.read("samples").records).toEqual([sample]);
    expect(reader.read("events").records).toContainEqual(event);
    expect(reader.read("events").records.map((e) => e.kind)).toEqual([
      "started",
      "stage",
      "checkpoint",
      "episode",
      "finished",
    ]);
    expect(reader.read("evalResults").records).toEqual([evalResult]);
    expect(reader.read("evalSamples").records).toEqual([evalSample]);
    const [checkpoint] = reader.checkpoints();
    expect(checkpoint).toMatchObject({
      dir: ckpt,
      manifest: { step: 3, stage: "rl", files: ["model.safetensors"], metrics: { loss: 1.25 } },
    });
    expect(reader.episodes()).toEqual([ended]);
    expect(reader.episodeSteps(episode.id)).toEqual({ records: [step], problems: [] });
    expect(fs.readFileSync(reader.episodeFile(episode.id, step.screenshot!)!, "utf8")).toBe("png");
    expect(listRuns(root).map((r) => r.info?.id)).toEqual([run.id]);
  });

  it("rejects invalid records with an error naming the field, writing nothing", () => {
    const run = createRun({ root, name: "bad", kind: "train" });
    run.metrics(0, { loss: 1 });
    // biome-ignore lint/suspicious/noExplicitAny: feeding a bad value on purpose
    expect(() => run.metrics(1, { loss: "high" as any })).toThrow(/values\.loss/);
    expect(() => run.log("samples", { step: -1, prompt: "p", completion: "c" })).toThrow(/step: .*>=0/);
    expect(() =>
      run.log("evalResults", { suite: "has space", model: "m", metrics: { a: { value: 1 } } }),
    ).toThrow(/suite/);
    expect(() => run.metrics(2, {})).toThrow(RecordError);
    expect(openRun(run.dir).read("metrics")).toEqual({
      records: [expect.objectContaining({ step: 0 })],
      problems: [],
    });
  });

  it("skips a torn last line, reports it, and heals it when the run resumes", () => {
    const run = createRun({ root, name: "torn", kind: "train" });
    for (let step = 0; step < 3; step++) run.metrics(step, { loss: step });
    run.close();
    const file = runPaths(run.dir).log("metrics");
    fs.appendFileSync(file, '{"t":1,"step":3,"values":{"lo'); // the writer died mid-record

    const whole = readJsonl(file, MetricRecord);
    expect(whole.records.map((r) => r.step)).toEqual([0, 1, 2]);
    expect(whole.problems).toEqual([expect.objectContaining({ line: 4, kind: "torn" })]);

    const tail = openRun(run.dir).tail("metrics");
    expect(tail.read().records).toHaveLength(3);
    expect(tail.read()).toEqual({ records: [], problems: [] }); // held back: it may still be being written

    const resumed = resumeRun(run.dir);
    resumed.metrics(3, { loss: 3 });
    resumed.finish();
    const after = tail.read();
    expect(after.records.map((r) => r.step)).toEqual([3]);
    expect(after.problems).toEqual([expect.objectContaining({ line: 4, kind: "corrupt" })]);
    expect(openRun(run.dir).info().status).toBe("finished");
  });

  it("reports a line that parses but breaks the schema, naming the field", () => {
    const run = createRun({ root, name: "invalid", kind: "train" });
    run.metrics(0, { loss: 1 });
    run.close();
    fs.appendFileSync(runPaths(run.dir).log("metrics"), '{"t":5,"step":"one","values":{"loss":2}}\n');
    const { records, problems } = openRun(run.dir).read("metrics");
    expect(records).toHaveLength(1);
    expect(problems).toEqual([
      expect.objectContaining({ line: 2, kind: "invalid", message: expect.stringMatching(/^step: /) }),
    ]);
  });

  it("never shows a checkpoint whose saving failed", async () => {
    const run = createRun({ root, name: "ckpt", kind: "train" });
    await run.checkpoint(10, (dir) => fs.writeFileSync(path.join(dir, "a.bin"), "one"));
    await expect(
      run.checkpoint(20, (dir) => {
        fs.writeFileSync(path.join(dir, "a.bin"), "partial");
        throw new Error("disk full");
      }),
    ).rejects.toThrow("disk full");
    await run.checkpoint(10, (dir) => fs.writeFileSync(path.join(dir, "a.bin"), "two")); // re-saved after a resume
    const checkpoints = openRun(run.dir).checkpoints();
    expect(checkpoints.map((c) => c.manifest.step)).toEqual([10]);
    expect(fs.readFileSync(path.join(checkpoints[0]!.dir, "a.bin"), "utf8")).toBe("two");
  });

  it("reads a resumed run's redone steps once, the new process's, and keeps every line written", () => {
    let now = 1_000;
    const clock = () => now++;
    const run = createRun({ root, name: "redo", kind: "train", clock });
    for (let step = 1; step <= 50; step++) {
      run.metrics(step, { "train/loss": 1 });
      run.log("samples", { step, split: "train", prompt: "p", completion: "old" });
    }
    run.close(); // stopped at step 50; its last checkpoint was step 40
    const again = resumeRun(run.dir, { fromStep: 40, clock });
    for (let step = 41; step <= 60; step++) {
      again.metrics(step, { "train/loss": 0.5 });
      again.log("samples", { step, split: "train", prompt: "p", completion: "new" });
    }
    again.finish();
    const reader = openRun(run.dir);
    const metrics = reader.read("metrics").records;
    expect(metrics.map((r) => r.step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(metrics.slice(40).every((r) => r.values["train/loss"] === 0.5)).toBe(true);
    const samples = reader.read("samples").records;
    expect(samples.filter((r) => r.step > 40).map((r) => r.completion)).toEqual(Array(20).fill("new"));
    expect(fs.readFileSync(runPaths(run.dir).log("metrics"), "utf8").trim().split("\n")).toHaveLength(70);
    // a resume without a step (an older writer) hides nothing
    const plain = createRun({ root, name: "plain", kind: "train" });
    plain.metrics(5, { "train/loss": 1 });
    plain.close();
    resumeRun(plain.dir).metrics(5, { "train/loss": 2 });
    expect(openRun(plain.dir).read("metrics").records).toHaveLength(2);
  });
});

describe("across processes", () => {
  it("a reader tailing a file while another process appends sees every record once, in order", async () => {
    const count = 2000;
    const proc = child("append", count);
    const exited = new Promise((resolve) => proc.on("exit", resolve));
    const dir = path.join(root, "child");
    const tail = openRun(dir).tail("metrics");
    const steps: number[] = [];
    let reads = 0;
    let done = false;
    exited.then(() => {
      done = true;
    });
    while (!done) {
      const { records, problems } = tail.read();
      expect(problems).toEqual([]);
      steps.push(...records.map((r) => r.step));
      reads++;
      await new Promise((r) => setTimeout(r, 2));
    }
    const last = tail.read({ final: true });
    expect(last.problems).toEqual([]);
    steps.push(...last.records.map((r) => r.step));
    expect(steps).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(reads).toBeGreaterThan(1);
    expect(openRun(dir).info().status).toBe("finished");
  });

  it("a killed writer leaves a failed, resumable run", async () => {
    const proc = child("hang", 5);
    await new Promise<void>((resolve) => proc.stdout!.once("data", () => resolve()));
    proc.kill("SIGTERM");
    await new Promise((resolve) => proc.on("exit", resolve));
    const dir = path.join(root, "child");
    const info = openRun(dir).info();
    expect(info.status).toBe("failed");
    expect(info.error?.message).toBe("interrupted by SIGTERM");

    const resumed = resumeRun(dir);
    resumed.metrics(5, { "train/loss": 0.1 });
    resumed.finish();
    const reader = openRun(dir);
    expect(reader.read("metrics").records.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reader.read("events").records.map((e) => e.kind)).toEqual([
      "started",
      "failed",
      "resumed",
      "finished",
    ]);
  });
});

describe("names and paths", () => {
  it("run ids sort by creation time", () => {
    const times = [
      Date.UTC(2026, 0, 2, 3, 4, 5, 6),
      Date.UTC(2026, 0, 2, 3, 4, 5, 7),
      Date.UTC(2026, 10, 1),
      Date.UTC(2027, 0, 1),
    ];
    const ids = times.map((t, i) => newRunId(i % 2 ? "zzz" : "aaa", new Date(t)));
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^20260102-030405-006-aaa-[0-9a-f]{4}$/);
  });

  it("resolveInside rejects paths that escape the root", () => {
    expect(resolveInside("/runs", "a/b.png")).toBe(path.resolve("/runs/a/b.png"));
    for (const bad of ["../etc/passwd", "/etc/passwd", "a/../../x", "a\0b"])
      expect(resolveInside("/runs", bad)).toBeNull();
    const run = createRun({ root, name: "ep", kind: "operate" });
    const episode = run.episode({ task: "t", goal: "g", model: "m", viewport: { width: 10, height: 10 } });
    expect(openRun(run.dir).episodeFile(episode.id, "../../run.json")).toBeNull();
    expect(openRun(run.dir).episodeFile(episode.id, "episode.json")).not.toBeNull();
  });
});
