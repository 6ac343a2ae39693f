// A decoder-only transformer in TensorFlow.js, written once for every backend: only ops that
// wasm, cpu and webgpu all have, no tensor above rank 4, no gather in the backward pass.
// Small models are bound by per-op overhead, so the forward pass keeps activations as 2-D
// [tokens, width] matrices and fuses what it can (one qkv matmul, one rotary pass for q and k).
// On webgpu, embedding, norms, attention and the loss run as fused WGSL kernels (src/fused/).
import { uniformStream } from "@reasonlab/env-math";
import type * as TF from "@tensorflow/tfjs";
import { z } from "zod";
import { fusedOps, MAX_HEAD } from "./fused/index.js";
import { NORM_EPS } from "./fused/norm.js";
import { wasmNormInference } from "./wasm-kernels.js";
import { batchMatMul } from "./wasm-matmul.js";

/** The fields of a model config, without the cross-field check (for deriving other schemas). */
export const ModelShape = z.object({
  vocabSize: z.number().int().min(2),
  dModel: z.number().int().min(8),
  nLayers: z.number().int().min(1),
  nHeads: z.number().int().min(1),
  contextLength: z.number().int().min(2),
  positions: z.enum(["rotary", "learned"]).default("rotary"),
  mlp: z.enum(["relu2", "relu", "gelu", "swiglu"]).default("relu2"),
  mlpRatio: z.number().positive().default(4),
  norm: z.enum(["rmsnorm", "layernorm"]).default("rmsnorm"),
  tiedEmbeddings: z.boolean().default(true),
  ropeBase: z.number().positive().default(10_000),
  /**
   * A copy (pointer) head: the next token is a mixture of the vocabulary softmax and a copy of a
   * token already in the context, chosen by one attention over the final hidden states. What an
   * agent writes (a name the goal quotes, a value to type) is then one attention away.
   */
  copy: z.boolean().default(false),
});

export const ModelConfig = ModelShape.refine(
  (c) => c.dModel % c.nHeads === 0 && (c.dModel / c.nHeads) % 2 === 0,
  {
    message: "dModel / nHeads must be a whole, even head size",
    path: ["nHeads"],
  },
);
export type ModelConfig = z.infer<typeof ModelConfig>;
export type ModelConfigInput = z.input<typeof ModelConfig>;

type Tensor = TF.Tensor;

export interface Model {
  tf: typeof TF;
  config: ModelConfig;
  /** Trainable weights by name, in a fixed order (the checkpoint's order). */
  params: Map<string, TF.Variable>;
}

/**
 * x @ w (x @ wT with `transposeW`) for 2-D matrices. tfjs-wasm multiplies untransposed matrices
 * through XNNPACK but falls back to a naive loop (10x slower, measured) whenever transposeA or
 * transposeB is set, which is what matMul's own gradient does. On wasm and cpu w is transposed
 * explicitly (a cheap copy) and the gradient here does the same; other backends keep the
 * built-in gradient and transpose inside the matmul.
 */
export function linear(model: Model, x: Tensor, w: Tensor, transposeW = false): TF.Tensor2D {
  const { tf } = model;
  const backend = tf.getBackend();
  if (backend !== "wasm" && backend !== "cpu")
    return tf.matMul(x as TF.Tensor2D, w as TF.Tensor2D, false, transposeW);
  if (transposeW) w = w.transpose();
  const f = tf.customGrad((...args: unknown[]) => {
    const [a, b, save] = args as [TF.Tensor2D, TF.Tensor2D, (t: Tensor[]) => void];
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sa, sb] = saved as [TF.Tensor2D, TF.Tensor2D];
        return [tf.matMul(dy as TF.Tensor2D, sb.transpose()), tf.matMul(sa.transpose(), dy as TF.Tensor2D)];
      },
    };
  });
  return f(x, w) as TF.Tensor2D;
}

const headSize = (c: ModelConfig) => c.dModel / c.nHeads;
const hiddenSize = (c: ModelConfig) => Math.round((c.dModel * c.mlpRatio) / 8) * 8 || 8;

