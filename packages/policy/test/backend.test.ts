import { describe, expect, it } from "vitest";
import { BackendUnavailable, loadBackend } from "../src/backend.js";

// Each backend runs in a fresh module graph, as a real process would load it.
describe("tensor backends", () => {
  it("wasm multiplies matrices", async () => {
    const { tf, name } = await loadBackend("wasm");
    expect(name).toBe("wasm");
    const c = tf.matMul(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      tf.tensor2d([[5], [6]]),
    );
    expect(Array.from(await c.data())).toEqual([17, 39]);
  });

  it("cpu multiplies matrices", async () => {
    const { tf, name } = await loadBackend("cpu");
    expect(name).toBe("cpu");
    expect(
      Array.from(
        await tf
          .matMul(
            tf.eye(2),
            tf.tensor2d([
              [1, 2],
              [3, 4],
            ]),
          )
          .data(),
      ),
    ).toEqual([1, 2, 3, 4]);
  });

  it("webgpu runs through Vulkan (lavapipe on a CPU-only machine)", async () => {
    const { tf, name, device } = await loadBackend("webgpu");
    expect(name).toBe("webgpu");
    expect(device).toMatch(/vulkan/);
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(await tf.matMul(x, x).data())).toEqual([7, 10, 15, 22]);
  });

  it("auto never picks a software WebGPU adapter", async () => {
    const { name, device } = await loadBackend("auto");
    expect(["wasm", "webgpu"]).toContain(name);
    if (name === "webgpu") expect(device).not.toMatch(/fallback/);
  });

  it("tensorflow, when not installed, says how to install it", async () => {
    const attempt = loadBackend("tensorflow");
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailable);
    await expect(attempt).rejects.toThrow(/npm install -w @reasonlab\/policy @tensorflow\/tfjs-node-gpu/);
  });
});
