// A small seeded PRNG (sfc32, seeded through splitmix32) so every generator is reproducible
// everywhere: same seed, same problems, on any machine and Node version.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
  chance(p: number): boolean;
}

/** FNV-1a over the string's UTF-16 units, then mixed: a stable 32-bit hash. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A generator seeded by any mix of numbers and strings, e.g. rng("add", 3, 42). */
export function createRng(...seed: (number | string)[]): Rng {
  let s = hash32(seed.map(String).join("\u0000"));
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    return mix32(s);
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) next32();
  const rng: Rng = {
    next: () => next32() / 4294967296,
    int(lo, hi) {
      if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo)
        throw new RangeError(`rng.int(${lo}, ${hi})`);
      const span = hi - lo + 1;
      // two draws give 53 random bits: unbiased enough for any span we use
      const r = (next32() >>> 5) * 67108864 + (next32() >>> 6);
      return lo + Math.floor((r / 9007199254740992) * span);
    },
    pick: (items) => {
      if (items.length === 0) throw new RangeError("rng.pick on an empty list");
      return items[rng.int(0, items.length - 1)]!;
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    chance: (p) => rng.next() < p,
  };
  return rng;
}

/**
 * A bare uniform stream in [0, 1) from a 32-bit seed (mulberry32), for hot loops that draw
 * millions of numbers and need nothing else: a model's initial weights, bootstrap resamples.
 * It is the one other generator the project uses, kept beside createRng rather than copied into
 * each package; the weights and intervals that tests and READMEs pin were drawn from it.
 */
export function uniformStream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
