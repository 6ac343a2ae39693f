// Comparing free-form math answers the way they are written by strong models and in MATH-style
// datasets: values in any form (exact rationals first, then closed forms through mathjs, then
// decimals rounded from either), sets, tuples and intervals, equations and relation chains, and
// expressions up to symbolic equivalence. The reference is trusted and the prediction is not:
// a prediction that lists several candidates never matches a single reference.
import { cleanAnswer, parseCleanNumber } from "./number.js";
import { eq, pow10, type Rational, rat, toNumber } from "./rational.js";
import { constantValue, parseExpression, sameExpression, sameNumber } from "./symbolic.js";

export interface MathOptions {
  /**
   * Significant digits a decimal needs before it may stand for a value it rounds or truncates
   * (0.3333 for 1/3, 4.1231 for \sqrt{17}). Exact values are compared exactly.
   */
  precision?: number;
}

export const DEFAULT_PRECISION = 6;

/** Final cleanup beyond cleanAnswer: degree signs, \! and thin spaces, \dfrac spellings, "≈". */
export function tidy(raw: string): string {
  let s = cleanAnswer(raw);
  if (!/[\\°≈≠≤≥]/.test(s)) return s;
  s = s.replace(/\^\s*\{?\\circ\}?|°|\\degree/g, "");
  s = s.replace(/\\(?:dfrac|tfrac|cfrac)/g, "\\frac");
  s = s.replace(/≈/g, "\\approx").replace(/≠/g, "\\neq").replace(/≤/g, "\\le").replace(/≥/g, "\\ge");
  s = s.replace(/\\le(?:q|qslant)?(?![a-z])/g, "\\le").replace(/\\ge(?:q|qslant)?(?![a-z])/g, "\\ge");
  return cleanAnswer(s);
}

/** Splits at commas outside brackets and braces: "1, (2, 3)" -> ["1", "(2, 3)"]. */
export function topLevel(s: string, separator = ","): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (depth === 0 && s.startsWith(separator, i)) {
      parts.push(s.slice(start, i).trim());
      start = i + separator.length;
    }
  }
  parts.push(s.slice(start).trim());
  return parts;
}

const RELATION = /\\approx|\\equiv|\\sim|(?<![<>!\\])=(?!=)/;

/**
 * What an answer states: the right-hand side of `x = 5`, the first right-hand side of a chain
 * (x = 1/3 \approx 0.33 -> 1/3). Written for both sides; a reference whose left side is more than
 * a name (2x + 3y = 6) stays an equation.
 */
export function statedValue(s: string): string {
  const parts = s.split(RELATION).map((p) => p.trim());
  if (parts.length < 2) return s;
  if (parts.length === 2 && !/^\\?[A-Za-z]\w*(?:_\{?\w+\}?)?(?:\([A-Za-z]\))?$/.test(parts[0]!)) {
    // "10 = 10" or an equation between expressions: keep the side that is not a name only if
    // the left is a plain value the right restates; otherwise the whole equation is the answer.
    return s;
  }
  return parts[1]!;
}

type Shape =
  | { kind: "scalar"; text: string }
  | { kind: "set"; items: string[] }
  | { kind: "bracketed"; open: string; close: string; items: string[] }
  | { kind: "union"; parts: Shape[] }
  | { kind: "list"; items: string[] };

/** The structure an answer has: a set, a tuple or interval, a union of intervals, a bare list, or one value. */
export function shapeOf(s: string): Shape {
  const unions = topLevel(s, "\\cup");
  if (unions.length > 1) return { kind: "union", parts: unions.map(shapeOf) };
  const set = /^\\\{(.*)\\\}$/.exec(s);
  if (set) return { kind: "set", items: topLevel(set[1]!).filter(Boolean) };
  const bracket = /^([[(])(.*)([\])])$/.exec(s);
  if (bracket && topLevel(bracket[2]!).length > 1 && closesAtEnd(s)) {
    return { kind: "bracketed", open: bracket[1]!, close: bracket[3]!, items: topLevel(bracket[2]!) };
  }
  const items = topLevel(s);
  // "1,000" is a number, not a list of 1 and 000.
  if (items.length > 1 && !parseCleanNumber(s)) return { kind: "list", items };
  const words = s.split(/\s+(?:and|or)\s+/i);
  if (words.length > 1) return { kind: "list", items: words };
  return { kind: "scalar", text: s };
}

/** Whether the first bracket closes at the very end: "(1, 2)" yes, "(1)(2)" no. */
function closesAtEnd(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0 && i < s.length - 1) return false;
    }
  }
  return true;
}

/** Whether the prediction means the reference. Never throws; bounded by the input limits. */
export function mathEqual(prediction: string, reference: string, options: MathOptions = {}): boolean {
  try {
    const p = tidy(prediction);
    const r = tidy(reference);
    if (!p || !r || p.length > 400 || r.length > 400) return false;
    if (p === r) return true;
    return shapesEqual(shapeOf(statedValue(p)), shapeOf(statedValue(r)), options);
  } catch {
    return false;
  }
}

