// Continuous batching for the server: requests join one running batch at token granularity and
// leave it as soon as they finish. A request is prefilled on its own (exactly as `sample` would),
// then its rows' key/value caches are merged into the running batch, left-padded to a common
// length; every decode step runs all rows at once. Each row keeps its request's sampling
// settings, stop strings, seed stream and positions, so a request gets what `sample` gives it
// alone with the same seed, however many others share the batch.
import { createRng } from "@reasonlab/env-math";
import type * as TF from "@tensorflow/tfjs";
import { yieldToEventLoop } from "./event-loop.js";
import { decodeStep, type KvCache, type Model, scoreWidth } from "./model.js";
import {
  type Completion,
  newRow,
  type Picker,
  picker,
  pickToken,
  prefill as prefillRows,
  type Row,
  type SampleEvents,
  SampleOptions,
  type SampleOptionsInput,
} from "./sample.js";
import type { Tokenizer } from "./tokenizer.js";

interface Request {
  prompts: readonly (readonly number[])[];
  o: SampleOptions;
  events: SampleEvents;
  rows: Row[];
  finished: boolean;
  resolve: (c: Completion[]) => void;
  reject: (e: Error) => void;
}

/** A row in the running batch. */
interface Live {
  req: Request;
  /** Index within its request (what onToken reports). */
  index: number;
  row: Row;
  /** Tokens it may still sample (the request's budget, as `sample` computes it). */
  left: number;
  /** Its next position: prompt length plus tokens fed so far. */
  position: number;
  /** Padding columns at the left of its cache row: the cache's length minus its position. */
  pad: number;
}

export interface Engine {
  /** `n` completions of each prompt, as `sample(model, tok, prompts, options, events)` would give. */
  complete(
    prompts: readonly (readonly number[])[],
    options: SampleOptionsInput,
    events?: SampleEvents,
  ): Promise<Completion[]>;
  /** Rows decoding now, requests waiting to join, and the most rows decoded together so far. */
  load(): EngineLoad;
  close(): Promise<void>;
}
export interface EngineLoad {
  rows: number;
  waiting: number;
  peak: number;
}
export interface EngineOptions {
  /** Rows decoded together at most; requests beyond wait their turn. */
  maxRows?: number;
  /** Decode steps that waiting requests which fit wait for others to join with them. */
  joinDelay?: number;
}

