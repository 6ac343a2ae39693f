// The fused WGSL kernels against the plain tfjs ops on wasm: values and gradients, op by op and
// for a whole training step, on WebGPU (Mesa's lavapipe here, a GPU elsewhere). Tolerance: the
// largest difference is below 2e-4 of the larger magnitude (plus 2e-4), float32 summed in
// another order; a kernel that is wrong differs by far more.
import { uniformStream } from "@reasonlab/env-math";
import type * as TF from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { loadBackend } from "../src/backend.js";
import { countDispatches, type FusedOps, fusedOps, setFusedKernels } from "../src/fused/index.js";
import { initModel, lossOf, type Model, type ModelConfigInput } from "../src/model.js";
import { applyAdamW, createAdamW, OptimizerConfig } from "../src/optimizer.js";

const { tf } = await loadBackend("wasm");
await loadBackend("webgpu");

const random = (n: number, seed: number, scale = 1) => {
  const u = uniformStream(seed);
  return Float32Array.from({ length: n }, () => (u() * 2 - 1) * scale);
};
const TOL = 2e-4;

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string) {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  expect(worst, `${what}: largest difference ${worst} (values up to ${scale})`).toBeLessThan(
    TOL * (1 + scale),
  );
}

type Input = { shape: number[]; data: Float32Array | Int32Array };

/**
 * Runs `f` on wasm (plain ops: fusedOps is null there) and on webgpu (fused), and compares the
 * output and the gradients of sum(output * w), for a fixed random w, with respect to `wrt`.
 */
async function compare(
  inputs: Record<string, Input>,
  wrt: string[],
  f: (t: Record<string, TF.Tensor>, fused: FusedOps | null) => TF.Tensor,
) {
  const results: { out: Float32Array; grads: Float32Array[] }[] = [];
  for (const backend of ["wasm", "webgpu"]) {
    await tf.setBackend(backend);
    const fused = fusedOps(tf);
    expect(fused !== null).toBe(backend === "webgpu");
    const t = Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [
        k,
        tf.tensor(v.data, v.shape, v.data instanceof Int32Array ? "int32" : "float32"),
      ]),
    );
    const out = f(t, fused);
    const w = tf.tensor(random(out.size, 99), out.shape);
    const grads = tf.grads((...xs: TF.Tensor[]) => {
      const swapped = { ...t, ...Object.fromEntries(wrt.map((k, i) => [k, xs[i]!])) };
      return f(swapped, fused).mul(w).sum();
    })(wrt.map((k) => t[k]!));
    results.push({
      out: (await out.data()) as Float32Array,
      grads: await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array)),
    });
    tf.dispose([out, w, ...grads, ...Object.values(t)]);
  }
  const [plain, fused] = results as [(typeof results)[0], (typeof results)[0]];
  expectClose(fused.out, plain.out, "output");
  for (const [i, k] of wrt.entries()) expectClose(fused.grads[i]!, plain.grads[i]!, `gradient of ${k}`);
}

