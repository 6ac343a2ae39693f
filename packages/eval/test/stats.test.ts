import { uniformStream } from "@reasonlab/env-math";
import { describe, expect, it } from "vitest";
import { bootstrapMean, majorityAtK, passAtK, proportion } from "../src/stats.js";

const choose = (n: number, k: number) => {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
};

describe("pass@k", () => {
  it("matches 1 - C(n-c,k)/C(n,k) computed by hand", () => {
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12); // 1 - 7/10
    expect(passAtK(10, 3, 2)).toBeCloseTo(1 - 21 / 45, 12); // C(7,2)=21, C(10,2)=45
    expect(passAtK(5, 0, 3)).toBe(0);
    expect(passAtK(5, 3, 3)).toBe(1); // only 2 wrong: any 3 include a right one
    for (const [n, c, k] of [
      [20, 4, 5],
      [50, 1, 10],
      [16, 8, 16],
    ] as const)
      expect(passAtK(n, c, k)).toBeCloseTo(1 - choose(n - c, k) / choose(n, k), 10);
  });

  it("stays finite for large n, where the binomials overflow", () => {
    const v = passAtK(2000, 3, 100);
    expect(v).toBeGreaterThan(0.14);
    expect(v).toBeLessThan(0.15); // ≈ 1 - (1 - 100/2000)^3 = 0.142625
  });

  it("rejects impossible arguments", () => {
    expect(() => passAtK(5, 6, 1)).toThrow(RangeError);
    expect(() => passAtK(5, 1, 6)).toThrow(RangeError);
  });
});

describe("Wilson interval", () => {
  it("matches a value computed by hand", () => {
    // p = 0.8, n = 10: centre = (0.8 + 1.9208/10)/(1.38415) ≈ 0.7167, half ≈ 0.2265
    const p = proportion(8, 10);
    expect(p.value).toBe(0.8);
    expect(p.stderr).toBeCloseTo(Math.sqrt(0.016), 12);
    expect(p.lo).toBeCloseTo(0.4902, 3);
    expect(p.hi).toBeCloseTo(0.9433, 3);
  });

  it("stays inside [0, 1] at the edges", () => {
    expect(proportion(0, 20)).toMatchObject({ value: 0, lo: 0 });
    expect(proportion(0, 20).hi).toBeCloseTo(0.1611, 3);
    expect(proportion(20, 20).lo).toBeCloseTo(0.8389, 3);
  });
});

describe("maj@k", () => {
  it("takes the most common extracted answer among the first k", () => {
    const right = (a: string) => a === "42";
    expect(majorityAtK(["41", "42", "42", null, "41"], right)).toBe(true);
    expect(majorityAtK(["41", "41", "42", "42", "42"], right, 3)).toBe(false);
    expect(majorityAtK([null, null], right)).toBe(false);
    expect(majorityAtK(["42", "41"], right)).toBe(true); // a tie goes to the first seen
  });
});

describe("interval coverage, by simulation", () => {
  it("the Wilson interval covers the true rate about 95% of the time, even near 0", () => {
    const rand = uniformStream(11);
    for (const [p, n] of [
      [0.5, 40],
      [0.05, 60],
    ] as const) {
      let covered = 0;
      const trials = 4000;
      for (let t = 0; t < trials; t++) {
        let c = 0;
        for (let i = 0; i < n; i++) if (rand() < p) c++;
        const { lo, hi } = proportion(c, n);
        if (lo <= p && p <= hi) covered++;
      }
      expect(covered / trials, `p=${p} n=${n}`).toBeGreaterThan(0.92);
      expect(covered / trials, `p=${p} n=${n}`).toBeLessThan(0.985);
    }
  });

  it("the bootstrap interval of a mean covers the truth close to 95% of the time", () => {
    const rand = uniformStream(5);
    let covered = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      // Per-item accuracies over 4 attempts, each item with its own difficulty: true mean 0.5.
      const values = Array.from({ length: 80 }, () => {
        const q = rand();
        let c = 0;
        for (let a = 0; a < 4; a++) if (rand() < q) c++;
        return c / 4;
      });
      const { lo, hi } = bootstrapMean(values, { resamples: 400, seed: t });
      if (lo <= 0.5 && 0.5 <= hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.9);
    expect(covered / trials).toBeLessThan(0.99);
  });

  it("bootstrap intervals are reproducible from their seed", () => {
    const values = [0, 1, 1, 0.5, 0.25, 1, 0];
    expect(bootstrapMean(values, { seed: 3 })).toEqual(bootstrapMean(values, { seed: 3 }));
    const { value, stderr } = bootstrapMean(values);
    expect(value).toBeCloseTo(3.75 / 7, 12);
    const m = 3.75 / 7;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / 6);
    expect(stderr).toBeCloseTo(sd / Math.sqrt(7), 12);
  });
});
