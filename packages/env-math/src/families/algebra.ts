// Algebra with answers that come out exactly: built backwards from the solution.
import type { Family } from "../problem.js";
import { formatRational, rat } from "../rational.js";
import type { Rng } from "../rng.js";
import { level, term } from "./util.js";

const nonZero = (rng: Rng, max: number) => rng.int(1, max) * (rng.chance(0.5) ? -1 : 1);
/** "3x", "-x", "x" */
const coef = (a: number, v = "x") => (a === 1 ? v : a === -1 ? `-${v}` : `${a}${v}`);
/** "3x + 4", "3x - 4" */
const linear = (a: number, b: number, v = "x") =>
  b === 0 ? coef(a, v) : `${coef(a, v)} ${b < 0 ? "-" : "+"} ${Math.abs(b)}`;
const signed = (n: number) => (n < 0 ? `- ${-n}` : `+ ${n}`);

export const linearEquation: Family = {
  name: "linear",
  description: "solve a linear equation in x",
  topic: "algebra",
  levels: [
    "x + b = c",
    "ax = c",
    "ax + b = c",
    "ax + b = cx + d",
    "ax + b = cx + d with a fractional solution",
  ],
  draft(rng, d) {
    if (d === 1) {
      const x = rng.int(-20, 20);
      const b = nonZero(rng, 30);
      return {
        prompt: `Solve for x: x ${signed(b)} = ${x + b}`,
        answer: String(x),
        steps: [`subtract ${term(b)} from both sides: x = ${x + b} - ${term(b)}`, `x = ${x}`],
      };
    }
    if (d <= 3) {
      const a = nonZero(rng, 12);
      const x = rng.int(-15, 15);
      const b = d === 2 ? 0 : nonZero(rng, 40);
      const c = a * x + b;
      const steps = b ? [`subtract ${term(b)}: ${coef(a)} = ${c} - ${term(b)} = ${c - b}`] : [];
      steps.push(`divide by ${a}: x = ${c - b} / ${a} = ${x}`);
      return { prompt: `Solve for x: ${linear(a, b)} = ${c}`, answer: String(x), steps };
    }
    let a: number;
    let c: number;
    do {
      a = nonZero(rng, 12);
      c = nonZero(rng, 12);
    } while (a === c);
    const b = nonZero(rng, 40);
    // ax + b = cx + e, so x = (e - b) / (a - c): whole for level 4, any fraction for level 5
    const e = d === 4 ? (a - c) * rng.int(-12, 12) + b : rng.int(-40, 40);
    const answer = formatRational(rat(e - b, a - c));
    return {
      prompt: `Solve for x: ${linear(a, b)} = ${linear(c, e)}`,
      answer,
      steps: [
        `subtract ${coef(c)} and ${term(b)} from both sides: ${coef(a - c)} = ${e} - ${term(b)} = ${e - b}`,
        `x = ${e - b} / ${a - c} = ${answer}`,
      ],
    };
  },
};

export const system2: Family = {
  name: "system2",
  description: "solve a 2x2 linear system for (x, y)",
  topic: "algebra",
  levels: [
    "x + y = s, x - y = t",
    "small positive coefficients",
    "coefficients to 6, solutions to 10",
    "negative coefficients",
    "coefficients to 12, solutions to 20",
  ],
  draft(rng, d) {
    const [maxC, maxS] = level(
      [
        [1, 10],
        [3, 10],
        [6, 10],
        [6, 12],
        [12, 20],
      ] as const,
      d,
    );
    const x = rng.int(d >= 4 ? -maxS : 0, maxS);
    const y = rng.int(d >= 4 ? -maxS : 0, maxS);
    let a1: number;
    let b1: number;
    let a2: number;
    let b2: number;
    do {
      if (d === 1) [a1, b1, a2, b2] = [1, 1, 1, -1];
      else {
        const c = () => (d >= 4 ? nonZero(rng, maxC) : rng.int(1, maxC));
        [a1, b1, a2, b2] = [c(), c(), c(), c()];
      }
    } while (a1 * b2 - a2 * b1 === 0);
    const c1 = a1 * x + b1 * y;
    const c2 = a2 * x + b2 * y;
    const det = a1 * b2 - a2 * b1;
    const eq = (a: number, b: number, c: number) =>
      `${coef(a)} ${b < 0 ? "-" : "+"} ${coef(Math.abs(b), "y")} = ${c}`;
    return {
      prompt: `Solve the system: ${eq(a1, b1, c1)} and ${eq(a2, b2, c2)}. Answer as (x, y).`,
      answer: `(${x}, ${y})`,
      steps: [
        `determinant: ${a1} x ${term(b2)} - ${term(a2)} x ${term(b1)} = ${det}`,
        `x = (${c1} x ${term(b2)} - ${term(c2)} x ${term(b1)}) / ${det} = ${c1 * b2 - c2 * b1} / ${det} = ${x}`,
        `y = (${a1} x ${term(c2)} - ${term(a2)} x ${term(c1)}) / ${det} = ${a1 * c2 - a2 * c1} / ${det} = ${y}`,
      ],
      check: { kind: "list", ordered: true },
    };
  },
};

export const quadratic: Family = {
  name: "quadratic",
  description: "roots of a quadratic with rational roots, by the quadratic formula",
  topic: "algebra",
  levels: [
    "x^2 = k^2",
    "x^2 + bx + c with positive integer roots",
    "integer roots of either sign",
    "leading coefficient 2 to 4, rational roots",
    "rational roots, larger coefficients, possibly a double root",
  ],
  draft(rng, d) {
    // (p x - q)(r x - s) = 0, roots q/p and s/r
    let p = 1;
    let r = 1;
    let q: number;
    let s: number;
    if (d === 1) {
      q = rng.int(1, 12);
      s = -q;
    } else if (d === 2) {
      q = rng.int(1, 10);
      s = rng.int(1, 10);
    } else if (d === 3) {
      q = rng.int(-10, 10);
      s = rng.int(-10, 10);
    } else {
      p = rng.int(1, d === 4 ? 2 : 4);
      r = rng.int(2, d === 4 ? 4 : 6);
      q = rng.int(-9, 9);
      s = d === 5 && rng.chance(0.2) ? (q * r) / p : rng.int(-9, 9);
      if (!Number.isInteger(s)) s = rng.int(-9, 9);
    }
    const a = p * r;
    const b = -(p * s + q * r);
    const c = q * s;
    const roots = [...new Set([formatRational(rat(q, p)), formatRational(rat(s, r))])];
    const disc = b * b - 4 * a * c;
    const root = Math.round(Math.sqrt(disc));
    const poly = `${coef(a, "x^2")}${b ? ` ${b < 0 ? "-" : "+"} ${coef(Math.abs(b))}` : ""}${c ? ` ${c < 0 ? "-" : "+"} ${Math.abs(c)}` : ""}`;
    return {
      prompt: `Find all real solutions of ${poly} = 0. List them separated by commas.`,
      answer: roots.join(", "),
      steps: [
        `a = ${a}, b = ${b}, c = ${c}`,
        `discriminant: b^2 - 4ac = ${b * b} - ${4 * a * c < 0 ? `(${4 * a * c})` : 4 * a * c} = ${disc}, its square root is ${root}`,
        `x = (${-b} ± ${root}) / ${2 * a}`,
        disc === 0
          ? `one double root: ${roots[0]}`
          : `x = ${formatRational(rat(-b + root, 2 * a))} or x = ${formatRational(rat(-b - root, 2 * a))}`,
      ],
      check: { kind: "list", ordered: false },
    };
  },
};

export const algebraFamilies = [linearEquation, system2, quadratic];
