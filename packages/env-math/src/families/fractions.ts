// Fractions and percentages, exact throughout.
import type { Family } from "../problem.js";
import { formatRational, rat } from "../rational.js";
import { gcd, level } from "./util.js";

const frac = (n: number, d: number) => formatRational(rat(n, d));
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;

function simplifySteps(n: number, d: number): string[] {
  const g = gcd(n, d);
  if (g === 1) return [`gcd(${Math.abs(n)}, ${d}) = 1, so ${n}/${d} is already in lowest terms`];
  return [`gcd(${Math.abs(n)}, ${d}) = ${g}`, `${n}/${d} = ${n / g}/${d / g}`.replace(/\/1$/, "")];
}

export const fractionAdd: Family = {
  name: "fraction-add",
  description: "add or subtract two fractions, answer in lowest terms",
  topic: "fractions",
  levels: [
    "same denominator, add",
    "one denominator divides the other",
    "different denominators",
    "add or subtract",
    "subtract, mixed signs, larger denominators",
  ],
  draft(rng, d) {
    const maxDen = level([9, 12, 12, 16, 24], d);
    const b = rng.int(2, maxDen);
    const dd = d === 1 ? b : d === 2 ? b * rng.int(2, 4) : rng.int(2, maxDen);
    const a = rng.int(1, b - 1);
    const c = rng.int(1, dd - 1) * (d === 5 && rng.chance(0.5) ? -1 : 1);
    const op = d >= 4 && rng.chance(0.5) ? "-" : "+";
    const m = lcm(b, dd);
    const x = a * (m / b);
    const y = c * (m / dd);
    const n = op === "+" ? x + y : x - y;
    const cStr = c < 0 ? `(${c}/${dd})` : `${c}/${dd}`;
    const steps = [
      ...(b === dd
        ? [`the denominators are both ${b}`]
        : [
            `common denominator: lcm(${b}, ${dd}) = ${m}`,
            `${a}/${b} = ${x}/${m} and ${c}/${dd} = ${y}/${m}`,
          ]),
      `${x} ${op} ${y < 0 ? `(${y})` : y} = ${n}, giving ${n}/${m}`,
      ...(n === 0 ? [] : simplifySteps(n, m)),
    ];
    return {
      prompt: `What is ${a}/${b} ${op} ${cStr}? Give the answer in lowest terms.`,
      answer: frac(n, m),
      steps,
    };
  },
};

export const fractionSimplify: Family = {
  name: "fraction-simplify",
  description: "reduce a fraction to lowest terms",
  topic: "fractions",
  levels: [
    "common factor up to 5",
    "common factor up to 10",
    "common factor up to 20",
    "numerator and denominator to 500",
    "improper fractions to 2000",
  ],
  draft(rng, d) {
    const [maxG, maxPart] = level(
      [
        [5, 9],
        [10, 12],
        [20, 15],
        [25, 20],
        [40, 50],
      ] as const,
      d,
    );
    const g = rng.int(2, maxG);
    let p = rng.int(1, maxPart);
    let q = rng.int(2, maxPart);
    while (gcd(p, q) !== 1 || p === q) {
      p = rng.int(1, maxPart);
      q = rng.int(2, maxPart);
    }
    if (d < 5 && p > q) [p, q] = [q, p];
    const n = p * g;
    const den = q * g;
    return {
      prompt: `Simplify ${n}/${den} to lowest terms.`,
      answer: frac(n, den),
      steps: simplifySteps(n, den),
    };
  },
};

