// Continuous batching: requests that join and leave one running batch get exactly what sampling
// each alone with the same seed gives.
import { describe, expect, it } from "vitest";
import { loadBackend } from "../src/backend.js";
import { renderChat } from "../src/chat.js";
import { createEngine } from "../src/engine.js";
import { initModel } from "../src/model.js";
import { type Completion, type SampleOptionsInput, sample } from "../src/sample.js";
import { byteTokenizer } from "../src/tokenizer.js";

const { tf } = await loadBackend("wasm");
const tok = byteTokenizer();
const config = { vocabSize: tok.vocabSize, dModel: 32, nLayers: 2, nHeads: 4, contextLength: 96 };
const prompt = (text: string) => renderChat(tok, [{ role: "user", content: text }], { generation: true }).ids;
const shape = (cs: Completion[]) =>
  cs.map((c) => ({
    prompt: c.prompt,
    ids: c.tokens.map((t) => t.id),
    text: c.text,
    finish: c.finishReason,
    logprobs: c.tokens.map((t) => t.samplingLogprob.toFixed(4)),
  }));

/** Requests of every kind: short and long prompts, n > 1, several prompts, greedy, top-p, stops, budgets. */
const requests: { prompts: number[][]; options: SampleOptionsInput }[] = [
  { prompts: [prompt("hi")], options: { temperature: 1, maxTokens: 20, seed: 1 } },
  {
    prompts: [prompt("a much longer question than the others, asked later")],
    options: { temperature: 0, maxTokens: 9 },
  },
  {
    prompts: [prompt("two"), prompt("prompts at once")],
    options: { temperature: 0.7, n: 3, maxTokens: 14, seed: 5 },
  },
  {
    prompts: [prompt("stop early")],
    options: { temperature: 1.3, topP: 0.9, maxTokens: 30, seed: 9, stop: ["e", "a"] },
  },
  { prompts: [prompt("x")], options: { temperature: 1, maxTokens: 3, seed: 2 } },
];

describe("continuous batching", () => {
  for (const [positions, copy] of [
    ["rotary", false],
    ["learned", false],
    ["rotary", true],
  ] as const) {
    it(`requests joining a running batch at different tokens get what they get alone (${positions} positions${copy ? ", copy head" : ""})`, async () => {
      const model = initModel(tf, { ...config, positions, copy }, 21);
      const alone = [];
      for (const r of requests) alone.push(shape(await sample(model, tok, r.prompts, r.options)));

      const engine = createEngine(model, tok, { maxRows: 16 });
      const streamed = requests.map(() => new Map<number, number>());
      const results: Promise<Completion[]>[] = [];
      const maxRowsSeen: number[] = [];
      // the first request starts alone; the others join a few tokens apart, while it decodes
      for (const [i, r] of requests.entries()) {
        results.push(
          engine.complete(r.prompts, r.options, {
            onToken: (row) => {
              streamed[i]!.set(row, (streamed[i]!.get(row) ?? 0) + 1);
              maxRowsSeen.push(engine.load().rows);
            },
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const together = (await Promise.all(results)).map(shape);
      expect(together).toEqual(alone);
      // they really shared the batch, and every token was streamed to its row
      expect(Math.max(...maxRowsSeen)).toBeGreaterThan(3);
      for (const [i, t] of together.entries())
        for (const [row, c] of t.entries()) expect(streamed[i]!.get(row)).toBe(c.ids.length);
      expect(engine.load()).toMatchObject({ rows: 0, waiting: 0 });
      await engine.close();
    });
  }

  it("holds requests beyond maxRows until rows free up, and a cancelled request leaves the batch", async () => {
    const model = initModel(tf, config, 22);
    const engine = createEngine(model, tok, { maxRows: 4 });
    const controller = new AbortController();
    let cancelledTokens = 0;
    const cancelled = engine.complete(
      [prompt("cancel me")],
      { temperature: 1, maxTokens: 60, seed: 3, n: 2 },
      {
        signal: controller.signal,
        onToken: () => {
          if (++cancelledTokens === 6) controller.abort();
        },
      },
    );
    const others = [7, 8, 9].map((seed) =>
      engine.complete([prompt(`seed ${seed}`)], { temperature: 1, maxTokens: 12, seed, n: 2 }),
    );
    const done = await cancelled;
    expect(done.every((c) => c.tokens.length <= 4)).toBe(true);
    for (const [i, seed] of [7, 8, 9].entries())
      expect(shape(await others[i]!)).toEqual(
        shape(
          await sample(model, tok, [prompt(`seed ${seed}`)], { temperature: 1, maxTokens: 12, seed, n: 2 }),
        ),
      );
    await engine.close();
  });

  it("closing it answers the requests still decoding with an error instead of leaving them hanging", async () => {
    const model = initModel(tf, config, 23);
    const engine = createEngine(model, tok);
    let started!: () => void;
    const first = new Promise<void>((resolve) => {
      started = resolve;
    });
    const pending = engine.complete(
      [prompt("long")],
      { temperature: 1, maxTokens: 80, seed: 1 },
      { onToken: () => started() },
    );
    await first;
    await engine.close();
    await expect(pending).rejects.toThrow(/engine was closed/);
  });
});
