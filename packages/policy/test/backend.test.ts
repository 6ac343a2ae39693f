import { execFileSync } from "node:child_process";
import path from "node:path";
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

describe("wasm with threads (REASONLAB_WASM_THREADS)", () => {
  const fixture = path.join(import.meta.dirname, "fixtures", "wasm-step.ts");
  const step = (threads?: string) => {
    const env = { ...process.env };
    if (threads) env.REASONLAB_WASM_THREADS = threads;
    else delete env.REASONLAB_WASM_THREADS;
    const out = execFileSync(process.execPath, ["--import", "tsx", fixture], { env, encoding: "utf8" });
    return JSON.parse(out.trim().split("\n").at(-1)!) as {
      device: string;
      loss: number;
      gradients: Record<string, number[]>;
    };
  };

  it("starts tfjs-wasm's threaded build in Node with the pool asked for, and computes the same step", () => {
    const one = step();
    const two = step("2");
    expect(one.device).toBe("wasm, 1 thread");
    expect(two.device).toBe("wasm, 2 threads");
    expect(two.loss).toBeCloseTo(one.loss, 5);
    expect(Object.keys(two.gradients)).toEqual(Object.keys(one.gradients));
    for (const [name, g] of Object.entries(one.gradients))
      for (const [i, v] of g.entries()) expect(two.gradients[name]![i]).toBeCloseTo(v, 5);
  });

  it("names the variable when its value is not a number of threads", async () => {
    process.env.REASONLAB_WASM_THREADS = "two";
    try {
      await expect(loadBackend("wasm")).rejects.toThrow(/REASONLAB_WASM_THREADS must be a whole number/);
    } finally {
      delete process.env.REASONLAB_WASM_THREADS;
    }
  });
});
