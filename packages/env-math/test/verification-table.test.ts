// Hand-written verification cases: equivalent and non-equivalent pairs across every form.
import { describe, expect, it } from "vitest";
import {
  AnswerCheck,
  type AnswerCheckInput,
  extractAnswer,
  isEquivalent,
  STRICT,
  verify,
} from "../src/index.js";

type Case = [candidate: string, expected: string, equivalent: boolean];

const N: AnswerCheckInput = { kind: "number" };
const table: Record<string, [AnswerCheckInput, Case[]]> = {
  "plain numbers": [
    N,
    [
      ["42", "42", true],
      ["42.0", "42", true],
      ["42.", "42", true],
      ["042", "42", true],
      ["+42", "42", true],
      ["43", "42", false],
      ["4.2", "42", false],
      ["-42", "42", false],
      ["0", "-0", true],
      ["", "42", false],
      ["forty-two", "42", false],
      ["42 42", "42", false],
    ],
  ],
  "signs and unicode minus": [
    N,
    [
      ["−7", "-7", true],
      ["–7", "-7", true],
      ["-7", "7", false],
      ["- 7", "-7", true],
      ["−0.5", "-1/2", true],
    ],
  ],
  "thousands separators": [
    N,
    [
      ["1,234", "1234", true],
      ["1,234,567", "1234567", true],
      ["1,234.50", "1234.5", true],
      ["1{,}000", "1000", true],
      ["12,34", "1234", false],
      ["1,2345", "12345", false],
      ["1 234", "1234", true],
    ],
  ],
  "currency, percent and units": [
    N,
    [
      ["$18", "18", true],
      ["\\$18", "18", true],
      ["$18.00", "18", true],
      ["18 dollars", "18", true],
      ["€5", "5", true],
      ["-$5", "-5", true],
      ["25%", "25", true],
      ["25\\%", "25", true],
      ["25 percent", "25", true],
      ["25%", "0.25", true],
      ["0.25", "25", false],
      ["12 km/h", "12", true],
      ["120 minutes", "120", true],
      ["7 apples", "7", true],
      ["7 apples", "8", false],
      ["x = 5", "5", true],
      ["x=5", "5", true],
      ["y = -3", "-3", true],
    ],
  ],
  "trailing punctuation and wrappers": [
    N,
    [
      ["42.", "42", true],
      ["42!", "42", true],
      ["$42$", "42", true],
      ["\\(42\\)", "42", true],
      ["**42**", "42", true],
      ["`42`", "42", true],
      ["\\text{42}", "42", true],
      ["\\mathbf{42}", "42", true],
      ["\\left(42\\right)", "42", true],
    ],
  ],
  fractions: [
    N,
    [
      ["1/2", "0.5", true],
      ["2/4", "1/2", true],
      ["\\frac{1}{2}", "0.5", true],
      ["\\dfrac{1}{2}", "1/2", true],
      ["\\tfrac{3}{4}", "0.75", true],
      ["\\frac12", "1/2", true],
      ["-\\frac{1}{2}", "-1/2", true],
      ["\\frac{-1}{2}", "-0.5", true],
      ["\\frac{1}{-2}", "-0.5", true],
      ["1/3", "0.333", false],
      ["1/3", "0.3333333333", true],
      ["1/0", "1", false],
      ["3/2", "2/3", false],
      ["6/4", "3/2", true],
      ["0.5/2", "1/4", true],
      ["\\frac{1}{2}", "\\frac{2}{4}", true],
      ["\\frac{1}{2", "1/2", false],
    ],
  ],
  "mixed numbers": [
    N,
    [
      ["1 1/2", "3/2", true],
      ["1 1/2", "1.5", true],
      ["-1 1/2", "-3/2", true],
      ["2\\frac{1}{4}", "9/4", true],
      ["2 \\frac{1}{4}", "2.25", true],
      ["1 3/2", "5/2", false],
      ["1 1/2", "11/2", false],
    ],
  ],
  "decimals vs fractions": [
    N,
    [
      ["0.125", "1/8", true],
      [".5", "1/2", true],
      ["0.50", "1/2", true],
      ["0.2", "1/5", true],
      ["0.33", "1/3", false],
      ["9.9", "9.90", true],
      ["9.11", "9.9", false],
      ["9.9", "9.11", false],
    ],
  ],
  "scientific notation": [
    N,
    [
      ["1e3", "1000", true],
      ["1.5e3", "1500", true],
      ["1.5E-2", "0.015", true],
      ["2.5 \\times 10^{3}", "2500", true],
      ["2.5 × 10^3", "2500", true],
      ["10^6", "1000000", true],
      ["10^{-2}", "0.01", true],
      ["1e3", "100", false],
      ["1e999999", "1", false],
    ],
  ],
};

