import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBackend } from "../src/backend.js";
import { disposeModel, initModel } from "../src/model.js";
import { type ServerHandle, startServer } from "../src/serve.js";
import { byteTokenizer } from "../src/tokenizer.js";

const { tf } = await loadBackend("wasm");
const tokenizer = byteTokenizer();
const model = initModel(
  tf,
  { vocabSize: tokenizer.vocabSize, dModel: 32, nLayers: 2, nHeads: 4, contextLength: 96 },
  21,
);
const messages = [{ role: "user" as const, content: "What is 2 + 2?" }];

// the engine on the server's own thread (as on a GPU), and two engine threads (the CPU default)
describe.each([0, 2])(
  "OpenAI-compatible server with %i engine threads, through the official client",
  (engines) => {
    let server: ServerHandle;
    let client: OpenAI;
    beforeAll(async () => {
      server = await startServer({ model, tokenizer, id: "tiny" }, { port: 0, engines });
      client = new OpenAI({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
    });
    afterAll(() => server.close());

    it("lists the model", async () => {
      const list = await client.models.list();
      expect(list.data.map((m) => m.id)).toEqual(["tiny"]);
    });

    it("answers chat completions with usage, n choices, seeds and logprobs", async () => {
      const r = await client.chat.completions.create({
        model: "tiny",
        messages,
        max_tokens: 8,
        n: 2,
        seed: 5,
        temperature: 1,
        logprobs: true,
        top_logprobs: 2,
      });
      expect(r.object).toBe("chat.completion");
      expect(r.choices).toHaveLength(2);
      const first = r.choices[0]!;
      expect(first.message.role).toBe("assistant");
      expect(["stop", "length"]).toContain(first.finish_reason);
      expect(first.logprobs!.content!.length).toBeGreaterThan(0);
      expect(first.logprobs!.content![0]!.top_logprobs).toHaveLength(2);
      expect(r.usage!.completion_tokens).toBe(r.choices.reduce((n, c) => n + c.logprobs!.content!.length, 0));
      const again = await client.chat.completions.create({
        model: "tiny",
        messages,
        max_tokens: 8,
        n: 2,
        seed: 5,
        temperature: 1,
      });
      expect(again.choices.map((c) => c.message.content)).toEqual(r.choices.map((c) => c.message.content));
    });

    it("streams the same text over SSE", async () => {
      const whole = await client.chat.completions.create({
        model: "tiny",
        messages,
        max_tokens: 10,
        temperature: 0,
      });
      const stream = await client.chat.completions.create({
        model: "tiny",
        messages,
        max_tokens: 10,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let finish: string | null = null;
      let usage = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      expect(text).toBe(whole.choices[0]!.message.content);
      expect(finish).toBe(whole.choices[0]!.finish_reason);
      expect(usage).toEqual(whole.usage);
    });

    it("serves plain completions, with logprobs", async () => {
      const r = await client.completions.create({
        model: "tiny",
        prompt: ["Once", "Twice"],
        max_tokens: 5,
        temperature: 0,
        logprobs: 1,
      });
      expect(r.choices).toHaveLength(2);
      expect(r.choices[0]!.logprobs!.tokens!.join("")).toBe(r.choices[0]!.text);
    });

    it("streams plain completions with the same text per prompt", async () => {
      const ask = { model: "tiny", prompt: ["Once", "Twice"], max_tokens: 6, temperature: 0 };
      const whole = await client.completions.create(ask);
      const stream = await client.completions.create({ ...ask, stream: true });
      const text = ["", ""];
      const finish: (string | null)[] = [null, null];
      for await (const chunk of stream) {
        expect(chunk.object).toBe("text_completion");
        for (const c of chunk.choices) {
          text[c.index] += c.text;
          finish[c.index] = c.finish_reason ?? finish[c.index]!;
        }
      }
      expect(text).toEqual(whole.choices.map((c) => c.text));
      expect(finish).toEqual(whole.choices.map((c) => c.finish_reason));
    });

    it("answers errors in the OpenAI shape with the right status", async () => {
      await expect(
        client.chat.completions.create({ model: "tiny", messages, temperature: 7 }),
      ).rejects.toMatchObject({ status: 400, param: "temperature", type: "invalid_request_error" });
      await expect(client.chat.completions.create({ model: "gpt-9", messages })).rejects.toMatchObject({
        status: 404,
        code: "model_not_found",
      });
      await expect(client.chat.completions.create({ model: "tiny", messages: [] })).rejects.toMatchObject({
        status: 400,
        param: "messages",
      });
      // 200 bytes, and 900 kB (under the body limit: rendering it once overflowed the stack, a 500)
      for (const long of ["x".repeat(200), "x".repeat(900_000)])
        await expect(
          client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: long }] }),
        ).rejects.toMatchObject({ status: 400, code: "context_length_exceeded" });
      const raw = await fetch(`${server.url}/chat/completions`, { method: "POST", body: "{not json" });
      expect(raw.status).toBe(400);
      expect(((await raw.json()) as { error: { message: string } }).error.message).toMatch(/not valid JSON/);
      // a body over 1 MiB, announced by its length or streamed in chunks without one: 413, and the
      // server still answers the next request
      const big = JSON.stringify({
        model: "tiny",
        messages: [{ role: "user", content: "x".repeat(1 << 20) }],
      });
      const sized = await fetch(`${server.url}/chat/completions`, { method: "POST", body: big });
      expect(sized.status).toBe(413);
      expect(((await sized.json()) as { error: { message: string } }).error.message).toMatch(
        /over 1048576 bytes/,
      );
      const bytes = new TextEncoder().encode(big);
      const chunked = await fetch(`${server.url}/chat/completions`, {
        method: "POST",
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 1 << 16)
              controller.enqueue(bytes.subarray(i, i + (1 << 16)));
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      expect(chunked.status).toBe(413);
      const small = await client.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 2,
      });
      expect(small.choices).toHaveLength(1);
      expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
      expect((await fetch(`${server.url}/models`, { method: "DELETE" })).status).toBe(405);
    });

    it("batches concurrent requests together, each getting what it gets alone", async () => {
      const asks = [1, 2, 3, 4, 5, 6].map((seed) => ({
        model: "tiny",
        messages: [{ role: "user" as const, content: "What is 2 + 2?".repeat((seed % 3) + 1) }],
        max_tokens: 4 + 3 * seed,
        n: (seed % 2) + 1,
        seed,
        temperature: seed === 3 ? 0 : 1,
      }));
      const texts = (r: OpenAI.ChatCompletion) => r.choices.map((c) => c.message.content);
      const alone = [];
      for (const a of asks) alone.push(texts(await client.chat.completions.create(a)));
      const before = tf.memory().numTensors;
      const together = await Promise.all(asks.map((a) => client.chat.completions.create(a)));
      expect(together.map(texts)).toEqual(alone);
      expect(server.peakRows).toBeGreaterThan(2); // they shared a batch
      expect(tf.memory().numTensors).toBe(before); // on this thread, no tensor left behind
    });

    it("stops a streamed generation when its client goes away, and serves the next request", async () => {
      // a model with room for long answers, so the generation outlasts the client
      const long = initModel(
        tf,
        { vocabSize: tokenizer.vocabSize, dModel: 32, nLayers: 2, nHeads: 4, contextLength: 4096 },
        22,
      );
      const lines: string[] = [];
      const own = await startServer(
        { model: long, tokenizer, id: "long" },
        { port: 0, engines, log: (l) => lines.push(l) },
      );
      try {
        const ownClient = new OpenAI({ baseURL: own.url, apiKey: "unused", maxRetries: 0 });
        // a seed whose four rows run long: the random model ends a row at <|end|> by chance, so
        // what this seed gives changes whenever sampling draws in another order
        const ask = { model: "long", messages, max_tokens: 4000, n: 4, temperature: 1, seed: 4 };
        // what the whole generation is: this many tokens, one chunk each when streamed
        const whole = (await ownClient.chat.completions.create(ask)).usage!.completion_tokens;
        expect(whole).toBeGreaterThan(1000);
        const stream = await ownClient.chat.completions.create({ ...ask, stream: true });
        let read = 0;
        for await (const _ of stream) if (++read === 3) break; // leaving the loop aborts the request
        await expect.poll(() => lines.some((l) => l.includes("went away")), { timeout: 30_000 }).toBe(true);
        const stopped = lines.find((l) => l.includes("went away"))!;
        const tokens = Number(/after (\d+) tokens/.exec(stopped)![1]);
        expect(tokens).toBeLessThan(whole / 4); // it stopped long before the end
        // seeded: unseeded, the random model sometimes ends its answer within the 4 tokens
        const next = await ownClient.chat.completions.create({
          model: "long",
          messages,
          max_tokens: 4,
          seed: 3,
        });
        expect(next.choices[0]!.finish_reason).toBe("length");
      } finally {
        await own.close();
        disposeModel(long);
      }
    });
  },
);
