// Two models on the same items: is the second better? Each model's own interval carries the
// spread between items (some pages are hard for both), which pairing cancels; so the difference
// is estimated item by item (the McNemar view): a bootstrap interval on the per-item differences,
// and an exact sign test over the items where the two disagree.

import { uniformStream } from "@reasonlab/env-math";
import type { EvalSampleRecord } from "@reasonlab/runs";
import { accuracyOf, bootstrapMean, type Estimate, mean, percentileInterval } from "./stats.js";

export interface Comparison {
  /** "all", or a group (an operator family, a math family) */
  group: string;
  /** items both models answered */
  n: number;
  baseline: Estimate;
  model: Estimate;
  /** model - baseline, item by item, with a 95% bootstrap interval */
  difference: Estimate;
  /** items the model did better on, and worse on */
  wins: number;
  losses: number;
  /** two-sided exact sign test on wins against losses (McNemar's exact test with one attempt each) */
  p: number;
}

/** Two-sided exact binomial test of `k` successes out of `n` at one half. */
export function signTest(wins: number, losses: number): number {
  const n = wins + losses;
  if (n === 0) return 1;
  const k = Math.min(wins, losses);
  // P(X <= k) for X ~ Binomial(n, 1/2), summed in logs so that large n neither overflows nor underflows
  let logTerm = -n * Math.LN2; // C(n, 0) / 2^n
  let tail = Math.exp(logTerm);
  for (let j = 1; j <= k; j++) {
    logTerm += Math.log((n - j + 1) / j);
    tail += Math.exp(logTerm);
  }
  return Math.min(1, 2 * tail);
}

/** The group of a sample: its operator family, else the part of its item id before the first "/". */
const groupOf = (s: EvalSampleRecord) =>
  typeof s.meta?.family === "string" ? s.meta.family : s.item.includes("/") ? s.item.split("/")[0]! : "all";

/** The one model name of `names` equal to `wanted`, or the one that contains it; a clear error otherwise. */
export function pickModel(names: readonly string[], wanted: string): string {
  if (names.includes(wanted)) return wanted;
  const hits = names.filter((n) => n.includes(wanted));
  if (hits.length === 1) return hits[0]!;
  throw new Error(
    `${hits.length === 0 ? "no" : "more than one"} model matches "${wanted}"; the run has: ${names.join(", ")}`,
  );
}

/**
 * The mean over items of (the models' mean − the baseline), with a 95% bootstrap interval that
 * resamples the models as well as the items. Several models are several seeds of one training
 * procedure: resampling pages alone would treat the seeds' spread as known, and one lucky seed
 * would look like a reliable gain. With one model it is the plain bootstrap over items.
 */
export function pooledDifference(
  baseline: readonly number[],
  models: readonly (readonly number[])[],
  { resamples = 1000, seed = 0, level = 0.95 } = {},
): Estimate {
  if (models.length === 1)
    return bootstrapMean(
      baseline.map((x, i) => models[0]![i]! - x),
      { resamples, seed, level },
    );
  const n = baseline.length;
  const k = models.length;
  const { value } = mean(baseline.map((x, i) => models.reduce((a, m) => a + m[i]!, 0) / k - x));
  const rand = uniformStream(seed);
  const means = new Float64Array(resamples);
  const drawn = new Array<readonly number[]>(k);
  for (let r = 0; r < resamples; r++) {
    for (let j = 0; j < k; j++) drawn[j] = models[Math.floor(rand() * k)]!;
    let sum = 0;
    for (let t = 0; t < n; t++) {
      const i = Math.floor(rand() * n);
      let y = 0;
      for (const m of drawn) y += m[i]!;
      sum += y / k - baseline[i]!;
    }
    means[r] = sum / n;
  }
  const spread = Math.sqrt(means.reduce((a, b) => a + (b - value) ** 2, 0) / Math.max(1, resamples - 1));
  return { value, stderr: spread, ...percentileInterval(means, level), n };
}

/**
 * Compares `model` with `baseline` on the items of one suite both were evaluated on, overall
 * and per group. An item's score is its mean correctness over attempts. Several models (seeds of
 * one procedure) are pooled: an item's model score is their mean, on the items all of them
 * answered, and the difference's interval resamples the seeds too (`pooledDifference`). Samples
 * should be committed ones (`committedSamples`).
 */
export function compareModels(
  samples: readonly EvalSampleRecord[],
  {
    baseline,
    model,
    suite,
    seed = 0,
  }: { baseline: string; model: string | readonly string[]; suite?: string; seed?: number },
): Comparison[] {
  const models = typeof model === "string" ? [model] : [...model];
  if (models.length === 0) throw new Error("give at least one model to compare");
  if (models.includes(baseline)) throw new Error(`"${baseline}" is both the baseline and a model`);
  const wanted = new Set([baseline, ...models]);
  const scores = new Map<string, Map<string, { group: string; sum: number; n: number }>>();
  for (const s of samples) {
    if (suite !== undefined && s.suite !== suite) continue;
    if (!wanted.has(s.model)) continue;
    const items = scores.get(s.model) ?? scores.set(s.model, new Map()).get(s.model)!;
    const key = `${s.suite}\u0000${s.item}`;
    const item = items.get(key) ?? items.set(key, { group: groupOf(s), sum: 0, n: 0 }).get(key)!;
    item.sum += s.correct ? 1 : 0;
    item.n++;
  }
  const a = scores.get(baseline) ?? new Map();
  const bs = models.map((m) => scores.get(m) ?? new Map());
  // as `eval run` reports accuracy: Wilson's interval with one attempt per item, else the bootstrap
  // (pooled seeds count as attempts: an item's score is then a share)
  const attempts = (items: typeof a) => Math.min(...[...items.values()].map((i) => i.n));
  const attemptsA = attempts(a);
  const attemptsB = bs.reduce((sum, b) => sum + attempts(b), 0);
  // per group: the baseline's item scores and each model's, in the same item order
  const groups = new Map<string, { x: number[]; ys: number[][] }>();
  const groupFor = (g: string) => groups.get(g) ?? groups.set(g, { x: [], ys: models.map(() => []) }).get(g)!;
  groupFor("all");
  for (const [key, x] of a) {
    const ys = bs.map((b) => b.get(key));
    if (ys.some((y) => !y)) continue;
    // a Set: an item without a group of its own is in "all" once
    for (const g of new Set([groupFor("all"), groupFor(x.group)])) {
      g.x.push(x.sum / x.n);
      for (const [j, y] of ys.entries()) g.ys[j]!.push(y!.sum / y!.n);
    }
  }
  if (groups.get("all")!.x.length === 0)
    throw new Error(
      `"${baseline}" and ${models.map((m) => `"${m}"`).join(", ")} share no evaluated item${suite ? ` in suite ${suite}` : ""}`,
    );
  return [...groups].map(([group, { x, ys }]) => {
    const y = x.map((_, i) => ys.reduce((sum, m) => sum + m[i]!, 0) / ys.length);
    const wins = x.filter((v, i) => y[i]! > v).length;
    const losses = x.filter((v, i) => y[i]! < v).length;
    const opts = { seed };
    return {
      group,
      n: x.length,
      baseline: accuracyOf(x, attemptsA, opts),
      model: accuracyOf(y, attemptsB, opts),
      difference: pooledDifference(x, ys, opts),
      wins,
      losses,
      p: signTest(wins, losses),
    };
  });
}
