// The JavaScript kernels in front of tfjs-wasm's (src/wasm-kernels.ts) must give what tfjs-wasm's
// own kernels give, to the bit: transposes, sums, gathers, slices and so a whole training step.
// Each case runs twice in this process, with the kernels off and on.
import { uniformStream } from "@reasonlab/env-math";
import type * as TF from "@tensorflow/tfjs";
import { afterAll, describe, expect, it } from "vitest";
import { loadBackend } from "../src/backend.js";
import { initModel, lossOf, type ModelConfigInput } from "../src/model.js";
import { sample } from "../src/sample.js";
import { byteTokenizer } from "../src/tokenizer.js";
import { setWasmKernels, simplifyPermutation, wasmNormInference } from "../src/wasm-kernels.js";

const { tf } = await loadBackend("wasm");
afterAll(() => setWasmKernels(true));

const random = (shape: number[], seed: number) => {
  const u = uniformStream(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => u() * 2 - 1),
    shape,
  );
};
/** f's outputs with tfjs-wasm's kernels, then with ours (shapes and values). */
const both = (f: () => TF.Tensor | TF.Tensor[]) =>
  [false, true].map((on) => {
    setWasmKernels(on);
    const out = f();
    const list = Array.isArray(out) ? out : [out];
    const r = list.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
    tf.dispose(list);
    return r;
  }) as [{ shape: number[]; values: number[] }[], { shape: number[]; values: number[] }[]];

