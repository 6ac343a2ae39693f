// Numbers as answers come written: signs and unicode minus, thousands separators (1,234 1 234
// 1{,}234), an unambiguous decimal comma (1000,99), fractions in LaTeX and plain text, mixed
// numbers, scientific notation, currency, percent and unit words; as an exact rational.
import { div, pow10, type Rational, rat } from "./rational.js";

/** Answers longer than this are not numbers, lists or letters we would accept. */
const MAX_LEN = 400;
const MAX_DIGITS = 200;
const MAX_EXPONENT = 400;

/** Strips LaTeX and markdown wrapping that never changes an answer's meaning. */
export function cleanAnswer(raw: string): string {
  let s = raw.slice(0, MAX_LEN * 2).normalize("NFKC");
  s = s.replace(/[\u2212\u2012\u2013\u2014\uFE63\uFF0D]/g, "-"); // unicode minus and dashes
  s = s.replace(/\u00d7/g, "×").replace(/[\u2009\u202f\u00a0]/g, " ");
  s = s.replace(/\\(?:text|textbf|mathrm|mathbf|operatorname)\s*\{([^{}]*)\}/g, "$1");
  s = s.replace(/\\!/g, ""); // a negative thin space: 16,\!386 is 16,386
  s = s.replace(/\\left|\\right|\\,|\\;|\\:|\\ |\\displaystyle/g, " ");
  s = s.replace(/\{,\}/g, ","); // LaTeX thousands separator 1{,}000
  s = s.replace(/\\%/g, "%").replace(/\\\$/g, "$");
  s = s.replace(/^\s*(?:\$\$|\$|\\\(|\\\[)|(?:\$\$|\$|\\\)|\\\])\s*$/g, "");
  s = s.replace(/^\*\*|\*\*$/g, "").replace(/^`+|`+$/g, "");
  s = s.replace(/\s+/g, " ").trim();
  s = s.replace(/[.;!?。]+$/, "").trim();
  return s;
}

const DECIMAL = /^[+-]?(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d+)(?:\.\d*)?$|^[+-]?\.\d+$/;
/** One comma followed by other than three digits can only be a decimal comma: 1000,99 or 0,5. */
const DECIMAL_COMMA = /^[+-]?\d+,(?:\d{1,2}|\d{4,})$/;

function parseDecimal(raw: string): Rational | null {
  const s = DECIMAL_COMMA.test(raw) ? raw.replace(",", ".") : raw;
  if (!DECIMAL.test(s)) return null;
  const neg = s.startsWith("-");
  const body = s.replace(/^[+-]/, "").replace(/[, ]/g, "");
  const [whole = "", frac = ""] = body.split(".");
  if (whole.length + frac.length > MAX_DIGITS) return null;
  const n = BigInt((whole || "0") + frac);
  return rat(neg ? -n : n, pow10(frac.length));
}

function scale(x: Rational, exponent: number): Rational | null {
  if (Math.abs(exponent) > MAX_EXPONENT) return null;
  return exponent >= 0 ? rat(x.n * pow10(exponent), x.d) : rat(x.n, x.d * pow10(-exponent));
}

/** A number in any of the forms answers come in, as an exact rational; null if it is not one. */
export function parseNumber(raw: string): { value: Rational; percent: boolean } | null {
  return parseCleanNumber(cleanAnswer(raw));
}

/** parseNumber for text that has been through cleanAnswer already (it would not change it). */
export function parseCleanNumber(cleaned: string): { value: Rational; percent: boolean } | null {
  let s = cleaned;
  if (s.length === 0 || s.length > MAX_LEN) return null;
  s = s.replace(/^[a-zA-Z]\s*=\s*/, ""); // "x = 5"
  s = s.replace(/^(?:[$€£¥]|USD|EUR)\s*/i, "");
  s = s.replace(/^([+-])\s*[$€£¥]\s*/, "$1"); // "-$5"
  let percent = false;
  if (/%$/.test(s)) {
    percent = true;
    s = s.slice(0, -1).trim();
  } else if (/\s*(?:percent|per cent)$/i.test(s)) {
    percent = true;
    s = s.replace(/\s*(?:percent|per cent)$/i, "");
  }
  const value = parseBare(s) ?? parseBare(withoutUnit(s));
  return value ? { value, percent } : null;
}