export const fractionCompare: Family = {
  name: "fraction-compare",
  description: "which of two fractions is larger, by cross-multiplying",
  topic: "fractions",
  levels: [
    "same denominator",
    "same numerator",
    "denominators to 10",
    "denominators to 20",
    "close fractions, denominators to 50",
  ],
  draft(rng, d) {
    const maxDen = level([12, 12, 10, 20, 50], d);
    let a: number;
    let b: number;
    let c: number;
    let e: number;
    do {
      b = rng.int(2, maxDen);
      e = d === 1 ? b : rng.int(2, maxDen);
      a = rng.int(1, b - 1);
      c = d === 2 ? a : rng.int(1, e - 1);
      if (d === 2) e = rng.int(a + 1, Math.max(a + 1, maxDen));
    } while (a * e === c * b || (d === 5 && Math.abs(a / b - c / e) > 0.1 && rng.chance(0.9)));
    const larger = a * e > c * b ? `${a}/${b}` : `${c}/${e}`;
    return {
      prompt: `Which is larger, ${a}/${b} or ${c}/${e}?`,
      answer: larger,
      steps: [
        `cross-multiply: ${a} x ${e} = ${a * e} and ${c} x ${b} = ${c * b}`,
        `${Math.max(a * e, c * b)} is larger, so ${larger} is larger`,
      ],
      metadata: { options: [`${a}/${b}`, `${c}/${e}`] },
    };
  },
};

export const percent: Family = {
  name: "percent",
  description: "percent of a number, what percent one number is of another, percent change",
  topic: "fractions",
  levels: [
    "10%, 25%, 50% of a round number",
    "any whole percent of a multiple of 20",
    "what percent is a of b",
    "price after a percent increase or discount",
    "reverse: the original before a percent change",
  ],
  draft(rng, d) {
    if (d <= 2) {
      const p = d === 1 ? rng.pick([10, 25, 50]) : rng.int(1, 99);
      const n = d === 1 ? rng.int(1, 20) * 20 : rng.int(1, 30) * 20;
      const r = rat(p * n, 100);
      return {
        prompt: `What is ${p}% of ${n}?`,
        answer: formatRational(r, "decimal"),
        steps: [
          `${p}% of ${n} = ${p} x ${n} / 100`,
          `${p} x ${n} = ${p * n}`,
          `${p * n} / 100 = ${formatRational(r, "decimal")}`,
        ],
      };
    }
    if (d === 3) {
      const b = rng.pick([20, 25, 40, 50, 80, 200, 400, 500]);
      const whole = Array.from({ length: 99 }, (_, i) => i + 1).filter((p) => (b * p) % 100 === 0);
      const a = (b * rng.pick(whole)) / 100;
      const pct = formatRational(rat(a * 100, b), "decimal");
      return {
        prompt: `${a} is what percent of ${b}?`,
        answer: pct,
        steps: [`${a} / ${b} x 100 = ${a * 100} / ${b}`, `${a * 100} / ${b} = ${pct}, so ${pct}%`],
      };
    }
    const price = rng.int(2, 40) * 10;
    const p = rng.pick([5, 10, 15, 20, 25, 30, 40, 50]);
    const up = rng.chance(0.5);
    const change = (price * p) / 100;
    const after = up ? price + change : price - change;
    if (d === 4) {
      return {
        prompt: up
          ? `A price of $${price} goes up by ${p}%. What is the new price in dollars?`
          : `A jacket costs $${price} and is on sale for ${p}% off. What is the sale price in dollars?`,
        answer: formatRational(rat(after * 100, 100), "decimal"),
        steps: [
          `${p}% of ${price} = ${p} x ${price} / 100 = ${change}`,
          `${price} ${up ? "+" : "-"} ${change} = ${after}`,
        ],
      };
    }
    const factor = formatRational(rat(100 + (up ? p : -p), 100), "decimal");
    return {
      prompt: `After a ${p}% ${up ? "increase" : "decrease"}, a price is $${after}. What was the price before, in dollars?`,
      answer: String(price),
      steps: [
        `the new price is ${100 + (up ? p : -p)}% of the old one: old x ${factor} = ${after}`,
        `old = ${after} / ${factor} = ${price}`,
      ],
    };
  },
};

export const fractionFamilies = [fractionAdd, fractionSimplify, fractionCompare, percent];