describe("fused webgpu kernels match tfjs's ops on wasm", () => {
  // 37 rows and 48 columns: neither a multiple of the 64 threads of a workgroup
  const [N, D] = [37, 48];
  const x = { shape: [N, D], data: random(N * D, 1, 3) };
  const g = { shape: [D], data: random(D, 2).map((v) => 1 + v / 2) };
  const b = { shape: [D], data: random(D, 3) };

  it("layer norm, forward and backward", async () => {
    await compare({ x, g, b }, ["x", "g", "b"], ({ x, g, b }, fused) => {
      if (fused) return fused.norm(x!, g!, b!, "layernorm");
      const { mean, variance } = tf.moments(x!, -1, true);
      return x!
        .sub(mean)
        .mul(tf.rsqrt(variance.add(1e-5)))
        .mul(g!)
        .add(b!);
    });
  });

  it("RMS norm, forward and backward", async () => {
    await compare({ x, g }, ["x", "g"], ({ x, g }, fused) =>
      fused
        ? fused.norm(x!, g!, null, "rmsnorm")
        : x!.mul(tf.rsqrt(x!.square().mean(-1, true).add(1e-6))).mul(g!),
    );
  });

  // T 70 crosses the 64-row workgroups and the 16-key tiles; head sizes 16 and the largest, 64
  for (const [B, T, H, hd] of [
    [2, 70, 3, 16],
    [1, 20, 1, 64],
  ] as const) {
    it(`causal attention (B ${B}, T ${T}, ${H} heads of ${hd}), forward and backward`, async () => {
      const Dm = H * hd;
      const scale = 1 / Math.sqrt(hd);
      await compare(
        { qkv: { shape: [B * T, 3 * Dm], data: random(B * T * 3 * Dm, 4, 2) } },
        ["qkv"],
        ({ qkv }, fused) => {
          if (fused) return fused.attention(qkv!, { B, T, H, scale });
          const heads = (t: TF.Tensor) => t.reshape([B, T, H, hd]).transpose([0, 2, 1, 3]);
          const [q, k, v] = tf.split(qkv!, 3, 1).map(heads) as [TF.Tensor, TF.Tensor, TF.Tensor];
          const mask = tf.linalg
            .bandPart(tf.ones([T, T]), -1, 0)
            .sub(1)
            .mul(1e9);
          const att = tf.softmax(tf.matMul(q, k, false, true).mul(scale).add(mask));
          return tf
            .matMul(att, v)
            .transpose([0, 2, 1, 3])
            .reshape([B * T, Dm]);
        },
      );
    });
  }

  it("softmax cross-entropy against integer targets, forward and backward", async () => {
    const [R, V] = [50, 300];
    const targets = { shape: [R], data: Int32Array.from({ length: R }, (_, i) => (i * 37) % V) };
    await compare(
      { logits: { shape: [R, V], data: random(R * V, 5, 4) }, targets },
      ["logits"],
      (t, fused) =>
        fused
          ? fused.crossEntropy(t.logits!, t.targets!)
          : tf.losses.softmaxCrossEntropy(
              tf.oneHot(t.targets as TF.Tensor1D, V),
              t.logits!,
              undefined,
              0,
              tf.Reduction.NONE,
            ),
    );
  });

  it("token and learned-position embedding, forward and backward", async () => {
    const [B, T, V, Dm, C] = [3, 20, 40, 24, 32];
    const ids = { shape: [B * T], data: Int32Array.from({ length: B * T }, (_, i) => (i * i + 3) % V) };
    const wte = { shape: [V, Dm], data: random(V * Dm, 6) };
    const wpe = { shape: [C, Dm], data: random(C * Dm, 7) };
    await compare({ ids, wte, wpe }, ["wte", "wpe"], (t, fused) => {
      if (fused) return fused.embed(t.ids!, t.wte!, t.wpe!, T);
      const tokens = tf.matMul(tf.oneHot(t.ids as TF.Tensor1D, V).toFloat(), t.wte as TF.Tensor2D);
      return tokens
        .reshape([B, T, Dm])
        .add(t.wpe!.slice([0, 0], [T, Dm]))
        .reshape([B * T, Dm]);
    });
  });

  it("AdamW with clipping and decay, in place, leaving a clone's weights alone", async () => {
    const shapes = [[10, 7], [7], [130, 33], [5], [3, 3], [300], [4, 4], [2], [9, 2], [6]];
    const runTwoSteps = async (backend: string) => {
      await tf.setBackend(backend);
      const params = new Map(
        shapes.map((s, i) => [`p${i}`, tf.variable(tf.tensor(random(s[0]! * (s[1] ?? 1), 10 + i), s))]),
      );
      const model = { tf, config: {}, params } as unknown as Model;
      const frozen = tf.variable(params.get("p0")!.clone(), false);
      const opt = createAdamW(model);
      const c = OptimizerConfig.parse({ weightDecay: 0.1, gradClip: 1 });
      const norms: number[] = [];
      for (let step = 0; step < 2; step++) {
        const grads = Object.fromEntries(
          shapes.map((s, i) => [`p${i}`, tf.tensor(random(s[0]! * (s[1] ?? 1), 100 * step + i, 3), s)]),
        );
        const norm = applyAdamW(model, opt, grads, c, 1e-2);
        norms.push((await norm.data())[0]!);
        tf.dispose([norm, ...Object.values(grads)]);
      }
      const values = await Promise.all(
        [...params.values(), ...opt.m.values(), ...opt.v.values()].map((p) => p.data()),
      );
      return { values, norms, frozen: await frozen.data() };
    };
    const plain = await runTwoSteps("wasm");
    const fused = await runTwoSteps("webgpu");
    expectClose(fused.norms, plain.norms, "gradient norms");
    expect(fused.norms[0]).toBeGreaterThan(1); // clipping was in play
    for (const [i, v] of plain.values.entries())
      expectClose(fused.values[i] as Float32Array, v as Float32Array, `tensor ${i}`);
    expectClose(fused.frozen as Float32Array, random(70, 10), "the clone of p0");
  });
});

