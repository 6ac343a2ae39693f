// Batched sampling with a KV cache: prompts are left-padded into one batch, prefilled once, then
// decoded a token at a time. Sampling itself (temperature, top-k, top-p) runs in JavaScript on
// the last position's logits, with a seeded generator per row, so a seed fixes the output.
import { createRng, type Rng } from "@reasonlab/env-math";
import type * as TF from "@tensorflow/tfjs";
import { z } from "zod";
import { yieldToEventLoop } from "./event-loop.js";
import { decodeStep, type KvCache, type Model, scoreWidth } from "./model.js";
import type { Tokenizer } from "./tokenizer.js";

export const SampleOptions = z.object({
  maxTokens: z.number().int().min(1).default(128),
  /** 0 means greedy. */
  temperature: z.number().min(0).max(5).default(1),
  topK: z.number().int().min(0).default(0),
  topP: z.number().gt(0).max(1).default(1),
  stop: z.array(z.string().min(1)).max(8).default([]),
  /** Completions per prompt. */
  n: z.number().int().min(1).max(64).default(1),
  seed: z.number().int().default(0),
  /** Top alternatives to report per token (their log-probabilities), besides the chosen one. */
  topLogprobs: z.number().int().min(0).max(20).default(0),
});
export type SampleOptions = z.infer<typeof SampleOptions>;
export type SampleOptionsInput = z.input<typeof SampleOptions>;

export interface TokenChoice {
  id: number;
  /** Log-probability under the model itself (temperature 1): what the API reports. */
  logprob: number;
  /**
   * Log-probability under the distribution it was sampled from (the logits over the temperature;
   * top-k and top-p aside): what RL's importance ratio needs. Equals logprob at temperature 1 and
   * when greedy.
   */
  samplingLogprob: number;
  top: { id: number; logprob: number }[];
}

export interface Completion {
  /** Index of the prompt this completes. */
  prompt: number;
  tokens: TokenChoice[];
  text: string;
  finishReason: "stop" | "length";
}

export interface SampleEvents {
  /** Called as each token is chosen (for streaming), with the text it adds. */
  onToken?: (row: number, token: TokenChoice, text: string) => void;
  /** Stops after the current token when aborted (a streaming client went away); rows end as they are. */
  signal?: AbortSignal;
}

function logSoftmax(logits: Float32Array, from: number, V: number, out: Float64Array) {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[from + i]!);
  let sum = 0;
  for (let i = 0; i < V; i++) sum += Math.exp(logits[from + i]! - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < V; i++) out[i] = logits[from + i]! - lse;
}

/**
 * A copy head's mixture, in place: logp (the vocabulary's log-softmax) becomes
 * log((1 - g) p + g * copy), where copy adds each cached position's attention to its token id.
 * `values` from `at` holds the gate, the L attention weights, then the L token ids.
 */
function mixInto(logp: Float64Array, copy: Float64Array, values: Float32Array, at: number, L: number) {
  const g = values[at]!;
  const V = logp.length;
  copy.fill(0);
  for (let j = 0; j < L; j++) {
    const a = values[at + 1 + j]!;
    if (a > 0) copy[values[at + 1 + L + j]!]! += a;
  }
  for (let i = 0; i < V; i++) logp[i] = Math.log((1 - g) * Math.exp(logp[i]!) + g * copy[i]! + 1e-20);
}

/** log softmax(logp / temperature)[id] over the whole vocabulary, as the RL loss computes it. */
function tempered(logp: Float64Array, id: number, temperature: number, V: number): number {
  if (temperature === 1 || temperature === 0) return logp[id]!;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < V; i++) max = Math.max(max, logp[i]! / temperature);
  let sum = 0;
  for (let i = 0; i < V; i++) sum += Math.exp(logp[i]! / temperature - max);
  return logp[id]! / temperature - max - Math.log(sum);
}

/** Picks one of the `allowed` token ids from the model's log-probabilities. */
function choose(logp: Float64Array, allowed: readonly number[], o: SampleOptions, rng: Rng): number {
  let best = allowed[0]!;
  for (const i of allowed) if (logp[i]! > logp[best]!) best = i;
  if (o.temperature === 0) return best;
  // without top-k or top-p the order the draw walks in does not change what it picks with which
  // probability, so the vocabulary's own order spares a sort per token (a tenth of sampling's time)
  const ids = o.topK > 0 || o.topP < 1 ? [...allowed].sort((a, b) => logp[b]! - logp[a]!) : allowed;
  let keep = o.topK > 0 ? Math.min(o.topK, ids.length) : ids.length;
  const weights = new Float64Array(keep);
  let total = 0;
  for (let j = 0; j < keep; j++) {
    weights[j] = Math.exp((logp[ids[j]!]! - logp[best]!) / o.temperature);
    total += weights[j]!;
  }
  if (o.topP < 1) {
    let mass = 0;
    for (let j = 0; j < keep; j++) {
      mass += weights[j]! / total;
      if (mass >= o.topP) {
        keep = j + 1;
        break;
      }
    }
    total = 0;
    for (let j = 0; j < keep; j++) total += weights[j]!;
  }
  let r = rng.next() * total;
  for (let j = 0; j < keep; j++) {
    r -= weights[j]!;
    if (r <= 0) return ids[j]!;
  }
  return ids[keep - 1]!;
}

