// JavaScript kernels for tfjs-wasm's slow paths, working on the wasm heap in place. Profiling one
// training step of the small reference model (`npm run bench -- --profile`) showed memory-bound
// ops, not the matmuls, running far below what the machine does:
//   Transpose [1024, 512]              4.3 ms  (a generic N-D loop)  -> 0.4-0.8 ms in 4x4 tiles
//   Sum over rows of [1024, 128]       1.1 ms  (transposes first)    -> 0.3 ms
//   GatherV2 of 1024 embedding rows    4.0 ms                        -> rows copied, 0.05 ms
//   LayerNorm: about 11 kernels forward and 20 backward -> one each (the webgpu fused kernels'
//   ReasonlabNorm and ReasonlabNormGrad, so they share the gradient); a decoding step is 127
//   kernels, each paying tfjs's dispatch in JavaScript
// (AdamW in one JavaScript pass per weight was no faster than tfjs's ten ops: 4.4 ms against 3.9.)
// Each kernel takes the cases it is written for and hands every other one to tfjs-wasm's own;
// gradients are registered by kernel name, so autograd is unchanged. REASONLAB_WASM_KERNELS=0
// keeps tfjs-wasm's kernels (the bench and tests compare both).
import type * as TF from "@tensorflow/tfjs";
import { registerGradients, runNorm } from "./fused/index.js";
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
    const acc = new Float64Array(C);
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
    {
      const [ints, io] = view(backend, indices)!;
      for (let k = 0; k < n; k++) if (ints[io + k]! < 0 || ints[io + k]! >= rows) return fallback(args);
    }
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

/** LayerNorm / RMSNorm over the last axis: [y, stats] with each row's mean and 1/std, as the webgpu kernel. */
function normForward(args: Args): TF.TensorInfo[] {
  const { x, g, b } = args.inputs as { x: TF.TensorInfo; g: TF.TensorInfo; b?: TF.TensorInfo };
  const kind = (args.attrs as { kind: NormKind }).kind;
  const backend = args.backend as unknown as WasmBackend;
  const D = x.shape.at(-1)!;
  const N = x.shape.reduce((a, c) => a * c, 1) / D;
  const y = backend.makeOutput(x.shape, "float32");
  const stats = backend.makeOutput([N, 2], "float32");
  const heap = backend.wasm.HEAPF32;
  const at = (t: TF.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset / 4;
  const [xo, go, yo, so] = [at(x), at(g), at(y), at(stats)];
  const bo = b ? at(b) : -1;
  const eps = NORM_EPS[kind];
  for (let r = 0; r < N; r++) {
    const base = xo + r * D;
    let mean = 0;
    if (kind === "layernorm") {
      for (let i = 0; i < D; i++) mean += heap[base + i]!;
      mean /= D;
    }
    let q = 0;
    for (let i = 0; i < D; i++) {
      const c = heap[base + i]! - mean;
      q += c * c;
    }
    const rstd = 1 / Math.sqrt(q / D + eps);
    const out = yo + r * D;
    for (let i = 0; i < D; i++)
      heap[out + i] = (heap[base + i]! - mean) * rstd * heap[go + i]! + (bo >= 0 ? heap[bo + i]! : 0);
    heap[so + 2 * r] = mean;
    heap[so + 2 * r + 1] = rstd;
  }
  return [y, stats];
}

/** [dx, dg, db (layernorm only)]: dx = rstd (dy g - mean(dy g) - xhat mean(dy g xhat)), RMSNorm without the first mean. */
function normBackward(args: Args): TF.TensorInfo[] {
  const { x, g, stats, dy } = args.inputs as Record<"x" | "g" | "stats" | "dy", TF.TensorInfo>;
  const kind = (args.attrs as { kind: NormKind }).kind;
  const backend = args.backend as unknown as WasmBackend;
  const D = x.shape.at(-1)!;
  const N = x.shape.reduce((a, c) => a * c, 1) / D;
  const dx = backend.makeOutput(x.shape, "float32");
  const dg = backend.makeOutput([D], "float32");
  const db = kind === "layernorm" ? backend.makeOutput([D], "float32") : null;
  const heap = backend.wasm.HEAPF32;
  const at = (t: TF.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset / 4;
  const [xo, go, so, dyo, dxo] = [at(x), at(g), at(stats), at(dy), at(dx)];
  const sumG = new Float64Array(D);
  const sumB = new Float64Array(D);
  for (let r = 0; r < N; r++) {
    const base = r * D;
    const mean = heap[so + 2 * r]!;
    const rstd = heap[so + 2 * r + 1]!;
    let a = 0;
    let c = 0;
    for (let i = 0; i < D; i++) {
      const d = heap[dyo + base + i]!;
      const xhat = (heap[xo + base + i]! - mean) * rstd;
      const dyg = d * heap[go + i]!;
      a += dyg;
      c += dyg * xhat;
      sumG[i]! += d * xhat;
      sumB[i]! += d;
    }
    const meanDyg = kind === "layernorm" ? a / D : 0;
    const meanDygXhat = c / D;
    for (let i = 0; i < D; i++) {
      const xhat = (heap[xo + base + i]! - mean) * rstd;
      heap[dxo + base + i] = rstd * (heap[dyo + base + i]! * heap[go + i]! - meanDyg - xhat * meanDygXhat);
    }
  }
  heap.set(sumG, at(dg));
  if (db) heap.set(sumB, at(db));
  return db ? [dx, dg, db] : [dx, dg];
}

/** The norm as one kernel on wasm (with its gradient), or null where these kernels are off. */
export function wasmNorm(
  tf: typeof TF,
): ((x: TF.Tensor, g: TF.Tensor, b: TF.Tensor | null, kind: NormKind) => TF.Tensor2D) | null {
  if (!enabled || !installed.has(tf) || tf.getBackend() !== "wasm") return null;
  return (x, g, b, kind) => runNorm(tf, x, g, b, kind);
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
  ] as const) {
    const own = tf.getKernel(name, "wasm");
    if (!own) continue;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ ...own, kernelFunc: make(own.kernelFunc) });
  }
  tf.registerKernel({
    kernelName: "ReasonlabNorm",
    backendName: "wasm",
    kernelFunc: normForward as KernelFunc,
  });
  tf.registerKernel({
    kernelName: "ReasonlabNormGrad",
    backendName: "wasm",
    kernelFunc: normBackward as KernelFunc,
  });
  registerGradients(tf);
}
