// How strong models and MATH-style datasets write answers, judged as a careful grader would.
// Every case was written for this file. A case is [completion, reference, verdict]: the whole
// completion goes through verify() (extraction, then comparison), so the categories exercise
// where the answer is found as much as how it is read. The reference is trusted; the
// completion is not.
import { describe, expect, it } from "vitest";
import { AnswerCheck, type AnswerCheckInput, verify } from "../src/index.js";

type Case = [completion: string, reference: string, verdict: boolean];

const MATH: AnswerCheckInput = { kind: "math" };
const NUMBER: AnswerCheckInput = { kind: "number" };

const table: Record<string, [AnswerCheckInput, Case[]]> = {
  "fractions in LaTeX": [
    NUMBER,
    [
      ["\\boxed{\\frac{10}{9}}", "10/9", true],
      ["\\boxed{\\dfrac{10}{9}}", "10/9", true],
      ["\\boxed{\\tfrac{3}{4}}", "0.75", true],
      ["\\boxed{\\cfrac{1}{3}}", "1/3", true],
      ["\\boxed{\\frac12}", "0.5", true],
      ["\\boxed{\\frac{1}{3} \\text{meters}}", "1/3", true],
      ["\\boxed{-\\frac{2}{5}}", "-0.4", true],
      ["\\boxed{\\frac{-2}{5}}", "-2/5", true],
      ["\\boxed{2\\frac{1}{4}}", "9/4", true],
      ["\\boxed{\\frac{20}{18}}", "10/9", true],
      ["\\boxed{\\frac{9}{10}}", "10/9", false],
      ["\\boxed{\\frac{1}{3}}", "1/4", false],
      ["\\boxed{\\frac{2}{5}}", "-2/5", false],
      ["\\boxed{\\dfrac{7}{2}}", "3.5", true],
      ["\\boxed{\\frac{7}{2}}", "2\\frac{1}{2}", false],
      ["$\\frac{5}{8}$", "0.625", true],
    ],
  ],
  "separators and decimal forms": [
    NUMBER,
    [
      ["The total is 1 000.", "1000", true],
      ["\\boxed{1\\,000}", "1000", true],
      ["\\boxed{1{,}000{,}000}", "1000000", true],
      ["\\boxed{16,\\!386}", "16386", true],
      ["\\boxed{1000,99}", "1000.99", true],
      ["\\boxed{0,5}", "0.5", true],
      ["\\boxed{.4}", "0.4", true],
      ["\\boxed{-.25}", "-1/4", true],
      ["\\boxed{1,000}", "1", false],
      ["\\boxed{1000,99}", "100099", false],
      ["\\boxed{1 000}", "100", false],
      ["\\boxed{12,5}", "125", false],
      ["\\boxed{3.}", "3", true],
      ["\\boxed{007}", "7", true],
    ],
  ],
  "unsimplified arithmetic": [
    NUMBER,
    [
      ["Answer \\( (9+1) \\)", "10", true],
      ["\\boxed{3 \\cdot 4}", "12", true],
      ["\\boxed{2 \\times 3 + 1}", "7", true],
      ["\\boxed{2^{10}}", "1024", true],
      ["\\boxed{\\frac{6}{2} + 1}", "4", true],
      ["\\boxed{4! + 1}", "25", true],
      ["\\boxed{(2+3)^2}", "25", true],
      ["\\boxed{10 - 3 \\div 3}", "9", true],
      ["\\boxed{3 \\cdot 4}", "7", false],
      ["\\boxed{2^{10}}", "20", false],
      ["\\boxed{(9+1)}", "9", false],
      ["\\boxed{\\left( 4 \\right)^{2}}", "16", true],
    ],
  ],
  "decimals for exact values": [
    { kind: "number", precision: 4 },
    [
      ["\\boxed{0.3333}", "\\frac{1}{3}", true],
      ["\\boxed{0.333}", "\\frac{1}{3}", false],
      ["\\boxed{0.0833333333333333}", "\\frac{1}{12}", true],
      ["\\boxed{0.6667}", "2/3", true],
      ["\\boxed{0.6666}", "2/3", true],
      ["\\boxed{0.6668}", "2/3", false],
      ["\\boxed{0.6676}", "2/3", false],
      ["\\boxed{\\sqrt{17}}", "4.123105625617661", true],
      ["\\boxed{4.1231}", "\\sqrt{17}", true],
      ["\\boxed{4.1232}", "\\sqrt{17}", false],
      ["\\boxed{4.1233}", "\\sqrt{17}", false],
      ["\\boxed{3.1416}", "\\pi", true],
      ["\\boxed{3.14}", "\\pi", false],
      ["\\boxed{0.50001}", "0.5", false],
      ["\\boxed{0.500001}", "1/2", false],
      ["\\boxed{1.4142}", "\\sqrt{2}", true],
      ["\\boxed{1.4143}", "\\sqrt{2}", false],
      ["\\boxed{9.9999}", "10", false],
      ["\\boxed{0.14285714285714285}", "1/7", true],
      ["\\boxed{2.7183}", "e", true],
      ["\\boxed{2.7182}", "e", true],
      ["\\boxed{2.7184}", "e", false],
    ],
  ],
  "closed forms": [
    MATH,
    [
      ["\\boxed{2\\sqrt{2}}", "\\sqrt{8}", true],
      ["\\boxed{\\sqrt{8}}", "2\\sqrt2", true],
      ["\\boxed{\\frac{\\sqrt{3}}{2}}", "\\frac{1}{2}\\sqrt{3}", true],
      ["\\boxed{\\frac{\\sqrt{3}}{2}}", "\\frac{\\sqrt{2}}{2}", false],
      ["\\boxed{\\frac{2\\pi}{3}}", "\\frac{2}{3}\\pi", true],
      ["\\boxed{\\pi}", "3", false],
      ["\\boxed{\\sqrt[3]{27}}", "3", true],
      ["\\boxed{27^{1/3}}", "3", true],
      ["\\boxed{\\log_2 8}", "3", true],
      ["\\boxed{\\ln 1}", "0", true],
      ["\\boxed{e^{0}}", "1", true],
      ["\\boxed{2^{-1}}", "\\frac12", true],
      ["\\boxed{\\sqrt{2}+\\sqrt{3}}", "\\sqrt{3}+\\sqrt{2}", true],
      ["\\boxed{\\sqrt{2}+\\sqrt{3}}", "\\sqrt{5}", false],
      ["\\boxed{\\frac{1}{\\sqrt{2}}}", "\\frac{\\sqrt{2}}{2}", true],
      ["\\boxed{3+4i}", "4i+3", true],
      ["\\boxed{3-4i}", "3+4i", false],
      ["\\boxed{10^{6}}", "1000000", true],
      ["\\boxed{5\\sqrt{5}}", "\\sqrt{125}", true],
      ["\\boxed{\\sin \\frac{\\pi}{6}}", "\\frac{1}{2}", true],
    ],
  ],
  "equations and relation chains": [
    MATH,
    [
      ["\\boxed{x = 5}", "5", true],
      ["\\boxed{x=1/3\\approx1.3}", "1/3", true],
      ["\\boxed{x = \\frac{1}{3} \\approx 0.33}", "\\frac13", true],
      ["\\boxed{y = 7}", "7", true],
      ["\\boxed{x = 6}", "5", false],
      ["\\boxed{a_1 = 4}", "4", true],
      ["\\boxed{f(x) = 2x+1}", "2x+1", true],
      ["\\boxed{y = 2x + 3}", "y = 3 + 2x", true],
      ["\\boxed{y = 2x + 3}", "2x+3", true],
      ["\\boxed{y = 2x + 4}", "2x+3", false],
      ["\\boxed{k \\approx 2.5}", "2.5", true],
      ["\\boxed{x \\approx 0.333333}", "\\frac{1}{3}", true],
      ["\\boxed{x \\approx 0.3333}", "\\frac{1}{3}", false],
      ["\\boxed{x = 3, y = 4}", "(3, 4)", false],
      ["\\boxed{5 = x}", "5", false],
    ],
  ],
  "sets and tuples": [
    MATH,
    [
      ["\\boxed{\\{1, 2, 3\\}}", "\\{3, 2, 1\\}", true],
      ["\\boxed{\\{1, 2\\}}", "\\{1, 2, 3\\}", false],
      ["\\boxed{1, 2, 3}", "\\{1,2,3\\}", true],
      ["\\boxed{3, 1, 2}", "1, 2, 3", true],
      ["\\boxed{-2, 3}", "3, -2", true],
      ["\\boxed{-2, 3}", "2, 3", false],
      ["\\boxed{(1, 2)}", "(1, 2)", true],
      ["\\boxed{(2, 1)}", "(1, 2)", false],
      ["\\boxed{\\left(\\frac{1}{2}, 3\\right)}", "(0.5, 3)", true],
      ["\\boxed{(1, 2, 3)}", "(1, 2)", false],
      ["\\boxed{\\{\\frac12, -1\\}}", "\\{-1, 0.5\\}", true],
      ["\\boxed{\\{\\sqrt{4}, 3\\}}", "\\{2, 3\\}", true],
      ["\\boxed{(3, -4)}", "(3,-4)", true],
      ["\\boxed{1 \\text{ and } 2}", "1, 2", true],
      ["\\boxed{x = 2 \\text{ or } x = 3}", "2, 3", false],
    ],
  ],
  intervals: [
    MATH,
    [
      ["\\boxed{[2, 5)}", "[2, 5)", true],
      ["\\boxed{(2, 5)}", "[2, 5)", false],
      ["\\boxed{[2, 5]}", "[2, 5)", false],
      ["\\boxed{(-\\infty, 3]}", "(-\\infty, 3]", true],
      ["\\boxed{(-\\infty, 3)}", "(-\\infty, 3]", false],
      ["\\boxed{(-\\infty, 3] \\cup (5, \\infty)}", "(5, \\infty) \\cup (-\\infty, 3]", true],
      ["\\boxed{(-\\infty, 3] \\cup [5, \\infty)}", "(-\\infty, 3] \\cup (5, \\infty)", false],
      ["\\boxed{\\left[\\frac{1}{2}, 4\\right]}", "[0.5, 4]", true],
      ["\\boxed{[0.5, 4]}", "[\\frac12, 4)", false],
      ["\\boxed{(0, \\infty)}", "(0, \\infty)", true],
      ["\\boxed{(1, \\infty)}", "(0, \\infty)", false],
      ["\\boxed{[-1, 1]}", "[-1,1]", true],
    ],
  ],
  "symbolic equivalence": [
    MATH,
    [
      ["\\boxed{2x+2}", "2(x+1)", true],
      ["\\boxed{2x+1}", "2(x+1)", false],
      ["\\boxed{x^2 + 2x + 1}", "(x+1)^2", true],
      ["\\boxed{x^2 + 1}", "(x+1)^2", false],
      ["\\boxed{\\frac{x}{2}}", "0.5x", true],
      ["\\boxed{\\frac{x^2-1}{x-1}}", "x+1", true],
      ["\\boxed{3xy}", "3yx", true],
      ["\\boxed{3xy}", "3x", false],
      ["\\boxed{a^2-b^2}", "(a-b)(a+b)", true],
      ["\\boxed{a^2+b^2}", "(a+b)^2", false],
      ["\\boxed{\\sqrt{x^2}}", "x", true],
      ["\\boxed{\\frac{1}{x} + \\frac{1}{y}}", "\\frac{x+y}{xy}", true],
      ["\\boxed{2\\sin x \\cos x}", "\\sin(2x)", true],
      ["\\boxed{x^3}", "x^2", false],
      ["\\boxed{t + 1}", "x + 1", false],
      ["\\boxed{-x+3}", "3-x", true],
      ["\\boxed{(x+2)(x-2)}", "x^2-4", true],
      ["\\boxed{x^{2}-4x+4}", "(x-2)^2", true],
      ["\\boxed{\\frac{1}{2}x^2}", "\\frac{x^2}{2}", true],
      ["\\boxed{x^{2}-4x-4}", "(x-2)^2", false],
    ],
  ],
  "where the answer is": [
    NUMBER,
    [
      [
        "Revenue is $16,386.20. Then 3 more items at $4 each, 12 dollars.\nSo the total is \\boxed{\\$16,\\!386.20}, and 2 more notes and 7 more.",
        "16386.2",
        true,
      ],
      ["First \\boxed{3}, then on reflection \\boxed{4}. Checking 1, 2, 5.", "4", true],
      ["First \\boxed{3}, then on reflection \\boxed{4}.", "3", false],
      ["\\boxed{\\boxed{7}}", "7", true],
      ["\\boxed{\\frac{\\frac{1}{2}}{2}}", "0.25", true],
      ["Final Answer: The final answer is $3$ hours ago. I hope it is correct.", "3", true],
      ["Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.", "0.75", true],
      ["We add 20 and 22.\n#### 42", "42", true],
      ["We add 20 and 22.\n#### 42\nThat was easy, 5 minutes.", "42", true],
      ["The answer is 12 apples.", "12", true],
      ["so the final answer is: **18**", "18", true],
      ["Reasoning...\n<answer>2</answer>", "2", true],
      ["The code is AZYUK2A", "2", false],
      ["The plate reads X2", "2", false],
      ["It takes 12km to get there", "12", true],
      ["hence $x = 4$", "4", true],
      ["We compute \\(2+2\\) and get \\(4\\)", "4", true],
      ["We compute \\(2+2\\) and get \\(5\\)", "4", false],
      ["The candidates are 2 and 3", "2", false],
      ["", "2", false],
      ["<answer>\\frac{1}{2}</answer>", "0.5", true],
      ["The answer is $\\boxed{5}$.", "5", true],
      ["Sum of all.\n#### 1,234", "1234", true],
      ["so $$x = 7$$", "7", true],
      ["\\[ \\boxed{9} \\]", "9", true],
    ],
  ],
  "several candidates for one answer": [
    MATH,
    [
      ["\\boxed{2, 3}", "2", false],
      ["\\boxed{2 \\text{ or } 3}", "2", false],
      ["\\boxed{2, 3, 4, 5}", "2, 3", false],
      ["\\boxed{\\{2, 3\\}}", "2", false],
      ["\\boxed{x = 2 \\text{ or } 3}", "2", false],
      ["\\boxed{2 \\pm 1}", "3", false],
      ["\\boxed{[2, 3]}", "2", false],
      ["\\boxed{2}", "2, 3", false],
      ["\\boxed{3, 2}", "2, 3", true],
      ["\\boxed{2}", "2", true],
    ],
  ],
  "percent, currency and units": [
    NUMBER,
    [
      ["\\boxed{25\\%}", "25", true],
      ["\\boxed{25\\%}", "0.25", true],
      ["\\boxed{0.25}", "25\\%", false],
      ["\\boxed{\\$18.50}", "18.5", true],
      ["\\boxed{18.50 \\text{ dollars}}", "18.5", true],
      ["\\boxed{30^\\circ}", "30", true],
      ["\\boxed{30^{\\circ}}", "30", true],
      ["\\boxed{45°}", "45", true],
      ["\\boxed{12 \\text{ cm}^2}", "12", true],
      ["\\boxed{\\text{12 km/h}}", "12", true],
      ["\\boxed{€7}", "7", true],
      ["\\boxed{-\\$5}", "-5", true],
      ["\\boxed{\\$5}", "-5", false],
      ["\\boxed{13 \\text{ cm}}", "12", false],
    ],
  ],
  "words and letters": [
    MATH,
    [
      ["\\boxed{\\text{Monday}}", "Monday", true],
      ["\\boxed{monday}", "\\text{Monday}", true],
      ["\\boxed{\\text{Mondya}}", "Monday", false],
      ["\\boxed{\\text{(B)}}", "B", true],
      ["\\boxed{C}", "B", false],
      ["\\boxed{\\text{even}}", "\\text{odd}", false],
      ["\\boxed{AZYUK2A}", "2", false],
      ["\\boxed{\\text{yes}}", "yes", true],
      ["\\boxed{\\textbf{True}}", "true", true],
    ],
  ],
  "negative forms": [
    NUMBER,
    [
      ["\\boxed{-7}", "-7", true],
      ["\\boxed{−7}", "-7", true],
      ["\\boxed{(-7)}", "-7", true],
      ["\\boxed{-(7)}", "-7", true],
      ["\\boxed{- 7}", "-7", true],
      ["\\boxed{7}", "-7", false],
      ["\\boxed{-\\frac{1}{2}}", "-0.5", true],
      ["\\boxed{\\frac{1}{-2}}", "-0.5", true],
      ["\\boxed{--7}", "7", true],
      ["\\boxed{+7}", "7", true],
    ],
  ],
};

describe("answers as models write them", () => {
  const total = Object.values(table).reduce((n, [, cases]) => n + cases.length, 0);
  it(`holds at least 200 cases (${total}) across the categories, each with true and false verdicts`, () => {
    expect(total).toBeGreaterThanOrEqual(200);
    for (const [category, [, cases]] of Object.entries(table)) {
      expect(new Set(cases.map((c) => c[2])).size, category).toBe(2);
    }
  });
  for (const [category, [check, cases]] of Object.entries(table)) {
    it(category, () => {
      const parsed = AnswerCheck.parse(check);
      const wrong = cases.filter(
        ([completion, reference, verdict]) =>
          verify({ answer: reference, check: parsed }, completion).correct !== verdict,
      );
      expect(
        wrong.map(
          ([c, r, v]) => `${v ? "missed" : "accepted"}: ${JSON.stringify(c)} vs ${JSON.stringify(r)}`,
        ),
      ).toEqual([]);
    });
  }
});
