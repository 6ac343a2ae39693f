// Two models on the same items: is the second better? Each model's own interval carries the
// spread between items (some pages are hard for both), which pairing cancels; so the difference
// is estimated item by item (the McNemar view): a bootstrap interval on the per-item differences,
// and an exact sign test over the items where the two disagree.
import type { EvalSampleRecord } from "@reasonlab/runs";
import { accuracyOf, bootstrapMean, type Estimate } from "./stats.js";

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
 * Compares `model` with `baseline` on the items of one suite both were evaluated on, overall
 * and per group. An item's score is its mean correctness over attempts. Samples should be
 * committed ones (`committedSamples`).
 */
export function compareModels(
  samples: readonly EvalSampleRecord[],
  { baseline, model, suite, seed = 0 }: { baseline: string; model: string; suite?: string; seed?: number },
): Comparison[] {
  const scores = new Map<string, Map<string, { group: string; sum: number; n: number }>>();
  for (const s of samples) {
    if (suite !== undefined && s.suite !== suite) continue;
    if (s.model !== baseline && s.model !== model) continue;
    const items = scores.get(s.model) ?? scores.set(s.model, new Map()).get(s.model)!;
    const key = `${s.suite}\u0000${s.item}`;
    const item = items.get(key) ?? items.set(key, { group: groupOf(s), sum: 0, n: 0 }).get(key)!;
    item.sum += s.correct ? 1 : 0;
    item.n++;
  }
  const a = scores.get(baseline) ?? new Map();
  const b = scores.get(model) ?? new Map();
  // as `eval run` reports accuracy: Wilson's interval with one attempt per item, else the bootstrap
  const attempts = (items: typeof a) => Math.min(...[...items.values()].map((i) => i.n));
  const [attemptsA, attemptsB] = [attempts(a), attempts(b)];
  const pairs = new Map<string, [number, number][]>([["all", []]]);
  for (const [key, x] of a) {
    const y = b.get(key);
    if (!y) continue;
    const pair: [number, number] = [x.sum / x.n, y.sum / y.n];
    pairs.get("all")!.push(pair);
    (pairs.get(x.group) ?? pairs.set(x.group, []).get(x.group)!).push(pair);
  }
  if (pairs.get("all")!.length === 0)
    throw new Error(
      `"${baseline}" and "${model}" share no evaluated item${suite ? ` in suite ${suite}` : ""}`,
    );
  return [...pairs].map(([group, list]) => {
    const wins = list.filter(([x, y]) => y > x).length;
    const losses = list.filter(([x, y]) => y < x).length;
    const opts = { seed };
    return {
      group,
      n: list.length,
      baseline: accuracyOf(
        list.map(([x]) => x),
        attemptsA,
        opts,
      ),
      model: accuracyOf(
        list.map(([, y]) => y),
        attemptsB,
        opts,
      ),
      difference: bootstrapMean(
        list.map(([x, y]) => y - x),
        opts,
      ),
      wins,
      losses,
      p: signTest(wins, losses),
    };
  });
}