/** What every row of a batch picks its tokens with: the vocabulary it may emit, scratch space. */
export interface Picker {
  tok: Tokenizer;
  V: number;
  end: number;
  /** Text tokens and <|end|>: never a role token or padding. */
  allowed: number[];
  logp: Float64Array;
  decoder: { decode(bytes: Uint8Array): string };
  /** The model has a copy head: each row's scores carry its mixture (see `mixInto`). */
  copy: boolean;
  /** Scratch for the copied mass per token id (with a copy head). */
  copied: Float64Array;
}

export function picker(tok: Tokenizer, V: number, copy = false): Picker {
  const end = tok.special["<|end|>"];
  return {
    tok,
    V,
    copy,
    end,
    allowed: Array.from({ length: tok.special["<|bos|>"] }, (_, i) => i).concat(end),
    logp: new Float64Array(V),
    copied: new Float64Array(copy ? V : 0),
    decoder: new TextDecoder(),
  };
}

/** One completion being sampled: its tokens and text so far, its generator, whether it ended. */
export interface Row {
  out: Completion;
  bytes: number[];
  rng: Rng;
  done: boolean;
}

export const newRow = (prompt: number, rng: Rng): Row => ({
  out: { prompt, tokens: [], text: "", finishReason: "length" },
  bytes: [],
  rng,
  done: false,
});

/**
 * Picks a row's next token from its scores (`values` from `offset`, a row of `decodeScores` over
 * L cached positions), appends it, and ends the row at <|end|> or a stop string (cut from the
 * text). Returns the token and the text it added.
 */
export function pickToken(
  row: Row,
  values: Float32Array,
  offset: number,
  o: SampleOptions,
  k: Picker,
  L: number,
): { choice: TokenChoice; text: string } {
  const { logp, V } = k;
  logSoftmax(values, offset, V, logp);
  if (k.copy) mixInto(logp, k.copied, values, offset + V, L);
  const id = choose(logp, k.allowed, o, row.rng);
  const top =
    o.topLogprobs > 0
      ? [...k.allowed]
          .sort((a, b) => logp[b]! - logp[a]!)
          .slice(0, o.topLogprobs)
          .map((i) => ({ id: i, logprob: logp[i]! }))
      : [];
  const choice: TokenChoice = {
    id,
    logprob: logp[id]!,
    samplingLogprob: tempered(logp, id, o.temperature, V),
    top,
  };
  row.out.tokens.push(choice);
  if (id === k.end) {
    row.done = true;
    row.out.finishReason = "stop";
    return { choice, text: "" };
  }
  row.bytes.push(...k.tok.tokenBytes(id));
  const text = k.decoder.decode(Uint8Array.from(row.bytes));
  const added = text.slice(row.out.text.length);
  row.out.text = text;
  const hit = o.stop.map((stop) => text.indexOf(stop)).filter((i) => i >= 0);
  if (hit.length > 0) {
    row.out.text = text.slice(0, Math.min(...hit));
    row.done = true;
    row.out.finishReason = "stop";
    return { choice, text: added.slice(0, Math.max(0, added.length - (text.length - row.out.text.length))) };
  }
  return { choice, text: added };
}

/**
 * Runs prompts (one per row) left-padded to the longest through the model, filling `cache`:
 * the scores of each row's next token (`decodeScores`). Padding is masked and positions start at each
 * prompt's first token, so a row gets what it would get alone.
 *
 * Rows that share a prompt (the same array: `n` samples of it) are run once and copied: a prompt
 * sampled 8 times is prefilled once, not 8 times. On wasm the copies are bit-identical to
 * running every row, since no row's arithmetic depends on the others (test/sample.test.ts).
 */
export function prefill(
  model: Model,
  prompts: readonly (readonly number[])[],
  pad: number,
  cache: KvCache,
): TF.Tensor2D {
  const { tf } = model;
  const first = new Map<readonly number[], number>();
  const unique: (readonly number[])[] = [];
  const of = prompts.map((p) => {
    if (!first.has(p)) first.set(p, unique.push(p) - 1);
    return first.get(p)!;
  });
  if (unique.length === prompts.length || cache.k.length > 0) return prefillRows(model, prompts, pad, cache);
  const own: KvCache = { k: [], v: [], length: 0 };
  const logits = prefillRows(model, unique, pad, own);
  const index = tf.tensor1d(of, "int32");
  const rows = (t: TF.Tensor) => tf.keep(tf.gather(t, index));
  cache.k = own.k.map(rows);
  cache.v = own.v.map(rows);
  cache.length = own.length;
  const out = rows(logits) as TF.Tensor2D;
  tf.dispose([...own.k, ...own.v, logits, index]);
  return out;
}

