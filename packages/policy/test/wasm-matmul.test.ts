// Attention's batched products on wasm go through XNNPACK one batch entry at a time, on views of
// the operands' memory: they must equal tfjs's own batched matmul, gradients included, and leave
// no tensor or heap behind.
import { uniformStream } from "@reasonlab/env-math";
import { describe, expect, it } from "vitest";
import { loadBackend } from "../src/backend.js";
import { batchMatMul } from "../src/wasm-matmul.js";

const { tf } = await loadBackend("wasm");
const random = (shape: number[], seed: number) => {
  const u = uniformStream(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => u() * 2 - 1),
    shape,
  );
};
const maxDiff = async (a: ReturnType<typeof random>, b: ReturnType<typeof random>) =>
  (await tf.max(tf.abs(a.sub(b))).data())[0]!;

describe("batchMatMul on wasm", () => {
  for (const transposeB of [false, true])
    it(`equals tf.matMul with its gradients (transposeB ${transposeB})`, async () => {
      const a = random([2, 3, 17, 8], 1);
      const b = random(transposeB ? [2, 3, 11, 8] : [2, 3, 8, 11], 2);
      const w = random([2, 3, 17, 11], 3);
      const ours = tf.grads((x, y) => batchMatMul(tf, x!, y!, transposeB).mul(w).sum())([a, b]);
      const theirs = tf.grads((x, y) => tf.matMul(x!, y!, false, transposeB).mul(w).sum())([a, b]);
      expect(
        await maxDiff(batchMatMul(tf, a, b, transposeB), tf.matMul(a, b, false, transposeB)),
      ).toBeLessThan(1e-5);
      expect(await maxDiff(ours[0]!, theirs[0]!)).toBeLessThan(1e-5);
      expect(await maxDiff(ours[1]!, theirs[1]!)).toBeLessThan(1e-5);
    });

  it("leaves no tensor and no heap behind", async () => {
    const a = random([8, 64, 32], 4);
    const b = random([8, 32, 64], 5);
    tf.dispose(batchMatMul(tf, a, b));
    const tensors = tf.memory().numTensors;
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    for (let i = 0; i < 200; i++) tf.dispose(batchMatMul(tf, a, b));
    expect(tf.memory().numTensors).toBe(tensors);
    expect((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length).toBe(heap);
  });
});