/** Units written straight after a number (12km, 5m/s, 3cm^2); other letters there are algebra (3x). */
const UNIT = "(?:mm|cm|km|m|in|ft|yd|mi|mg|kg|g|lbs?|oz|ms|s|sec|min|hrs?|h|ml|mL|l|L|mph|kph)";
const ATTACHED_UNIT = new RegExp(`(?<=\\d)${UNIT}(?:/${UNIT})?(?:\\^\\{?[23]\\}?|[²³])?$`);
/** Words after a space are units or nouns: "12 km/h", "3 apples", "12 cm^2". */
const SPACED_UNIT = /\s+[a-zA-Z][a-zA-Z/. ²³]*(?:\^\{?[23]\}?)?$/;

function withoutUnit(s: string): string {
  return s.replace(SPACED_UNIT, "").replace(ATTACHED_UNIT, "");
}

function parseBare(s: string): Rational | null {
  s = s.trim();
  if (!s) return null;
  const plain = parseDecimal(s);
  if (plain) return plain;
  let m: RegExpExecArray | null;
  // \frac{a}{b}, \dfrac, \tfrac, -\frac{a}{b}, \frac12, and mixed numbers 1\frac{1}{2}
  m =
    /^([+-]?\d+)?\s*(-)?\\[dtc]?frac\s*(?:\{\s*([+-]?[\d.,]+)\s*\}|(\d))\s*(?:\{\s*([+-]?[\d.,]+)\s*\}|(\d))$/.exec(
      s,
    );
  if (m) {
    const top = parseDecimal(m[3] ?? m[4]!);
    const bottom = parseDecimal(m[5] ?? m[6]!);
    if (!top || !bottom) return null;
    let f = div(top, bottom);
    if (!f) return null;
    if (m[2]) f = rat(-f.n, f.d);
    if (m[1] === undefined) return f;
    const whole = parseDecimal(m[1])!;
    if (whole.d !== 1n || f.n < 0n) return null;
    return whole.n < 0n || m[1].startsWith("-")
      ? rat(whole.n * f.d - f.n, f.d)
      : rat(whole.n * f.d + f.n, f.d);
  }
  // mixed number 1 1/2
  m = /^([+-]?\d+) (\d+)\/(\d+)$/.exec(s);
  if (m) {
    const whole = BigInt(m[1]!);
    const n = BigInt(m[2]!);
    const d = BigInt(m[3]!);
    if (d === 0n || n >= d) return null;
    return whole < 0n || m[1]!.startsWith("-") ? rat(whole * d - n, d) : rat(whole * d + n, d);
  }
  // a/b with decimals allowed on either side
  m = /^([+-]?[\d.,]+)\s*\/\s*([+-]?[\d.,]+)$/.exec(s);
  if (m) {
    const top = parseDecimal(m[1]!);
    const bottom = parseDecimal(m[2]!);
    return top && bottom ? div(top, bottom) : null;
  }
  // scientific: 1.5e3, 1.5 × 10^3, 1.5 \times 10^{-3}, 10^3
  m = /^([+-]?[\d.,]+)[eE]([+-]?\d{1,4})$/.exec(s);
  if (m) {
    const base = parseDecimal(m[1]!);
    return base ? scale(base, Number(m[2])) : null;
  }
  m = /^(?:([+-]?[\d.,]+)\s*(?:×|\\times|\\cdot|\*|x|·)\s*)?10\s*\^\s*\{?\s*([+-]?\d{1,4})\s*\}?$/.exec(s);
  if (m) {
    const base = m[1] === undefined ? rat(1n) : parseDecimal(m[1]);
    return base ? scale(base, Number(m[2])) : null;
  }
  return null;
}
