// AdamW with global-norm clipping and a warmup + cosine schedule, as tensors that never leave the device.
import type * as TF from "@tensorflow/tfjs";
import { z } from "zod";
import { fusedOps } from "./fused/index.js";
import type { Model } from "./model.js";

export const OptimizerConfig = z.object({
  lr: z.number().positive().default(3e-3),
  /** The schedule decays to lr * minLrRatio. */
  minLrRatio: z.number().min(0).max(1).default(0.1),
  warmupSteps: z.number().int().nonnegative().default(20),
  weightDecay: z.number().min(0).default(0.1),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.95),
  eps: z.number().positive().default(1e-8),
  gradClip: z.number().positive().nullable().default(1),
});
export type OptimizerConfig = z.infer<typeof OptimizerConfig>;

export function learningRate(c: OptimizerConfig, step: number, totalSteps: number): number {
  if (step < c.warmupSteps) return (c.lr * (step + 1)) / c.warmupSteps;
  const progress = Math.min(1, (step - c.warmupSteps) / Math.max(1, totalSteps - c.warmupSteps));
  return c.lr * (c.minLrRatio + (1 - c.minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

export interface AdamW {
  m: Map<string, TF.Variable>;
  v: Map<string, TF.Variable>;
  /** Updates taken so far (for bias correction). */
  t: number;
}

export function createAdamW(model: Model): AdamW {
  const { tf } = model;
  const m = new Map<string, TF.Variable>();
  const v = new Map<string, TF.Variable>();
  for (const [name, p] of model.params) {
    m.set(name, tf.variable(tf.zerosLike(p), false, `${p.name}.adam_m`));
    v.set(name, tf.variable(tf.zerosLike(p), false, `${p.name}.adam_v`));
  }
  return { m, v, t: 0 };
}

export function disposeAdamW(opt: AdamW) {
  for (const x of [...opt.m.values(), ...opt.v.values()]) x.dispose();
}

/** No decay on gains, biases and other vectors: only on matrices. */
const decays = (p: TF.Tensor) => p.rank >= 2;

/**
 * One update from gradients (already summed over micro-batches and divided by their count).
 * Returns the global gradient norm before clipping, as a scalar tensor the caller may read.
 */
export function applyAdamW(
  model: Model,
  opt: AdamW,
  grads: Record<string, TF.Tensor>,
  c: OptimizerConfig,
  lr: number,
): TF.Scalar {
  const { tf } = model;
  opt.t += 1;
  const t = opt.t;
  const fused = fusedOps(tf);
  if (fused)
    return fused.adamw(
      [...model.params].map(([name, p]) => ({
        p,
        m: opt.m.get(name)!,
        v: opt.v.get(name)!,
        g: grads[name]!,
        decays: c.weightDecay > 0 && decays(p),
      })),
      { ...c, bc1: 1 - c.beta1 ** t, bc2: 1 - c.beta2 ** t, lr },
    );
  return tf.tidy(() => {
    const names = [...model.params.keys()];
    // pairwise, not addN: webgpu's AddN binds one buffer per input and fails past 8
    let squares = names.map((n) => tf.sum(tf.square(grads[n]!)));
    while (squares.length > 1)
      squares = squares
        .map((x, i) => (i % 2 ? null : i + 1 < squares.length ? x.add(squares[i + 1]!) : x))
        .filter((x) => x !== null);
    const norm = tf.sqrt(squares[0]!) as TF.Scalar;
    const scale = c.gradClip === null ? null : tf.minimum(1, tf.div(c.gradClip, norm.add(1e-6)));
    const bc1 = 1 - c.beta1 ** t;
    const bc2 = 1 - c.beta2 ** t;
    for (const name of names) {
      const p = model.params.get(name)!;
      const g = scale ? grads[name]!.mul(scale) : grads[name]!;
      const m = opt.m.get(name)!;
      const v = opt.v.get(name)!;
      const m1 = m.mul(c.beta1).add(g.mul(1 - c.beta1));
      const v1 = v.mul(c.beta2).add(g.square().mul(1 - c.beta2));
      m.assign(m1);
      v.assign(v1);
      let update = m1.div(v1.div(bc2).sqrt().add(c.eps)).mul(lr / bc1);
      if (c.weightDecay > 0 && decays(p)) update = update.add(p.mul(lr * c.weightDecay));
      p.assign(p.sub(update));
    }
    return tf.keep(norm);
  });
}

/** Adds a micro-batch's gradients into the running sum (disposing both inputs); the first is kept as is. */
export function accumulateGrads(
  tf: typeof TF,
  sum: Record<string, TF.Tensor> | null,
  grads: Record<string, TF.Tensor>,
): Record<string, TF.Tensor> {
  if (!sum) return grads;
  const out: Record<string, TF.Tensor> = {};
  for (const k of Object.keys(sum)) out[k] = tf.add(sum[k]!, grads[k]!);
  tf.dispose([...Object.values(sum), ...Object.values(grads)]);
  return out;
}
