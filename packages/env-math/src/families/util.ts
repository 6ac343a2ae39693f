import type { Rng } from "../rng.js";

/** A random whole number with exactly `n` digits (n = 1 includes 0). */
export function nDigit(rng: Rng, n: number): number {
  if (n <= 1) return rng.int(0, 9);
  return rng.int(10 ** (n - 1), 10 ** n - 1);
}

/** Level `d` (1-based) of a table, clamped to its ends. */
export function level<T>(table: readonly T[], d: number): T {
  return table[Math.min(Math.max(d, 1), table.length) - 1]!;
}

export const ordinal = (n: number) => {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${s}`;
};

export function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Formats with a true minus sign avoided: plain ASCII '-' so answers stay easy to type. */
export const fmt = (n: number) => String(n);

/** Wraps a negative number in parentheses for use inside an expression. */
export const term = (n: number) => (n < 0 ? `(${n})` : String(n));
