import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  AnswerCheck,
  buildSplit,
  calculatorConversation,
  correctness,
  countdownPartial,
  createCurriculum,
  DEFAULT_REWARDS,
  DOCUMENT_TEMPLATES,
  demonstrated,
  digitCredit,
  documentPrompt,
  format,
  generate,
  importGsm8k,
  importMath,
  JsonlError,
  overlong,
  pretrainDocument,
  scoreCompletion,
  sftConversation,
  splitOf,
  toGsm8k,
  toMath,
  verify,
  writeJsonlAtomic,
} from "../src/index.js";

const number = AnswerCheck.parse({ kind: "number" });
const problem = { answer: "12", check: number };

describe("rewards", () => {
  it("combine by weight, with each part reported", () => {
    expect(scoreCompletion(DEFAULT_REWARDS, { problem, completion: "so <answer>12</answer>" })).toMatchObject(
      {
        reward: 1.1,
        parts: { correct: 1, format: 1 },
      },
    );
    expect(scoreCompletion(DEFAULT_REWARDS, { problem, completion: "the answer is 12" })).toMatchObject({
      reward: 1,
      parts: { correct: 1, format: 0 },
    });
    expect(
      scoreCompletion(DEFAULT_REWARDS, { problem, completion: "<answer>13</answer>" }).reward,
    ).toBeCloseTo(0.1);
    const custom = [
      { name: "correct", fn: correctness, weight: 2 },
      { name: "format", fn: format, weight: -0.5 },
    ];
    expect(scoreCompletion(custom, { problem, completion: "<answer>12</answer>" }).reward).toBe(1.5);
  });

  it("DAPO soft overlong penalty: 0, then linear to -1, then -1", () => {
    const fn = overlong({ maxLength: 100, buffer: 20 });
    const at = (length: number) => fn({ problem, completion: "", length, verdict: verify(problem, "") });
    expect(at(50)).toBe(0);
    expect(at(80)).toBe(0);
    expect(at(90)).toBe(-0.5);
    expect(at(100)).toBe(-1);
    expect(at(150)).toBe(-1);
    expect(() => overlong({ maxLength: 10, buffer: 20 })).toThrow(RangeError);
  });

  it("digit credit: the share of the answer's digits right, aligned from the ones place", () => {
    const p = { answer: "523", check: number };
    const credit = (c: string) =>
      scoreCompletion([{ name: "digits", fn: digitCredit, weight: 1 }], { problem: p, completion: c }).reward;
    expect(credit("<answer>523</answer>")).toBe(1);
    expect(credit("<answer>513</answer>")).toBeCloseTo(2 / 3);
    expect(credit("<answer>1523</answer>")).toBe(0.75);
    expect(credit("<answer>23</answer>")).toBeCloseTo(2 / 3);
    expect(credit("<answer>999</answer>")).toBe(0);
    expect(credit("no answer at all")).toBe(0);
    const text = { answer: "tac", check: AnswerCheck.parse({ kind: "text" }) };
    expect(
      scoreCompletion([{ name: "digits", fn: digitCredit, weight: 1 }], {
        problem: text,
        completion: "<answer>tac</answer>",
      }).reward,
    ).toBe(0);
  });

  it("Countdown gives partial credit for a valid expression with the right numbers", () => {
    const p = {
      answer: "(25 - 5) * 4",
      check: AnswerCheck.parse({ kind: "countdown", numbers: [25, 5, 4], target: 80 }),
    };
    const score = (c: string) =>
      scoreCompletion([{ name: "cd", fn: countdownPartial, weight: 1 }], { problem: p, completion: c })
        .reward;
    expect(score("<answer>(25 - 5) * 4</answer>")).toBe(1);
    expect(score("<answer>25 * 4 - 5</answer>")).toBe(0.1);
    expect(score("<answer>25 * 4</answer>")).toBe(0);
    expect(score("<answer>25 * (4 -</answer>")).toBe(0);
  });
});

