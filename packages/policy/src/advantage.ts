// Advantages for group-based policy gradients: each prompt gets a group of G completions, and a
// completion's advantage says how much better its reward was than its group's.
import { z } from "zod";

export const AdvantageEstimator = z.enum(["grpo", "drgrpo", "rloo", "reinforce++"]);
export type AdvantageEstimator = z.infer<typeof AdvantageEstimator>;

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: readonly number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
};

/**
 * Advantages for rewards laid out group by group (`groups[i]` holds one prompt's G rewards):
 * - grpo: (r - group mean) / (group std + eps), as in DeepSeekMath
 * - drgrpo: r - group mean; Dr. GRPO drops the std, which over-weights easy and hard prompts
 * - rloo: r - mean of the other G-1 rewards (leave-one-out baseline)
 * - reinforce++: r - group mean, then normalized by the std over the whole batch
 */
export function advantages(
  groups: readonly (readonly number[])[],
  estimator: AdvantageEstimator,
  eps = 1e-6,
): number[][] {
  if (estimator === "reinforce++") {
    const centred = groups.map((g) => g.map((r) => r - mean(g)));
    const all = centred.flat();
    const s = std(all);
    return centred.map((g) => g.map((a) => a / (s + eps)));
  }
  return groups.map((g) => {
    const m = mean(g);
    if (estimator === "grpo") {
      const s = std(g);
      return g.map((r) => (r - m) / (s + eps));
    }
    if (estimator === "drgrpo") return g.map((r) => r - m);
    if (g.length < 2) return g.map(() => 0);
    const total = g.reduce((a, b) => a + b, 0);
    return g.map((r) => r - (total - r) / (g.length - 1));
  });
}

/** Whether every reward in the group is the same: such a group teaches nothing (DAPO drops it). */
export const zeroVariance = (g: readonly number[]) => g.every((r) => r === g[0]);
