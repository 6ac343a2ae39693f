// One RL config for every backend: rollouts "auto" samples in a worker on wasm and inline on
// WebGPU (lavapipe here, a real GPU on a GPU host), and the stage runs to the end on both.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openRun } from "@reasonlab/runs";
import { afterAll, describe, expect, it } from "vitest";
import { type TrainConfigInput, train } from "../src/train.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "policy-rollouts-auto-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const config = (backend: "wasm" | "webgpu"): TrainConfigInput => ({
  name: `auto-${backend}`,
  seed: 2,
  backend,
  runs: root,
  tokenizer: { kind: "bytes" },
  model: { dModel: 32, nLayers: 1, nHeads: 2, contextLength: 64 },
  stages: [
    {
      stage: "sft",
      steps: 2,
      batchSize: 4,
      data: { families: ["add"], difficulties: [1], perCell: 20, evalPerCell: 4 },
      accuracyProblems: 0,
      evalEvery: 100,
      checkpointEvery: 100,
    },
    {
      stage: "rl",
      steps: 2,
      promptsPerStep: 2,
      groupSize: 4,
      maxTokens: 8,
      accuracyProblems: 0,
      evalEvery: 100,
      checkpointEvery: 100,
      data: { families: ["add"], difficulties: [1] },
      rollouts: "auto",
    },
  ],
});

describe('rollouts: "auto"', () => {
  for (const [backend, mode] of [
    ["wasm", "worker"],
    ["webgpu", "inline"],
  ] as const)
    it(`samples ${mode} on ${backend} and finishes the stage`, async () => {
      const lines: string[] = [];
      const [, result] = await train(config(backend), { log: (line: string) => lines.push(line) });
      expect(openRun(result!.runDir).info()).toMatchObject({ kind: "rl", status: "finished", backend });
      const steps = lines.filter((l) => /^rl step [12]\//.test(l));
      expect(steps).toHaveLength(2);
      // only an overlapped step reports how long it waited for rollouts sampled during the update
      for (const l of steps) expect(/\(waited /.test(l)).toBe(mode === "worker");
    });
});
