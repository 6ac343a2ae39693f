import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AnswerCheck,
  add,
  evaluateExpression,
  FAMILIES,
  formatRational,
  generate,
  Problem,
  parseClock,
  parseInBase,
  parseNumber,
  rat,
  STRICT,
  splitList,
  verify,
} from "../src/index.js";

/** A wrong answer of the same shape as `answer`. */
function perturb(answer: string, check: AnswerCheck): string {
  const bump = (item: string) => {
    const n = parseNumber(item)!.value;
    return formatRational(add(n, rat(1)), item.includes(".") ? "decimal" : "fraction");
  };
  switch (check.kind) {
    case "number":
      return bump(answer);
    case "math":
      return `${answer} + 1`;
    case "text":
      return (answer[0] === "z" ? "y" : "z") + answer.slice(1);
    case "list": {
      const items = splitList(answer);
      if (check.ordered && items.length > 1 && items[0] !== items[items.length - 1]) {
        [items[0], items[items.length - 1]] = [items[items.length - 1]!, items[0]!];
      } else items[0] = bump(items[0]!);
      return items.join(", ");
    }
    case "yesno":
      return answer === "yes" ? "no" : "yes";
    case "factorization":
      return `${answer} x 2`;
    case "time": {
      const m = (parseClock(answer)! + 1) % 1440;
      return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    }
    case "base":
      return (parseInBase(answer, check.base)! + 1n).toString(check.base);
    case "choice":
      return check.options.find((o) => o !== answer)!;
    case "countdown":
      return check.numbers.join(" + ");
  }
}

describe("every family and difficulty", () => {
  it("has at least 15 families with documented levels", () => {
    expect(FAMILIES.length).toBeGreaterThanOrEqual(15);
    for (const f of FAMILIES) {
      expect(f.levels.length, f.name).toBeGreaterThanOrEqual(3);
      expect(new Set(FAMILIES.map((x) => x.name)).size).toBe(FAMILIES.length);
    }
  });

  for (const family of FAMILIES) {
    for (let difficulty = 1; difficulty <= family.levels.length; difficulty++) {
      it(`${family.name} level ${difficulty}: deterministic; reference and worked solution verify; perturbed answers do not`, () => {
        fc.assert(
          fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
            const p = generate(family.name, difficulty, seed);
            expect(Problem.parse(p)).toEqual(p);
            expect(generate(family.name, difficulty, seed)).toEqual(p);
            // the solution format: numbered steps, then the tagged answer
            const lines = p.solution.split("\n");
            for (const [i, line] of lines.slice(0, -1).entries())
              expect(line.startsWith(`Step ${i + 1}: `)).toBe(true);
            expect(lines.at(-1)).toBe(`<answer>${p.answer}</answer>`);
            expect(verify(p, p.solution, STRICT).correct).toBe(true);
            expect(verify(p, `The answer is ${p.answer}.`).correct).toBe(true);
            const wrong = perturb(p.answer, p.check);
            if (p.check.kind === "countdown") {
              const value = evaluateExpression(wrong);
              fc.pre(value.ok && formatRational(value.value) !== String(p.check.target));
            }
            expect(
              verify(p, `<answer>${wrong}</answer>`).correct,
              `${p.id}: ${wrong} accepted for ${p.answer}`,
            ).toBe(false);
          }),
          { numRuns: 25, seed: difficulty * 1000 + family.name.length },
        );
      });
    }
  }

  it("rejects unknown families and out-of-range difficulties by name", () => {
    expect(() => generate("algebra-2", 1, 0)).toThrow(/unknown family 'algebra-2'.*decimal-compare/);
    expect(() => generate("add", 9, 0)).toThrow(/add: difficulty must be 1 to 5, got 9/);
  });

  it("the 9.11 vs 9.9 trap is what level 2 of decimal-compare asks", () => {
    const traps = Array.from({ length: 200 }, (_, s) => generate("decimal-compare", 2, s)).filter((p) => {
      const [a, b] = p.metadata.numbers as string[];
      return a!.length < b!.length && p.answer === a;
    });
    expect(traps.length).toBeGreaterThan(100);
  });

  it("decimal-compare's misconception compares the digits after the point unpadded, and misleads only on traps", () => {
    const p = generate("decimal-compare", 2, 0);
    const [short, long] = p.metadata.numbers as [string, string];
    const digits = (x: string) => x.split(".")[1]!;
    expect(p.solution).toContain(`the digits after the point are ${digits(short)}0, ${digits(long)}`);
    expect(p.misconception!.solution).toContain(
      `the digits after the point are ${digits(short)}, ${digits(long)}`,
    );
    // the misconception picks whichever has the larger digits as a whole number: the longer one here
    expect(p.misconception!.answer).toBe(long);
    for (let seed = 0; seed < 300; seed++) {
      const q = generate("decimal-compare", 2, seed);
      const [a, b] = q.metadata.numbers as [string, string];
      const trap = Number(a) > Number(b); // the short one is larger: 9.9 vs 9.11
      expect(q.answer).toBe(trap ? a : b);
      expect(verify(q, q.solution).correct).toBe(true);
      expect(verify(q, q.misconception!.solution).correct).toBe(!trap);
    }
    // same lengths, or signs that differ: the misconception does not apply
    expect(generate("decimal-compare", 1, 3).misconception).toBeUndefined();
    expect(generate("decimal-compare", 5, 3).misconception).toBeUndefined();
  });
});
