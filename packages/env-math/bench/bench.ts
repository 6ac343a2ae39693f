// Generation and verification throughput, single thread: `npm run bench -w @reasonlab/env-math`.
import { AnswerCheck, FAMILIES, generate, isEquivalent, STRICT, verify } from "../src/index.js";

function rate(label: string, n: number, fn: (i: number) => void) {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i); // warm up the JIT
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `${label.padEnd(52)} ${Math.round(n / seconds)
      .toLocaleString("en-US")
      .padStart(12)} items/s`,
  );
}

console.log(`env-math benchmark, node ${process.version}, one thread\n`);
rate("generate (all families, difficulty 1-3)", 60_000, (i) => {
  const f = FAMILIES[i % FAMILIES.length]!;
  generate(f.name, 1 + (i % 3), i);
});
for (const name of ["add", "decimal-compare", "countdown", "word-problem", "days-between"])
  rate(`generate ${name} d3`, 20_000, (i) => generate(name, 3, i));

const problems = Array.from({ length: 5000 }, (_, i) =>
  generate(FAMILIES[i % FAMILIES.length]!.name, 1 + (i % 3), i),
);
const completions = problems.map((p, i) => (i % 2 ? p.solution : `so the answer is ${p.answer}.`));
rate("verify worked solutions (all families)", 100_000, (i) =>
  verify(problems[i % 5000]!, completions[i % 5000]!),
);

const number = AnswerCheck.parse({ kind: "number" });
const short = [
  "<answer>42</answer>",
  "<answer>1,234</answer>",
  "\\boxed{\\frac{1}{2}}",
  "The answer is 9.9.",
  "#### 72",
  "<answer>-3/4</answer>",
];
const expected = ["42", "1234", "0.5", "9.9", "72", "-0.75"];
rate("verify short answers (number, mixed formats)", 300_000, (i) =>
  verify({ answer: expected[i % 6]!, check: number }, short[i % 6]!),
);
rate("verify short answers, strict tag", 300_000, (_i) =>
  verify({ answer: "42", check: number }, "<answer>42</answer>", STRICT),
);
rate("isEquivalent on extracted numbers", 500_000, (i) =>
  isEquivalent(i % 2 ? "3/4" : "0.75", "0.75", number),
);
const countdown = AnswerCheck.parse({ kind: "countdown", numbers: [25, 5, 4], target: 80 });
rate("verify Countdown expressions", 200_000, () =>
  verify({ answer: "", check: countdown }, "<answer>(25 - 5) * 4</answer>"),
);

// Answers as strong models write them (LaTeX): the exact path first, mathjs only where a value
// is a closed form, an expression, a set or an interval.
const math = AnswerCheck.parse({ kind: "math" });
const latex: [string, string][] = [
  ["\\boxed{\\frac{10}{9}}", "10/9"],
  ["The final answer is $\\dfrac{3}{4}$.", "0.75"],
  ["\\boxed{16,\\!386.20}", "16386.2"],
  ["\\boxed{0.3333}", "\\frac{1}{3}"],
];
rate("verify LaTeX numbers (math, exact path)", 200_000, (i) => {
  const [completion, answer] = latex[i % latex.length]!;
  verify({ answer, check: math }, completion);
});
const symbolic: [string, string][] = [
  ["\\boxed{2\\sqrt{2}}", "\\sqrt{8}"],
  ["\\boxed{\\frac{2\\pi}{3}}", "\\frac{2}{3}\\pi"],
  ["\\boxed{(9+1)}", "10"],
];
rate("verify closed forms (math, through mathjs)", 20_000, (i) => {
  const [completion, answer] = symbolic[i % symbolic.length]!;
  verify({ answer, check: math }, completion);
});
rate("verify expressions, 6 random points (mathjs)", 5_000, (i) =>
  verify({ answer: "2(x+1)", check: math }, i % 2 ? "\\boxed{2x+2}" : "\\boxed{x^2 + 2x + 1}"),
);
rate("verify sets and intervals (math)", 50_000, (i) =>
  verify(
    { answer: i % 2 ? "\\{1, 2, 3\\}" : "(-\\infty, 3] \\cup (5, \\infty)", check: math },
    i % 2 ? "\\boxed{\\{3, 2, 1\\}}" : "\\boxed{(5, \\infty) \\cup (-\\infty, 3]}",
  ),
);
