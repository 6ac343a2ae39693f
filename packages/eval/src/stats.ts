// The statistics evals report, computed as the field computes them.
import { uniformStream } from "@reasonlab/env-math";

/** Normal quantile for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface Proportion {
  value: number;
  stderr: number;
  lo: number;
  hi: number;
  n: number;
}

/** Accuracy with its standard error and the Wilson score interval (sound near 0 and 1, unlike the Wald one). */
export function proportion(successes: number, n: number, z = Z95): Proportion {
  if (!Number.isInteger(successes) || !Number.isInteger(n) || n < 0 || successes < 0 || successes > n)
    throw new RangeError(`proportion: need integers 0 <= successes <= n, got ${successes}/${n}`);
  if (n === 0) return { value: Number.NaN, stderr: Number.NaN, lo: 0, hi: 1, n };
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return {
    value: p,
    stderr: Math.sqrt((p * (1 - p)) / n),
    lo: Math.max(0, centre - half),
    hi: Math.min(1, centre + half),
    n,
  };
}

/**
 * Unbiased pass@k from n samples of which c are correct (Chen et al. 2021):
 * 1 - C(n-c, k) / C(n, k), computed as a product so that large n neither overflows nor cancels.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (
    !(Number.isInteger(n) && Number.isInteger(c) && Number.isInteger(k)) ||
    c < 0 ||
    c > n ||
    k < 1 ||
    k > n
  )
    throw new RangeError(`passAtK: need integers 0 <= c <= n and 1 <= k <= n, got n=${n} c=${c} k=${k}`);
  if (n - c < k) return 1;
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

/**
 * maj@k: whether the most common answer among the first k attempts is correct. Ties go to the
 * answer seen first, so the result is deterministic. `null` answers (nothing extracted) never win.
 */
export function majorityAtK<A>(
  answers: readonly (A | null)[],
  isCorrect: (answer: A) => boolean,
  k = answers.length,
): boolean {
  const counts = new Map<A, number>();
  let best: A | null = null;
  let bestCount = 0;
  for (const answer of answers.slice(0, k)) {
    if (answer === null) continue;
    const count = (counts.get(answer) ?? 0) + 1;
    counts.set(answer, count);
    if (count > bestCount) {
      best = answer;
      bestCount = count;
    }
  }
  return best !== null && isCorrect(best);
}

export interface Estimate {
  value: number;
  stderr: number;
  lo: number;
  hi: number;
  n: number;
}

/** Mean with its standard error (sample standard deviation / sqrt n). */
export function mean(values: readonly number[]): { value: number; stderr: number; n: number } {
  const n = values.length;
  if (n === 0) return { value: Number.NaN, stderr: Number.NaN, n };
  const m = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1) : 0;
  return { value: m, stderr: Math.sqrt(variance / n), n };
}

/**
 * The mean of per-item values with a 95% percentile-bootstrap interval, resampling items with
 * replacement. For statistics that are not a proportion of independent trials (accuracy averaged
 * over several attempts per item, pass@k, mean reward).
 */
export function bootstrapMean(
  values: readonly number[],
  { resamples = 1000, seed = 0, level = 0.95 } = {},
): Estimate {
  const { value, stderr, n } = mean(values);
  if (n === 0) return { value, stderr, lo: Number.NaN, hi: Number.NaN, n };
  const rand = uniformStream(seed); // seeded: bootstrap intervals are reproducible
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(rand() * n)]!;
    means[r] = sum / n;
  }
  return { value, stderr, ...percentileInterval(means, level), n };
}

/** The central `level` interval of bootstrap replicates, by their percentiles (sorts them in place). */
export function percentileInterval(replicates: Float64Array, level = 0.95): { lo: number; hi: number } {
  replicates.sort();
  const last = replicates.length - 1;
  const q = (p: number) => replicates[Math.min(last, Math.max(0, Math.round(p * last)))]!;
  return { lo: q((1 - level) / 2), hi: q(1 - (1 - level) / 2) };
}

/**
 * Accuracy over items from each item's share of correct attempts: with one attempt per item, a
 * proportion with Wilson's interval; with several, their mean with the bootstrap over items.
 */
export function accuracyOf(perItem: readonly number[], attempts: number, { seed = 0 } = {}): Estimate {
  return attempts === 1
    ? proportion(perItem.filter((v) => v === 1).length, perItem.length)
    : bootstrapMean(perItem, { seed });
}
