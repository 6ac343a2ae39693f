// Integer arithmetic, written out the way it is done by hand.
import type { Family } from "../problem.js";
import type { Rng } from "../rng.js";
import { level, nDigit, term } from "./util.js";

function columnAdd(a: number, b: number): string[] {
  const x = String(a).split("").reverse();
  const y = String(b).split("").reverse();
  const steps: string[] = [];
  let carry = 0;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = Number(x[i] ?? 0);
    const q = Number(y[i] ?? 0);
    const s = p + q + carry;
    const parts = [p, q, ...(carry ? [carry] : [])].join(" + ");
    steps.push(`${parts} = ${s}, write ${s % 10}${s >= 10 ? ", carry 1" : ""}`);
    carry = s >= 10 ? 1 : 0;
  }
  if (carry) steps.push("write the carry 1");
  return steps;
}

export const add: Family = {
  name: "add",
  description: "add two whole numbers, column by column with carries",
  topic: "arithmetic",
  levels: [
    "1-digit + 1-digit",
    "2-digit + 2-digit",
    "3-digit + 3-digit",
    "4-digit + 4-digit",
    "6-digit + 5-digit",
  ],
  draft(rng, d) {
    const [na, nb] = level(
      [
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
        [6, 5],
      ] as const,
      d,
    );
    const a = nDigit(rng, na);
    const b = nDigit(rng, nb);
    return {
      prompt: `What is ${a} + ${b}?`,
      answer: String(a + b),
      steps: [...columnAdd(a, b), `${a} + ${b} = ${a + b}`],
      metadata: { expression: `${a} + ${b}` },
    };
  },
};

function columnSub(a: number, b: number): string[] {
  // a >= b >= 0
  const x = String(a).split("").reverse().map(Number);
  const y = String(b).split("").reverse().map(Number);
  const steps: string[] = [];
  let borrow = 0;
  for (let i = 0; i < x.length; i++) {
    const top = x[i]! - borrow;
    const q = y[i] ?? 0;
    if (top < q) {
      steps.push(`${top} - ${q}: borrow, ${top + 10} - ${q} = ${top + 10 - q}`);
      borrow = 1;
    } else {
      steps.push(`${top} - ${q} = ${top - q}`);
      borrow = 0;
    }
  }
  return steps;
}

export const sub: Family = {
  name: "sub",
  description: "subtract whole numbers, column by column with borrows; negative results from level 4",
  topic: "arithmetic",
  levels: [
    "1-digit - 1-digit, result >= 0",
    "2-digit - 2-digit, result >= 0",
    "3-digit - 3-digit, result >= 0",
    "3-digit numbers, result may be negative",
    "5-digit numbers, result may be negative",
  ],
  draft(rng, d) {
    const n = level([1, 2, 3, 3, 5], d);
    let a = nDigit(rng, n);
    let b = nDigit(rng, n);
    if (d <= 3 && b > a) [a, b] = [b, a];
    const result = a - b;
    const steps =
      a >= b
        ? [...columnSub(a, b), `${a} - ${b} = ${result}`]
        : [
            `${b} is larger than ${a}, so compute ${b} - ${a} and make it negative`,
            ...columnSub(b, a),
            `${b} - ${a} = ${b - a}`,
            `${a} - ${b} = ${result}`,
          ];
    return {
      prompt: `What is ${a} - ${b}?`,
      answer: String(result),
      steps,
      metadata: { expression: `${a} - ${b}` },
    };
  },
};

export const mul: Family = {
  name: "mul",
  description: "multiply whole numbers by partial products",
  topic: "arithmetic",
  levels: [
    "1-digit x 1-digit",
    "2-digit x 1-digit",
    "2-digit x 2-digit",
    "3-digit x 2-digit",
    "4-digit x 3-digit",
  ],
  draft(rng, d) {
    const [na, nb] = level(
      [
        [1, 1],
        [2, 1],
        [2, 2],
        [3, 2],
        [4, 3],
      ] as const,
      d,
    );
    const a = nDigit(rng, na);
    const b = nDigit(rng, nb);
    const steps: string[] = [];
    const digits = String(b).split("").reverse().map(Number);
    const partials: number[] = [];
    digits.forEach((digit, i) => {
      const place = digit * 10 ** i;
      if (digits.length === 1 || digit !== 0) {
        partials.push(a * place);
        steps.push(`${a} x ${place} = ${a * place}`);
      }
    });
    if (partials.length > 1) steps.push(`${partials.join(" + ")} = ${a * b}`);
    return {
      prompt: `What is ${a} x ${b}?`,
      answer: String(a * b),
      steps,
      metadata: { expression: `${a} * ${b}` },
    };
  },
};

