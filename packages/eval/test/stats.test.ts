import { describe, expect, it } from "vitest";
import { majorityAtK, passAtK, proportion } from "../src/stats.js";

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
