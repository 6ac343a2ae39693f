// A safe arithmetic expression evaluator (no eval): for Countdown answers and the calculator tool.
// Exact rationals, bounded input, bounded depth, bounded powers: adversarial input cannot hang it.
import { add, div, mul, neg, pow10, type Rational, rat, sub } from "./rational.js";

export const MAX_EXPRESSION_LENGTH = 500;
const MAX_DEPTH = 64;
const MAX_BITS = 4096n;

export type ExprResult = { ok: true; value: Rational; numbers: Rational[] } | { ok: false; error: string };

type Token = { kind: "num"; value: Rational } | { kind: "op"; op: string };

function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n") {
      i++;
      continue;
    }
    if ((c >= "0" && c <= "9") || c === ".") {
      let j = i;
      while (j < text.length && ((text[j]! >= "0" && text[j]! <= "9") || text[j] === ".")) j++;
      const lit = text.slice(i, j);
      if (!/^(\d+\.?\d*|\.\d+)$/.test(lit) || lit.length > 40) return `bad number '${lit.slice(0, 20)}'`;
      const [whole, frac = ""] = lit.split(".");
      tokens.push({ kind: "num", value: rat(BigInt((whole || "0") + frac), pow10(frac.length)) });
      i = j;
      continue;
    }
    const op = { "×": "*", x: "*", X: "*", "·": "*", "÷": "/", "−": "-", ":": "/", "**": "^" }[c] ?? c;
    if ("+-*/^()".includes(op)) {
      if (op === "*" && text[i + 1] === "*") {
        tokens.push({ kind: "op", op: "^" });
        i += 2;
        continue;
      }
      tokens.push({ kind: "op", op });
      i++;
      continue;
    }
    return `unexpected character '${c}'`;
  }
  return tokens;
}

class ParseError extends Error {}

export function evaluateExpression(text: string): ExprResult {
  if (text.length > MAX_EXPRESSION_LENGTH)
    return { ok: false, error: `expression longer than ${MAX_EXPRESSION_LENGTH} characters` };
  const lexed = tokenize(text.replace(/\\times|\\cdot/g, "*").replace(/\\div/g, "/"));
  if (typeof lexed === "string") return { ok: false, error: lexed };
  const tokens: Token[] = lexed;
  const numbers: Rational[] = [];
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (op: string) => {
    const t = peek();
    return t?.kind === "op" && t.op === op;
  };

  function expr(depth: number): Rational {
    if (depth > MAX_DEPTH) throw new ParseError("expression nested too deeply");
    let left = termP(depth);
    while (isOp("+") || isOp("-")) {
      const op = (tokens[pos++] as { op: string }).op;
      const right = termP(depth);
      left = op === "+" ? add(left, right) : sub(left, right);
    }
    return left;
  }
  function termP(depth: number): Rational {
    let left = unary(depth);
    while (isOp("*") || isOp("/")) {
      const op = (tokens[pos++] as { op: string }).op;
      const right = unary(depth);
      if (op === "*") left = mul(left, right);
      else {
        const q = div(left, right);
        if (!q) throw new ParseError("division by zero");
        left = q;
      }
    }
    return left;
  }
  function unary(depth: number): Rational {
    if (isOp("-")) {
      pos++;
      return neg(unary(depth + 1));
    }
    if (isOp("+")) {
      pos++;
      return unary(depth + 1);
    }
    return power(depth);
  }
  function power(depth: number): Rational {
    const base = atom(depth);
    if (!isOp("^")) return base;
    pos++;
    const exp = unary(depth + 1);
    if (exp.d !== 1n || exp.n < -64n || exp.n > 64n)
      throw new ParseError("exponents must be whole numbers from -64 to 64");
    const size =
      BigInt(base.n.toString(2).length + base.d.toString(2).length) * (exp.n < 0n ? -exp.n : exp.n);
    if (size > MAX_BITS) throw new ParseError("power too large");
    let result = rat(1n);
    for (let k = 0n; k < (exp.n < 0n ? -exp.n : exp.n); k++) result = mul(result, base);
    if (exp.n < 0n) {
      const inv = div(rat(1n), result);
      if (!inv) throw new ParseError("division by zero");
      result = inv;
    }
    return result;
  }
  function atom(depth: number): Rational {
    const t = tokens[pos++];
    if (!t) throw new ParseError("expression ends too early");
    if (t.kind === "num") {
      numbers.push(t.value);
      return t.value;
    }
    if (t.op === "(") {
      const v = expr(depth + 1);
      if (!isOp(")")) throw new ParseError("missing ')'");
      pos++;
      return v;
    }
    throw new ParseError(`unexpected '${t.op}'`);
  }

  try {
    if (tokens.length === 0) return { ok: false, error: "empty expression" };
    const value = expr(0);
    if (pos < tokens.length)
      return {
        ok: false,
        error: `unexpected '${(tokens[pos] as { op?: string }).op ?? "number"}' after the expression`,
      };
    return { ok: true, value, numbers };
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, error: error.message };
    throw error;
  }
}