export const divmod: Family = {
  name: "divmod",
  description: "divide with remainder, answering 'quotient, remainder'",
  topic: "arithmetic",
  levels: [
    "2-digit / 1-digit",
    "3-digit / 1-digit",
    "4-digit / 1-digit",
    "4-digit / 2-digit",
    "6-digit / 2-digit",
  ],
  draft(rng, d) {
    const [na, nb] = level(
      [
        [2, 1],
        [3, 1],
        [4, 1],
        [4, 2],
        [6, 2],
      ] as const,
      d,
    );
    const b = nb === 1 ? rng.int(2, 9) : nDigit(rng, nb);
    const a = Math.max(nDigit(rng, na), b);
    const q = Math.floor(a / b);
    const r = a % b;
    // long division, digit by digit
    const steps: string[] = [];
    let rem = 0;
    for (const ch of String(a)) {
      const cur = rem * 10 + Number(ch);
      const digit = Math.floor(cur / b);
      if (steps.length > 0 || digit > 0)
        steps.push(`${cur} / ${b} = ${digit}, ${cur} - ${digit * b} = ${cur % b}`);
      rem = cur % b;
    }
    steps.push(`check: ${b} x ${q} + ${r} = ${a}`);
    return {
      prompt: `What is ${a} divided by ${b}? Answer as: quotient, remainder.`,
      answer: `${q}, ${r}`,
      steps,
      check: { kind: "list", ordered: true },
    };
  },
};

type Expr = { value: number } | { op: "+" | "-" | "*" | "/"; left: Expr; right: Expr };
const PREC = { "+": 1, "-": 1, "*": 2, "/": 2 } as const;
const SHOW = { "+": "+", "-": "-", "*": "x", "/": "/" } as const;

function show(e: Expr, parentPrec = 0, rightOfNonAssoc = false): string {
  if ("value" in e) return term(e.value);
  const p = PREC[e.op];
  const s = `${show(e.left, p)} ${SHOW[e.op]} ${show(e.right, p, e.op === "-" || e.op === "/")}`;
  return p < parentPrec || (p === parentPrec && rightOfNonAssoc) ? `(${s})` : s;
}

function evaluate(e: Expr): number {
  if ("value" in e) return e.value;
  const l = evaluate(e.left);
  const r = evaluate(e.right);
  return e.op === "+" ? l + r : e.op === "-" ? l - r : e.op === "*" ? l * r : l / r;
}

function randomExpr(rng: Rng, ops: number, max: number): Expr {
  if (ops === 0) return { value: rng.int(1, max) };
  const op = rng.pick(["+", "-", "*", "+", "-", "*", "/"] as const);
  if (op === "/") {
    // division only between two numbers that divide exactly, so every step stays whole
    const right = rng.int(2, 9);
    return {
      op,
      left: { value: right * rng.int(1, Math.max(2, Math.floor(max / 2))) },
      right: { value: right },
    };
  }
  const leftOps = rng.int(0, ops - 1);
  const small = op === "*" ? Math.min(max, 12) : max;
  return { op, left: randomExpr(rng, leftOps, small), right: randomExpr(rng, ops - 1 - leftOps, small) };
}

/** Reduces the leftmost operation whose operands are both numbers; the order of operations follows from the tree. */
function reduceOnce(e: Expr): { next: Expr; note: string } | null {
  if ("value" in e) return null;
  if ("value" in e.left && "value" in e.right) {
    const v = evaluate(e);
    return { next: { value: v }, note: `${term(e.left.value)} ${SHOW[e.op]} ${term(e.right.value)} = ${v}` };
  }
  const l = reduceOnce(e.left);
  if (l) return { next: { ...e, left: l.next }, note: l.note };
  const r = reduceOnce(e.right)!;
  return { next: { ...e, right: r.next }, note: r.note };
}

export const expression: Family = {
  name: "expression",
  description: "evaluate an expression with + - x / and parentheses, respecting precedence",
  topic: "arithmetic",
  levels: [
    "2 operations, numbers to 10",
    "3 operations, numbers to 12",
    "4 operations, numbers to 20",
    "5 operations, numbers to 30",
    "6 operations, numbers to 50",
  ],
  draft(rng, d) {
    const [ops, max] = level(
      [
        [2, 10],
        [3, 12],
        [4, 20],
        [5, 30],
        [6, 50],
      ] as const,
      d,
    );
    const e = randomExpr(rng, ops, max);
    const steps: string[] = [];
    let cur: Expr = e;
    for (let r = reduceOnce(cur); r; r = reduceOnce(cur)) {
      cur = r.next;
      steps.push("value" in cur ? r.note : `${r.note}, leaving ${show(cur)}`);
    }
    const value = evaluate(e);
    return {
      prompt: `Evaluate ${show(e)}.`,
      answer: String(value),
      steps,
      metadata: { operations: ops, expression: show(e).replace(/ x /g, " * ") },
    };
  },
};

export const arithmeticFamilies = [add, sub, mul, divmod, expression];
