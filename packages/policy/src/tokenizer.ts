// A byte-level BPE tokenizer trained on our own corpus (as nanochat trains its own), with the
// special tokens of the chat format. Any UTF-8 text round-trips exactly: everything is bytes first.
import { z } from "zod";

export const SPECIAL_TOKENS = [
  "<|bos|>",
  "<|end|>",
  "<|system|>",
  "<|user|>",
  "<|assistant|>",
  "<|tool|>",
  "<|pad|>",
] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

export const TokenizerData = z.object({
  kind: z.enum(["bpe", "bytes"]),
  /** How text is split before BPE (see PRETOKENIZERS); files from before the field keep "v1". */
  pretokenizer: z.enum(["v1", "v2", "v3"]).default("v1"),
  /** Merges in order: [left id, right id]; merge i makes token 256 + i. */
  merges: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])),
});
export type TokenizerData = z.infer<typeof TokenizerData>;

/**
 * How text is split before BPE: letters run together (with one leading space), other symbols run
 * together, whitespace on its own, and digits stand alone so that arithmetic sees every digit.
 * v1 let a digit take the space before it (" 1"), so a number's first digit was a different
 * token from its other digits; a model trained on 2-digit numbers then learned "the tens digit is
 * the one after a space" and read "147" as "17" (measured on 3-digit addition). v2 (what new
 * tokenizers use) gives a space before a digit to the word or symbol in front of it ("is ",
 * " + ", ": "), so a digit is the same token wherever it stands and digit-heavy text costs no more
 * tokens than in v1 (a space on its own costs 40% more on worked arithmetic).
 * v3 keeps v2's symbols but never gives a word the space after it, so a word is the same tokens
 * wherever it stands: in v2 the name in a table row ("Niklaus 76") was " Niklaus " and the same
 * name in a sentence " Nikla"+"us", and a small model could not match the two (the browser task
 * table-lookup; measured in the policy README). The space before a number is then a token.
 */
const PRETOKENIZERS = {
  v1: / ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu,
  v2: / ?\p{L}+(?: (?=\p{N}))?|\p{N}| ?[^\s\p{L}\p{N}]+(?: (?=\p{N}))?|\s+(?!\S)|\s+/gu,
  v3: / ?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+(?: (?=\p{N}))?|\s+(?!\S)|\s+/gu,
} as const;
export type Pretokenizer = keyof typeof PRETOKENIZERS;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

export interface Tokenizer {
  readonly kind: "bpe" | "bytes";
  readonly vocabSize: number;
  /** Ids of the special tokens. */
  readonly special: Record<SpecialToken, number>;
  /** Plain text to ids; special-token spellings in the text are encoded as ordinary bytes. */
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** Bytes of one token (special tokens have none), for streaming decode. */
  tokenBytes(id: number): Uint8Array;
  toJSON(): TokenizerData;
}

