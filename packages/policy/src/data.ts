// Token rows for training: whole documents (pretraining) or whole conversations (SFT, loss on
// assistant tokens only) packed into rows that each start at a boundary. Batches are a pure function of
// (seed, step), so resuming at a step resumes the data stream exactly.
import fs from "node:fs";
import { ChatMessage, createRng } from "@reasonlab/env-math";
import { parseJsonLines } from "@reasonlab/runs";
import { z } from "zod";
import { renderChat } from "./chat.js";
import type { Tokenizer } from "./tokenizer.js";

export interface Rows {
  /** Row length in tokens (the model's context T). */
  T: number;
  count: number;
  inputs: Int32Array;
  targets: Int32Array;
  /** 1 where the target counts toward the loss. */
  weights: Float32Array;
  /** Documents or conversations cut short to fit a row. */
  truncated: number;
}

function emptyRows(T: number, count: number): Rows {
  return {
    T,
    count,
    inputs: new Int32Array(count * T),
    targets: new Int32Array(count * T),
    weights: new Float32Array(count * T),
    truncated: 0,
  };
}

/**
 * Whole documents (each opened by <|bos|>) packed greedily into rows of T + 1 tokens, padded, so
 * every row starts at a document boundary and no document is cut across rows (nanochat's
 * BOS-aligned loader). A plain stream cut into windows starts half its rows mid-document, where
 * the problem a solution answers is out of sight (600 steps of 1-2 digit addition: 13% correct in
 * document format that way, 17% this way). Documents longer than a row are cut (`truncated`).
 */
export function pretrainRows(tok: Tokenizer, documents: Iterable<string>, T: number): Rows {
  const bos = tok.special["<|bos|>"];
  return packRows(
    tok,
    Array.from(documents, (doc) => {
      const ids = [bos, ...tok.encode(doc)];
      return { ids, train: ids.map(() => 1) };
    }),
    T,
  );
}

/**
 * Whole conversations packed greedily into rows of T + 1 tokens, padded; loss on assistant tokens,
 * or on every token after <|bos|> with `everyToken` (pretraining on conversations: the pages an
 * operator reads teach it their text, and copying, twenty times as many targets as its replies).
 */
export function sftRows(
  tok: Tokenizer,
  conversations: Iterable<readonly ChatMessage[]>,
  T: number,
  { everyToken = false } = {},
): Rows {
  return packRows(
    tok,
    Array.from(conversations, (messages) => {
      const { ids, trainable } = renderChat(tok, messages);
      return { ids, train: everyToken ? ids.map((_, i) => (i === 0 ? 0 : 1)) : trainable };
    }),
    T,
  );
}

/** Sequences packed in order into rows of T + 1 tokens; `train[i]` says whether token i is a target. */
function packRows(tok: Tokenizer, sequences: readonly { ids: number[]; train: number[] }[], T: number): Rows {
  const packed: { ids: number[]; train: number[] }[] = [];
  let current = { ids: [] as number[], train: [] as number[] };
  let truncated = 0;
  for (let { ids, train } of sequences) {
    if (ids.length > T + 1) {
      truncated++;
      ids = ids.slice(0, T + 1);
      train = train.slice(0, T + 1);
    }
    if (current.ids.length + ids.length > T + 1) {
      packed.push(current);
      current = { ids: [], train: [] };
    }
    current.ids.push(...ids);
    current.train.push(...train);
  }
  if (current.ids.length > 0) packed.push(current);
  const rows = emptyRows(T, packed.length);
  const pad = tok.special["<|pad|>"];
  packed.forEach(({ ids, train }, r) => {
    for (let t = 0; t < T; t++) {
      rows.inputs[r * T + t] = ids[t] ?? pad;
      rows.targets[r * T + t] = ids[t + 1] ?? pad;
      rows.weights[r * T + t] = train[t + 1] ?? 0;
    }
  });
  rows.truncated = truncated;
  return rows;
}

export interface Batch {
  B: number;
  T: number;
  inputs: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
  /** Tokens that count toward the loss. */
  tokens: number;
}

/** A batch cut in two by rows (the first half takes the extra row of an odd batch): for two workers' gradients. */
export function splitBatch(b: Batch): [Batch, Batch] {
  const half = (from: number, to: number): Batch => {
    const part = {
      B: to - from,
      T: b.T,
      inputs: b.inputs.slice(from * b.T, to * b.T),
      targets: b.targets.slice(from * b.T, to * b.T),
      weights: b.weights.slice(from * b.T, to * b.T),
      tokens: 0,
    };
    for (const w of part.weights) part.tokens += w;
    return part;
  };
  const h = Math.ceil(b.B / 2);
  return [half(0, h), half(h, b.B)];
}

/**
 * The rows of batch `index`: row k of the stream is entry k mod N of epoch floor(k / N)'s seeded
 * permutation. Stateless, so any step can be drawn again after a restart.
 */
export function batchAt(rows: Rows, index: number, B: number, seed: number): Batch {
  if (rows.count === 0) throw new Error("no training rows: the corpus is smaller than one context window");
  const { T } = rows;
  const batch: Batch = {
    B,
    T,
    inputs: new Int32Array(B * T),
    targets: new Int32Array(B * T),
    weights: new Float32Array(B * T),
    tokens: 0,
  };
  for (let b = 0; b < B; b++) {
    const k = index * B + b;
    const r = permutation(rows.count, seed, Math.floor(k / rows.count))[k % rows.count]!;
    batch.inputs.set(rows.inputs.subarray(r * T, (r + 1) * T), b * T);
    batch.targets.set(rows.targets.subarray(r * T, (r + 1) * T), b * T);
    batch.weights.set(rows.weights.subarray(r * T, (r + 1) * T), b * T);
  }
  for (const w of batch.weights) batch.tokens += w;
  return batch;
}

let cached: { key: string; perm: Uint32Array } | null = null;
function permutation(n: number, seed: number, epoch: number): Uint32Array {
  const key = `${n}:${seed}:${epoch}`;
  if (cached?.key === key) return cached.perm;
  const rng = createRng("epoch", seed, epoch);
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  cached = { key, perm };
  return perm;
}

/**
 * Chats from a JSONL file, one {messages: [...]} per line, such as the operator's expert
 * demonstrations (`reasonlab web-tasks demos`): SFT on what another program wrote.
 */
export const ChatsConfig = z.object({
  /** The file, relative to the working directory. */
  path: z.string().min(1),
  /** Every n-th chat is held out (for held-out loss) and never trained on. */
  heldOutEvery: z.number().int().min(2).default(20),
});
export type ChatsConfig = z.infer<typeof ChatsConfig>;

const ChatLine = z.object({
  messages: z.array(ChatMessage).min(1),
});

/** A chats file's conversations, or an error naming the line and field. */
export function readChats(file: string): ChatMessage[][] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`chats: cannot read ${file}: ${(e as Error).message}`);
  }
  const out: ChatMessage[][] = parseJsonLines(text, ChatLine, file).map((l) => l.messages);
  if (out.length === 0) throw new Error(`chats: ${file} holds no chats`);
  return out;
}

/**
 * A chats config's file split into the chats trained on and every `heldOutEvery`-th one held out:
 * one rule, so an RL stage's replay of an SFT stage's chats never trains on its held-out ones.
 */
export function chatSplits(c: ChatsConfig): { train: ChatMessage[][]; heldOut: ChatMessage[][] } {
  const chats = readChats(c.path);
  return {
    train: chats.filter((_, i) => i % c.heldOutEvery !== 0),
    heldOut: chats.filter((_, i) => i % c.heldOutEvery === 0),
  };
}
