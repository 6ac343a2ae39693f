import { describe, expect, it } from "vitest";
import { loadBackend } from "../src/backend.js";
import { renderChat } from "../src/chat.js";
import { hidden, initModel, type KvCache, logitsOf, policyTerms, tokenLogprobs } from "../src/model.js";
import { prefill, sample } from "../src/sample.js";
import { byteTokenizer } from "../src/tokenizer.js";

const { tf } = await loadBackend("wasm");
const tok = byteTokenizer();
const config = { vocabSize: tok.vocabSize, dModel: 32, nLayers: 2, nHeads: 4, contextLength: 64 };
const prompt = (text: string) => renderChat(tok, [{ role: "user", content: text }], { generation: true }).ids;

/** Greedy decoding without a cache: the whole sequence through the model at every step. */
async function naiveGreedy(model: ReturnType<typeof initModel>, ids: number[], steps: number) {
  const seq = [...ids];
  const allowed = new Set([
    ...Array.from({ length: tok.special["<|bos|>"] }, (_, i) => i),
    tok.special["<|end|>"],
  ]);
  for (let s = 0; s < steps; s++) {
    const logits = tf.tidy(() => logitsOf(model, hidden(model, tf.tensor2d(seq, [1, seq.length], "int32"))));
    const v = (await logits.data()) as Float32Array;
    logits.dispose();
    const last = v.subarray((seq.length - 1) * config.vocabSize);
    let best = -1;
    for (const i of allowed) if (best < 0 || last[i]! > last[best]!) best = i;
    seq.push(best);
    if (best === tok.special["<|end|>"]) break;
  }
  return seq.slice(ids.length);
}