/** Every weight: name, shape and how it starts. */
export function paramSpecs(
  c: ModelConfig,
): { name: string; shape: number[]; init: "normal" | "ones" | "zeros"; std?: number }[] {
  const d = c.dModel;
  const h = hiddenSize(c);
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * c.nLayers); // GPT-2: keep the residual stream's variance flat with depth
  const norm = (name: string) => [
    { name: `${name}.g`, shape: [d], init: "ones" as const },
    ...(c.norm === "layernorm" ? [{ name: `${name}.b`, shape: [d], init: "zeros" as const }] : []),
  ];
  const specs: ReturnType<typeof paramSpecs> = [
    { name: "wte", shape: [c.vocabSize, d], init: "normal", std },
  ];
  if (c.positions === "learned")
    specs.push({ name: "wpe", shape: [c.contextLength, d], init: "normal", std: 0.01 });
  for (let i = 0; i < c.nLayers; i++) {
    specs.push(
      ...norm(`h${i}.norm1`),
      { name: `h${i}.attn.qkv`, shape: [d, 3 * d], init: "normal", std },
      { name: `h${i}.attn.proj`, shape: [d, d], init: "normal", std: residualStd },
      ...norm(`h${i}.norm2`),
      { name: `h${i}.mlp.fc`, shape: [d, c.mlp === "swiglu" ? 2 * h : h], init: "normal", std },
      { name: `h${i}.mlp.proj`, shape: [h, d], init: "normal", std: residualStd },
    );
  }
  specs.push(...norm("normf"));
  if (c.copy)
    specs.push(
      { name: "copy.q", shape: [d, d], init: "normal", std },
      { name: "copy.k", shape: [d, d], init: "normal", std },
      { name: "copy.gate", shape: [d, 1], init: "normal", std },
      { name: "copy.gate_b", shape: [1], init: "zeros" },
    );
  if (!c.tiedEmbeddings) specs.push({ name: "lm_head", shape: [d, c.vocabSize], init: "normal", std });
  return specs;
}

export function countParams(c: ModelConfig): number {
  return paramSpecs(c).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

let modelCount = 0;

/** Seeded initial weights, drawn in JavaScript so every backend starts from the same numbers. */
export function initModel(
  tf: typeof TF,
  configInput: ModelConfigInput,
  seed: number,
  { empty = false } = {},
): Model {
  const config = ModelConfig.parse(configInput);
  const uniform = uniformStream((seed >>> 0) + 0x9e3779b9);
  const params = new Map<string, TF.Variable>();
  for (const spec of paramSpecs(config)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (spec.init === "ones") values.fill(1);
    else if (spec.init === "normal" && !empty)
      for (let i = 0; i < size; i++) {
        const u = Math.max(uniform(), 1e-12);
        values[i] = spec.std! * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
      }
    // tfjs variable names are global: suffix them so several models can live in one process
    params.set(spec.name, tf.variable(tf.tensor(values, spec.shape), true, `${spec.name}#${++modelCount}`));
  }
  return { tf, config, params };
}

/** A frozen copy with the same weights (a reference policy for KL). */
export function cloneModel(model: Model): Model {
  const { tf } = model;
  const params = new Map<string, TF.Variable>();
  for (const [name, v] of model.params)
    params.set(name, tf.variable(v.clone(), false, `${name}#${++modelCount}`));
  return { tf, config: model.config, params };
}

export function disposeModel(model: Model) {
  for (const v of model.params.values()) v.dispose();
  model.params.clear();
}

// ---- constants, built once per shape and kept ----

interface Constants {
  causal: Map<number, Tensor>;
  rope: Map<number, { cos: Tensor; sin: Tensor }>;
  ropeTable?: { cos: Tensor; sin: Tensor };
  swap?: Tensor;
}
const constantsOf = new WeakMap<Model, Constants>();
function constants(model: Model): Constants {
  let c = constantsOf.get(model);
  if (!c) {
    c = { causal: new Map(), rope: new Map() };
    constantsOf.set(model, c);
  }
  return c;
}

/** Frees the cached masks and rotary tables (the weights stay). */
export function disposeConstants(model: Model) {
  const c = constantsOf.get(model);
  if (!c) return;
  for (const t of c.causal.values()) t.dispose();
  for (const { cos, sin } of c.rope.values()) {
    cos.dispose();
    sin.dispose();
  }
  c.ropeTable?.cos.dispose();
  c.ropeTable?.sin.dispose();
  c.swap?.dispose();
  constantsOf.delete(model);
}

function causalMask(model: Model, T: number): Tensor {
  const c = constants(model);
  let m = c.causal.get(T);
  if (!m) {
    const values = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) values[i * T + j] = -1e9;
    m = model.tf.keep(model.tf.tensor(values, [T, T]));
    c.causal.set(T, m);
  }
  return m;
}

