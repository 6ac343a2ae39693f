// Suites end to end: a real checkpoint evaluated in-process and through the OpenAI-compatible
// server with the official client (they must agree), aggregates against hand-computed values,
// results written to and read back from a run directory.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generate } from "@reasonlab/env-math";
import { byteTokenizer, loadBackend, loadCheckpoint, startServer } from "@reasonlab/policy";
import { createRun, openRun } from "@reasonlab/runs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aggregate, committedSamples, evaluateMath, recordEvaluation } from "../src/evaluate.js";
import { checkpointModel, endpointModel } from "../src/models.js";
import { passAtK } from "../src/stats.js";
import { loadSuite, mathItems } from "../src/suites.js";
import { tinyRun, tinySuite } from "./support/tiny.js";

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "eval-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("aggregates", () => {
  it("match hand-computed accuracy, pass@k and maj@k over attempts", () => {
    const p = [1, 2, 3].map((s) => generate("add", 1, s));
    const at = (answer: string, right: string) => ({
      text: `<answer>${answer}</answer>`,
      tokens: 5,
      extracted: answer,
      correct: answer === right,
      reward: answer === right ? 1 : 0,
    });
    const scored = [
      {
        item: { id: "a", group: "add/1", problem: p[0]! },
        attempts: [0, 1, 2, 3].map(() => at(p[0]!.answer, p[0]!.answer)),
      },
      {
        item: { id: "b", group: "add/1", problem: p[1]! },
        attempts: [p[1]!.answer, "99", "99", "98"].map((x) => at(x, p[1]!.answer)),
      },
      {
        item: { id: "c", group: "add/1", problem: p[2]! },
        attempts: ["97", "96", "95", "94"].map((x) => at(x, p[2]!.answer)),
      },
    ];
    const m = aggregate(scored);
    expect(m.accuracy!.value).toBeCloseTo((1 + 0.25 + 0) / 3, 12);
    expect(m["pass@1"]!.value).toBeCloseTo((1 + 0.25 + 0) / 3, 12);
    expect(m["pass@2"]!.value).toBeCloseTo((1 + 0.5 + 0) / 3, 12); // 1 - C(3,2)/C(4,2) = 0.5
    expect(m["pass@4"]!.value).toBeCloseTo(2 / 3, 12);
    expect(passAtK(4, 1, 3)).toBeCloseTo(0.75, 12);
    expect(m["maj@4"]!.value).toBeCloseTo(1 / 3, 12); // "99" outvotes the right answer in b
    expect(m["maj@1"]!.value).toBeCloseTo(2 / 3, 12);
    expect(m.length_tokens!.value).toBe(5);
    expect(Object.keys(m).filter((k) => k.startsWith("pass@"))).toEqual([
      "pass@1",
      "pass@2",
      "pass@3",
      "pass@4",
    ]);
  });
});

describe("suites", () => {
  it("are validated data: a bad field is named", () => {
    const bad = path.join(root, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ name: "x", kind: "math", samples: 0 }));
    expect(() => loadSuite(bad)).toThrow(/samples/);
    fs.writeFileSync(
      bad,
      JSON.stringify({ name: "x", kind: "math", tasks: [{ family: "add", difficulties: [9], count: 3 }] }),
    );
    expect(() => loadSuite(bad)).toThrow(/add has difficulties 1..5, not 9/);
    expect(() => loadSuite("no-such-suite")).toThrow(/built-in \(addition/);
  });

  it("build the same held-out items every time; GSM8K-style datasets join them", () => {
    const data = path.join(root, "mini-gsm8k.jsonl");
    fs.writeFileSync(
      data,
      `${JSON.stringify({ question: "Ann has 3 apples and buys 4. How many?", answer: "3 + 4 = 7\n#### 7" })}\n`,
    );
    const file = tinySuite(root, { datasets: [{ path: "mini-gsm8k.jsonl", format: "gsm8k" }] });
    const a = mathItems(loadSuite(file) as never);
    const b = mathItems(loadSuite(file) as never);
    expect(a.map((i) => i.problem.prompt)).toEqual(b.map((i) => i.problem.prompt));
    expect(a.at(-1)!.problem.answer).toBe("7");
    expect(new Set(a.map((i) => i.group))).toEqual(new Set(["add/2", "mini-gsm8k.jsonl"]));
  });
});

describe("a checkpoint, in-process and behind the OpenAI-compatible server", () => {
  it("gives the same greedy completions and scores both ways, and the results round-trip", async () => {
    const run = await tinyRun(path.join(root, "runs"), [10]);
    const ckpt = openRun(run.dir).checkpoints()[0]!.dir;
    const suite = loadSuite(tinySuite(root));
    if (suite.kind !== "math") throw new Error("math suite expected");
    const local = await checkpointModel(ckpt, "wasm");
    const { tf } = await loadBackend("wasm");
    const loaded = loadCheckpoint(tf, ckpt);
    const server = await startServer(
      { model: loaded.model, tokenizer: loaded.tokenizer, id: "tiny" },
      { port: 0 },
    );
    try {
      const remote = await endpointModel({ model: "tiny", baseURL: server.url, apiKey: "x" });
      const a = await evaluateMath(suite, local);
      const b = await evaluateMath(suite, remote);
      expect(a.samples.length).toBe(12);
      expect(b.samples.map((s) => s.completion)).toEqual(a.samples.map((s) => s.completion));
      expect(b.metrics.accuracy!.value).toBe(a.metrics.accuracy!.value);
      expect(a.samples.every((s) => s.completion.length > 0)).toBe(true);

      const sampled = { ...suite, samples: 3, temperature: 1 };
      const c = await evaluateMath(sampled, remote);
      expect(Object.keys(c.metrics)).toEqual(
        expect.arrayContaining(["pass@1", "pass@2", "pass@3", "maj@1", "maj@3"]),
      );
      expect(c.samples.length).toBe(36);

      const evalRun = createRun({ root: path.join(root, "runs"), name: "eval", kind: "eval" });
      recordEvaluation(evalRun, { suite: "tiny", model: "tiny" }, c);
      evalRun.finish();
      const reader = openRun(evalRun.dir);
      const results = reader.read("evalResults");
      const samples = reader.read("evalSamples");
      expect(results.problems).toEqual([]);
      expect(results.records[0]!.metrics["pass@3"]!.value).toBeCloseTo(c.metrics["pass@3"]!.value, 12);
      expect(committedSamples(results.records, samples.records)).toHaveLength(36);
    } finally {
      await local.close();
      await server.close();
    }
  });

  it("a tokenizer mismatch or too-long prompt becomes an error sample, not a crash", async () => {
    const run = await tinyRun(path.join(root, "runs"), [20]);
    const model = await checkpointModel(openRun(run.dir).checkpoints()[0]!.dir, "wasm");
    try {
      const long = [{ role: "user" as const, content: "x".repeat(200) }];
      const [out] = await model.complete([long], { n: 2, temperature: 0, maxTokens: 4, seed: 0 });
      expect(out).toHaveLength(2);
      expect(out![0]!.error).toMatch(/does not fit the 64-token context/);
      expect(byteTokenizer().vocabSize).toBeGreaterThan(256);
    } finally {
      await model.close();
    }
  });
});