/** `prefill` with every row run. */
function prefillRows(
  model: Model,
  prompts: readonly (readonly number[])[],
  pad: number,
  cache: KvCache,
): TF.Tensor2D {
  const { tf } = model;
  const R = prompts.length;
  const P = Math.max(...prompts.map((p) => p.length));
  const ids = new Int32Array(R * P);
  const pos = new Int32Array(R * P);
  const bias = new Float32Array(R * P * P);
  for (const [r, p] of prompts.entries()) {
    const padLen = P - p.length;
    for (let t = 0; t < P; t++) {
      ids[r * P + t] = t < padLen ? pad : p[t - padLen]!;
      pos[r * P + t] = Math.max(0, t - padLen);
      // causal, and padding masked
      for (let j = 0; j < P; j++) if (j > t || j < padLen) bias[(r * P + t) * P + j] = -1e9;
    }
  }
  return tf.tidy(() =>
    decodeStep(
      model,
      tf.tensor2d(ids, [R, P], "int32"),
      tf.tensor2d(pos, [R, P], "int32"),
      tf.tensor(bias, [R, 1, P, P]),
      cache,
    ),
  );
}

/**
 * Completes each prompt (token ids, e.g. a rendered chat ending in <|assistant|>) `n` times.
 * Stops a row at <|end|>, a stop string (cut from the text), maxTokens, or the context's end.
 */
export async function sample(
  model: Model,
  tok: Tokenizer,
  prompts: readonly (readonly number[])[],
  optionsInput: SampleOptionsInput = {},
  events: SampleEvents = {},
): Promise<Completion[]> {
  const o = SampleOptions.parse(optionsInput);
  const { tf, config } = model;
  const V = config.vocabSize;
  const rowsPrompt = prompts.flatMap((_, i) => Array.from({ length: o.n }, () => i));
  const R = rowsPrompt.length;
  if (R === 0) return [];
  const P = Math.max(...prompts.map((p) => p.length));
  if (P >= config.contextLength)
    throw new RangeError(`prompt of ${P} tokens leaves no room in a ${config.contextLength}-token context`);
  const steps = Math.min(o.maxTokens, config.contextLength - P);
  const pad = tok.special["<|pad|>"];
  const k = picker(tok, V, config.copy);
  const padLen = rowsPrompt.map((i) => P - prompts[i]!.length);
  const rows = rowsPrompt.map((prompt, r) => newRow(prompt, createRng("sample", o.seed, r)));

  const cache: KvCache = { k: [], v: [], length: 0 };
  // padding columns stay masked for the whole generation
  const padBias = (L: number) => {
    const b = new Float32Array(R * L);
    for (let r = 0; r < R; r++) for (let t = 0; t < padLen[r]!; t++) b[r * L + t] = -1e9;
    return b;
  };

  try {
    let logits = prefill(
      model,
      rowsPrompt.map((i) => prompts[i]!),
      pad,
      cache,
    );
    for (let s = 0; s < steps; s++) {
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      const width = scoreWidth(config, cache.length);
      const next = new Int32Array(R);
      for (let r = 0; r < R; r++) {
        const row = rows[r]!;
        if (row.done) {
          next[r] = pad;
          continue;
        }
        const { choice, text } = pickToken(row, values, r * width, o, k, cache.length);
        next[r] = choice.id;
        events.onToken?.(r, choice, text);
      }
      // a listener (a streaming client) needs the event loop to turn between tokens: on wasm and
      // cpu every await here resolves as a microtask, so without this the tokens would reach the
      // socket only when the whole generation is done, and a client's going away would not be seen
      if (events.onToken || events.signal) await yieldToEventLoop();
      if (rows.every((row) => row.done) || s === steps - 1 || events.signal?.aborted) break;
      const L = cache.length + 1;
      logits = tf.tidy(() =>
        decodeStep(
          model,
          tf.tensor2d(next, [R, 1], "int32"),
          tf.tensor2d(
            Int32Array.from({ length: R }, (_, r) => cache.length - padLen[r]!),
            [R, 1],
            "int32",
          ),
          tf.tensor(padBias(L), [R, 1, 1, L]),
          cache,
        ),
      );
    }
  } finally {
    for (const t of [...cache.k, ...cache.v]) t?.dispose();
  }
  return rows.map((row) => row.out);
}