/**
 * Rotary tables for q and k together, laid out as [positions, 2H * 2 * hd/2]: for each head the
 * first and second halves of the head dimension. The sine carries the sign of rotate-half, and
 * q's entries carry the attention scale 1/sqrt(hd), which saves an op on the score matrix.
 */
function ropeRow(c: ModelConfig, pos: number, cos: Float32Array, sin: Float32Array, at: number) {
  const hd = headSize(c);
  const half = hd / 2;
  const scale = 1 / Math.sqrt(hd);
  for (let head = 0; head < 2 * c.nHeads; head++) {
    const s = head < c.nHeads ? scale : 1;
    for (let i = 0; i < half; i++) {
      const angle = pos / c.ropeBase ** ((2 * i) / hd);
      const base = at + head * hd;
      cos[base + i] = Math.cos(angle) * s;
      cos[base + half + i] = Math.cos(angle) * s;
      sin[base + i] = -Math.sin(angle) * s; // first half gets -x2 sin
      sin[base + half + i] = Math.sin(angle) * s; // second half gets +x1 sin
    }
  }
}

function ropeTable(model: Model): { cos: Tensor; sin: Tensor } {
  const c = constants(model);
  if (!c.ropeTable) {
    const cfg = model.config;
    const width = 2 * cfg.dModel;
    const cos = new Float32Array(cfg.contextLength * width);
    const sin = new Float32Array(cfg.contextLength * width);
    for (let p = 0; p < cfg.contextLength; p++) ropeRow(cfg, p, cos, sin, p * width);
    c.ropeTable = {
      cos: model.tf.keep(model.tf.tensor(cos, [cfg.contextLength, width])),
      sin: model.tf.keep(model.tf.tensor(sin, [cfg.contextLength, width])),
    };
  }
  return c.ropeTable;
}

/** Rotary factors for positions 0..T-1, shaped [1, T*2H, 2, hd/2] to broadcast over the batch. */
function ropeFor(model: Model, T: number) {
  const c = constants(model);
  let r = c.rope.get(T);
  if (!r) {
    const { tf, config } = model;
    const table = ropeTable(model);
    const shape = [1, T * 2 * config.nHeads, 2, headSize(config) / 2];
    r = tf.tidy(() => ({
      cos: tf.keep(table.cos.slice([0, 0], [T, -1]).reshape(shape)),
      sin: tf.keep(table.sin.slice([0, 0], [T, -1]).reshape(shape)),
    }));
    c.rope.set(T, r);
  }
  return r;
}

/**
 * Swaps the two halves of every head vector (rotate-half without its signs, which the sine table
 * carries), as a matmul with a constant permutation: wasm's Reverse is a slow generic loop, and
 * the permutation is its own transpose, so the gradient is the same matmul.
 */
function swapHalves(model: Model, x: TF.Tensor2D): TF.Tensor2D {
  const { tf } = model;
  const c = constants(model);
  const hd = x.shape[1];
  if (!c.swap) {
    const p = new Float32Array(hd * hd);
    for (let i = 0; i < hd; i++) p[((i + hd / 2) % hd) * hd + i] = 1;
    c.swap = tf.keep(tf.tensor2d(p, [hd, hd]));
  }
  const swap = c.swap as TF.Tensor2D;
  const f = tf.customGrad((...args: unknown[]) => {
    const [a] = args as [TF.Tensor2D];
    return { value: tf.matMul(a, swap), gradFunc: (dy: Tensor) => [tf.matMul(dy as TF.Tensor2D, swap)] };
  });
  return f(x) as TF.Tensor2D;
}

// ---- the forward pass ----

/** Embedding lookup whose gradient is a matmul with one-hot rows: wasm has no gather gradient. */
function embed(model: Model, ids: Tensor): Tensor {
  const { tf } = model;
  const V = model.config.vocabSize;
  const lookup = tf.customGrad((...args: unknown[]) => {
    const [table, flat, save] = args as [TF.Tensor2D, TF.Tensor1D, (t: Tensor[]) => void];
    save([flat]);
    return {
      value: tf.gather(table, flat),
      gradFunc: (dy: Tensor, saved: Tensor[]) => [
        tf.matMul(
          tf
            .oneHot(saved[0] as TF.Tensor1D, V)
            .toFloat()
            .transpose(),
          dy as TF.Tensor2D,
        ),
        tf.zerosLike(saved[0]!),
      ],
    };
  });
  return lookup(model.params.get("wte")!, ids.flatten()) as TF.Tensor2D;
}