export function createEngine(
  model: Model,
  tok: Tokenizer,
  { maxRows = 64, joinDelay = 8 }: EngineOptions = {},
): Engine {
  const { tf, config } = model;
  const V = config.vocabSize;
  const pad = tok.special["<|pad|>"];
  const k: Picker = picker(tok, V, config.copy);
  const waiting: Request[] = [];
  let live: Live[] = [];
  /** The running batch's caches, [rows, heads, L, hd] per layer, every row ending at column L. */
  let cache: KvCache = { k: [], v: [], length: 0 };
  /** Scores of each live row's next token (`decodeScores`), or null before the first prefill. */
  let logits: TF.Tensor2D | null = null;
  let running: Promise<void> | null = null;
  let closed = false;
  let peak = 0;
  /** Decode steps run so far. */
  let step = 0;
  /** The step since which a waiting request has fit in the batch without joining; null when none fits. */
  let roomSince: number | null = null;
  const rowsOf = (r: Request) => r.prompts.length * r.o.n;

  /** Empties the batch: its caches and pending logits go, and no row is left in it. */
  const reset = () => {
    tf.dispose([...cache.k, ...cache.v, ...(logits ? [logits] : [])]);
    cache = { k: [], v: [], length: 0 };
    logits = null;
    live = [];
  };

  /**
   * Prefills requests in one left-padded batch, as `sample` prefills a request's prompts: their
   * rows' caches and first logits. Each row keeps its own request's budget, seed stream and
   * positions, so the padding others bring changes nothing it samples.
   */
  function prefill(reqs: Request[]): { rows: Live[]; cache: KvCache; logits: TF.Tensor2D } {
    const rows: Live[] = [];
    const prompts: (readonly number[])[] = [];
    for (const req of reqs) {
      const rowsPrompt = req.prompts.flatMap((_, i) => Array.from({ length: req.o.n }, () => i));
      const P = Math.max(...req.prompts.map((p) => p.length));
      const steps = Math.min(req.o.maxTokens, config.contextLength - P);
      req.rows = rowsPrompt.map((prompt, r) => newRow(prompt, createRng("sample", req.o.seed, r)));
      for (const [r, row] of req.rows.entries()) {
        const p = req.prompts[rowsPrompt[r]!]!;
        prompts.push(p);
        rows.push({ req, index: r, row, left: steps, position: p.length, pad: 0 });
      }
    }
    const own: KvCache = { k: [], v: [], length: 0 };
    const first = prefillRows(model, prompts, pad, own);
    return { rows, cache: own, logits: first };
  }

  /** Left-pads caches with zero columns to `L` and stacks them along the batch. */
  function merge(a: KvCache, b: KvCache): KvCache {
    if (a.k.length === 0) return b;
    const L = Math.max(a.length, b.length);
    const widen = (t: TF.Tensor, from: number) =>
      from === L
        ? t
        : tf.pad(t, [
            [0, 0],
            [0, 0],
            [L - from, 0],
            [0, 0],
          ]);
    const out: KvCache = { k: [], v: [], length: L };
    for (let i = 0; i < a.k.length; i++) {
      out.k.push(tf.keep(tf.tidy(() => tf.concat([widen(a.k[i]!, a.length), widen(b.k[i]!, b.length)], 0))));
      out.v.push(tf.keep(tf.tidy(() => tf.concat([widen(a.v[i]!, a.length), widen(b.v[i]!, b.length)], 0))));
    }
    tf.dispose([...a.k, ...a.v, ...b.k, ...b.v]);
    return out;
  }

  /** Keeps rows `keep` of the batch's caches, and drops the columns that are padding in all of them. */
  function select(keep: number[]) {
    if (keep.length === 0) return reset();
    const rows = keep.map((i) => live[i]!);
    // columns that are padding in every kept row go too: attention's cost grows with the cache's
    // width, and the rows are copied here anyway
    const trim = Math.min(...rows.map((r) => r.pad));
    const L = cache.length - trim;
    // a copy of each kept row, then of each row and head's kept columns (on wasm, wasm-kernels.ts
    // copies both in runs: tfjs-wasm gathered 4-D tensors element by element, 34 ms a compaction
    // at 60 rows)
    const idx = tf.tensor1d(Int32Array.from(keep), "int32");
    const cut = (t: TF.Tensor) =>
      tf.keep(
        tf.tidy(() => {
          const kept = tf.gather(t, idx);
          return trim ? kept.slice([0, 0, trim, 0], [-1, -1, L, -1]) : kept;
        }),
      );
    const next: KvCache = { k: cache.k.map(cut), v: cache.v.map(cut), length: L };
    tf.dispose([...cache.k, ...cache.v, idx]);
    cache = next;
    for (const r of rows) r.pad -= trim;
    live = rows;
  }

  /**
   * Each row picks its next token from its scores (row i of `values`, over L cached positions);
   * ended rows feed padding.
   */
  function pick(rows: Live[], values: Float32Array, L: number): Int32Array {
    const width = scoreWidth(config, L);
    const next = new Int32Array(rows.length).fill(pad);
    for (const [i, l] of rows.entries()) {
      if (l.row.done) continue;
      if (l.req.events.signal?.aborted) {
        l.row.done = true;
        continue;
      }
      const { choice, text } = pickToken(l.row, values, i * width, l.req.o, k, L);
      l.req.events.onToken?.(l.index, choice, text);
      next[i] = choice.id;
      if (--l.left <= 0 || l.position + 1 >= config.contextLength) l.row.done = true;
    }
    for (const req of new Set(rows.filter((l) => l.row.done).map((l) => l.req)))
      if (!req.finished && req.rows.every((r) => r.done)) {
        req.finished = true;
        req.resolve(req.rows.map((r) => r.out));
      }
    return next;
  }

  async function loop() {
    let next: Int32Array = new Int32Array(0);
    while (!closed && (live.length > 0 || waiting.length > 0)) {
      // 1. every row picks its next token from the last step's logits
      if (logits) {
        const values = (await logits.data()) as Float32Array;
        logits.dispose();
        logits = null;
        next = pick(live, values, cache.length);
      }
      // 2. Waiting requests join while they fit (one always does into an empty batch). A join
      // costs about a decode step whatever it brings (a prefill, and the caches copied), so
      // waiting requests join together: once those that fit bring a quarter of the batch's rows,
      // or once there has been room for them for `joinDelay` steps. (Joining each as it fitted, at
      // eight samples per request, made 155 joins in a 1,150-step round of the eval bench; now 75.)
      // Ended rows leave the caches when requests join or once they are a quarter of the batch;
      // until then they decode padding, which costs less than copying the caches each time a row ends
      const alive = live.flatMap((l, i) => (l.row.done ? [] : [i]));
      // the waiting requests that fit, in order (the first always fits an empty batch), and their rows
      let fitting = 0;
      let fit = 0;
      for (const w of waiting) {
        if (fit + rowsOf(w) > maxRows - alive.length && (alive.length > 0 || fitting > 0)) break;
        fit += rowsOf(w);
        fitting++;
      }
      if (fit === 0) roomSince = null;
      else roomSince ??= step;
      const join =
        waiting.length > 0 &&
        (alive.length === 0 || (fit > 0 && (fit >= maxRows / 4 || step - roomSince! >= joinDelay)));
      const dead = live.length - alive.length;
      if (dead > 0 && (join || alive.length === 0 || dead * 4 >= live.length)) {
        const kept = Int32Array.from(alive, (i) => next[i]!);
        select(alive);
        next = kept;
      }
      if (join) {
        roomSince = null;
        const joined = prefill(waiting.splice(0, fitting));
        cache = merge(cache, joined.cache);
        live = [...live, ...joined.rows];
        // every row's cache ends at the last column: what is left of its own length is padding
        for (const r of live) r.pad = cache.length - r.position;
        const values = (await joined.logits.data()) as Float32Array;
        joined.logits.dispose();
        // its scores span the joined rows' own prefill columns, which merge leaves as they were
        const first = pick(joined.rows, values, joined.cache.length);
        const both = new Int32Array(live.length);
        both.set(next);
        both.set(first, next.length);
        next = both;
      }
      peak = Math.max(peak, live.filter((l) => !l.row.done).length);
      await yieldToEventLoop(); // new requests arrive, streamed tokens reach their sockets
      if (live.every((l) => l.row.done)) {
        reset();
        next = new Int32Array(0);
        continue;
      }
      // 3. one decode step for every row in the caches
      const R = live.length;
      const L = cache.length + 1;
      logits = tf.tidy(() => {
        const bias = new Float32Array(R * L);
        for (const [i, l] of live.entries()) for (let t = 0; t < l.pad; t++) bias[i * L + t] = -1e9;
        return decodeStep(
          model,
          tf.tensor2d(next, [R, 1], "int32"),
          tf.tensor2d(
            Int32Array.from(live, (l) => l.position),
            [R, 1],
            "int32",
          ),
          tf.tensor(bias, [R, 1, 1, L]),
          cache,
        );
      });
      for (const l of live) l.position++;
      step++;
    }
  }

  const kick = () => {
    running ??= loop()
      .catch((error: Error) => {
        for (const req of [...new Set(live.map((l) => l.req)), ...waiting.splice(0)]) req.reject(error);
        reset();
      })
      .finally(() => {
        running = null;
        if (!closed && waiting.length > 0) kick();
      });
  };

  return {
    complete(prompts, options, events = {}) {
      const o = SampleOptions.parse(options);
      if (prompts.length === 0) return Promise.resolve([]);
      const P = Math.max(...prompts.map((p) => p.length));
      if (P >= config.contextLength)
        return Promise.reject(
          new RangeError(`prompt of ${P} tokens leaves no room in a ${config.contextLength}-token context`),
        );
      return new Promise<Completion[]>((resolve, reject) => {
        waiting.push({ prompts, o, events, rows: [], finished: false, resolve, reject });
        kick();
      });
    },
    load: () => ({ rows: live.filter((l) => !l.row.done).length, waiting: waiting.length, peak }),
    async close() {
      closed = true;
      await running;
      // requests mid-generation or waiting get an answer too, not a promise that never settles
      const open = [...new Set(live.map((l) => l.req)), ...waiting.splice(0)].filter((r) => !r.finished);
      for (const req of open) req.reject(new Error("the engine was closed"));
      reset();
    },
  };
}
