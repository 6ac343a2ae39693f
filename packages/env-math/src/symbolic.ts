// Values and expressions beyond exact rationals, through mathjs: closed forms (\sqrt{17},
// 2\pi/3), arithmetic a model left unsimplified ((9+1)), and symbolic equivalence (2x+2 vs
// 2(x+1)), decided by evaluating both sides at the same random points. mathjs parses only; what
// it may evaluate is an allowlist of node types and functions, checked on the tree first, with a
// bound on its size, so a prediction cannot ask for a huge matrix or call anything else.
import { createRequire } from "node:module";
import type { MathNode } from "mathjs";
import { latexToPlain } from "./latex.js";
import { uniformStream } from "./rng.js";

// mathjs takes about a second to load; most verifications never need it (rationals stay on the
// exact path), so it is loaded on the first closed form or expression, not with env-math.
const require = createRequire(import.meta.url);
let mathjs: typeof import("mathjs") | null = null;
const parse = (plain: string): MathNode => {
  mathjs ??= require("mathjs") as typeof import("mathjs");
  return mathjs.parse(plain);
};

const MAX_NODES = 200;
const OPERATORS = new Set([
  "add",
  "subtract",
  "multiply",
  "divide",
  "pow",
  "unaryMinus",
  "unaryPlus",
  "factorial",
]);
const FUNCTIONS = new Set([
  "sqrt",
  "nthRoot",
  "sin",
  "cos",
  "tan",
  "sec",
  "csc",
  "cot",
  "asin",
  "acos",
  "atan",
  "sinh",
  "cosh",
  "tanh",
  "log",
  "log10",
  "exp",
  "abs",
]);
const CONSTANTS = new Set(["pi", "e", "i", "Infinity"]);
const KNOWN = new Set([...FUNCTIONS, ...CONSTANTS]);

export interface Expression {
  /** Free variables, sorted: x, y, a_1... */
  variables: string[];
  evaluate(scope: Record<string, number>): { re: number; im: number } | null;
}

/** LaTeX or plain math as an expression mathjs may evaluate; null when it is not one. Never throws. */
export function parseExpression(raw: string): Expression | null {
  const latex = latexToPlain(raw);
  if (latex === null) return null;
  // Letters side by side multiply (2xy is 2*x*y), but a longer word is a word, not algebra:
  // "Monday" or "AZYUK2A" is left to the text comparison.
  let word = false;
  const plain = latex.replace(/[A-Za-z]+/g, (w) => {
    if (KNOWN.has(w)) return w;
    if (w.length > 2) word = true;
    return w.split("").join(" ");
  });
  if (word) return null;
  let node: MathNode;
  try {
    node = parse(plain);
  } catch {
    return null;
  }
  const variables = new Set<string>();
  let count = 0;
  let allowed = true;
  node.traverse((n, _path, parent) => {
    count++;
    if (!allowed) return;
    switch (n.type) {
      case "ConstantNode":
        if (typeof (n as unknown as { value: unknown }).value !== "number") allowed = false;
        break;
      case "ParenthesisNode":
        break;
      case "OperatorNode":
        if (!OPERATORS.has((n as unknown as { fn: string }).fn)) allowed = false;
        break;
      case "FunctionNode":
        if (!FUNCTIONS.has((n as unknown as { fn: { name: string } }).fn.name)) allowed = false;
        break;
      case "SymbolNode": {
        const name = (n as unknown as { name: string }).name;
        const isFunctionName =
          parent?.type === "FunctionNode" && (parent as unknown as { fn: MathNode }).fn === n;
        if (!isFunctionName && !CONSTANTS.has(name)) {
          if (!/^[A-Za-z](?:_?[A-Za-z0-9]{0,3})$/.test(name)) allowed = false;
          else variables.add(name);
        }
        break;
      }
      default:
        allowed = false;
    }
  });
  if (!allowed || count > MAX_NODES) return null;
  let compiled: { evaluate(scope?: Record<string, unknown>): unknown };
  try {
    compiled = node.compile();
  } catch {
    return null;
  }
  return {
    variables: [...variables].sort(),
    evaluate(scope) {
      try {
        const v = compiled.evaluate({ ...scope });
        if (typeof v === "number") return Number.isNaN(v) ? null : { re: v, im: 0 };
        if (v && typeof v === "object" && "re" in v && "im" in v) {
          const c = v as { re: number; im: number };
          return Number.isNaN(c.re) || Number.isNaN(c.im) ? null : { re: c.re, im: c.im };
        }
        return null;
      } catch {
        return null;
      }
    },
  };
}

/** Close enough for values that should be the same closed form: relative 1e-9. */
export function sameNumber(a: number, b: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** The value of an expression without variables, or null. */
export function constantValue(e: Expression): { re: number; im: number } | null {
  return e.variables.length === 0 ? e.evaluate({}) : null;
}

const POINTS = 6;

/**
 * Whether two expressions in the same variables agree at POINTS random points in [0.5, 2.5]
 * (where sqrt and log stay real); points where either is undefined are skipped, and at least
 * three must be left. Deterministic: the points come from a fixed seed.
 */
export function sameExpression(a: Expression, b: Expression): boolean {
  if (a.variables.join() !== b.variables.join()) return false;
  const draw = uniformStream(20_240_601);
  let compared = 0;
  for (let k = 0; k < POINTS; k++) {
    const scope = Object.fromEntries(a.variables.map((v) => [v, 0.5 + 2 * draw()]));
    const x = a.evaluate(scope);
    const y = b.evaluate(scope);
    if (x === null && y === null) continue;
    if (x === null || y === null) return false;
    if (!sameNumber(x.re, y.re) || !sameNumber(x.im, y.im)) return false;
    compared++;
  }
  return compared >= 3;
}
