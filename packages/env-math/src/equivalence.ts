// Deciding whether a model's answer means the same as the reference, exactly where possible.
import { evaluateExpression } from "./expr.js";
import { mathEqual, scalarEqual, tidy } from "./math-answer.js";
import { cleanAnswer, parseNumber } from "./number.js";
import type { AnswerCheck } from "./problem.js";
import { cmp, rat, toNumber } from "./rational.js";

export function normalizeText(raw: string, caseSensitive = false): string {
  let s = cleanAnswer(raw);
  s = s.replace(/^["'“‘«]+|["'”’»]+$/g, "").trim();
  return caseSensitive ? s : s.toLowerCase();
}

function numbersEqual(
  candidate: string,
  expected: string,
  check: { tolerance?: { abs: number; rel: number }; precision?: number } = {},
): boolean {
  const { tolerance } = check;
  if (!tolerance || (tolerance.abs === 0 && tolerance.rel === 0))
    return scalarEqual(tidy(candidate), tidy(expected), { precision: check.precision });
  const a = parseNumber(candidate);
  const b = parseNumber(expected);
  if (!a || !b) return false;
  const options = [a.value];
  if (a.percent && !b.percent) options.push(rat(a.value.n, a.value.d * 100n)); // "25%" for 0.25
  const want = toNumber(b.value);
  return options.some((x) => Math.abs(toNumber(x) - want) <= tolerance.abs + tolerance.rel * Math.abs(want));
}

/** Splits "1, 2, 3", "[1, 2, 3]", "(2, 3)", "x = 2, y = 3", "-2 and 3" into items. */
export function splitList(raw: string): string[] {
  let s = cleanAnswer(raw);
  s = s.replace(/^[[({]\s*|\s*[\])}]$/g, "");
  s = s.replace(/\s+(?:and|or)\s+/gi, ", ");
  const parts = /[,;]\s/.test(s)
    ? s.split(/\s*[;,]\s+|\s*;\s*/)
    : s.includes(",")
      ? s.split(",")
      : s.split(/\s+/);
  let items = parts.map((p) => p.trim()).filter(Boolean);
  const assigned = items.map((p) => /^([a-zA-Z]\w*)\s*=\s*(.+)$/.exec(p));
  if (items.length > 1 && assigned.every(Boolean)) {
    // "y = 3, x = 2": order by variable name, the way (x, y) is written
    items = assigned
      .map((m) => [m![1]!, m![2]!] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([, v]) => v);
  } else items = items.map((p) => p.replace(/^[a-zA-Z]\s*=\s*/, ""));
  return items;
}

function itemsEqual(a: string, b: string, kind: "number" | "text"): boolean {
  return kind === "number" ? numbersEqual(a, b) : normalizeText(a) === normalizeText(b);
}

function listsEqual(candidate: string, expected: string, ordered: boolean, kind: "number" | "text"): boolean {
  const got = splitList(candidate);
  const want = splitList(expected);
  if (got.length !== want.length || got.length > 1000) return false;
  if (ordered) return got.every((g, i) => itemsEqual(g, want[i]!, kind));
  const used = new Array<boolean>(want.length).fill(false);
  return got.every((g) => {
    const i = want.findIndex((w, j) => !used[j] && itemsEqual(g, w, kind));
    if (i < 0) return false;
    used[i] = true;
    return true;
  });
}

function yesNo(raw: string): "yes" | "no" | null {
  const m = /^(yes|no|true|false|y|n)\b/.exec(normalizeText(raw));
  if (!m) return null;
  return m[1] === "yes" || m[1] === "true" || m[1] === "y" ? "yes" : "no";
}

function choiceLetter(raw: string): string | null {
  const m = /^(?:option |choice )?\(?([a-z])\)?(?=$|[\s.:)])/i.exec(cleanAnswer(raw));
  return m ? m[1]!.toUpperCase() : null;
}

/** "2^3 x 3 x 5", "2*2*2*3*5", "2^{3} \cdot 3 \cdot 5" as prime -> exponent; null if not a product of powers. */
export function parseFactorization(raw: string): Map<bigint, bigint> | null {
  const s = cleanAnswer(raw).replace(/^\d+\s*=\s*/, "");
  const factors = s.split(/\s*(?:\\times|\\cdot|×|\*|·|x)\s*/);
  if (factors.length > 200) return null;
  const powers = new Map<bigint, bigint>();
  for (const f of factors) {
    const m = /^\(?(\d{1,30})\)?(?:\s*(?:\^|\*\*)\s*\{?\s*(\d{1,4})\s*\}?)?$/.exec(f);
    if (!m) return null;
    const p = BigInt(m[1]!);
    const e = BigInt(m[2] ?? "1");
    if (p < 2n || e < 1n) return null;
    powers.set(p, (powers.get(p) ?? 0n) + e);
  }
  return powers;
}

function isPrimeBig(p: bigint): boolean {
  if (p < 2n) return false;
  for (let q = 2n; q * q <= p; q++) {
    if (p % q === 0n) return false;
    if (q > 1_000_000n) return false; // not expected in answers; refuse rather than spin
  }
  return true;
}

function factorizationsEqual(candidate: string, expected: string): boolean {
  const a = parseFactorization(candidate);
  const b = parseFactorization(expected);
  if (!a || !b || a.size !== b.size) return false;
  for (const [p, e] of b) if (a.get(p) !== e) return false;
  return [...a.keys()].every(isPrimeBig);
}

/** Minutes after midnight for "14:05", "2:05 PM", "2:05 p.m.", "14h05". */
export function parseClock(raw: string): number | null {
  const m = /^(\d{1,2})\s*[:h.]\s*(\d{2})\s*(a\.?m\.?|p\.?m\.?)?$/i.exec(cleanAnswer(raw).replace(/\.$/, ""));
  if (!m) return null;
  let h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24) return null;
  if (m[3]) {
    if (h < 1 || h > 12) return null;
    const pm = m[3].toLowerCase().startsWith("p");
    h = (h % 12) + (pm ? 12 : 0);
  }
  return (h * 60 + min) % 1440;
}