describe("datasets", () => {
  it("train and test splits are disjoint by construction", () => {
    const opts = {
      families: ["add", "decimal-compare", "letter-count", "gcd"],
      difficulties: [1, 2, 3],
      perCell: 40,
      seed: 1,
    };
    const train = buildSplit({ ...opts, split: "train" });
    const test = buildSplit({ ...opts, split: "test" });
    expect(test.length).toBeGreaterThan(100);
    const trainPrompts = new Set(train.map((p) => p.prompt));
    expect(test.filter((p) => trainPrompts.has(p.prompt))).toEqual([]);
    expect(test.every((p) => splitOf(p.prompt) === "test")).toBe(true);
    expect(buildSplit({ ...opts, split: "test" })).toEqual(test); // seeded
  });

  it("the curriculum raises a family's difficulty once accuracy passes the threshold, and resumes", () => {
    const c = createCurriculum({ families: ["add", "sub"], threshold: 0.8, window: 10, seed: 3 });
    for (let i = 0; i < 40; i++) {
      const p = c.next();
      c.record(p, p.family === "add"); // the model always gets addition right, subtraction never
    }
    expect(c.levels().add).toBeGreaterThan(1);
    expect(c.levels().sub).toBe(1);
    const resumed = createCurriculum(
      { families: ["add", "sub"], threshold: 0.8, window: 10, seed: 3 },
      c.state(),
    );
    expect(resumed.next()).toEqual(c.next());
  });

  it("exports and re-imports GSM8K and MATH styles, answers intact", () => {
    const problems = ["add", "fraction-add", "word-problem", "percent"].map((f) => generate(f, 3, 11));
    const gsm = importGsm8k(problems.map((p) => JSON.stringify(toGsm8k(p))).join("\n"));
    const math = importMath(problems.map((p) => JSON.stringify(toMath(p))).join("\n"));
    for (const [i, p] of problems.entries()) {
      expect(verify(p, `<answer>${gsm[i]!.answer}</answer>`).correct).toBe(true);
      expect(verify(p, `<answer>${math[i]!.answer}</answer>`).correct).toBe(true);
      expect(verify(gsm[i]!, gsm[i]!.solution).correct).toBe(true);
    }
    const real = importGsm8k(
      '{"question": "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?", "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\\n#### 72"}',
    );
    expect(real[0]).toMatchObject({ answer: "72", check: { kind: "number" } });
    expect(real[0]!.solution).not.toContain("<<");
  });

  it("malformed JSONL is rejected naming the line and field", () => {
    const good = JSON.stringify({ question: "q", answer: "#### 1" });
    expect(() => importGsm8k(`${good}\n{"question": "q", "answer": 5}`, "data.jsonl")).toThrow(
      /^data\.jsonl:2: answer: /,
    );
    expect(() => importGsm8k(`${good}\n\n{not json`, "data.jsonl")).toThrow(/data\.jsonl:3: not JSON/);
    expect(() => importGsm8k(`{"question": "q", "answer": "no hashes"}`)).toThrow(JsonlError);
    expect(() => importMath(`{"problem": "p", "solution": "no box"}`, "m.jsonl")).toThrow(
      /m\.jsonl:1: solution: no \\boxed/,
    );
  });

  it("writes all or nothing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-math-"));
    const file = path.join(dir, "out.jsonl");
    writeJsonlAtomic(file, [{ a: 1 }]);
    function* failing() {
      yield { a: 2 };
      throw new Error("generator broke");
    }
    expect(() => writeJsonlAtomic(file, failing())).toThrow("generator broke");
    expect(fs.readFileSync(file, "utf8")).toBe('{"a":1}\n');
    expect(fs.readdirSync(dir)).toEqual(["out.jsonl"]);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("corpora", () => {
  it("pretraining documents and SFT chats carry the worked solution", () => {
    const p = generate("letter-count", 3, 2);
    const doc = pretrainDocument(p);
    expect(doc).toContain(p.prompt);
    expect(doc.endsWith(`${p.solution}\n`)).toBe(true);
    expect(pretrainDocument(generate("letter-count", 3, 2))).toBe(doc); // the template is fixed per problem
    // the corpus uses every template, in roughly equal shares
    const used = new Map<string, number>();
    for (let seed = 0; seed < 700; seed++) {
      const q = generate("add", 2, seed);
      const t = DOCUMENT_TEMPLATES.findIndex((f) => f(q.prompt, q.solution) === pretrainDocument(q));
      used.set(String(t), (used.get(String(t)) ?? 0) + 1);
    }
    expect([...used.keys()].sort()).toEqual(DOCUMENT_TEMPLATES.map((_, i) => String(i)));
    for (const n of used.values()) expect(n).toBeGreaterThan(60);
    expect(documentPrompt(p)).toBe(`Problem: ${p.prompt}\nSolution:\n`);
    expect(sftConversation(p).messages.at(-1)).toEqual({ role: "assistant", content: p.solution });
    expect(calculatorConversation(p)).toBeNull();
    const calc = calculatorConversation(generate("expression", 4, 2))!;
    const answer = generate("expression", 4, 2).answer;
    expect(calc.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "assistant"]);
    expect(calc.messages[3]!.content).toBe(`<result>${answer}</result>`);
  });

  it("demonstrations hold the misconception in the given share, the same ones for a seed", () => {
    const problems = Array.from({ length: 1000 }, (_, seed) => generate("decimal-compare", 2, seed));
    const flawed = (rate: number, seed: number) =>
      problems
        .filter((p) => demonstrated(p, rate, seed).solution === p.misconception!.solution)
        .map((p) => p.id);
    expect(flawed(0, 1)).toEqual([]);
    expect(flawed(1, 1)).toHaveLength(1000);
    expect(flawed(0.7, 1).length).toBeGreaterThan(650);
    expect(flawed(0.7, 1).length).toBeLessThan(750);
    expect(flawed(0.7, 1)).toEqual(flawed(0.7, 1));
    expect(flawed(0.7, 2)).not.toEqual(flawed(0.7, 1));
    // what the demonstrator got wrong is only the text: the problem keeps its reference answer
    const p = problems[0]!;
    expect(demonstrated(p, 1).answer).toBe(p.answer);
    // families without a misconception are untouched
    const q = generate("add", 2, 1);
    expect(demonstrated(q, 1)).toBe(q);
  });
});
