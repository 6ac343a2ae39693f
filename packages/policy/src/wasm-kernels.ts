// JavaScript kernels for tfjs-wasm's slow paths, working on the wasm heap in place. Profiling one
// training step of the small reference model (`npm run bench -- --profile`) showed memory-bound
// ops, not the matmuls, running far below what the machine does:
//   Transpose [1024, 512]              4.3 ms  (a generic N-D loop)  -> 0.4-0.8 ms in 4x4 tiles
//   Sum over rows of [1024, 128]       1.1 ms  (transposes first)    -> 0.3 ms
//   GatherV2 of 1024 embedding rows    4.0 ms                        -> rows copied, 0.05 ms
//   SplitV of q, k, v (two calls)     13.1 ms  (copies the whole     -> copied in runs, 0.24 ms
//                                               input per part)
// and, where no gradient is taken, a norm as one kernel instead of about ten.
// Each gives tfjs-wasm's result to the bit (copies; float32 arithmetic in tfjs-wasm's order), so a
// run trains and samples exactly as without them. That matters: the RL configs land far apart
// from one rounding to another (a norm kernel with float64 sums moved the demo from 90% to 66%).
// Each kernel takes the cases it is written for and hands every other one to tfjs-wasm's own;
// gradients are registered by kernel name, so autograd is unchanged. REASONLAB_WASM_KERNELS=0
// keeps tfjs-wasm's kernels (the bench and tests compare both).
import type * as TF from "@tensorflow/tfjs";
import { NORM_EPS, type NormKind } from "./fused/norm.js";

interface WasmBackend {
  wasm: { HEAPF32: Float32Array; HEAP32: Int32Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: TF.DataType): TF.TensorInfo;
}

let enabled = process.env.REASONLAB_WASM_KERNELS !== "0";

/** Turns these kernels on or off; tfjs-wasm's own run when off. */
export function setWasmKernels(on: boolean) {
  enabled = on;
}

/** The heap as elements of x's dtype, and x's first element in it; null for other dtypes. */
function view(backend: WasmBackend, t: TF.TensorInfo): [Float32Array | Int32Array, number] | null {
  const heap =
    t.dtype === "float32" ? backend.wasm.HEAPF32 : t.dtype === "int32" ? backend.wasm.HEAP32 : null;
  // the heap is read after every allocation: growing memory replaces its views
  return heap ? [heap, backend.dataIdMap.get(t.dataId).memoryOffset / 4] : null;
}

/**
 * The permutation with size-1 axes dropped and axes that stay neighbours merged: a transpose of
 * [A, B, C] by [2, 0, 1] is then one of [A * B, C] by [1, 0].
 */
export function simplifyPermutation(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const kept = perm.filter((a) => shape[a] !== 1);
  const order = [...kept].sort((a, b) => a - b);
  const rank = (a: number) => order.indexOf(a);
  const groups: number[][] = [];
  for (const a of kept.map(rank)) {
    const last = groups.at(-1);
    if (last && last.at(-1)! + 1 === a) last.push(a);
    else groups.push([a]);
  }
  // each group is one axis; number them by where their first input axis sits
  const firsts = groups.map((g) => g[0]!).sort((a, b) => a - b);
  const sizes = firsts.map((f) => groups.find((g) => g[0] === f)!.reduce((n, a) => n * shape[order[a]!]!, 1));
  return { shape: sizes, perm: groups.map((g) => firsts.indexOf(g[0]!)) };
}

