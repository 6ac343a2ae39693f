import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openRun } from "@reasonlab/runs";
import { afterAll, describe, expect, it } from "vitest";
import { readChats } from "../src/data.js";
import { resumeTraining, TrainConfig, type TrainConfigInput, train } from "../src/train.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "policy-train-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const data = { families: ["add"], difficulties: [1], perCell: 60, evalPerCell: 10 };
const config = (runs: string, steps = 8): TrainConfigInput => ({
  name: "tiny",
  seed: 3,
  backend: "wasm",
  runs,
  tokenizer: { kind: "bpe", vocabSize: 300 },
  model: { dModel: 32, nLayers: 1, nHeads: 2, contextLength: 64 },
  stages: [
    {
      stage: "pretrain",
      steps,
      batchSize: 4,
      data,
      logEvery: 1,
      evalEvery: 4,
      accuracyProblems: 0,
      checkpointEvery: 100,
      optimizer: { lr: 3e-3, warmupSteps: 2 },
    },
    {
      stage: "sft",
      steps: 4,
      batchSize: 4,
      data,
      logEvery: 1,
      evalEvery: 2,
      accuracyProblems: 4,
      checkpointEvery: 100,
      optimizer: { lr: 3e-3, warmupSteps: 1 },
    },
  ],
});
const quiet = { log: () => {} };
const losses = (runDir: string) =>
  openRun(runDir)
    .read("metrics")
    .records.filter((r) => r.values["train/loss"] !== undefined)
    .map((r) => [r.step, r.values["train/loss"]]);

