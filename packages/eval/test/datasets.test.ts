// GSM8K- and MATH-style JSONL with LaTeX answers, evaluated end to end: the suite imports the
// files, a model behind a real OpenAI-compatible HTTP endpoint (here one that answers from a
// fixture of completions written the way strong models write them) is called with the official
// client, and each item's verdict must be the one a careful grader gives.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateMath } from "../src/evaluate.js";
import { endpointModel } from "../src/models.js";
import { MathSuite, mathItems } from "../src/suites.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const responses: { prompt: string; completion: string; correct: boolean }[] = JSON.parse(
  fs.readFileSync(path.join(fixtures, "responses.json"), "utf8"),
);

let server: http.Server;
let baseURL: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const { messages } = JSON.parse(body) as { messages: { role: string; content: string }[] };
      const prompt = messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
      const found = responses.find((r) => prompt.includes(r.prompt));
      res.writeHead(found ? 200 : 404, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          found
            ? {
                id: "x",
                object: "chat.completion",
                created: 0,
                model: "fixture",
                choices: [
                  {
                    index: 0,
                    message: { role: "assistant", content: found.completion },
                    finish_reason: "stop",
                  },
                ],
                usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
              }
            : { error: { message: `no fixture answer for ${prompt.slice(0, 60)}` } },
        ),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("datasets with LaTeX answers", () => {
  const suite = MathSuite.parse({
    name: "latex-fixtures",
    kind: "math",
    datasets: [
      { path: path.join(fixtures, "math-style.jsonl"), format: "math" },
      { path: path.join(fixtures, "gsm8k-style.jsonl"), format: "gsm8k" },
    ],
  });

  it("imports numbers as number checks and the rest (sets, intervals, expressions, words) as math", () => {
    const kinds = Object.fromEntries(mathItems(suite).map((i) => [i.problem.answer, i.problem.check.kind]));
    expect(kinds).toMatchObject({
      "\\frac{\\sqrt{3}}{2}": "math",
      "\\{1, 3\\}": "math",
      "(2, 5)": "math",
      "2x+2": "math",
      "\\text{Monday}": "math",
      "\\frac{5}{12}": "number",
      "3234": "number",
    });
  });

  it("gives each completion the verdict a careful grader gives", async () => {
    const model = await endpointModel({ model: "fixture", baseURL, apiKey: "x" });
    const outcome = await evaluateMath(suite, model);
    const verdicts = outcome.samples.map((s) => ({ prompt: s.prompt, correct: s.correct }));
    const want = responses.map((r) => ({ prompt: r.prompt, correct: r.correct }));
    expect(verdicts).toEqual(want);
    expect(new Set(want.map((w) => w.correct))).toEqual(new Set([true, false]));
  });
});