describe("sampling with a KV cache", () => {
  for (const positions of ["rotary", "learned"] as const) {
    it(`greedy decoding matches recomputing the whole sequence (${positions} positions)`, async () => {
      const model = initModel(tf, { ...config, positions }, 11);
      const ids = prompt("What is 2 + 2?");
      const [c] = await sample(model, tok, [ids], { temperature: 0, maxTokens: 12 });
      expect(c!.tokens.map((t) => t.id)).toEqual(await naiveGreedy(model, ids, 12));
    });

    it(`a left-padded batch gives each prompt what it gets alone (${positions} positions)`, async () => {
      const model = initModel(tf, { ...config, positions }, 12);
      const prompts = [prompt("hi"), prompt("a much longer question here")];
      const together = await sample(model, tok, prompts, { temperature: 0, maxTokens: 8 });
      for (const [i, p] of prompts.entries()) {
        const [alone] = await sample(model, tok, [p], { temperature: 0, maxTokens: 8 });
        expect(together[i]!.tokens.map((t) => t.id)).toEqual(alone!.tokens.map((t) => t.id));
      }
    });
  }

  it("reports the model's own log-probabilities for the tokens it picks", async () => {
    const model = initModel(tf, config, 13);
    const ids = prompt("count");
    const [c] = await sample(model, tok, [ids], { temperature: 1, maxTokens: 6, seed: 4 });
    const chosen = c!.tokens.map((t) => t.id);
    const full = [...ids, ...chosen];
    const lp = tf.tidy(() =>
      tokenLogprobs(
        model,
        tf.tensor2d(full.slice(0, -1), [1, full.length - 1], "int32"),
        tf.tensor2d(full.slice(1), [1, full.length - 1], "int32"),
      ),
    );
    const values = Array.from(await lp.data()).slice(ids.length - 1);
    lp.dispose();
    for (const [i, t] of c!.tokens.entries()) expect(t.logprob).toBeCloseTo(values[i]!, 4);
  });

  it("with a copy head, decoding's mixture is the one training scores: log-probs at T = 1 and at the sampling temperature", async () => {
    const model = initModel(tf, { ...config, copy: true }, 16);
    // a gate well open and a peaked copy attention, so the copied part weighs in every token
    model.params.get("copy.gate_b")!.assign(tf.tensor1d([1.5]));
    model.params.get("copy.q")!.assign(tf.randomNormal([32, 32], 0, 0.6, "float32", 3));
    model.params.get("copy.k")!.assign(tf.randomNormal([32, 32], 0, 0.6, "float32", 4));
    const prompts = [prompt("copy abcabc"), prompt("xyz")];
    for (const temperature of [1, 0.7]) {
      const out = await sample(model, tok, prompts, { temperature, maxTokens: 8, seed: 5, n: 2 });
      for (const c of out) {
        const ids = prompts[c.prompt]!;
        const full = [...ids, ...c.tokens.map((t) => t.id)];
        const n = full.length - 1;
        const terms = tf.tidy(() => {
          const x = tf.tensor2d(full.slice(0, -1), [1, n], "int32");
          const y = tf.tensor2d(full.slice(1), [1, n], "int32");
          return [tokenLogprobs(model, x, y), policyTerms(model, x, y, { temperature }).logp];
        });
        const [own, tempered] = await Promise.all(terms.map(async (t) => Array.from(await t.data())));
        tf.dispose(terms);
        for (const [i, t] of c.tokens.entries()) {
          expect(t.logprob).toBeCloseTo(own![ids.length - 1 + i]!, 3);
          expect(t.samplingLogprob).toBeCloseTo(tempered![ids.length - 1 + i]!, 3);
        }
      }
    }
    const gate = tf.tidy(() => tf.sigmoid(model.params.get("copy.gate_b")!).dataSync()[0]!);
    expect(gate).toBeGreaterThan(0.8);
  });

  it("with a copy head, a left-padded batch gives each prompt what it gets alone", async () => {
    const model = initModel(tf, { ...config, copy: true }, 17);
    const prompts = [prompt("hi"), prompt("a much longer question here")];
    const together = await sample(model, tok, prompts, { temperature: 0, maxTokens: 8 });
    for (const [i, p] of prompts.entries()) {
      const [alone] = await sample(model, tok, [p], { temperature: 0, maxTokens: 8 });
      expect(together[i]!.tokens.map((t) => t.logprob)).toEqual(
        alone!.tokens.map((t) => expect.closeTo(t.logprob, 4)),
      );
    }
  });

  for (const [positions, copy] of [
    ["rotary", false],
    ["learned", false],
    ["rotary", true],
  ] as const)
    it(`prefills a prompt sampled n times once, bit for bit what every row gives (${positions} positions${copy ? ", copy head" : ""})`, async () => {
      const model = initModel(tf, { ...config, positions, copy }, 18);
      const [a, b] = [prompt("a question"), prompt("a longer question, asked twice")];
      // rows 0-3 are one array (run once and copied), the reference rows are copies (each run)
      const shared = [a, a, a, b, a, b];
      const copies = shared.map((p) => [...p]);
      const run = (prompts: number[][]) => {
        const cache: KvCache = { k: [], v: [], length: 0 };
        const logits = prefill(model, prompts, tok.special["<|pad|>"], cache);
        const out = [logits, ...cache.k, ...cache.v].map((t) => Array.from(t.dataSync()));
        tf.dispose([logits, ...cache.k, ...cache.v]);
        return { out, length: cache.length };
      };
      const reference = run(copies); // also builds what the model caches per length (rotary tables)
      const before = tf.memory().numTensors;
      expect(run(shared)).toEqual(reference);
      expect(tf.memory().numTensors).toBe(before);
      // and the model ran 2 rows, not 6: its largest activation (attention scores) is a third
      const largest = async (prompts: number[][]) => {
        const { kernels } = await tf.profile(() => void run(prompts));
        return Math.max(...kernels.flatMap((k) => k.outputShapes.map((s) => s.reduce((a, b) => a * b, 1))));
      };
      expect(3 * (await largest(shared))).toBe(await largest(copies));
    });

  it("is reproducible by seed, gives n samples per prompt, and honours stop strings and maxTokens", async () => {
    const model = initModel(tf, config, 14);
    const ids = prompt("go");
    const a = await sample(model, tok, [ids], { temperature: 1.5, n: 3, maxTokens: 10, seed: 7 });
    const b = await sample(model, tok, [ids], { temperature: 1.5, n: 3, maxTokens: 10, seed: 7 });
    expect(a.map((c) => c.text)).toEqual(b.map((c) => c.text));
    expect(a).toHaveLength(3);
    expect(new Set(a.map((c) => c.text)).size).toBeGreaterThan(1);
    for (const c of a) expect(c.tokens.length).toBeLessThanOrEqual(10);
    // a stop string taken from the longest sample, which must be long enough to hold one
    const k = a.reduce((best, c, i) => (c.text.length > a[best]!.text.length ? i : best), 0);
    expect(a[k]!.text.length).toBeGreaterThanOrEqual(3);
    const stopAt = a[k]!.text.slice(2, 3);
    const cut = await sample(model, tok, [ids], {
      temperature: 1.5,
      n: 3,
      maxTokens: 10,
      seed: 7,
      stop: [stopAt],
    });
    expect(cut[k]!.text).toBe(a[k]!.text.slice(0, a[k]!.text.indexOf(stopAt)));
    expect(cut[k]!.finishReason).toBe("stop");
  });

  it("never leaks tensors across calls", async () => {
    const model = initModel(tf, config, 15);
    await sample(model, tok, [prompt("warm up")], { maxTokens: 5 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++)
      await sample(model, tok, [prompt("x"), prompt("yy")], { maxTokens: 5, n: 2, seed: i });
    expect(tf.memory().numTensors).toBe(before);
  });
});
