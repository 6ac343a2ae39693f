// Training and sampling throughput by model size and backend:
//   npm run bench -w @reasonlab/policy -- [--backends wasm,cpu,webgpu] [--sizes small,medium] [--steps N]
// Sizes "small" and "large" are the models of the PyTorch reference (../shared/gpu-host/reference).
import os from "node:os";
import { parseArgs } from "node:util";
import { type BackendName, loadBackend } from "../src/backend.js";
import { countParams, initModel, lossOf, type ModelConfigInput } from "../src/model.js";
import { applyAdamW, createAdamW, OptimizerConfig } from "../src/optimizer.js";
import { sample } from "../src/sample.js";
import { byteTokenizer } from "../src/tokenizer.js";

// small and large match the PyTorch reference's models (learned positions, LayerNorm, ReLU MLP,
// heads of 64 dims or fewer); medium is between them
const reference = { positions: "learned", norm: "layernorm", mlp: "relu" } as const;
const SIZES: Record<string, { model: Omit<ModelConfigInput, "vocabSize">; B: number }> = {
  small: { model: { dModel: 128, nLayers: 2, nHeads: 2, contextLength: 64, ...reference }, B: 16 },
  medium: { model: { dModel: 256, nLayers: 4, nHeads: 4, contextLength: 128, ...reference }, B: 16 },
  large: { model: { dModel: 512, nLayers: 8, nHeads: 8, contextLength: 256, ...reference }, B: 32 },
};

const { values } = parseArgs({
  options: {
    backends: { type: "string", default: "wasm,cpu,webgpu" },
    sizes: { type: "string", default: "small,medium" },
    steps: { type: "string", default: "5" },
    "sample-tokens": { type: "string", default: "48" },
  },
});
const steps = Number(values.steps);
const tok = byteTokenizer();

console.log(
  `policy benchmark: node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? "?"})`,
);
console.log("backend   size    params     B x T      train ms/step  train tok/s   sample tok/s (batch 16)");
for (const name of values.backends.split(",") as BackendName[]) {
  let backend: Awaited<ReturnType<typeof loadBackend>>;
  try {
    backend = await loadBackend(name);
  } catch (error) {
    console.log(`${name.padEnd(9)} unavailable: ${(error as Error).message.split("\n")[0]}`);
    continue;
  }
  const { tf } = backend;
  for (const size of values.sizes.split(",")) {
    const spec = SIZES[size];
    if (!spec) throw new Error(`unknown size ${size}; sizes: ${Object.keys(SIZES).join(", ")}`);
    const model = initModel(tf, { ...spec.model, vocabSize: tok.vocabSize }, 1);
    const T = model.config.contextLength;
    const opt = createAdamW(model);
    const cfg = OptimizerConfig.parse({});
    const vars = [...model.params.values()];
    const x = tf.tensor2d(
      Int32Array.from({ length: spec.B * T }, (_, i) => (i * 7) % 256),
      [spec.B, T],
      "int32",
    );
    const y = tf.tensor2d(
      Int32Array.from({ length: spec.B * T }, (_, i) => (i * 7 + 3) % 256),
      [spec.B, T],
      "int32",
    );
    const step = async () => {
      const { value, grads } = tf.variableGrads(() => lossOf(model, x, y), vars);
      const named = Object.fromEntries([...model.params].map(([n, v]) => [n, grads[v.name]!]));
      const norm = applyAdamW(model, opt, named, cfg, 1e-3);
      await value.data();
      tf.dispose([value, norm, ...Object.values(grads)]);
    };
    await step(); // warm-up: kernels compile, buffers allocate
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    const ms = (performance.now() - t0) / steps;
    const prompts = Array.from({ length: 16 }, (_, i) =>
      Array.from({ length: 8 }, (_, j) => 65 + ((i + j) % 26)),
    );
    const maxTokens = Math.min(Number(values["sample-tokens"]), T - 8);
    await sample(model, tok, prompts.slice(0, 2), { maxTokens: 4 });
    const s0 = performance.now();
    const out = await sample(model, tok, prompts, { maxTokens, temperature: 1, seed: 1 });
    const sampled = out.reduce((n, c) => n + c.tokens.length, 0);
    const sampleRate = sampled / ((performance.now() - s0) / 1000);
    console.log(
      `${backend.name.padEnd(9)} ${size.padEnd(7)} ${(countParams(model.config) / 1e6).toFixed(2).padStart(6)} M  ${String(spec.B).padStart(3)} x ${String(T).padEnd(4)}  ${ms.toFixed(0).padStart(12)}  ${Math.round(
        (spec.B * T) / (ms / 1000),
      )
        .toString()
        .padStart(11)}  ${Math.round(sampleRate).toString().padStart(12)}`,
    );
    tf.dispose([x, y]);
    for (const v of [...vars, ...opt.m.values(), ...opt.v.values()]) v.dispose();
  }
}
