// Countdown (as in TinyZero): reach the target using every given number exactly once.
import type { Family } from "../problem.js";
import type { Rng } from "../rng.js";
import { level } from "./util.js";

interface Built {
  value: number;
  text: string;
  prec: number;
}

/** Combines numbers pairwise at random, keeping every intermediate result a positive whole number. */
function build(rng: Rng, numbers: number[]): { target: number; expr: string; steps: string[] } | null {
  let pool: Built[] = numbers.map((n) => ({ value: n, text: String(n), prec: 3 }));
  const steps: string[] = [];
  while (pool.length > 1) {
    pool = rng.shuffle(pool);
    const a = pool.pop()!;
    const b = pool.pop()!;
    const [hi, lo] = a.value >= b.value ? [a, b] : [b, a];
    const options: ("+" | "-" | "*" | "/")[] = ["+", "*"];
    if (hi.value - lo.value > 0) options.push("-", "-");
    if (lo.value > 1 && hi.value % lo.value === 0) options.push("/", "/", "/");
    const op = rng.pick(options);
    const value =
      op === "+"
        ? hi.value + lo.value
        : op === "-"
          ? hi.value - lo.value
          : op === "*"
            ? hi.value * lo.value
            : hi.value / lo.value;
    const prec = op === "+" || op === "-" ? 1 : 2;
    const wrap = (x: Built, right: boolean) =>
      x.prec < prec || (right && x.prec === prec && (op === "-" || op === "/")) ? `(${x.text})` : x.text;
    const text = `${wrap(hi, false)} ${op} ${wrap(lo, true)}`;
    steps.push(`${hi.value} ${op} ${lo.value} = ${value}`);
    pool.push({ value, text, prec });
  }
  const [only] = pool;
  if (!only || only.value > 999 || only.value < 1) return null;
  return { target: only.value, expr: only.text, steps };
}

export const countdown: Family = {
  name: "countdown",
  description: "combine the given numbers with + - * / to reach a target, each number used exactly once",
  topic: "countdown",
  levels: [
    "3 numbers to 10",
    "3 numbers to 25",
    "4 numbers to 25",
    "4 numbers, one of 25/50/75/100",
    "5 numbers, two large",
  ],
  draft(rng, d) {
    const [count, max, large] = level(
      [
        [3, 10, 0],
        [3, 25, 0],
        [4, 25, 0],
        [4, 25, 1],
        [5, 20, 2],
      ] as const,
      d,
    );
    for (let attempt = 0; ; attempt++) {
      const numbers = [
        ...Array.from({ length: count - large }, () => rng.int(1, max)),
        ...Array.from({ length: large }, () => rng.pick([25, 50, 75, 100])),
      ];
      const built = build(rng, numbers);
      if (!built || (numbers.includes(built.target) && attempt < 50)) continue;
      const shown = rng.shuffle(numbers);
      return {
        prompt: `Using the numbers ${shown.join(", ")}, make ${built.target}. Use each number exactly once, with + - * / and parentheses. Give the expression.`,
        answer: built.expr,
        steps: [...built.steps, `so ${built.expr} = ${built.target}`],
        check: { kind: "countdown", numbers: shown, target: built.target },
      };
    }
  },
};

export const countdownFamilies = [countdown];