const other: [string, AnswerCheckInput, Case[]][] = [
  [
    "yes/no",
    { kind: "yesno" },
    [
      ["yes", "yes", true],
      ["Yes", "yes", true],
      ["YES.", "yes", true],
      ["Yes, 97 is prime", "yes", true],
      ["true", "yes", true],
      ["no", "yes", false],
      ["No.", "no", true],
      ["false", "no", true],
      ["maybe", "yes", false],
      ["yesterday", "yes", false],
      ["", "no", false],
    ],
  ],
  [
    "multiple choice",
    { kind: "choice", options: ["A", "B", "C", "D"] },
    [
      ["B", "B", true],
      ["(B)", "B", true],
      ["b", "B", true],
      ["B.", "B", true],
      ["B) 12", "B", true],
      ["option B", "B", true],
      ["\\text{(B)}", "B", true],
      ["C", "B", false],
      ["E", "E", false],
      ["Because", "B", false],
    ],
  ],
  [
    "ordered lists",
    { kind: "list", ordered: true },
    [
      ["1, 2, 3", "1, 2, 3", true],
      ["[1, 2, 3]", "1, 2, 3", true],
      ["1,2,3", "1, 2, 3", true],
      ["1 2 3", "1, 2, 3", true],
      ["(2, 3)", "(2, 3)", true],
      ["x = 2, y = 3", "(2, 3)", true],
      ["y = 3, x = 2", "(2, 3)", true],
      ["2 and 3", "(2, 3)", true],
      ["(3, 2)", "(2, 3)", false],
      ["1, 2", "1, 2, 3", false],
      ["1, 2, 3, 4", "1, 2, 3", false],
      ["1, 2, 1,000", "1, 2, 1000", true],
      ["0.5, 1", "1/2, 1", true],
    ],
  ],
  [
    "unordered lists",
    { kind: "list", ordered: false },
    [
      ["3, -2", "-2, 3", true],
      ["-2, 3", "-2, 3", true],
      ["x = 3 or x = -2", "-2, 3", true],
      ["3, 3", "-2, 3", false],
      ["3", "-2, 3", false],
      ["-1/2, 4", "4, -0.5", true],
      ["{4, -0.5}", "4, -0.5", true],
    ],
  ],
  [
    "text",
    { kind: "text" },
    [
      ["olleh", "olleh", true],
      ["Olleh", "olleh", true],
      ['"olleh"', "olleh", true],
      ["olleh.", "olleh", true],
      ["hello", "olleh", false],
      ["olle h", "olleh", false],
      ["p", "p", true],
      ["P", "p", true],
      ["q", "p", false],
    ],
  ],
  [
    "case-sensitive text",
    { kind: "text", caseSensitive: true },
    [
      ["Paris", "Paris", true],
      ["paris", "Paris", false],
    ],
  ],
  [
    "prime factorizations",
    { kind: "factorization" },
    [
      ["2^3 x 3 x 5", "2^3 x 3 x 5", true],
      ["2 * 2 * 2 * 3 * 5", "2^3 x 3 x 5", true],
      ["5 × 3 × 2^3", "2^3 x 3 x 5", true],
      ["2^{3} \\cdot 3 \\cdot 5", "2^3 x 3 x 5", true],
      ["120 = 2^3 * 3 * 5", "2^3 x 3 x 5", true],
      ["2^3 x 15", "2^3 x 3 x 5", false],
      ["8 x 3 x 5", "2^3 x 3 x 5", false],
      ["2^2 x 3 x 5", "2^3 x 3 x 5", false],
      ["120", "2^3 x 3 x 5", false],
      ["109", "109", true],
    ],
  ],
  [
    "clock times",
    { kind: "time" },
    [
      ["14:05", "14:05", true],
      ["2:05 PM", "14:05", true],
      ["2:05 p.m.", "14:05", true],
      ["2:05pm", "14:05", true],
      ["12:00 AM", "00:00", true],
      ["12:30 PM", "12:30", true],
      ["2:05 AM", "14:05", false],
      ["14:06", "14:05", false],
      ["13:60", "14:00", false],
      ["14h05", "14:05", true],
    ],
  ],
  [
    "numbers in base 2",
    { kind: "base", base: 2 },
    [
      ["1011", "1011", true],
      ["0b1011", "1011", true],
      ["00001011", "1011", true],
      ["1011_2", "1011", true],
      ["1011 (base 2)", "1011", true],
      ["1012", "1011", false],
      ["11", "1011", false],
    ],
  ],
  [
    "numbers in base 16",
    { kind: "base", base: 16 },
    [
      ["ff", "ff", true],
      ["FF", "ff", true],
      ["0xff", "ff", true],
      ["fg", "ff", false],
    ],
  ],
  [
    "Countdown expressions",
    { kind: "countdown", numbers: [25, 5, 4], target: 80 },
    [
      ["(25 - 5) * 4", "", true],
      ["4 * (25 - 5)", "", true],
      ["(25 − 5) × 4", "", true],
      ["(25-5)*4 = 80", "", true],
      ["80 = 4*(25-5)", "", true],
      ["25 * 4 - 5", "", false],
      ["(25 - 5) * 4 * 1", "", false],
      ["20 * 4", "", false],
      ["(25 - 5) * 4 + 0", "", false],
      ["process.exit()", "", false],
      ["(25 - 5 * 4", "", false],
    ],
  ],
];

