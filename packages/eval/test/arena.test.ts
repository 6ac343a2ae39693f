import { uniformStream } from "@reasonlab/env-math";
import { describe, expect, it } from "vitest";
import { arenaRatings, type Battle, fitBradleyTerry, verdictOf } from "../src/arena.js";

/** Battles between models of known Elo ratings, outcomes drawn from the Bradley-Terry model. */
function simulate(truth: Record<string, number>, count: number, seed: number, tieRate = 0): Battle[] {
  const rand = uniformStream(seed);
  const names = Object.keys(truth);
  return Array.from({ length: count }, () => {
    const i = Math.floor(rand() * names.length);
    let j = Math.floor(rand() * (names.length - 1));
    if (j >= i) j++;
    const a = names[i]!;
    const b = names[j]!;
    const pA = 1 / (1 + 10 ** ((truth[b]! - truth[a]!) / 400));
    const winner = rand() < tieRate ? "tie" : rand() < pA ? "a" : "b";
    return { a, b, winner } as Battle;
  });
}

describe("Bradley-Terry arena ratings", () => {
  it("recovers known strengths from synthetic battles", () => {
    const truth = { alpha: 1250, beta: 1100, gamma: 1000, delta: 850 };
    const fit = fitBradleyTerry(simulate(truth, 6000, 1), { prior: 0 });
    const mean = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0) / m.size;
    const centre = mean(fit) - 1050; // truth's mean is 1050
    for (const [m, r] of Object.entries(truth))
      expect(Math.abs(fit.get(m)! - centre - r), m).toBeLessThan(30);
  });

  it("counts a tie as half a win to each side: two models tying always rate equal", () => {
    const fit = fitBradleyTerry(
      Array.from({ length: 20 }, () => ({ a: "x", b: "y", winner: "tie" as const })),
    );
    expect(fit.get("x")).toBeCloseTo(fit.get("y")!, 6);
    // 3 wins to 1: the odds are 3, so the gap is 400 log10(3) ≈ 190.8 (without the prior).
    const odds = fitBradleyTerry(
      [...Array(3).fill({ a: "x", b: "y", winner: "a" }), { a: "x", b: "y", winner: "b" }],
      { prior: 0 },
    );
    expect(odds.get("x")! - odds.get("y")!).toBeCloseTo(400 * Math.log10(3), 4);
  });

  it("keeps a model that never won at a finite rating", () => {
    const fit = fitBradleyTerry(Array.from({ length: 10 }, () => ({ a: "x", b: "y", winner: "a" as const })));
    expect(Number.isFinite(fit.get("y")!)).toBe(true);
    expect(fit.get("x")!).toBeGreaterThan(fit.get("y")! + 300);
  });

  it("gives intervals that cover the truth, and ranks that respect them", () => {
    const truth = { alpha: 1300, beta: 1010, gamma: 1000, delta: 700 };
    const board = arenaRatings(simulate(truth, 3000, 7, 0.1), { resamples: 100, seed: 3 });
    expect(board.map((r) => r.model)).toEqual(["alpha", expect.any(String), expect.any(String), "delta"]);
    const byName = Object.fromEntries(board.map((r) => [r.model, r]));
    // beta and gamma are 10 points apart: their intervals overlap, so they share rank 2.
    expect(byName.beta!.rank).toBe(2);
    expect(byName.gamma!.rank).toBe(2);
    expect(byName.alpha!.rank).toBe(1);
    expect(byName.delta!.rank).toBe(4);
    for (const r of board) {
      expect(r.lo).toBeLessThan(r.rating);
      expect(r.hi).toBeGreaterThan(r.rating);
    }
  });

  it("judges battles by the verifier", () => {
    expect([
      verdictOf(true, false),
      verdictOf(false, true),
      verdictOf(true, true),
      verdictOf(false, false),
    ]).toEqual(["a", "b", "tie", "both-bad"]);
  });
});
