// Engine threads: requests routed to worker threads, each with its own copy of the weights and
// running batch, get exactly what sampling each alone on this thread gives; tokens stream back,
// cancelling stops a generation in its thread, and closing answers what is left.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBackend } from "../src/backend.js";
import { renderChat } from "../src/chat.js";
import type { Engine } from "../src/engine.js";
import { enginePool } from "../src/engine-pool.js";
import { initModel } from "../src/model.js";
import { startWorker } from "../src/rollouts.js";
import { type Completion, type SampleOptionsInput, sample } from "../src/sample.js";
import { byteTokenizer } from "../src/tokenizer.js";

const { tf } = await loadBackend("wasm");
const tok = byteTokenizer();
const prompt = (text: string) => renderChat(tok, [{ role: "user", content: text }], { generation: true }).ids;
const shape = (cs: Completion[]) =>
  cs.map((c) => ({
    ids: c.tokens.map((t) => t.id),
    text: c.text,
    finish: c.finishReason,
    // as engine.test.ts: rows padded to another width round their last bits differently
    logprobs: c.tokens.map((t) => t.samplingLogprob.toFixed(4)),
  }));
// a context with room for long answers, for the generation that gets cancelled
const model = initModel(
  tf,
  { vocabSize: tok.vocabSize, dModel: 32, nLayers: 2, nHeads: 4, contextLength: 2048, positions: "rotary" },
  31,
);
let pool: Engine;
beforeAll(async () => {
  pool = await enginePool(model, tok, { engines: 2, maxRows: 16 });
});
afterAll(() => pool.close());

const requests: { prompts: number[][]; options: SampleOptionsInput }[] = [
  { prompts: [prompt("hi")], options: { temperature: 1, maxTokens: 20, seed: 1 } },
  { prompts: [prompt("a longer question, greedy")], options: { temperature: 0, maxTokens: 9 } },
  {
    prompts: [prompt("two"), prompt("prompts at once")],
    options: { temperature: 0.7, n: 3, maxTokens: 14, seed: 5 },
  },
  {
    prompts: [prompt("stop early")],
    options: { temperature: 1.3, topP: 0.9, maxTokens: 30, seed: 9, stop: ["e", "a"] },
  },
];

describe("engine threads", () => {
  it("answer concurrent requests with what sampling each alone on this thread gives, streaming every token", async () => {
    const alone = [];
    for (const r of requests) alone.push(shape(await sample(model, tok, r.prompts, r.options)));
    const streamed = requests.map(() => new Map<number, number[]>());
    const together = await Promise.all(
      requests.map((r, i) =>
        pool.complete(r.prompts, r.options, {
          onToken: (row, token) => streamed[i]!.set(row, [...(streamed[i]!.get(row) ?? []), token.id]),
        }),
      ),
    );
    expect(together.map(shape)).toEqual(alone);
    for (const [i, completions] of together.entries())
      for (const [row, c] of completions.entries())
        expect(streamed[i]!.get(row)).toEqual(c.tokens.map((t) => t.id));
  });

  it("send each request to the engine with the fewest rows in flight", async () => {
    const own = await enginePool(model, tok, { engines: 2 });
    try {
      const ask = (seed: number) =>
        own.complete([prompt(`seed ${seed}`)], { temperature: 1, maxTokens: 24, seed, n: 4 });
      const [a, b] = await Promise.all([ask(1), ask(2)]);
      expect(a).toHaveLength(4);
      expect(b).toHaveLength(4);
      // one engine holding both would have decoded 8 rows together
      expect(own.load().peak).toBe(4);
    } finally {
      await own.close();
    }
  });

  it("stop a cancelled generation in its thread, and go on serving", async () => {
    // a seed whose two rows run long: 558 and 1311 tokens before the random model ends them
    const ask = { temperature: 1, maxTokens: 2000, seed: 1, n: 2 };
    const whole = await pool.complete([prompt("cancel me")], ask);
    for (const c of whole) expect(c.tokens.length).toBeGreaterThan(500);
    // cancelled before it is sent: the request carries it, so the rows end before their first token
    const before = new AbortController();
    before.abort();
    const none = await pool.complete([prompt("cancel me")], ask, { signal: before.signal });
    expect(none.map((c) => c.tokens.length)).toEqual([0, 0]);
    // cancelled mid-generation: the cancel message reaches the thread while it decodes
    const during = new AbortController();
    const cancelled = await pool.complete([prompt("cancel me")], ask, {
      signal: during.signal,
      onToken: () => during.abort(),
    });
    for (const [i, c] of cancelled.entries())
      expect(c.tokens.length).toBeLessThan(whole[i]!.tokens.length / 2);
    const next = await pool.complete([prompt("next")], { temperature: 0, maxTokens: 5 });
    expect(shape(next)).toEqual(
      shape(await sample(model, tok, [prompt("next")], { temperature: 0, maxTokens: 5 })),
    );
  });

  it("send no more requests to a thread that stopped, and fail only when every thread has", async () => {
    const threads: ReturnType<typeof startWorker>[] = [];
    const own = await enginePool(model, tok, { engines: 2 }, (...args) => {
      const w = startWorker(...args);
      threads.push(w);
      return w;
    });
    try {
      // as a crash would: the thread's requests fail and it takes no more
      await threads[0]!.close();
      const ask = (seed: number) => own.complete([prompt(`seed ${seed}`)], { maxTokens: 4, seed });
      const answers = await Promise.all([1, 2, 3, 4].map(ask));
      expect(answers.map((a) => a.length)).toEqual([1, 1, 1, 1]);
      await threads[1]!.close();
      await expect(ask(5)).rejects.toThrow(/every engine thread stopped; the first: engine worker closed/);
    } finally {
      await own.close();
    }
  });

  it("answer the requests still decoding with an error when closed, and refuse new ones", async () => {
    const own = await enginePool(model, tok, { engines: 1 });
    let started!: () => void;
    const first = new Promise<void>((resolve) => {
      started = resolve;
    });
    const pending = own.complete(
      [prompt("long")],
      { temperature: 1, maxTokens: 2000, seed: 1 },
      { onToken: () => started() },
    );
    await first;
    const failed = expect(pending).rejects.toThrow(/closed/);
    await own.close();
    await failed;
    await expect(own.complete([prompt("after")], { maxTokens: 2 })).rejects.toThrow(/closed/);
  });
});