/** dst[j * R + i] = src[i * C + j] for an R x C matrix, in 64 x 64 tiles of 4 x 4 blocks. */
function transpose2d(
  src: Float32Array | Int32Array,
  s: number,
  dst: Float32Array | Int32Array,
  d: number,
  R: number,
  C: number,
) {
  const R4 = R - (R % 4);
  const C4 = C - (C % 4);
  for (let i0 = 0; i0 < R; i0 += 64)
    for (let j0 = 0; j0 < C; j0 += 64) {
      const i1 = Math.min(i0 + 64, R4);
      const j1 = Math.min(j0 + 64, C4);
      for (let i = i0; i < i1; i += 4)
        for (let j = j0; j < j1; j += 4) {
          const s0 = s + i * C + j;
          const s1 = s0 + C;
          const s2 = s1 + C;
          const s3 = s2 + C;
          const d0 = d + j * R + i;
          const d1 = d0 + R;
          const d2 = d1 + R;
          const d3 = d2 + R;
          dst[d0] = src[s0]!;
          dst[d0 + 1] = src[s1]!;
          dst[d0 + 2] = src[s2]!;
          dst[d0 + 3] = src[s3]!;
          dst[d1] = src[s0 + 1]!;
          dst[d1 + 1] = src[s1 + 1]!;
          dst[d1 + 2] = src[s2 + 1]!;
          dst[d1 + 3] = src[s3 + 1]!;
          dst[d2] = src[s0 + 2]!;
          dst[d2 + 1] = src[s1 + 2]!;
          dst[d2 + 2] = src[s2 + 2]!;
          dst[d2 + 3] = src[s3 + 2]!;
          dst[d3] = src[s0 + 3]!;
          dst[d3 + 1] = src[s1 + 3]!;
          dst[d3 + 2] = src[s2 + 3]!;
          dst[d3 + 3] = src[s3 + 3]!;
        }
    }
  // the edges the 4 x 4 blocks leave: the last R % 4 rows and the last C % 4 columns
  for (let i = R4; i < R; i++) for (let j = 0; j < C; j++) dst[d + j * R + i] = src[s + i * C + j]!;
  for (let i = 0; i < R4; i++) for (let j = C4; j < C; j++) dst[d + j * R + i] = src[s + i * C + j]!;
}

type KernelFunc = TF.KernelConfig["kernelFunc"];
type Args = Parameters<KernelFunc>[0];

function transposeKernel(fallback: KernelFunc): KernelFunc {
  return (args: Args) => {
    const x = args.inputs.x as TF.TensorInfo;
    const perm = (args.attrs as { perm: number[] }).perm;
    const simple = simplifyPermutation(x.shape, perm);
    // tfjs-wasm's loop is slow only once the matrix is tall: [1024, 512] 4.3 ms against 0.75 here,
    // but [64, 1024] 0.05 against 0.06 and a batch of [64, 64] 0.05 against 0.12 (measured)
    const tall = simple.perm.join() === "1,0" && simple.shape[0]! >= 128;
    if (!enabled || !tall || !(x.dtype === "float32" || x.dtype === "int32")) return fallback(args);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(
      perm.map((a) => x.shape[a]!),
      x.dtype,
    );
    const src = view(backend, x)!;
    const dst = view(backend, out)!;
    transpose2d(src[0], src[1], dst[0], dst[1], simple.shape[0]!, simple.shape[1]!);
    return out;
  };
}

/** Sums over leading axes ([R, C] -> [C]) row by row; tfjs-wasm transposes the input first. */
function sumKernel(fallback: KernelFunc): KernelFunc {
  return (args: Args) => {
    const x = args.inputs.x as TF.TensorInfo;
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort(
      (a, b) => a - b,
    );
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    const R = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
    // over few rows tfjs-wasm is as fast ([16, 8192]: 0.19 ms, 0.25 here; [1024, 128]: 1.1, 0.27)
    if (!enabled || !leading || R < 128 || x.dtype !== "float32") return fallback(args);
    const kept = x.shape.slice(axes.length);
    const C = kept.reduce((a, b) => a * b, 1);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, "float32");
    const [heap, s] = view(backend, x)!;
    const [, d] = view(backend, out)!;
    // float32 sums in row order, as tfjs-wasm's loop adds them after its transpose: the same bits
    const acc = new Float32Array(C);
    for (let i = 0; i < R; i++) {
      const row = s + i * C;
      for (let j = 0; j < C; j++) acc[j]! += heap[row + j]!;
    }
    heap.set(acc, d);
    return out;
  };
}

