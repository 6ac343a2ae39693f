import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRng } from "@reasonlab/env-math";
import { describe, expect, it } from "vitest";
import { loadBackend } from "../src/backend.js";
import { loadCheckpoint, saveCheckpoint } from "../src/checkpoint.js";
import {
  initModel,
  lossOf,
  ModelConfig,
  type ModelConfigInput,
  policyTerms,
  tokenLogprobs,
} from "../src/model.js";
import { applyAdamW, createAdamW, OptimizerConfig } from "../src/optimizer.js";
import { byteTokenizer } from "../src/tokenizer.js";

const { tf } = await loadBackend("wasm");
const tiny: ModelConfigInput = { vocabSize: 263, dModel: 32, nLayers: 2, nHeads: 4, contextLength: 32 };
const batch = (B: number, T: number, seed = 1) =>
  tf.tensor2d(
    Int32Array.from({ length: B * T }, (_, i) => (i * 31 + seed * 7) % 200),
    [B, T],
    "int32",
  );

async function fit(configInput: ModelConfigInput, steps: number) {
  const model = initModel(tf, configInput, 3);
  const opt = createAdamW(model);
  const x = batch(4, 16);
  const y = batch(4, 16, 2);
  const losses: number[] = [];
  const counts: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { value, grads } = tf.variableGrads(() => lossOf(model, x, y), [...model.params.values()]);
    const named = Object.fromEntries([...model.params].map(([n, v]) => [n, grads[v.name]!]));
    const norm = applyAdamW(model, opt, named, OptimizerConfig.parse({ lr: 1e-2, warmupSteps: 0 }), 1e-2);
    losses.push((await value.data())[0]!);
    tf.dispose([value, norm, ...Object.values(grads)]);
    counts.push(tf.memory().numTensors);
  }
  return { model, losses, counts };
}

/**
 * What an agent's reply does: copy a name the goal quotes. `M w1 w2 n1..n5 SEP` is answered
 * `w1 w2`, seven distinct tokens drawn afresh each time, and only the answer is scored.
 */
function copyTask(seed: number, B: number) {
  const rng = createRng("copy-task", seed);
  const [M, SEP, T] = [250, 251, 10];
  const [x, y, w] = [new Int32Array(B * T), new Int32Array(B * T), new Float32Array(B * T)];
  for (let b = 0; b < B; b++) {
    const words: number[] = [];
    while (words.length < 7) {
      const t = Math.floor(rng.next() * 200);
      if (!words.includes(t)) words.push(t);
    }
    const seq = [M, ...words, SEP, words[0]!, words[1]!];
    for (let t = 0; t < T; t++)
      [x[b * T + t], y[b * T + t], w[b * T + t]] = [seq[t]!, seq[t + 1]!, t >= 7 ? 1 : 0];
  }
  return {
    x: tf.tensor2d(x, [B, T], "int32"),
    y: tf.tensor2d(y, [B, T], "int32"),
    w: tf.tensor2d(w, [B, T]),
  };
}

/** Trains on fresh copy tasks; the share of 200 new ones whose answer tokens both get p > 0.5. */
async function copyAccuracy(copy: boolean, steps: number) {
  const model = initModel(tf, { ...tiny, copy }, 3);
  const opt = createAdamW(model);
  for (let s = 0; s < steps; s++) {
    const b = copyTask(s, 32);
    const { value, grads } = tf.variableGrads(() => lossOf(model, b.x, b.y, b.w), [...model.params.values()]);
    const named = Object.fromEntries([...model.params].map(([n, v]) => [n, grads[v.name]!]));
    const norm = applyAdamW(model, opt, named, OptimizerConfig.parse({ lr: 1e-2, warmupSteps: 0 }), 1e-2);
    tf.dispose([value, norm, ...Object.values(grads), b.x, b.y, b.w]);
  }
  const e = copyTask(10_000, 200);
  const lp = tf.tidy(() => policyTerms(model, e.x, e.y).logp);
  const v = await lp.data();
  tf.dispose([lp, e.x, e.y, e.w]);
  let right = 0;
  for (let b = 0; b < 200; b++) if (v[b * 10 + 7]! > Math.log(0.5) && v[b * 10 + 8]! > Math.log(0.5)) right++;
  return right / 200;
}