function norm(model: Model, x: Tensor, name: string): Tensor {
  const { tf, params } = model;
  const g = params.get(`${name}.g`)!;
  const b = params.get(`${name}.b`) ?? null;
  const fused = fusedOps(tf);
  if (fused) return fused.norm(x, g, b, model.config.norm);
  const inference = wasmNormInference(tf);
  if (inference) return inference(x, g, b, model.config.norm);
  if (model.config.norm === "rmsnorm")
    return x.mul(tf.rsqrt(x.square().mean(-1, true).add(NORM_EPS.rmsnorm))).mul(g);
  const { mean, variance } = tf.moments(x, -1, true);
  return x
    .sub(mean)
    .mul(tf.rsqrt(variance.add(NORM_EPS.layernorm)))
    .mul(g)
    .add(b!);
}

function mlp(model: Model, x: Tensor, i: number): Tensor {
  const { tf, params, config } = model;
  const h = linear(model, x, params.get(`h${i}.mlp.fc`)!);
  let act: Tensor;
  if (config.mlp === "relu2") act = tf.relu(h).square();
  else if (config.mlp === "relu") act = tf.relu(h);
  else if (config.mlp === "gelu") {
    // tanh approximation: tfjs has no gelu op
    act = h.mul(tf.tanh(h.add(h.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1)).mul(0.5);
  } else {
    const [gate, up] = tf.split(h, 2, 1);
    act = gate!.mul(tf.sigmoid(gate!)).mul(up!);
  }
  return linear(model, act, params.get(`h${i}.mlp.proj`)!);
}

/**
 * Per-layer keys and values of the tokens seen so far, for incremental decoding. A model with a
 * copy head keeps one more entry (its keys, and the token ids as values): see `decodeScores`.
 */
export interface KvCache {
  k: Tensor[];
  v: Tensor[];
  /** Positions consumed so far. */
  length: number;
}

export interface ForwardOptions {
  /** Additive attention bias broadcast to [B, H, Tq, Tk]: causal and padding masks. */
  bias?: Tensor;
  /** Rotary factors for these query positions, [B or 1, Tq*2H, 2, hd/2]; default positions 0..T-1. */
  rope?: { cos: Tensor; sin: Tensor };
  /** Learned-position rows to add, [B or 1, Tq, D]; default positions 0..T-1. */
  positions?: Tensor;
  /** Appends this step's keys and values to the cache (and attends over all of it). */
  cache?: KvCache;
}

/** Appends keys and values [B, *, T, *] to entry `i` of the cache (along T); the whole entry. */
function extendCache(model: Model, cache: KvCache, i: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
  const { tf } = model;
  if (cache.k[i]) {
    k = tf.concat([cache.k[i]!, k], 2);
    v = tf.concat([cache.v[i]!, v], 2);
    cache.k[i]!.dispose();
    cache.v[i]!.dispose();
  }
  cache.k[i] = tf.keep(k);
  cache.v[i] = tf.keep(v);
  return [k, v];
}

/** Rotary positions applied to queries and keys qk [B*T, 2D] (q also takes the attention scale). */
function rotate(model: Model, qk: Tensor, rope: { cos: Tensor; sin: Tensor }, B: number, T: number): Tensor {
  const { config } = model;
  const hd = headSize(config);
  const q4 = qk.reshape([B, T * 2 * config.nHeads, 2, hd / 2]);
  return q4
    .mul(rope.cos)
    .add(
      swapHalves(model, qk.reshape([B * T * 2 * config.nHeads, hd]))
        .reshape(q4.shape)
        .mul(rope.sin),
    )
    .reshape([B * T, 2 * config.dModel]);
}

/** Final hidden states, [B*T, D], for token ids [B, T]. */
export function hidden(model: Model, ids: TF.Tensor2D, options: ForwardOptions = {}): TF.Tensor2D {
  const { tf, params, config } = model;
  const [B, T] = ids.shape;
  const D = config.dModel;
  const H = config.nHeads;
  const hd = headSize(config);
  const fused = fusedOps(tf);
  // the fused kernel adds learned positions 0..T-1 itself; explicit positions take the plain path
  const fusedEmbed = fused && !options.positions;
  let x = fusedEmbed
    ? fused.embed(ids.flatten(), params.get("wte")!, params.get("wpe") ?? null, T)
    : embed(model, ids);
  if (config.positions === "learned" && !fusedEmbed) {
    const pos = options.positions ?? params.get("wpe")!.slice([0, 0], [T, D]).expandDims(0);
    x = x
      .reshape([B, T, D])
      .add(pos)
      .reshape([B * T, D]);
  }
  const rope = config.positions === "rotary" ? (options.rope ?? ropeFor(model, T)) : null;
  const bias = options.bias ?? causalMask(model, T);
  for (let i = 0; i < config.nLayers; i++) {
    const xn = norm(model, x, `h${i}.norm1`);
    const qkv = linear(model, xn, params.get(`h${i}.attn.qkv`)!);
    let y: Tensor;
    if (fused && !options.cache && !options.bias && hd <= MAX_HEAD) {
      // one kernel from the qkv projection to the heads' output, causal mask included
      let input: Tensor = qkv;
      if (rope) {
        const [qk, v] = tf.split(qkv, [2 * D, D], 1) as [Tensor, Tensor];
        input = tf.concat([rotate(model, qk, rope, B, T), v], 1);
      }
      y = fused.attention(input, { B, T, H, scale: rope ? 1 : 1 / Math.sqrt(hd) });
    } else {
      let [qk, v] = tf.split(qkv, [2 * D, D], 1) as [Tensor, Tensor];
      if (rope) qk = rotate(model, qk, rope, B, T);
      const [q, kNew] = tf.split(qk.reshape([B, T, 2 * H, hd]).transpose([0, 2, 1, 3]), 2, 1) as [
        Tensor,
        Tensor,
      ];
      let k = kNew;
      let vh = v.reshape([B, T, H, hd]).transpose([0, 2, 1, 3]);
      if (options.cache) [k, vh] = extendCache(model, options.cache, i, k, vh);
      let scores = batchMatMul(tf, q, k, true);
      if (!rope) scores = scores.mul(1 / Math.sqrt(hd)); // rotary tables carry the scale already
      const att = tf.softmax(scores.add(bias));
      y = batchMatMul(tf, att, vh)
        .transpose([0, 2, 1, 3])
        .reshape([B * T, D]);
    }
    x = x.add(linear(model, y, params.get(`h${i}.attn.proj`)!));
    x = x.add(mlp(model, norm(model, x, `h${i}.norm2`), i));
  }
  if (options.cache) options.cache.length += T;
  return norm(model, x, "normf") as TF.Tensor2D;
}

/** Logits [N, V] for hidden states [N, D]. */
export function logitsOf(model: Model, h: TF.Tensor2D): TF.Tensor2D {
  const { params, config } = model;
  return config.tiedEmbeddings
    ? linear(model, h, params.get("wte")!, true)
    : linear(model, h, params.get("lm_head")!);
}

// ---- the copy head ----
//
// p(t) = (1 - g) softmax(logits)[t] + g * sum over context positions j <= i with x_j = t of a_ij,
// where a_i is one attention row over the final hidden states and g a sigmoid gate. Training
// takes the probability of the target alone (an elementwise match, no [B, T, V] tensor); the full
// distribution is built only where a temperature or the entropy needs it, and while decoding the
// mixture is taken in JavaScript from the attention row (`mixInto` in sample.ts).

/** Copy attention [B, T, L] of queries h [B*T, D] over keys [B, L, D] (bias [T, L] or broadcastable), and the gate [B*T]. */
function copyAttention(model: Model, h: TF.Tensor2D, B: number, T: number, keys: Tensor, bias: Tensor) {
  const { tf, params, config } = model;
  const D = config.dModel;
  const q = linear(model, h, params.get("copy.q")!).reshape([B, T, D]);
  const scores = batchMatMul(tf, q, keys, true)
    .mul(1 / Math.sqrt(D))
    .add(bias);
  const gate = tf
    .sigmoid(linear(model, h, params.get("copy.gate")!).add(params.get("copy.gate_b")!))
    .flatten();
  return { att: tf.softmax(scores) as TF.Tensor3D, gate };
}

const copyKeys = (model: Model, h: TF.Tensor2D, B: number, T: number) =>
  linear(model, h, model.params.get("copy.k")!).reshape([B, T, model.config.dModel]);

/**
 * log p(target) [B*T] for token ids [B, T] and their targets, from hidden states [B*T, D], under
 * the model's next-token distribution over `temperature` (the one rollouts were sampled from, so
 * RL's ratio compares like with like); with `full` also that whole distribution's
 * log-probabilities [B*T, V].
 */
function targetLogprobs(
  model: Model,
  inputs: TF.Tensor2D,
  targets: TF.Tensor2D,
  h: TF.Tensor2D,
  { full = false, temperature = 1 } = {},
): { logp: TF.Tensor1D; logq: TF.Tensor2D | null } {
  const { tf, config } = model;
  const [B, T] = inputs.shape;
  const V = config.vocabSize;
  const raw = logitsOf(model, h);
  const fused = fusedOps(tf);
  let onehot: Tensor | null = null;
  const labels = () => (onehot ??= tf.oneHot(targets.flatten() as TF.Tensor1D, V).toFloat());
  const crossEntropy = (logits: Tensor) =>
    fused
      ? fused.crossEntropy(logits, targets.flatten())
      : tf.losses.softmaxCrossEntropy(labels(), logits, undefined, 0, tf.Reduction.NONE);
  if (!config.copy) {
    const logits = temperature === 1 ? raw : (raw.div(temperature) as TF.Tensor2D);
    return { logp: crossEntropy(logits).neg() as TF.Tensor1D, logq: full ? tf.logSoftmax(logits) : null };
  }
  const { att, gate } = copyAttention(model, h, B, T, copyKeys(model, h, B, T), causalMask(model, T));
  const keep = gate.neg().add(1);
  if (full || temperature !== 1) {
    const copied = batchMatMul(tf, att, tf.oneHot(inputs, V).toFloat()).reshape([B * T, V]);
    const p = tf
      .softmax(raw)
      .mul(keep.expandDims(1))
      .add(copied.mul(gate.expandDims(1)));
    let logq = p.add(1e-20).log() as TF.Tensor2D;
    if (temperature !== 1) logq = tf.logSoftmax(logq.div(temperature)) as TF.Tensor2D;
    return { logp: logq.mul(labels()).sum(-1) as TF.Tensor1D, logq: full ? logq : null };
  }
  const vocab = crossEntropy(raw).neg().exp();
  const match = tf.equal(inputs.expandDims(1), targets.expandDims(2)).toFloat();
  const copied = att.mul(match).sum(-1).flatten();
  const p = vocab.mul(keep).add(copied.mul(gate));
  // the floor keeps log finite where neither part reaches the target; its gradient stays bounded
  return { logp: p.add(1e-20).log() as TF.Tensor1D, logq: null };
}

/**
 * What decoding picks each row's next token from, for the last of the Tq positions just run
 * (hidden states h [R*Tq, D] of token ids [R, Tq]), given the attention `bias` [R, 1, Tq, L] the
 * layers used. Without a copy head: logits [R, V]. With one: [R, V + 1 + 2L], each row's logits,
 * its gate, its copy attention over the L cached positions and the token id at each (as floats),
 * which `mixInto` turns into the mixture; the copy keys and ids join the cache as its last entry.
 */
function decodeScores(
  model: Model,
  ids: TF.Tensor2D,
  h: TF.Tensor2D,
  bias: Tensor,
  cache: KvCache,
): TF.Tensor2D {
  const { tf, config } = model;
  const [R, Tq] = ids.shape;
  const D = config.dModel;
  const last = h
    .reshape([R, Tq, D])
    .slice([0, Tq - 1, 0], [R, 1, D])
    .reshape([R, D]) as TF.Tensor2D;
  const logits = logitsOf(model, last);
  if (!config.copy) return logits;
  const [keys, held] = extendCache(
    model,
    cache,
    config.nLayers,
    copyKeys(model, h, R, Tq).expandDims(1),
    ids.toFloat().reshape([R, 1, Tq, 1]),
  );
  const L = keys.shape[2]!;
  const rowBias = (bias.shape[2] === 1 ? bias : bias.slice([0, 0, Tq - 1, 0], [-1, -1, 1, -1])).reshape([
    R,
    1,
    L,
  ]);
  const { att, gate } = copyAttention(model, last, R, 1, keys.reshape([R, L, D]), rowBias);
  return tf.concat(
    [logits, gate.reshape([R, 1]), att.reshape([R, L]), held.reshape([R, L])],
    1,
  ) as TF.Tensor2D;
}

/**
 * One incremental step while decoding: token ids [R, Tq] at explicit positions [R, Tq] (left-padded
 * rows start at 0 after their padding), attending with `bias` [R, 1, Tq, L] over the cache they
 * join; the scores each row picks its next token from (`decodeScores`).
 */
export function decodeStep(
  model: Model,
  ids: TF.Tensor2D,
  positions: TF.Tensor2D,
  bias: Tensor,
  cache: KvCache,
): TF.Tensor2D {
  const h = hidden(model, ids, {
    bias,
    cache,
    ...(model.config.positions === "rotary"
      ? { rope: ropeAt(model, positions) }
      : { positions: positionRows(model, positions) }),
  });
  return decodeScores(model, ids, h, bias, cache);
}

/** Width of a row of `decodeScores` over L cached positions. */
export const scoreWidth = (c: ModelConfig, L: number) => c.vocabSize + (c.copy ? 1 + 2 * L : 0);

/**
 * Mean cross-entropy of predicting `targets` [B, T] at the positions where `weights` [B, T] is 1
 * (all positions without weights). softmaxCrossEntropy's gradient is softmax - onehot, one op.
 */
export function lossOf(
  model: Model,
  inputs: TF.Tensor2D,
  targets: TF.Tensor2D,
  weights?: TF.Tensor2D,
): TF.Scalar {
  const perToken = targetLogprobs(model, inputs, targets, hidden(model, inputs)).logp.neg();
  if (!weights) return perToken.mean() as TF.Scalar;
  const w = weights.flatten();
  return perToken.mul(w).sum().div(w.sum().maximum(1)) as TF.Scalar;
}

/**
 * A batch's loss and its gradients (keyed by the variables' tfjs names), as the trainer and the
 * gradient worker both take them.
 */
export function batchGradients(
  model: Model,
  b: { B: number; T: number; inputs: Int32Array; targets: Int32Array; weights: Float32Array },
  vars: TF.Variable[],
) {
  const { tf } = model;
  return tf.tidy(() => {
    const x = tf.tensor2d(b.inputs, [b.B, b.T], "int32");
    const y = tf.tensor2d(b.targets, [b.B, b.T], "int32");
    const w = tf.tensor2d(b.weights, [b.B, b.T]);
    return tf.variableGrads(() => lossOf(model, x, y, w), vars);
  });
}

/** Log-probabilities of `targets` under the model, [B, T]: the quantity RL takes gradients of. */
export function tokenLogprobs(model: Model, inputs: TF.Tensor2D, targets: TF.Tensor2D): TF.Tensor2D {
  return policyTerms(model, inputs, targets).logp;
}

/**
 * Log-probabilities of `targets` [B, T], and with `entropy` the entropy of each next-token
 * distribution [B, T], from one forward pass: what a policy-gradient loss needs.
 */
export function policyTerms(
  model: Model,
  inputs: TF.Tensor2D,
  targets: TF.Tensor2D,
  { entropy = false, temperature = 1 } = {},
) {
  const [B, T] = inputs.shape;
  const h = hidden(model, inputs);
  const { logp, logq } = targetLogprobs(model, inputs, targets, h, { full: entropy, temperature });
  return {
    logp: logp.reshape([B, T]) as TF.Tensor2D,
    entropy: logq ? (logq.exp().mul(logq).sum(-1).neg().reshape([B, T]) as TF.Tensor2D) : null,
  };
}

/** Rotary factors for explicit positions [B, T] (left-padded batches while sampling). */
export function ropeAt(model: Model, positions: TF.Tensor2D): { cos: Tensor; sin: Tensor } {
  const { tf, config } = model;
  const [B, T] = positions.shape;
  const table = ropeTable(model);
  const shape = [B, T * 2 * config.nHeads, 2, headSize(config) / 2];
  const flat = positions.flatten();
  return { cos: tf.gather(table.cos, flat).reshape(shape), sin: tf.gather(table.sin, flat).reshape(shape) };
}

/** Learned-position rows for explicit positions [B, T]. */
export function positionRows(model: Model, positions: TF.Tensor2D): Tensor {
  const [B, T] = positions.shape;
  return model.tf.gather(model.params.get("wpe")!, positions.flatten()).reshape([B, T, model.config.dModel]);
}
