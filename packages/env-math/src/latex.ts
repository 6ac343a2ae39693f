// LaTeX as models write final answers, turned into plain math that mathjs parses: \frac{a}{b}
// -> ((a)/(b)), \sqrt[3]{x} -> nthRoot((x),(3)), x^{2} -> x^(2), \pi -> pi, \cdot -> *. One left-to-right
// pass with a bounded recursion depth; anything it does not know makes it give up (null), so
// the caller falls back to comparing text instead of guessing.

const MAX_INPUT = 400;
const MAX_DEPTH = 24;

/** Commands that are only spacing or sizing: dropped. */
const SILENT = new Set([
  "left",
  "right",
  "big",
  "Big",
  "bigg",
  "Bigg",
  "displaystyle",
  "textstyle",
  "limits",
  "!",
  ",",
  ";",
  ":",
  " ",
  "quad",
  "qquad",
]);

/** Commands that stand for a symbol of plain math. */
const SYMBOLS: Record<string, string> = {
  pi: "pi",
  infty: "Infinity",
  cdot: "*",
  times: "*",
  ast: "*",
  div: "/",
  "%": "%",
  circ: "",
  degree: "",
};

/** Functions written as \name x or \name(x). */
const FUNCTIONS: Record<string, string> = {
  sin: "sin",
  cos: "cos",
  tan: "tan",
  sec: "sec",
  csc: "csc",
  cot: "cot",
  arcsin: "asin",
  arccos: "acos",
  arctan: "atan",
  sinh: "sinh",
  cosh: "cosh",
  tanh: "tanh",
  ln: "log",
  exp: "exp",
  log: "log10",
};

/** Text-like wrappers whose content is the value: \text{5} -> 5, \mathbf{x} -> x. */
const WRAPPERS = new Set([
  "text",
  "textbf",
  "textit",
  "mathrm",
  "mathbf",
  "mathit",
  "mbox",
  "operatorname",
  "boxed",
]);

class GiveUp extends Error {}

/**
 * Plain math for mathjs, or null when the input holds LaTeX this does not understand (an
 * environment, a matrix, \pm...). Never throws.
 */
export function latexToPlain(input: string): string | null {
  if (input.length > MAX_INPUT) return null;
  try {
    const out = new Reader(input).sequence(0, null);
    return out.replace(/\s+/g, " ").trim() || null;
  } catch (e) {
    if (e instanceof GiveUp || e instanceof RangeError) return null;
    return null;
  }
}

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  /** Reads until `close` (a closing brace) or the end; returns plain math. */
  sequence(depth: number, close: "}" | null): string {
    if (depth > MAX_DEPTH) throw new GiveUp();
    let out = "";
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === "}") {
        if (close !== "}") throw new GiveUp();
        this.i++;
        return out;
      }
      out += this.item(depth);
    }
    if (close) throw new GiveUp();
    return out;
  }

  /** One item: a group, a command with its arguments, a script, or a plain character. */
  item(depth: number): string {
    const c = this.s[this.i]!;
    if (c === "{") {
      this.i++;
      return `(${this.sequence(depth + 1, "}")})`;
    }
    if (c === "^") {
      this.i++;
      return `^(${this.argument(depth)})`;
    }
    if (c === "_") {
      // A subscript names a variable (x_1) or a log's base; keep it as part of the name.
      this.i++;
      const sub = this.argument(depth).replace(/[()\s]/g, "");
      if (!/^[A-Za-z0-9]+$/.test(sub)) throw new GiveUp();
      return `_${sub}`;
    }
    if (c === "\\") return this.command(depth);
    if (c === "&" || c === "#") throw new GiveUp();
    this.i++;
    return c;
  }

  /** A command's argument: a braced group, another command, or a single character. */
  argument(depth: number): string {
    while (this.s[this.i] === " ") this.i++;
    const c = this.s[this.i];
    if (c === undefined) throw new GiveUp();
    if (c === "{") {
      this.i++;
      return this.sequence(depth + 1, "}");
    }
    if (c === "\\") return this.command(depth);
    this.i++;
    return c;
  }

  /** A function's argument: a parenthesised group, else what \\frac would take. */
  functionArgument(depth: number): string {
    while (this.s[this.i] === " ") this.i++;
    if (this.s[this.i] !== "(") return this.argument(depth);
    let open = 0;
    for (let j = this.i; j < this.s.length; j++) {
      if (this.s[j] === "(") open++;
      else if (this.s[j] === ")" && --open === 0) {
        const inner = new Reader(this.s.slice(this.i + 1, j)).sequence(depth + 1, null);
        this.i = j + 1;
        return inner;
      }
    }
    throw new GiveUp();
  }

  command(depth: number): string {
    this.i++; // the backslash
    const m = /^(?:[A-Za-z]+|.)/.exec(this.s.slice(this.i, this.i + 20));
    if (!m) throw new GiveUp();
    const name = m[0];
    this.i += name.length;
    if (SILENT.has(name)) return " ";
    if (name in SYMBOLS) return ` ${SYMBOLS[name]} `;
    if (name === "{" || name === "}") throw new GiveUp(); // a set: the caller splits those first
    if (name === "frac" || name === "dfrac" || name === "tfrac" || name === "cfrac") {
      const top = this.argument(depth + 1);
      const bottom = this.argument(depth + 1);
      return `((${top})/(${bottom}))`;
    }
    if (name === "sqrt") {
      let index: string | null = null;
      if (this.s[this.i] === "[") {
        const end = this.s.indexOf("]", this.i);
        if (end < 0) throw new GiveUp();
        index = new Reader(this.s.slice(this.i + 1, end)).sequence(depth + 1, null);
        this.i = end + 1;
      }
      const body = this.argument(depth + 1);
      return index === null ? `sqrt(${body})` : `nthRoot((${body}),(${index}))`;
    }
    if (WRAPPERS.has(name)) return `(${this.argument(depth + 1)})`;
    if (name in FUNCTIONS) {
      let base: string | null = null;
      if (name === "log" && this.s[this.i] === "_") {
        this.i++;
        base = this.argument(depth + 1);
      }
      if (this.s[this.i] === "^") throw new GiveUp(); // \sin^2 x: too easy to misread
      const arg = this.functionArgument(depth + 1);
      return base === null ? ` ${FUNCTIONS[name]}(${arg}) ` : ` log((${arg}),(${base})) `;
    }
    throw new GiveUp();
  }
}