function shapesEqual(p: Shape, r: Shape, options: MathOptions): boolean {
  if (r.kind === "scalar") return p.kind === "scalar" && scalarEqual(p.text, r.text, options);
  if (r.kind === "bracketed") {
    return (
      p.kind === "bracketed" &&
      p.open === r.open &&
      p.close === r.close &&
      p.items.length === r.items.length &&
      p.items.every((x, i) => scalarEqual(x, r.items[i]!, options))
    );
  }
  if (r.kind === "union") {
    return p.kind === "union" && matchAll(p.parts, r.parts, (a, b) => shapesEqual(a, b, options));
  }
  // A set and a bare list of the same values are the same answer ("1, 2" for \{1, 2\}).
  if (p.kind !== "set" && p.kind !== "list") return false;
  return matchAll(p.items, r.items, (a, b) => scalarEqual(a, b, options));
}

/** Every item of `a` pairs with a distinct item of `b`, and none is left over. */
function matchAll<T>(a: T[], b: T[], same: (x: T, y: T) => boolean): boolean {
  if (a.length !== b.length || a.length > 100) return false;
  const used = new Array<boolean>(b.length).fill(false);
  return a.every((x) => {
    const i = b.findIndex((y, j) => !used[j] && same(x, y));
    if (i < 0) return false;
    used[i] = true;
    return true;
  });
}

const WRITTEN_DECIMAL = /^[+-]?(?:\d[\d, ]*)?\.\d+$/;

/** Digits after the point and significant digits of a number written as a decimal, else null. */
function decimalDigits(text: string): { places: number; significant: number } | null {
  const s = text.replace(/^\$|\$$/g, "").trim();
  if (!WRITTEN_DECIMAL.test(s)) return null;
  const [whole = "", frac = ""] = s.replace(/^[+-]/, "").replace(/[, ]/g, "").split(".");
  const digits = (whole + frac).replace(/^0+/, "");
  return { places: frac.length, significant: digits.length };
}

/**
 * Whether the decimal `d` (written with `places` digits after the point) is the value `v` rounded
 * or truncated to that many places, while `v` goes on past them (a value that stops there must be
 * equal, which the exact comparison has already decided). Exact in BigInt for a rational `v`;
 * in floating point for a closed form, with one unit of slack at 15 digits and beyond.
 */
function approximates(d: Rational, places: number, v: Rational | number): boolean {
  const scale = pow10(places);
  const written = (d.n * scale) / d.d; // d has exactly `places` places: an exact integer
  if (typeof v !== "number") {
    const scaled = v.n * scale;
    if (scaled % v.d === 0n) return false;
    const truncated = scaled / v.d; // toward zero
    const rounded = (2n * scaled + (scaled < 0n ? -v.d : v.d)) / (2n * v.d); // half away from zero
    return written === truncated || written === rounded;
  }
  const target = v * 10 ** places;
  if (!Number.isFinite(target)) return false;
  const slack = places + Math.log10(Math.max(1, Math.abs(v))) >= 15 ? 1 : 0;
  const w = Number(written);
  return Math.abs(w - Math.trunc(target)) <= slack || Math.abs(w - Math.round(target)) <= slack;
}

/**
 * One value against another: exact, closed form, rounded decimal, or the same expression. Both
 * sides come through tidy() first.
 */
export function scalarEqual(prediction: string, reference: string, options: MathOptions = {}): boolean {
  const precision = options.precision ?? DEFAULT_PRECISION;
  const a = parseCleanNumber(prediction);
  const b = parseCleanNumber(reference);
  if (a && b) {
    if (eq(a.value, b.value)) return true;
    if (a.percent && !b.percent && eq(rat(a.value.n, a.value.d * 100n), b.value)) return true; // "25%" for 0.25
    return roundedEither(prediction, a.value, reference, b.value, precision);
  }
  const x = a ? null : parseExpression(prediction);
  const y = b ? null : parseExpression(reference);
  const xv = a ? { re: toNumber(a.value), im: 0 } : x && constantValue(x);
  const yv = b ? { re: toNumber(b.value), im: 0 } : y && constantValue(y);
  if (xv && yv) {
    if (sameNumber(xv.re, yv.re) && sameNumber(xv.im, yv.im)) return true;
    if (xv.im !== 0 || yv.im !== 0) return false;
    // A decimal against a closed form: the decimal must be the closed form rounded.
    if (a && !y?.variables.length) return roundedTo(prediction, a.value, yv.re, precision);
    if (b && !x?.variables.length) return roundedTo(reference, b.value, xv.re, precision);
    return false;
  }
  if (x && y && x.variables.length > 0) return sameExpression(x, y);
  return textEqual(prediction, reference);
}

function roundedEither(p: string, pv: Rational, r: string, rv: Rational, precision: number): boolean {
  const dp = decimalDigits(p);
  const dr = decimalDigits(r);
  // The coarser decimal is the approximation of the other side.
  if (dp && (!dr || dp.places <= dr.places) && dp.significant >= precision)
    return approximates(pv, dp.places, rv);
  if (dr && dr.significant >= precision) return approximates(rv, dr.places, pv);
  return false;
}

function roundedTo(text: string, value: Rational, other: number, precision: number): boolean {
  const d = decimalDigits(text);
  return d !== null && d.significant >= precision && approximates(value, d.places, other);
}

function textEqual(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .replace(/\\(?:text|mathrm|textbf|mbox)\s*\{([^{}]*)\}/g, "$1")
      .replace(/^["'(]+|["')]+$/g, "")
      .replace(/\s+/g, "")
      .toLowerCase();
  return norm(a) === norm(b) && norm(a) !== "";
}
