import { type BackendName, loadBackend } from "./backend.js";

/** Loads a backend and times a square fp32 matmul on it. Never throws: says what went wrong instead. */
export async function checkBackend(name: BackendName, size = 512): Promise<{ ok: boolean; summary: string }> {
  try {
    const { tf, name: ran, device } = await loadBackend(name);
    const a = tf.randomUniform([size, size]);
    const warm = tf.matMul(a, a);
    await warm.data();
    warm.dispose();
    const reps = 5;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      const c = tf.matMul(a, a);
      await c.data();
      c.dispose();
    }
    const seconds = (performance.now() - t0) / 1000 / reps;
    a.dispose();
    const gflops = (2 * size ** 3) / seconds / 1e9;
    return {
      ok: true,
      summary: `${ran} on ${device}: ${size}x${size} matmul ${(seconds * 1000).toFixed(2)} ms, ${gflops.toFixed(1)} GFLOP/s`,
    };
  } catch (error) {
    return { ok: false, summary: (error as Error).message.split("\n")[0]! };
  }
}
