// The JavaScript kernels in front of tfjs-wasm's (src/wasm-kernels.ts) must give what tfjs-wasm's
// own kernels give: transposes, sums and gathers exactly; the fused norm and a whole training step
// within float rounding. Each case runs twice in this process, with the kernels off and on.
import { uniformStream } from "@reasonlab/env-math";
import type * as TF from "@tensorflow/tfjs";
import { afterAll, describe, expect, it } from "vitest";
import { loadBackend } from "../src/backend.js";
import { initModel, lossOf, type ModelConfigInput } from "../src/model.js";
import { setWasmKernels, simplifyPermutation } from "../src/wasm-kernels.js";

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
const relDiff = (a: number[], b: number[]) => {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(a[i]!));
  }
  return d / (m || 1);
};

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

  it("sums over leading axes, with and without keepDims, as tfjs-wasm does", () => {
    for (const [shape, axis, keepDims] of [
      [[1024, 128], 0, false],
      [[16, 64, 33], [0, 1], true],
      [[300, 5], -2, false],
      [[300, 5], 1, false], // innermost: tfjs-wasm's own
    ] as [number[], number | number[], boolean][]) {
      const [theirs, ours] = both(() => random(shape, 2).sum(axis, keepDims));
      expect(ours[0]!.shape).toEqual(theirs[0]!.shape);
      expect(relDiff(theirs[0]!.values, ours[0]!.values)).toBeLessThan(1e-5);
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

  for (const norm of ["layernorm", "rmsnorm"] as const)
    it(`fuses ${norm} into one kernel each way, and a training step matches tfjs-wasm's to float rounding`, async () => {
      const config: ModelConfigInput = {
        dModel: 48,
        nLayers: 2,
        nHeads: 2,
        contextLength: 37,
        positions: "learned",
        norm,
        mlp: "relu",
        vocabSize: 263,
      };
      const model = initModel(tf, config, 1);
      const x = tf.tensor2d(
        Int32Array.from({ length: 3 * 37 }, (_, i) => (i * 7) % 256),
        [3, 37],
        "int32",
      );
      const y = tf.tensor2d(
        Int32Array.from({ length: 3 * 37 }, (_, i) => (i * 7 + 3) % 256),
        [3, 37],
        "int32",
      );
      const vars = [...model.params.values()];
      const step = () => {
        const { value, grads } = tf.variableGrads(() => lossOf(model, x, y), vars);
        return [value, ...vars.map((v) => grads[v.name]!)];
      };
      const [theirs, ours] = both(step);
      expect(Math.abs(ours[0]!.values[0]! - theirs[0]!.values[0]!)).toBeLessThan(1e-5);
      for (let i = 1; i < ours.length; i++)
        expect(relDiff(theirs[i]!.values, ours[i]!.values), vars[i - 1]!.name).toBeLessThan(1e-4);

      // fewer kernels: the norm is one forward and one backward instead of about thirty
      const kernels = async (on: boolean) => {
        setWasmKernels(on);
        const p = await tf.profile(() => tf.dispose(step()) as unknown as TF.TensorContainer);
        return p.kernels.length;
      };
      const [plain, fused] = [await kernels(false), await kernels(true)];
      expect(fused).toBeLessThan(plain * 0.8);
      tf.dispose([x, y, ...vars]);
    });

  it("leaves no tensor behind", () => {
    const a = random([300, 64], 4);
    const g = tf.ones([64]);
    const step = () =>
      tf.tidy(() =>
        tf.grads((x) =>
          (tf.engine().runKernel("ReasonlabNorm", { x, g }, { kind: "rmsnorm" }) as TF.Tensor[])[0]!.sum(),
        )([a]),
      );
    setWasmKernels(true);
    tf.dispose(step());
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      tf.dispose(step());
      tf.dispose(tf.tidy(() => [a.transpose(), a.sum(0), tf.gather(a, tf.tensor1d([1, 2], "int32"))]));
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
