// Exact rationals on BigInt: answers are compared as numbers, never as floats.

export interface Rational {
  /** Numerator, carrying the sign. */
  n: bigint;
  /** Denominator, always > 0; n/d is in lowest terms. */
  d: bigint;
}

const abs = (x: bigint) => (x < 0n ? -x : x);

export function gcdBig(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

export function rat(n: bigint | number, d: bigint | number = 1n): Rational {
  let nn = BigInt(n);
  let dd = BigInt(d);
  if (dd === 0n) throw new RangeError("rational with zero denominator");
  if (dd < 0n) {
    nn = -nn;
    dd = -dd;
  }
  const g = gcdBig(nn, dd) || 1n;
  return { n: nn / g, d: dd / g };
}

export const add = (a: Rational, b: Rational) => rat(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational) => rat(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational) => rat(a.n * b.n, a.d * b.d);
/** Null on division by zero. */
export const div = (a: Rational, b: Rational): Rational | null =>
  b.n === 0n ? null : rat(a.n * b.d, a.d * b.n);
export const neg = (a: Rational): Rational => ({ n: -a.n, d: a.d });
export const eq = (a: Rational, b: Rational) => a.n === b.n && a.d === b.d;
export const cmp = (a: Rational, b: Rational) => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};
export const isInteger = (a: Rational) => a.d === 1n;
export const toNumber = (a: Rational) => Number(a.n) / Number(a.d);

/** 10^k for small k, cached: parsing never builds huge powers (exponents are bounded by the caller). */
export function pow10(k: number): bigint {
  return 10n ** BigInt(k);
}

/** "3/4", "-2", or the decimal form when the denominator is a power of two and five only. */
export function formatRational(a: Rational, style: "fraction" | "decimal" = "fraction"): string {
  if (a.d === 1n) return a.n.toString();
  if (style === "decimal") {
    let d = a.d;
    let k = 0;
    while (d % 10n === 0n) {
      d /= 10n;
      k++;
    }
    while (d % 2n === 0n || d % 5n === 0n) {
      d = d % 2n === 0n ? d / 2n : d / 5n;
      k++;
    }
    if (d === 1n) {
      const scaled = (a.n * pow10(k)) / a.d;
      const sign = scaled < 0n ? "-" : "";
      const digits = abs(scaled)
        .toString()
        .padStart(k + 1, "0");
      return `${sign}${digits.slice(0, -k)}.${digits.slice(-k)}`.replace(/\.?0+$/, "");
    }
  }
  return `${a.n}/${a.d}`;
}