export function createTokenizer(data: TokenizerData): Tokenizer {
  const { kind, merges, pretokenizer } = TokenizerData.parse(data);
  const PRETOKEN = PRETOKENIZERS[pretokenizer];
  const bytes: Uint8Array[] = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
  const rank = new Map<number, number>();
  merges.forEach(([a, b], i) => {
    if (a >= 256 + i || b >= 256 + i) throw new Error(`tokenizer merge ${i} refers to a later token`);
    bytes.push(concatBytes(bytes[a]!, bytes[b]!));
    rank.set(a * 1_000_003 + b, i);
  });
  const base = 256 + merges.length;
  const special = Object.fromEntries(SPECIAL_TOKENS.map((t, i) => [t, base + i])) as Record<
    SpecialToken,
    number
  >;
  const cache = new Map<string, number[]>();

  function encodeChunk(chunk: string): number[] {
    const cached = cache.get(chunk);
    if (cached) return cached;
    let ids = Array.from(encoder.encode(chunk));
    while (ids.length > 1) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i < ids.length - 1; i++) {
        const r = rank.get(ids[i]! * 1_000_003 + ids[i + 1]!);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const merged: number[] = [];
      const [a, b] = merges[bestRank]!;
      for (let i = 0; i < ids.length; i++) {
        if (i < ids.length - 1 && ids[i] === a && ids[i + 1] === b) {
          merged.push(256 + bestRank);
          i++;
        } else merged.push(ids[i]!);
      }
      ids = merged;
    }
    if (cache.size < 100_000) cache.set(chunk, ids);
    return ids;
  }

  return {
    kind,
    vocabSize: base + SPECIAL_TOKENS.length,
    special,
    encode(text) {
      if (kind === "bytes") return Array.from(encoder.encode(text));
      const out: number[] = [];
      for (const m of text.matchAll(PRETOKEN)) for (const id of encodeChunk(m[0])) out.push(id);
      return out;
    },
    decode(ids) {
      const parts: Uint8Array[] = [];
      for (const id of ids) {
        if (id < base) parts.push(bytes[id]!);
        else if (id >= base + SPECIAL_TOKENS.length || id < 0 || !Number.isInteger(id))
          throw new RangeError(`token id ${id} out of range`);
      }
      return decoder.decode(concatBytes(...parts));
    },
    tokenBytes: (id) => (id < base ? bytes[id]! : new Uint8Array(0)),
    toJSON: () => ({ kind, pretokenizer, merges: merges.map(([a, b]) => [a, b] as [number, number]) }),
  };
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Learns `vocabSize - 256 - specials` merges from `texts`: counts pre-token frequencies, then
 * repeatedly merges the most frequent adjacent pair (ties broken by the smaller pair, so training
 * is deterministic).
 */
export function trainTokenizer(
  texts: Iterable<string>,
  vocabSize: number,
  pretokenizer: Pretokenizer = "v2",
): Tokenizer {
  const PRETOKEN = PRETOKENIZERS[pretokenizer];
  const nMerges = vocabSize - 256 - SPECIAL_TOKENS.length;
  if (nMerges < 0) throw new RangeError(`vocabSize must be at least ${256 + SPECIAL_TOKENS.length}`);
  const counts = new Map<string, number>();
  for (const text of texts)
    for (const m of text.matchAll(PRETOKEN)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  const words = [...counts].map(([w, c]) => ({ ids: Array.from(encoder.encode(w)), count: c }));
  const merges: [number, number][] = [];
  for (let k = 0; k < nMerges; k++) {
    const pairs = new Map<number, number>();
    for (const { ids, count } of words)
      for (let i = 0; i < ids.length - 1; i++) {
        const key = ids[i]! * 1_000_003 + ids[i + 1]!;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    let bestKey = -1;
    let bestCount = 1; // a pair seen once is not worth a token
    for (const [key, count] of pairs)
      if (count > bestCount || (count === bestCount && bestKey >= 0 && key < bestKey)) {
        bestKey = key;
        bestCount = count;
      }
    if (bestKey < 0) break;
    const a = Math.floor(bestKey / 1_000_003);
    const b = bestKey % 1_000_003;
    const id = 256 + merges.length;
    merges.push([a, b]);
    for (const w of words) {
      if (w.ids.length < 2) continue;
      const next: number[] = [];
      for (let i = 0; i < w.ids.length; i++) {
        if (i < w.ids.length - 1 && w.ids[i] === a && w.ids[i + 1] === b) {
          next.push(id);
          i++;
        } else next.push(w.ids[i]!);
      }
      w.ids = next;
    }
  }
  return createTokenizer({ kind: "bpe", pretokenizer, merges });
}

/** Bytes only: 256 byte tokens plus the specials; for ASCII text, one token per character. */
export function byteTokenizer(): Tokenizer {
  return createTokenizer({ kind: "bytes", pretokenizer: "v2", merges: [] });
}