describe("wasm kernels in JavaScript", () => {
  it("merges neighbouring axes and drops size-1 ones before choosing a transpose", () => {
    expect(simplifyPermutation([1024, 512], [1, 0])).toEqual({ shape: [1024, 512], perm: [1, 0] });
    expect(simplifyPermutation([2, 3, 4, 5], [2, 3, 0, 1])).toEqual({ shape: [6, 20], perm: [1, 0] });
    expect(simplifyPermutation([1, 5, 1, 3], [3, 2, 1, 0])).toEqual({ shape: [5, 3], perm: [1, 0] });
    expect(simplifyPermutation([16, 64, 2, 64], [0, 2, 1, 3])).toEqual({
      shape: [16, 64, 2, 64],
      perm: [0, 2, 1, 3],
    });
  });

  it("transposes exactly, tall matrices with ragged edges and int32 included", () => {
    const cases: [number[], number[]][] = [
      [
        [1024, 512],
        [1, 0],
      ],
      [
        [131, 37],
        [1, 0],
      ],
      [
        [130, 2],
        [1, 0],
      ],
      [
        [129, 1, 6],
        [2, 1, 0],
      ],
      [
        [40, 5, 7],
        [2, 0, 1],
      ],
      [
        [8, 64, 32],
        [0, 2, 1],
      ], // short: tfjs-wasm's own
    ];
    for (const [shape, perm] of cases) {
      const [theirs, ours] = both(() => random(shape, 1).transpose(perm));
      expect(ours).toEqual(theirs);
    }
    const ints = tf.tensor2d(
      Int32Array.from({ length: 300 * 7 }, (_, i) => i - 1000),
      [300, 7],
      "int32",
    );
    const [theirs, ours] = both(() => ints.transpose());
    expect(ours).toEqual(theirs);
  });

  it("sums over leading axes, with and without keepDims, to the bit as tfjs-wasm does", () => {
    for (const [shape, axis, keepDims] of [
      [[1024, 128], 0, false],
      [[16, 64, 33], [0, 1], true],
      [[300, 5], -2, false],
      [[300, 5], 1, false], // innermost: tfjs-wasm's own
    ] as [number[], number | number[], boolean][]) {
      const [theirs, ours] = both(() => random(shape, 2).sum(axis, keepDims));
      expect(ours).toEqual(theirs);
    }
  });

  it("gathers rows exactly, and leaves out-of-range indices to tfjs-wasm's error", () => {
    const table = random([263, 128], 3);
    const ids = tf.tensor2d(
      Int32Array.from({ length: 64 }, (_, i) => (i * 37) % 263),
      [8, 8],
      "int32",
    );
    const [theirs, ours] = both(() => tf.gather(table, ids));
    expect(ours).toEqual(theirs);
    expect(ours[0]!.shape).toEqual([8, 8, 128]);
    const bad = tf.tensor1d([0, 263], "int32");
    for (const on of [false, true]) {
      setWasmKernels(on);
      expect(() => tf.gather(table, bad)).toThrow(/GatherV2: the index value 263 is not in \[0, 262\]/);
    }
  });

  it("slices and splits exactly: inner parts, whole trailing axes, int32, empty parts", () => {
    const x = random([6, 5, 9, 4], 8);
    const ints = tf.range(0, 600, 1, "int32").reshape([20, 30]);
    const cases: (() => TF.Tensor | TF.Tensor[])[] = [
      () => x.slice([1, 2, 3, 1], [4, 2, 5, 2]),
      () => x.slice([0, 3, 0, 0], [-1, 2, -1, -1]), // one run per outer index
      () => x.reshape([30, 36]).slice([7, 0], [11, -1]), // one run
      () => x.reshape([30, 36]).slice([0, 5], [-1, 20]),
      () => tf.split(x, 5, 1),
      () => tf.split(x, [1, 3], -1),
      () => ints.slice([2, 5], [3, 7]),
      () => tf.split(ints, [10, 0, 20], 1),
      () => tf.range(0, 10).slice(3, 4),
    ];
    for (const f of cases) {
      const [theirs, ours] = both(f);
      expect(ours).toEqual(theirs);
    }
  });

  for (const norm of ["layernorm", "rmsnorm"] as const)
    it(`leaves a training step's loss and every gradient the same to the bit (${norm})`, () => {
      const config: ModelConfigInput = {
        dModel: 48,
        nLayers: 2,
        nHeads: 2,
        contextLength: 37,
        positions: norm === "layernorm" ? "learned" : "rotary",
        norm,
        mlp: "relu",
        vocabSize: 263,
      };
      const model = initModel(tf, config, 1);
      const x = tf.tensor2d(
        Int32Array.from({ length: 4 * 37 }, (_, i) => (i * 7) % 256),
        [4, 37],
        "int32",
      );
      const y = tf.tensor2d(
        Int32Array.from({ length: 4 * 37 }, (_, i) => (i * 7 + 3) % 256),
        [4, 37],
        "int32",
      );
      const vars = [...model.params.values()];
      const [theirs, ours] = both(() => {
        const { value, grads } = tf.variableGrads(() => lossOf(model, x, y), vars);
        return [value, ...vars.map((v) => grads[v.name]!)];
      });
      expect(ours).toEqual(theirs);
      tf.dispose([x, y, ...vars]);
    });

  it("norms a forward pass without a gradient in one kernel, to the bit of tfjs's ops, and sampling draws the same", async () => {
    for (const D of [48, 100, 128]) {
      const x = random([70, D], 5).mul(3).add(0.5);
      const g = random([D], 6).add(1);
      const b = random([D], 7);
      const [theirs, ours] = both(() => {
        const norm = wasmNormInference(tf);
        const rms = x.mul(tf.rsqrt(x.square().mean(-1, true).add(1e-6))).mul(g);
        const { mean, variance } = tf.moments(x, -1, true);
        const ln = x
          .sub(mean)
          .mul(tf.rsqrt(variance.add(1e-5)))
          .mul(g)
          .add(b);
        return norm ? [norm(x, g, null, "rmsnorm"), norm(x, g, b, "layernorm"), rms, ln] : [rms, ln, rms, ln];
      });
      expect(ours).toEqual(theirs);
    }
    // under a gradient the model keeps tfjs's ops (the kernel has no gradient)
    setWasmKernels(true);
    let underGradient: unknown = "unset";
    tf.dispose(
      tf.grads((x) => {
        underGradient = wasmNormInference(tf);
        return x!.sum();
      })([tf.ones([2])]),
    );
    expect(underGradient).toBeNull();
    expect(wasmNormInference(tf)).not.toBeNull();

    const model = initModel(
      tf,
      {
        dModel: 64,
        nLayers: 2,
        nHeads: 2,
        contextLength: 48,
        norm: "layernorm",
        positions: "learned",
        vocabSize: 263,
      },
      3,
    );
    const prompts = [
      [65, 66, 67],
      [70, 71, 72, 73, 74],
    ];
    const draws = [];
    for (const on of [false, true]) {
      setWasmKernels(on);
      draws.push(
        await sample(model, byteTokenizer(), prompts, { maxTokens: 20, temperature: 1, seed: 5, n: 2 }),
      );
    }
    expect(draws[1]).toEqual(draws[0]);
    for (const v of model.params.values()) v.dispose();
  });

  it("leaves no tensor behind", () => {
    const a = random([300, 64], 4);
    setWasmKernels(true);
    const step = () =>
      tf.dispose(tf.tidy(() => [a.transpose(), a.sum(0), tf.gather(a, tf.tensor1d([1, 2], "int32"))]));
    step();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