const tolerance: Case[] = [
  ["3.14", "3.14159", true],
  ["3.2", "3.14159", false],
  ["22/7", "3.14159", true],
];

describe("verification table", () => {
  const cases = [...Object.entries(table).map(([name, [check, c]]) => [name, check, c] as const), ...other];
  const total = cases.reduce((n, [, , c]) => n + c.length, 0) + tolerance.length;

  it("holds at least 150 cases", () => expect(total).toBeGreaterThanOrEqual(150));

  for (const [name, check, rows] of cases) {
    it(name, () => {
      const parsed = AnswerCheck.parse(check);
      for (const [candidate, expected, equivalent] of rows)
        expect(
          isEquivalent(candidate, expected, parsed),
          `${JSON.stringify(candidate)} vs ${JSON.stringify(expected)}`,
        ).toBe(equivalent);
    });
  }

  it("numbers with a tolerance", () => {
    const check = AnswerCheck.parse({ kind: "number", tolerance: { abs: 0.01 } });
    for (const [candidate, expected, equivalent] of tolerance)
      expect(isEquivalent(candidate, expected, check), candidate).toBe(equivalent);
  });
});

describe("answer extraction", () => {
  const cases: [string, string | null][] = [
    ["The result is \\boxed{42}.", "42"],
    ["\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"],
    ["first \\boxed{1} then \\boxed{2}", "2"],
    ["\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"],
    ["\\boxed 5", "5"],
    ["\\fbox{7}", "7"],
    ["<answer> 9.9 </answer>", "9.9"],
    ["<answer>1</answer> no wait <answer>2</answer>", "2"],
    ["Natalia sold 48 clips.\n#### 72", "72"],
    ["So the answer is 17. Done.", "17"],
    ["The final answer is: **3.5**", "3.5"],
    ["Answer: 12", "12"],
    ["I think 3 + 4 = 7 and then 7 * 2 = 14", "14"],
    ["costs $1,250 in total", "1,250"],
    ["no numbers here", null],
    ["", null],
  ];
  for (const [text, want] of cases)
    it(JSON.stringify(text), () => expect(extractAnswer(text)?.answer ?? null).toBe(want));

  it("strict mode requires the tag", () => {
    expect(extractAnswer("the answer is 4", STRICT)).toBeNull();
    expect(extractAnswer("<answer>4", STRICT)).toBeNull();
    expect(extractAnswer("work... <answer>4</answer>", STRICT)).toEqual({
      answer: "4",
      format: "answer-tag",
    });
    const p = { answer: "4", check: AnswerCheck.parse({ kind: "number" }) };
    expect(verify(p, "the answer is 4", STRICT).correct).toBe(false);
    expect(verify(p, "the answer is 4").correct).toBe(true);
  });

  it("the tag wins over other formats, whatever comes later", () => {
    expect(extractAnswer("<answer>9.9</answer> (not 9.11)")?.answer).toBe("9.9");
  });
});