/** Rows of x picked by indices (axis 0, no batch dimensions): each row one copy. */
function gatherKernel(fallback: KernelFunc): KernelFunc {
  return (args: Args) => {
    const { x, indices } = args.inputs as { x: TF.TensorInfo; indices: TF.TensorInfo };
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    const dtypes = (x.dtype === "float32" || x.dtype === "int32") && indices.dtype === "int32";
    if (!enabled || axis !== 0 || batchDims !== 0 || !dtypes) return fallback(args);
    const backend = args.backend as unknown as WasmBackend;
    const rows = x.shape[0]!;
    const size = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const n = indices.shape.reduce((a, b) => a * b, 1);
    // checked before the output is allocated, so a fallback leaves nothing behind; the views are
    // taken again after it, since an allocation can grow (and so replace) the heap
    const [checked, co] = view(backend, indices)!;
    for (let k = 0; k < n; k++) if (checked[co + k]! < 0 || checked[co + k]! >= rows) return fallback(args);
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    const [heap, s] = view(backend, x)!;
    const d = view(backend, out)![1];
    const [ints, io] = view(backend, indices)!;
    for (let k = 0; k < n; k++) {
      const from = s + ints[io + k]! * size;
      heap.copyWithin(d + k * size, from, from + size);
    }
    return out;
  };
}

/**
 * The part of x at `begin` of `size` (both whole, as tfjs's slice_util gives them), copied from
 * the heap in runs: the last axes the part takes whole join the innermost one's run.
 */
function copySlice(backend: WasmBackend, x: TF.TensorInfo, begin: number[], size: number[]): TF.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const rank = size.length;
  if (size.some((n) => n === 0)) return out;
  const strides = x.shape.map((_, a) => x.shape.slice(a + 1).reduce((p, n) => p * n, 1));
  let k = rank - 1;
  let run = size[k]!;
  while (k > 0 && size[k] === x.shape[k]) run *= size[--k]!;
  const [heap, s] = view(backend, x)!;
  const d = view(backend, out)![1];
  // the run's first element for index 0 along every outer axis
  let start = s;
  for (let a = 0; a <= k; a++) start += begin[a]! * strides[a]!;
  const outer = size.slice(0, k);
  const count = outer.reduce((p, n) => p * n, 1);
  const at = new Array<number>(k).fill(0);
  for (let n = 0, o = d; n < count; n++, o += run) {
    let from = start;
    for (let a = 0; a < k; a++) from += at[a]! * strides[a]!;
    heap.copyWithin(o, from, from + run);
    for (let a = k - 1; a >= 0 && ++at[a]! === outer[a]; a--) at[a] = 0;
  }
  return out;
}

/** Whether copySlice takes x: float32 or int32, with at least one axis. */
const sliceable = (x: TF.TensorInfo) =>
  enabled && x.shape.length > 0 && (x.dtype === "float32" || x.dtype === "int32");

function sliceKernel(tf: typeof TF, fallback: KernelFunc): KernelFunc {
  return (args: Args) => {
    const x = args.inputs.x as TF.TensorInfo;
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    if (!sliceable(x)) return fallback(args);
    const [b, z] = tf.slice_util.parseSliceParams(x as TF.Tensor, begin, size) as [number[], number[]];
    return copySlice(args.backend as unknown as WasmBackend, x, b, z);
  };
}

function splitKernel(tf: typeof TF, fallback: KernelFunc): KernelFunc {
  return (args: Args) => {
    const x = args.inputs.x as TF.TensorInfo;
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    if (!sliceable(x)) return fallback(args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as TF.Tensor, numOrSizeSplits, ax);
    const begin = x.shape.map(() => 0);
    return sizes.map((n) => {
      const size = [...x.shape];
      size[ax] = n;
      const part = copySlice(args.backend as unknown as WasmBackend, x, [...begin], size);
      begin[ax]! += n;
      return part;
    });
  };
}

