// Arena: blind pairwise battles judged by a verifier or by people, Bradley-Terry strengths fitted
// by maximum likelihood, bootstrap intervals on the Elo scale, and ranks that respect the intervals.
import { uniformStream } from "@reasonlab/env-math";

export type Winner = "a" | "b" | "tie" | "both-bad";

export interface Battle {
  a: string;
  b: string;
  winner: Winner;
}

export interface Rating {
  model: string;
  rating: number;
  lo: number;
  hi: number;
  battles: number;
  /** 1 + the number of models whose whole interval lies above this one's (lmarena's rule). */
  rank: number;
}

/** Elo scale: 400 points per factor of ten in odds, centred on 1000. */
const ELO_SCALE = 400 / Math.LN10;

/**
 * Bradley-Terry by maximum likelihood with Hunter's MM iterations: P(i beats j) = p_i / (p_i + p_j).
 * A tie counts half a win to each side. A weak prior (one tie's worth, split over each model's
 * opponents) keeps a model that never won or never lost at a finite rating.
 */
export function fitBradleyTerry(
  battles: readonly Battle[],
  { iterations = 500, tolerance = 1e-10, prior = 1 } = {},
): Map<string, number> {
  const models = [...new Set(battles.flatMap((b) => [b.a, b.b]))].sort();
  const index = new Map(models.map((m, i) => [m, i]));
  const K = models.length;
  const wins = new Float64Array(K);
  const games = Array.from({ length: K }, () => new Float64Array(K));
  for (const b of battles) {
    const i = index.get(b.a)!;
    const j = index.get(b.b)!;
    if (i === j) continue;
    games[i]![j]! += 1;
    games[j]![i]! += 1;
    if (b.winner === "a") wins[i]! += 1;
    else if (b.winner === "b") wins[j]! += 1;
    else {
      wins[i]! += 0.5;
      wins[j]! += 0.5;
    }
  }
  if (prior > 0) {
    for (let i = 0; i < K; i++) {
      const opponents = games[i]!.reduce((c, g) => c + (g > 0 ? 1 : 0), 0);
      for (let j = 0; j < K; j++) {
        if (games[i]![j]! === 0 || j <= i) continue;
        const share = prior / Math.max(1, opponents);
        games[i]![j]! += share;
        games[j]![i]! += share;
        wins[i]! += share / 2;
        wins[j]! += share / 2;
      }
    }
  }
  let p = new Float64Array(K).fill(1);
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(K);
    for (let i = 0; i < K; i++) {
      let denom = 0;
      for (let j = 0; j < K; j++) if (games[i]![j]! > 0) denom += games[i]![j]! / (p[i]! + p[j]!);
      next[i] = denom > 0 ? wins[i]! / denom : p[i]!;
    }
    // Fix the scale: geometric mean 1.
    const logMean = next.reduce((s, x) => s + Math.log(x), 0) / K;
    let change = 0;
    for (let i = 0; i < K; i++) {
      next[i] = next[i]! / Math.exp(logMean);
      change = Math.max(change, Math.abs(Math.log(next[i]!) - Math.log(p[i]!)));
    }
    p = next;
    if (change < tolerance) break;
  }
  return new Map(models.map((m, i) => [m, 1000 + ELO_SCALE * Math.log(p[i]!)]));
}

/** Ratings with 95% percentile-bootstrap intervals (battles resampled with replacement). */
export function arenaRatings(
  battles: readonly Battle[],
  { resamples = 200, seed = 0, level = 0.95 } = {},
): Rating[] {
  const point = fitBradleyTerry(battles);
  const samples = new Map<string, number[]>([...point.keys()].map((m) => [m, []]));
  const rand = uniformStream(seed);
  for (let r = 0; r < resamples; r++) {
    const resampled = Array.from(
      { length: battles.length },
      () => battles[Math.floor(rand() * battles.length)]!,
    );
    const fit = fitBradleyTerry(resampled, { iterations: 200, tolerance: 1e-8 });
    for (const [m, list] of samples) list.push(fit.get(m) ?? Number.NaN);
  }
  const count = new Map<string, number>();
  for (const b of battles) for (const m of [b.a, b.b]) count.set(m, (count.get(m) ?? 0) + 1);
  const rows = [...point].map(([model, rating]) => {
    const list = samples
      .get(model)!
      .filter(Number.isFinite)
      .sort((x, y) => x - y);
    const q = (f: number) =>
      list[Math.min(list.length - 1, Math.max(0, Math.round(f * (list.length - 1))))] ?? Number.NaN;
    return {
      model,
      rating,
      lo: q((1 - level) / 2),
      hi: q(1 - (1 - level) / 2),
      battles: count.get(model) ?? 0,
      rank: 0,
    };
  });
  for (const r of rows) r.rank = 1 + rows.filter((o) => o !== r && o.lo > r.hi).length;
  return rows.sort((x, y) => x.rank - y.rank || y.rating - x.rating);
}

/** A verifier's verdict on a battle: the correct answer wins; both right is a tie, both wrong both-bad. */
export function verdictOf(aCorrect: boolean, bCorrect: boolean): Winner {
  if (aCorrect === bCorrect) return aCorrect ? "tie" : "both-bad";
  return aCorrect ? "a" : "b";
}
