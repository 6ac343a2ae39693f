// Batched matmuls on tfjs-wasm through XNNPACK. tfjs-wasm multiplies a batch of matrices with a
// naive loop (about 2 GFLOP/s, measured) and only a single untransposed pair through XNNPACK.
// Attention's products are batches (one per sequence and head), so here each batch entry is one
// XNNPACK product on views of the operands' own memory: the wasm kernel is called with tensors
// registered at offsets inside the batched tensors, so nothing is sliced or copied.
// [32, 64, 64] x [32, 64, 64]: 14.3 ms naive, 5.4 ms here; [32, 256, 32] x [32, 32, 256]: 139 ms, 24 ms.
import type * as TF from "@tensorflow/tfjs";

interface WasmBackend {
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): TF.TensorInfo;
}

/** REASONLAB_WASM_BMM=0 keeps tfjs-wasm's own batched matmul (the bench compares both). */
const enabled = process.env.REASONLAB_WASM_BMM !== "0";
let kernel: ((...args: unknown[]) => void) | null = null;
let kernelOf: WasmBackend | null = null;
// ids of the views: far above the ones tfjs-wasm hands out (from 0), fresh for each view so that
// nothing cached under an id can outlive its data
let nextView = 1 << 30;
const viewId = () => {
  nextView = nextView >= 2 ** 31 - 8 ? 1 << 30 : nextView + 1;
  return nextView;
};

/** a @ b for a [..., M, K] and b [..., K, P] with the same batch dimensions, as one XNNPACK product per entry. */
function product(backend: WasmBackend, a: TF.TensorInfo, b: TF.TensorInfo): TF.TensorInfo {
  if (kernelOf !== backend) {
    kernel = backend.wasm.cwrap("BatchMatMul", null, [
      "number",
      "array",
      "number",
      "number",
      "array",
      "number",
      "number",
      "number",
      "number",
    ]);
    kernelOf = backend;
  }
  const [M, K] = a.shape.slice(-2) as [number, number];
  const P = b.shape.at(-1)!;
  const batch = a.shape.slice(0, -2);
  const N = batch.reduce((x, y) => x * y, 1);
  const out = backend.makeOutput([...batch, M, P], "float32");
  const offset = (t: TF.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const [ao, bo, oo] = [offset(a), offset(b), offset(out)];
  const shapeA = new Uint8Array(new Int32Array([1, M, K]).buffer);
  const shapeB = new Uint8Array(new Int32Array([1, K, P]).buffer);
  const { tfjs } = backend.wasm;
  for (let n = 0; n < N; n++) {
    const [ia, ib, io] = [viewId(), viewId(), viewId()];
    tfjs.registerTensor(ia, M * K, ao + n * M * K * 4);
    tfjs.registerTensor(ib, K * P, bo + n * K * P * 4);
    tfjs.registerTensor(io, M * P, oo + n * M * P * 4);
    kernel!(ia, shapeA, 3, ib, shapeB, 3, false, false, io);
    tfjs.disposeData(ia);
    tfjs.disposeData(ib);
    tfjs.disposeData(io);
  }
  return out;
}

const registered = new WeakSet<object>();

/** The product as a tfjs kernel of its own, so that tfjs's profiler times and counts it. */
function forward(tf: typeof TF, a: TF.Tensor, b: TF.Tensor): TF.Tensor {
  if (!registered.has(tf)) {
    registered.add(tf);
    tf.registerKernel({
      kernelName: "ReasonlabBatchMatMul",
      backendName: "wasm",
      kernelFunc: ({ inputs, backend }) =>
        product(backend as unknown as WasmBackend, inputs.a as TF.TensorInfo, inputs.b as TF.TensorInfo),
    });
  }
  return tf.engine().runKernel("ReasonlabBatchMatMul", { a, b }) as TF.Tensor;
}

/** Swaps the last two axes. */
const swapLast = (tf: typeof TF, x: TF.Tensor) => {
  const perm = x.shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm.length - 1, perm.length - 2];
  return tf.transpose(x, perm);
};

/**
 * a @ b (b transposed first with `transposeB`) for batches of matrices with the same batch
 * dimensions; on wasm through XNNPACK with a gradient of the same kind, elsewhere tf.matMul.
 */
export function batchMatMul(tf: typeof TF, a: TF.Tensor, b: TF.Tensor, transposeB = false): TF.Tensor {
  // one row per product (a decoding step) is cheaper on the naive loop than an XNNPACK setup each
  if (tf.getBackend() !== "wasm" || a.rank < 3 || a.shape.at(-2)! < 8 || !enabled)
    return tf.matMul(a, b, false, transposeB);
  const f = tf.customGrad((...args: unknown[]) => {
    const [x, y, save] = args as [TF.Tensor, TF.Tensor, (t: TF.Tensor[]) => void];
    const yy = transposeB ? swapLast(tf, y) : y;
    save([x, yy]);
    return {
      value: forward(tf, x, yy),
      gradFunc: (dy: TF.Tensor | TF.Tensor[], saved: TF.Tensor[]) => {
        const [sx, sy] = saved as [TF.Tensor, TF.Tensor];
        const d = dy as TF.Tensor;
        const dx = forward(tf, d, swapLast(tf, sy));
        const dyy = forward(tf, swapLast(tf, sx), d);
        return [dx, transposeB ? swapLast(tf, dyy) : dyy];
      },
    };
  });
  return f(a, b) as TF.Tensor;
}
