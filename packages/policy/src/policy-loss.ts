// The RL loss, apart from generation and scoring (rl.ts): the clipped surrogate of PPO/GRPO with an
// optional KL to a frozen reference and an entropy bonus, and how tokens are weighted across a
// batch (DAPO's token-level sum, or a mean per sequence).
import type * as TF from "@tensorflow/tfjs";
import { type Model, policyTerms } from "./model.js";

export interface PolicyLossOptions {
  /** The sampling temperature: log-probabilities are taken of the logits over it. */
  temperature: number;
  clipLow: number;
  clipHigh: number;
  klCoef: number;
  entropyCoef: number;
}

/** Inputs of the policy loss for a batch of N sequences of length T. */
export interface PolicyBatch {
  inputs: TF.Tensor2D;
  targets: TF.Tensor2D;
  /** Log-probabilities when the rollouts were sampled, [N, T]. */
  oldLogprobs: TF.Tensor2D;
  /** Of the frozen reference, [N, T], when klCoef > 0. */
  refLogprobs?: TF.Tensor2D;
  advantages: TF.Tensor2D; // [N, 1]
  /** How much each token counts: the mask divided by the aggregation's normaliser, [N, T]. */
  weights: TF.Tensor2D;
}

/**
 * The clipped surrogate, summed with `weights`:
 *   -min(r A, clip(r, 1 - clipLow, 1 + clipHigh) A) + klCoef * k3 - entropyCoef * H,
 * with r = exp(logp - old) and k3 = exp(ref - logp) - (ref - logp) - 1.
 * Returns the per-token ratio, KL and entropy too, for the metrics.
 */
export function policyLoss(model: Model, b: PolicyBatch, o: PolicyLossOptions) {
  const { tf } = model;
  const { logp, entropy } = policyTerms(model, b.inputs, b.targets, {
    entropy: o.entropyCoef > 0,
    temperature: o.temperature,
  });
  const ratio = tf.exp(logp.sub(b.oldLogprobs));
  const unclipped = ratio.mul(b.advantages);
  const clipped = tf.clipByValue(ratio, 1 - o.clipLow, 1 + o.clipHigh).mul(b.advantages);
  let perToken = tf.minimum(unclipped, clipped).neg();
  let kl: TF.Tensor | null = null;
  if (o.klCoef > 0 && b.refLogprobs) {
    const d = b.refLogprobs.sub(logp);
    kl = tf.exp(d).sub(d).sub(1);
    perToken = perToken.add(kl.mul(o.klCoef));
  }
  if (o.entropyCoef > 0 && entropy) perToken = perToken.sub(entropy.mul(o.entropyCoef));
  const loss = perToken.mul(b.weights).sum() as TF.Scalar;
  return { loss, ratio, kl, entropy };
}

/** Per-token weights: the completion mask over the batch's normaliser (see `aggregation`). */
export function aggregationWeights(
  mask: readonly (readonly number[])[],
  aggregation: "token" | "sequence",
): number[][] {
  if (aggregation === "token") {
    const total = mask.reduce((n, m) => n + m.reduce((a, b) => a + b, 0), 0);
    return mask.map((m) => m.map((x) => (total > 0 ? x / total : 0)));
  }
  const n = mask.length;
  return mask.map((m) => {
    const len = m.reduce((a, b) => a + b, 0);
    return m.map((x) => (len > 0 ? x / (len * n) : 0));
  });
}