describe("transformer", () => {
  it("with a copy head, learns in 150 steps to copy words it has never seen together, which it cannot without one", async () => {
    expect(await copyAccuracy(true, 150)).toBeGreaterThan(0.9);
    expect(await copyAccuracy(false, 150)).toBeLessThan(0.2);
  });

  it("rejects a head size that does not divide evenly, naming the field", () => {
    expect(() => ModelConfig.parse({ ...tiny, nHeads: 5 })).toThrow(/nHeads/);
  });

  for (const variant of [
    { positions: "rotary", mlp: "relu2", norm: "rmsnorm" },
    { positions: "learned", mlp: "gelu", norm: "layernorm", tiedEmbeddings: false },
    { positions: "rotary", mlp: "swiglu", norm: "rmsnorm" },
    { positions: "rotary", mlp: "relu2", norm: "rmsnorm", copy: true },
  ] as const) {
    it(`learns a fixed batch (${variant.positions}, ${variant.mlp}, ${variant.norm}${"copy" in variant ? ", copy head" : ""}) without leaking tensors`, async () => {
      const { losses, counts } = await fit({ ...tiny, ...variant }, 30);
      expect(losses[29]!).toBeLessThan(losses[0]! * 0.5);
      expect(new Set(counts.slice(2)).size).toBe(1); // the tensor count is flat from step to step
    });
  }

  it("gives the same loss on wasm and cpu from the same seed", async () => {
    const model = initModel(tf, tiny, 5);
    const wasm = (await lossOf(model, batch(2, 8), batch(2, 8, 3)).data())[0]!;
    await tf.setBackend("cpu");
    const onCpu = initModel(tf, tiny, 5);
    const cpu = (await lossOf(onCpu, batch(2, 8), batch(2, 8, 3)).data())[0]!;
    await tf.setBackend("wasm");
    expect(cpu).toBeCloseTo(wasm, 4);
  });

  it("token log-probabilities agree with the loss", async () => {
    const model = initModel(tf, tiny, 6);
    const x = batch(2, 8);
    const y = batch(2, 8, 4);
    const lp = await tokenLogprobs(model, x, y).mean().data();
    const loss = await lossOf(model, x, y).data();
    expect(-lp[0]!).toBeCloseTo(loss[0]!, 5);
  });

  it("saves safetensors that load bit for bit, and that Python reads with its standard library", async () => {
    const { model } = await fit(tiny, 3);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ckpt-"));
    const tokenizer = byteTokenizer();
    await saveCheckpoint(dir, { model, tokenizer });
    const loaded = loadCheckpoint(tf, dir);
    for (const [name, v] of model.params)
      expect(Buffer.from((await loaded.model.params.get(name)!.data()).buffer)).toEqual(
        Buffer.from((await v.data()).buffer),
      );
    const py = `
import json, struct, sys, array
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
entry = header["wte"]
start, end = entry["data_offsets"]
values = array.array("f", raw[8 + n + start: 8 + n + end])
print(json.dumps({"dtype": entry["dtype"], "shape": entry["shape"], "first": values[0], "count": len(values)}))`;
    const out = JSON.parse(
      execFileSync("python3", ["-c", py, path.join(dir, "model.safetensors")], { encoding: "utf8" }),
    );
    const wte = await model.params.get("wte")!.data();
    expect(out).toEqual({ dtype: "F32", shape: [263, 32], first: wte[0], count: 263 * 32 });
    fs.rmSync(dir, { recursive: true });
  });

  it("refuses a checkpoint whose weights do not match its config", async () => {
    const model = initModel(tf, tiny, 1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ckpt-"));
    await saveCheckpoint(dir, { model, tokenizer: byteTokenizer() });
    const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
    config.model.dModel = 64;
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
    expect(() => loadCheckpoint(tf, dir)).toThrow(/'wte' has shape \[263,32\], expected \[263,64\]/);
    fs.rmSync(dir, { recursive: true });
  });
});