describe("a whole training step with fused kernels", () => {
  const reference: ModelConfigInput = {
    vocabSize: 97,
    dModel: 64,
    nLayers: 2,
    nHeads: 2,
    contextLength: 24,
    positions: "learned",
    norm: "layernorm",
    mlp: "relu",
  };
  const agent: ModelConfigInput = {
    vocabSize: 97,
    dModel: 64,
    nLayers: 2,
    nHeads: 4,
    contextLength: 24,
    copy: true,
  };

  for (const [name, config] of [
    ["learned positions, LayerNorm, ReLU (the reference GPT)", reference],
    ["rotary, RMSNorm, relu^2, copy head (the operator's model)", agent],
  ] as const) {
    it(`${name}: loss, gradient norm and updated weights match wasm`, async () => {
      const step = async (backend: string) => {
        await tf.setBackend(backend);
        const model = initModel(tf, config, 5);
        const opt = createAdamW(model);
        const [B, T] = [3, config.contextLength];
        const x = tf.tensor2d(
          Int32Array.from({ length: B * T }, (_, i) => (i * 13 + 5) % 97),
          [B, T],
          "int32",
        );
        const y = tf.tensor2d(
          Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 1) % 97),
          [B, T],
          "int32",
        );
        const vars = [...model.params.values()];
        const { value, grads } = tf.variableGrads(() => lossOf(model, x, y), vars);
        const named = Object.fromEntries([...model.params].map(([n, v]) => [n, grads[v.name]!]));
        const norm = applyAdamW(model, opt, named, OptimizerConfig.parse({}), 1e-2);
        const out = {
          loss: await value.data(),
          norm: await norm.data(),
          weights: await Promise.all(vars.map((v) => v.data())),
          after: await lossOf(model, x, y).data(),
        };
        tf.dispose([value, norm, x, y, ...Object.values(grads), ...vars]);
        return out;
      };
      const plain = await step("wasm");
      const fused = await step("webgpu");
      expectClose(fused.loss, plain.loss, "loss");
      expectClose(fused.norm, plain.norm, "gradient norm");
      for (const [i, w] of plain.weights.entries())
        expectClose(fused.weights[i] as Float32Array, w as Float32Array, `weight ${i}`);
      expectClose(fused.after, plain.after, "loss after the update");
      expect(fused.after[0]).toBeLessThan(fused.loss[0]!);
    });
  }

  it("cuts the GPU dispatches of a training step more than 5x", async () => {
    await tf.setBackend("webgpu");
    const model = initModel(tf, reference, 1);
    const opt = createAdamW(model);
    const x = tf.tensor2d(
      Int32Array.from({ length: 48 }, (_, i) => i % 97),
      [2, 24],
      "int32",
    );
    const vars = [...model.params.values()];
    const train = () =>
      countDispatches(tf, async () => {
        const { value, grads } = tf.variableGrads(() => lossOf(model, x, x), vars);
        const named = Object.fromEntries([...model.params].map(([n, v]) => [n, grads[v.name]!]));
        const norm = applyAdamW(model, opt, named, OptimizerConfig.parse({}), 1e-3);
        await norm.data();
        tf.dispose([value, norm, ...Object.values(grads)]);
      });
    setFusedKernels(false);
    await train();
    const plain = await train();
    setFusedKernels(true);
    await train(); // the first fused update gives each weight a buffer of its own
    const fused = await train();
    expect(fused * 5).toBeLessThan(plain);
  });
});