/**
 * LayerNorm / RMSNorm over the last axis for a forward pass that no gradient goes through (a
 * decoding step's five norms are 50 of its 117 kernels). It repeats, rounding for rounding, what
 * the model's tfjs ops compute (model.ts `norm`): float32 sums in order, the mean as sum / D, the
 * variance as the mean of squared deviations, 1 / sqrt(v + eps) with the square root rounded
 * first; so its output is theirs to the bit (test/wasm-kernels.test.ts).
 */
function normInference(args: Args): TF.TensorInfo {
  const { x, g, b } = args.inputs as { x: TF.TensorInfo; g: TF.TensorInfo; b?: TF.TensorInfo };
  const kind = (args.attrs as { kind: NormKind }).kind;
  const backend = args.backend as unknown as WasmBackend;
  const D = x.shape.at(-1)!;
  const N = x.shape.reduce((a, c) => a * c, 1) / D;
  const y = backend.makeOutput(x.shape, "float32");
  const at = (t: TF.TensorInfo) => view(backend, t)![1];
  const heap = backend.wasm.HEAPF32;
  const [xo, go, yo] = [at(x), at(g), at(y)];
  const bo = b ? at(b) : -1;
  const f = Math.fround;
  const eps = f(NORM_EPS[kind]);
  for (let r = 0; r < N; r++) {
    const row = xo + r * D;
    const out = yo + r * D;
    let mean = 0;
    if (kind === "layernorm") {
      let s = 0;
      for (let i = 0; i < D; i++) s = f(s + heap[row + i]!);
      mean = f(s / D);
    }
    let q = 0;
    for (let i = 0; i < D; i++) {
      const c = f(heap[row + i]! - mean);
      q = f(q + f(c * c));
    }
    const inv = f(1 / f(Math.sqrt(f(f(q / D) + eps))));
    if (kind === "layernorm")
      for (let i = 0; i < D; i++)
        heap[out + i] = f(f(f(f(heap[row + i]! - mean) * inv) * heap[go + i]!) + heap[bo + i]!);
    else for (let i = 0; i < D; i++) heap[out + i] = f(f(heap[row + i]! * inv) * heap[go + i]!);
  }
  return y;
}

/**
 * The norm as one kernel where no gradient is being taken (sampling, scoring), null elsewhere:
 * under tf.grads the model keeps tfjs's ops, whose gradient tfjs knows.
 */
export function wasmNormInference(
  tf: typeof TF,
): ((x: TF.Tensor, g: TF.Tensor, b: TF.Tensor | null, kind: NormKind) => TF.Tensor) | null {
  if (!enabled || !installed.has(tf) || tf.getBackend() !== "wasm") return null;
  if ((tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0) return null;
  return (x, g, b, kind) =>
    tf.engine().runKernel("ReasonlabNormInference", (b ? { x, g, b } : { x, g }) as TF.NamedTensorMap, {
      kind,
    }) as TF.Tensor;
}

const installed = new WeakSet<object>();

/** Puts these kernels in front of tfjs-wasm's (once per tfjs; call after the wasm backend is registered). */
export function installWasmKernels(tf: typeof TF) {
  if (installed.has(tf)) return;
  installed.add(tf);
  for (const [name, make] of [
    ["Transpose", transposeKernel],
    ["Sum", sumKernel],
    ["GatherV2", gatherKernel],
    ["Slice", (f: KernelFunc) => sliceKernel(tf, f)],
    ["SplitV", (f: KernelFunc) => splitKernel(tf, f)],
  ] as const) {
    const own = tf.getKernel(name, "wasm");
    if (!own) continue;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ ...own, kernelFunc: make(own.kernelFunc) });
  }
  tf.registerKernel({
    kernelName: "ReasonlabNormInference",
    backendName: "wasm",
    kernelFunc: normInference as KernelFunc,
  });
}
