import { describe, expect, it } from "vitest";
import { loadBackend } from "../src/backend.js";
import { renderChat } from "../src/chat.js";
import { initModel } from "../src/model.js";
import { inlineSampler, workerSampler } from "../src/rollouts.js";
import { byteTokenizer } from "../src/tokenizer.js";

const backend = await loadBackend("wasm");
const { tf } = backend;
const tok = byteTokenizer();
const config = { vocabSize: tok.vocabSize, dModel: 32, nLayers: 2, nHeads: 4, contextLength: 64 };
const prompts = ["What is 2 + 2?", "Is 9.11 larger than 9.9?"].map(
  (q) => renderChat(tok, [{ role: "user", content: q }], { generation: true }).ids,
);
const options = { n: 3, temperature: 1, maxTokens: 10, seed: 5 };
const ids = (cs: { tokens: { id: number; logprob: number }[] }[]) => cs.map((c) => c.tokens.map((t) => t.id));

describe("rollout worker", () => {
  it("samples exactly what the training model samples inline, with the weights of the last sync", async () => {
    const model = initModel(tf, config, 3);
    const worker = workerSampler(backend, model, tok);
    try {
      worker.sync();
      const before = await inlineSampler(model, tok).sample(prompts, options);
      // change the training weights after the sync: the worker must not see it
      const pending = worker.sample(prompts, options);
      for (const v of model.params.values()) v.assign(v.mul(1.5));
      const fromWorker = await pending;
      expect(ids(fromWorker)).toEqual(ids(before));
      for (const [i, c] of fromWorker.entries())
        for (const [j, t] of c.tokens.entries())
          expect(t.logprob).toBeCloseTo(before[i]!.tokens[j]!.logprob, 5);

      // a new sync brings the new weights
      worker.sync();
      const after = await inlineSampler(model, tok).sample(prompts, options);
      expect(ids(await worker.sample(prompts, options))).toEqual(ids(after));
      expect(ids(after)).not.toEqual(ids(before));
    } finally {
      await worker.close();
    }
  });

  it("rejects pending work when closed, and refuses a GPU backend", async () => {
    const model = initModel(tf, config, 4);
    const worker = workerSampler(backend, model, tok);
    worker.sync();
    const rejected = expect(worker.sample(prompts, options)).rejects.toThrow(/closed/);
    await worker.close();
    await rejected;
    expect(() => workerSampler({ ...backend, name: "webgpu" }, model, tok)).toThrow(/CPU backends/);
  });
});
