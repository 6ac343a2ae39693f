// Random and adversarial model outputs: the verifier never throws and never stalls.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AnswerCheck,
  evaluateExpression,
  extractAnswer,
  isEquivalent,
  latexToPlain,
  mathEqual,
  parseExpression,
  parseNumber,
  verify,
} from "../src/index.js";

const CHECKS = [
  { kind: "number" },
  { kind: "text" },
  { kind: "list", ordered: true },
  { kind: "list", ordered: false },
  { kind: "yesno" },
  { kind: "choice", options: ["A", "B", "C"] },
  { kind: "factorization" },
  { kind: "time" },
  { kind: "base", base: 16 },
  { kind: "countdown", numbers: [1, 2, 3], target: 6 },
  { kind: "math" },
].map((c) => AnswerCheck.parse(c));

const pieces = [
  "\\boxed{",
  "}",
  "{",
  "<answer>",
  "</answer>",
  "####",
  "the answer is",
  "1",
  "9.",
  ",",
  "/",
  "-",
  "e",
  "^",
  "(",
  ")",
  "x",
  "\\frac",
  "%",
  "$",
  " ",
  "\n",
  "=",
  ":",
  "\\",
  "\\sqrt",
  "\\sqrt[",
  "]",
  "\\{",
  "\\}",
  "\\cup",
  "\\infty",
  "\\pi",
  "\\cdot",
  "\\log_",
  "\\sin",
  "\\left(",
  "\\right)",
  "\\approx",
  "!",
  "i",
  "y",
  "_",
  "\\text{",
  "[",
  "\\(",
  "\\)",
  ".5",
  "1 000",
  "0,5",
];
const adversarial = fc.array(fc.constantFrom(...pieces), { maxLength: 400 }).map((a) => a.join(""));

const everything = (text: string) => {
  for (const check of CHECKS) {
    verify({ answer: "6", check }, text);
    isEquivalent(text, "6", check);
  }
  for (const reference of ["x^2 + 1", "[1, 2)", "\\{1, 2\\}", "\\sqrt{2}"]) {
    mathEqual(text, reference);
    mathEqual(reference, text);
  }
  parseNumber(text);
  evaluateExpression(text);
  extractAnswer(text);
  latexToPlain(text);
  parseExpression(text);
};

describe("fuzzing the verifier", () => {
  it("never throws on random strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => everything(s)),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 100 }), (s) => everything(s)),
      { numRuns: 500 },
    );
  });

  it("never throws on strings built from the syntax it parses", () => {
    fc.assert(
      fc.property(adversarial, (s) => everything(s)),
      { numRuns: 1500 },
    );
  });

  // Catastrophic backtracking turns milliseconds into minutes; these bounds are 100x what is needed.
  it("stays fast on long pathological inputs", () => {
    const nasty = [
      "1".repeat(100_000),
      "1,".repeat(50_000),
      "\\boxed{".repeat(20_000),
      "{".repeat(50_000) + "}".repeat(50_000),
      "<answer>".repeat(20_000),
      `${"(".repeat(5000)}1${")".repeat(5000)}`,
      "9.".repeat(50_000),
      "the answer is ".repeat(10_000),
      "1e".repeat(30_000) + "9".repeat(1000),
      `\\frac{${"1".repeat(5000)}}{${"2".repeat(5000)}}`,
      "a ".repeat(100_000),
      `${"1 ".repeat(20_000)}/2`,
      `9^9^9^9^9^9`,
      `${"2^64*".repeat(100)}2`,
      "\\sqrt{".repeat(10_000),
      `${"\\frac{1}{".repeat(150)}2${"}".repeat(150)}`,
      `${"x+".repeat(150)}x`,
      "\\{1, ".repeat(5_000),
      `(${"1, ".repeat(5_000)}2]`,
      "((((((((((((((((((((((((((((((x))))))))))))))))))))))))))))))^2",
      "x^x^x^x^x^x^x^x",
      "170!!!",
    ];
    for (const text of nasty) {
      const t0 = performance.now();
      everything(text);
      everything(`<answer>${text}</answer>`);
      expect(performance.now() - t0, text.slice(0, 30)).toBeLessThan(2000);
    }
  });

  it("refuses absurd exponents and powers instead of computing them", () => {
    expect(parseNumber("1e999999")).toBeNull();
    expect(evaluateExpression("9^9^9")).toMatchObject({ ok: false });
    expect(evaluateExpression("2^64").ok).toBe(true);
  });
});