describe("training", () => {
  it("runs pretrain then SFT into linked run directories with metrics, samples and checkpoints", async () => {
    const [pre, sft] = await train(config(path.join(root, "a")), quiet);
    const preRun = openRun(pre!.runDir);
    const sftRun = openRun(sft!.runDir);
    expect(preRun.info()).toMatchObject({ kind: "pretrain", status: "finished", backend: "wasm" });
    expect(sftRun.info()).toMatchObject({ kind: "sft", status: "finished", parent: preRun.info().id });
    expect(preRun.checkpoints().map((c) => c.manifest.step)).toEqual([8]);
    const metrics = preRun.read("metrics").records;
    expect(metrics.at(-1)!.values).toMatchObject({
      "train/loss": expect.any(Number),
      "eval/loss": expect.any(Number),
      "train/tokens_per_s": expect.any(Number),
    });
    // it learns: 8 steps take the loss clearly below its start (ln 300 = 5.7 for a uniform guess)
    const trainLoss = losses(pre!.runDir).map(([, l]) => l as number);
    expect(trainLoss).toHaveLength(8);
    expect(trainLoss.at(-1)!).toBeLessThan(trainLoss[0]! - 0.3);
    expect(sftRun.read("samples").records.length).toBeGreaterThan(0);
    expect(sft!.accuracy).not.toBeNull();
    // the tensor count is the same at every logged step: nothing leaks
    const tensors = metrics.slice(1).map((m) => m.values["system/tensors"]);
    expect(new Set(tensors).size).toBe(1);
  });

  it("trains SFT on a chats file (what the operator's demonstrations are), its tokenizer trained on them", async () => {
    const file = path.join(root, "chats.jsonl");
    const chat = (i: number) => ({
      messages: [
        {
          role: "user",
          content: `Goal: Click the button labelled "B${i % 7}".\n[1] button "A"\n[2] button "B${i % 7}"`,
        },
        { role: "assistant", content: "click [2]" },
      ],
    });
    fs.writeFileSync(file, `${Array.from({ length: 120 }, (_, i) => JSON.stringify(chat(i))).join("\n")}\n`);
    const [sft] = await train(
      {
        ...config(path.join(root, "chats")),
        stages: [
          {
            stage: "sft",
            steps: 12,
            batchSize: 8,
            chats: { path: file, heldOutEvery: 10 },
            logEvery: 1,
            evalEvery: 6,
            accuracyProblems: 0,
            checkpointEvery: 100,
            optimizer: { lr: 3e-3, warmupSteps: 1 },
          },
        ],
      },
      quiet,
    );
    const trainLoss = losses(sft!.runDir).map(([, l]) => l as number);
    expect(trainLoss.at(-1)!).toBeLessThan(trainLoss[0]! - 0.5);
    expect(
      openRun(sft!.runDir)
        .read("events")
        .records.find((e) => e.kind === "data")!.data,
    ).toMatchObject({
      trainRows: expect.any(Number),
      heldOutRows: expect.any(Number),
    });
  });

  it("says which line and field of a chats file is wrong, and takes chats or data, not both", () => {
    const file = path.join(root, "bad.jsonl");
    fs.writeFileSync(
      file,
      `${JSON.stringify({ messages: [{ role: "user", content: "hi" }] })}\n{"messages": [{"role": "bot", "content": "x"}]}\n`,
    );
    expect(() => readChats(file)).toThrow(/bad.jsonl:2: messages.0.role: /);
    expect(() => readChats(path.join(root, "missing.jsonl"))).toThrow(/cannot read/);
    const both = TrainConfig.safeParse({
      model: { dModel: 32, nLayers: 1, nHeads: 2 },
      stages: [{ stage: "sft", steps: 1, data, chats: { path: file } }],
    });
    expect(both.error!.issues[0]).toMatchObject({
      path: ["stages", 0, "data"],
      message: expect.stringMatching(/not both/),
    });
    const rlBoth = TrainConfig.safeParse({
      model: { dModel: 32, nLayers: 1, nHeads: 2 },
      stages: [{ stage: "rl", steps: 1 }],
    });
    expect(rlBoth.error!.issues[0]!.path).toEqual(["stages", 0, "data"]);
  });

  it('gradients: "worker" takes the same steps as one thread, with half of each batch on a second core', async () => {
    const pretrain = config("")!.stages![0]! as Record<string, unknown>;
    const run = async (dir: string, gradients: "inline" | "worker") =>
      (
        await train({ ...config(path.join(root, dir)), stages: [{ ...pretrain, gradients } as never] }, quiet)
      )[0]!;
    const inline = await run("g1", "inline");
    const worker = await run("g2", "worker");
    const [a, b] = [losses(inline.runDir), losses(worker.runDir)];
    expect(b.map(([step]) => step)).toEqual(a.map(([step]) => step));
    // the same updates up to float rounding (sums taken in another order), and not a copy
    for (const [i, [, loss]] of a.entries()) expect(b[i]![1]).toBeCloseTo(loss as number, 4);
    expect(a.at(-1)![1]).toBeLessThan(a[0]![1] as number);
    expect(openRun(worker.runDir).info().status).toBe("finished");
  });

  it("a run stopped mid-stage resumes to exactly the curve of an uninterrupted one", async () => {
    const [whole] = await train(
      { ...config(path.join(root, "b")), stages: [config("")!.stages![0]!] },
      quiet,
    );
    const [partial] = await train(
      { ...config(path.join(root, "c")), stages: [config("")!.stages![0]!] },
      { ...quiet, stopAfter: 3 },
    );
    expect(partial!.stoppedEarly).toBe(true);
    const [resumed] = await resumeTraining(partial!.runDir, quiet);
    expect(resumed!.runDir).toBe(partial!.runDir);
    expect(losses(resumed!.runDir)).toEqual(losses(whole!.runDir));
    const info = openRun(resumed!.runDir).info();
    expect(info.status).toBe("finished");
    expect(
      openRun(resumed!.runDir)
        .read("events")
        .records.map((e) => e.kind),
    ).toContain("resumed");
  });

  it("an RL stage from a checkpoint is resumable after a stop, to the same curve", async () => {
    const [, sft] = await train(config(path.join(root, "d")), quiet);
    const rl = (runs: string, rollouts: "inline" | "worker" = "inline"): TrainConfigInput => ({
      name: "tiny-rl",
      seed: 5,
      backend: "wasm",
      runs,
      init: sft!.checkpoint,
      model: { dModel: 32, nLayers: 1, nHeads: 2 },
      stages: [
        {
          stage: "rl",
          steps: 4,
          promptsPerStep: 2,
          groupSize: 4,
          maxTokens: 24,
          accuracyProblems: 4,
          evalEvery: 2,
          checkpointEvery: 100,
          data: { families: ["add"], difficulties: [1] },
          rollouts,
        },
      ],
    });
    const [whole] = await train(rl(path.join(root, "e")), quiet);
    const [partial] = await train(rl(path.join(root, "f")), { ...quiet, stopAfter: 2 });
    expect(partial!.stoppedEarly).toBe(true);
    const [resumed] = await resumeTraining(partial!.runDir, quiet);
    const rewards = (dir: string) =>
      openRun(dir)
        .read("metrics")
        .records.filter((r) => r.values["rl/reward_mean"] !== undefined)
        .map((r) => [r.step, r.values["rl/reward_mean"], r.values["rl/response_length"]]);
    expect(rewards(resumed!.runDir)).toEqual(rewards(whole!.runDir));
    expect(openRun(resumed!.runDir).info()).toMatchObject({ kind: "rl", status: "finished" });
    expect(
      openRun(whole!.runDir)
        .read("samples")
        .records.some((s) => s.split === "rollout"),
    ).toBe(true);

    // with rollouts one update ahead in a worker, a resumed run matches up to the stop and then
    // finishes; its first step after the stop samples with the newest weights instead of the
    // previous ones, so it need not match from there on
    const [wholeAhead] = await train(rl(path.join(root, "g"), "worker"), quiet);
    const [partialAhead] = await train(rl(path.join(root, "h"), "worker"), { ...quiet, stopAfter: 2 });
    const [resumedAhead] = await resumeTraining(partialAhead!.runDir, quiet);
    expect(rewards(resumedAhead!.runDir).slice(0, 2)).toEqual(rewards(wholeAhead!.runDir).slice(0, 2));
    expect(rewards(resumedAhead!.runDir).map(([step]) => step)).toEqual([1, 2, 3, 4]);
    expect(openRun(resumedAhead!.runDir).info()).toMatchObject({ kind: "rl", status: "finished" });
  });

  it("a SIGTERM in the second of three stages stops it within its step, leaving that stage failed and resumable", async () => {
    // each stage's run guards the process; a finished stage's handlers must be gone, or the first
    // stage's would take the signal and the second would read "process exited before the run finished"
    const runs = path.join(root, "signal");
    const file = path.join(root, "signal.json");
    const base = config(runs, 2);
    const stages = [
      base.stages![0]!,
      { ...base.stages![1]!, steps: 100_000 },
      {
        stage: "rl",
        steps: 2,
        promptsPerStep: 2,
        groupSize: 2,
        data: { families: ["add"], difficulties: [1] },
      },
    ];
    fs.writeFileSync(file, JSON.stringify({ ...base, stages }));
    const bin = path.join(import.meta.dirname, "..", "..", "cli", "bin", "reasonlab.mjs");
    const child = spawn(process.execPath, [bin, "train", "--config", file], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const dirs = () =>
      (fs.existsSync(runs) ? fs.readdirSync(runs).sort() : []).map((d) => path.join(runs, d));
    try {
      // Wait for a few SFT steps to be written, then stop it as a scheduler would.
      const sftMetrics = () => {
        const sft = dirs().find((d) => d.includes("-sft-"));
        const file = sft && path.join(sft, "metrics.jsonl");
        return file && fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").length : 0;
      };
      await expect.poll(sftMetrics, { timeout: 60_000, interval: 100 }).toBeGreaterThan(3);
      const sent = Date.now();
      child.kill("SIGTERM");
      expect(await exited).toBe(143);
      expect(Date.now() - sent).toBeLessThan(5000);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    const infos = dirs().map((d) => openRun(d).info());
    expect(infos.map((i) => [i.kind, i.status, i.error?.message])).toEqual([
      ["pretrain", "finished", undefined],
      ["sft", "failed", "interrupted by SIGTERM"],
    ]);
  });

  it("after a SIGKILL and --resume, readers see each step once: the killed process's redone steps are read past", async () => {
    const runs = path.join(root, "killed");
    const file = path.join(root, "killed.json");
    const base = config(runs, 70);
    const pretrain = { ...base.stages![0]!, checkpointEvery: 20 };
    fs.writeFileSync(file, JSON.stringify({ ...base, stages: [pretrain] }));
    const bin = path.join(import.meta.dirname, "..", "..", "cli", "bin", "reasonlab.mjs");
    const child = spawn(process.execPath, [bin, "train", "--config", file], { stdio: "ignore" });
    const exited = new Promise((r) => child.once("exit", r));
    const metricsFile = () => {
      const [dir] = fs.existsSync(runs) ? fs.readdirSync(runs) : [];
      return dir ? path.join(runs, dir, "metrics.jsonl") : "";
    };
    const lastStep = () => {
      const f = metricsFile();
      if (!f || !fs.existsSync(f)) return 0;
      const lines = fs.readFileSync(f, "utf8").trim().split("\n");
      try {
        return JSON.parse(lines.at(-1)!).step as number;
      } catch {
        return 0;
      }
    };
    try {
      await expect.poll(lastStep, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(45);
      child.kill("SIGKILL");
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    const dir = path.dirname(metricsFile());
    const killedAt = lastStep();
    const from = openRun(dir).checkpoints().at(-1)!.manifest.step; // 40, or later on a fast machine
    expect(killedAt).toBeGreaterThan(from);
    const [resumed] = await resumeTraining(dir, quiet);
    expect(resumed!.runDir).toBe(dir);
    // the file holds both processes' records for the steps after the checkpoint; a reader keeps the new ones
    const raw = fs
      .readFileSync(metricsFile(), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { step: number; values: Record<string, number> })
      .filter((r) => r.values["train/loss"] !== undefined)
      .map((r) => r.step);
    expect(raw.filter((s) => s === from + 1)).toHaveLength(2);
    expect(losses(dir).map(([step]) => step)).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
    const events = openRun(dir).read("events").records;
    expect(events.find((e) => e.kind === "resumed")).toMatchObject({ step: from });
  });

  it("rejects a bad config naming the field", () => {
    const bad = { ...config(root), stages: [{ ...config(root).stages![0]!, batchSize: 0 }] };
    const r = TrainConfig.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path.join(".")).toBe("stages.0.batchSize");
  });
});