/** A whole number written in `base`, with an optional 0b/0o/0x prefix or a _2 / (base 2) suffix. */
export function parseInBase(raw: string, base: number): bigint | null {
  let s = cleanAnswer(raw).toLowerCase();
  s = s.replace(/\s*(?:_\{?\d+\}?|\(base \d+\)|in base \d+)$/, "");
  const prefix = { 2: "0b", 8: "0o", 16: "0x" }[base];
  if (prefix && s.startsWith(prefix)) s = s.slice(2);
  s = s.replace(/[\s_]/g, "");
  if (!s || s.length > 200) return null;
  let value = 0n;
  for (const ch of s) {
    const digit = Number.parseInt(ch, 36);
    if (Number.isNaN(digit) || digit >= base) return null;
    value = value * BigInt(base) + BigInt(digit);
  }
  return value;
}

export type CountdownResult = "correct" | "wrong-value" | "wrong-numbers" | "invalid";

/** Checks a Countdown expression: parsed safely, each given number used exactly once, equal to the target. */
export function checkCountdown(raw: string, numbers: readonly number[], target: number): CountdownResult {
  const s = cleanAnswer(raw);
  // "(25 - 5) * 4 = 80" or "80 = (25 - 5) * 4": keep the side with the arithmetic
  const sides = s.split("=").map((x) => x.trim());
  const exprText =
    sides.length > 1 ? (sides.find((x) => /[-+*/×÷x]/.test(x.replace(/^-/, ""))) ?? sides[0]!) : s;
  const result = evaluateExpression(exprText);
  if (!result.ok) return "invalid";
  const used = result.numbers.map((r) => (r.d === 1n ? Number(r.n) : Number.NaN)).sort((a, b) => a - b);
  const given = [...numbers].sort((a, b) => a - b);
  if (used.length !== given.length || used.some((u, i) => u !== given[i])) return "wrong-numbers";
  return cmp(result.value, rat(target)) === 0 ? "correct" : "wrong-value";
}

/** Whether `candidate` means the same as `expected` under `check`. Never throws. */
export function isEquivalent(candidate: string, expected: string, check: AnswerCheck): boolean {
  try {
    if (typeof candidate !== "string" || candidate.length === 0) return false;
    switch (check.kind) {
      case "number":
        return numbersEqual(candidate, expected, check);
      case "math":
        return mathEqual(candidate, expected, { precision: check.precision });
      case "text":
        return normalizeText(candidate, check.caseSensitive) === normalizeText(expected, check.caseSensitive);
      case "list":
        return listsEqual(candidate, expected, check.ordered, check.items);
      case "yesno":
        return yesNo(candidate) !== null && yesNo(candidate) === yesNo(expected);
      case "choice": {
        const letter = choiceLetter(candidate);
        return letter !== null && check.options.includes(letter) && letter === choiceLetter(expected);
      }
      case "factorization":
        return factorizationsEqual(candidate, expected);
      case "time": {
        const a = parseClock(candidate);
        return a !== null && a === parseClock(expected);
      }
      case "base": {
        const a = parseInBase(candidate, check.base);
        return a !== null && a === parseInBase(expected, check.base);
      }
      case "countdown":
        return checkCountdown(candidate, check.numbers, check.target) === "correct";
    }
  } catch {
    return false;
  }
}
