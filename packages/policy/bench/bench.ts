// Training and sampling throughput by model size and backend, beside PyTorch in the same run:
//   npm run bench -w @reasonlab/policy -- [--backends wasm,cpu,webgpu] [--sizes small,medium] [--steps N]
//     [--profile]   per-op time of one training step and one sampled token
//     [--batch B]   another training batch than the size's (e.g. to count dispatches on lavapipe)
//     [--gradients worker]  wasm/cpu: half of each training batch's gradient in a worker thread on
//                   another core, as `"gradients": "worker"` trains ("wasm+worker")
//     [--no-anchor] skip the PyTorch reference (bench/torch_reference.py, run when
//                   `/usr/bin/python3 -c "import torch"` works, one thread)
//   REASONLAB_WASM_THREADS=2 npm run bench ...   wasm with XNNPACK's pool of two threads ("wasm-2t")
// Sizes "small" and "large" are the models of the PyTorch reference (../shared/gpu-host/reference).
// On webgpu each size runs twice: with the fused WGSL kernels (src/fused/, the default) and with
// tfjs's plain ops ("webgpu-plain"); the last two columns are then GPU dispatches, not kernels.
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type BackendName, loadBackend } from "../src/backend.js";
import { countDispatches, setFusedKernels } from "../src/fused/index.js";
import { countParams, initModel, lossOf, type ModelConfigInput } from "../src/model.js";
import { applyAdamW, createAdamW, OptimizerConfig } from "../src/optimizer.js";
import { splitGradients, startWorker, workerBackend } from "../src/rollouts.js";
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
    batch: { type: "string" },
    "sample-tokens": { type: "string", default: "48" },
    profile: { type: "boolean", default: false },
    "no-anchor": { type: "boolean", default: false },
    gradients: { type: "string", default: "inline" },
  },
});
/** Our figures, for the comparison with PyTorch at the end. */
const ours: { backend: string; size: string; train: number; sample: number }[] = [];
/** Per-op profiles, printed after the table. */
const profiles: string[] = [];
const steps = Number(values.steps);
const tok = byteTokenizer();

console.log(
  `policy benchmark: node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? "?"})`,
);
console.log(
  "backend       size    params     B x T      train ms/step  train tok/s   sample tok/s (batch 16)  kernels/step  kernels/token",
);
for (const name of values.backends.split(",") as BackendName[]) {
  let backend: Awaited<ReturnType<typeof loadBackend>>;
  try {
    backend = await loadBackend(name);
  } catch (error) {
    console.log(`${name.padEnd(9)} unavailable: ${(error as Error).message.split("\n")[0]}`);
    continue;
  }
  const { tf } = backend;
  const variants = backend.name === "webgpu" ? [true, false] : [true];
  for (const size of values.sizes.split(","))
    for (const fused of variants) {
      setFusedKernels(fused);
      // REASONLAB_WASM_THREADS=N: "wasm-2t" for XNNPACK's pool of two threads
      const threads = /(\d+) threads/.exec(backend.device)?.[1];
      let spec = SIZES[size];
      if (!spec) throw new Error(`unknown size ${size}; sizes: ${Object.keys(SIZES).join(", ")}`);
      if (values.batch) spec = { ...spec, B: Number(values.batch) };
      const model = initModel(tf, { ...spec.model, vocabSize: tok.vocabSize }, 1);
      const helper =
        values.gradients === "worker" && workerBackend(backend.name)
          ? startWorker(backend, model, tok, "gradients")
          : null;
      const label = fused
        ? `${backend.name}${threads ? `-${threads}t` : ""}${helper ? "+worker" : ""}`
        : `${backend.name}-plain`;
      const T = model.config.contextLength;
      const opt = createAdamW(model);
      const cfg = OptimizerConfig.parse({});
      const vars = [...model.params.values()];
      const batch = {
        B: spec.B,
        T,
        inputs: Int32Array.from({ length: spec.B * T }, (_, i) => (i * 7) % 256),
        targets: Int32Array.from({ length: spec.B * T }, (_, i) => (i * 7 + 3) % 256),
        weights: new Float32Array(spec.B * T).fill(1),
        tokens: spec.B * T,
      };
      const x = tf.tensor2d(batch.inputs, [spec.B, T], "int32");
      const y = tf.tensor2d(batch.targets, [spec.B, T], "int32");
      const gradients = async () => {
        if (!helper) return tf.variableGrads(() => lossOf(model, x, y), vars);
        helper.sync();
        const { loss, grads } = await splitGradients(model, helper, batch);
        return { value: tf.scalar(loss), grads };
      };
      const step = async () => {
        const { value, grads } = await gradients();
        const named = Object.fromEntries([...model.params].map(([n, v]) => [n, grads[v.name]!]));
        const norm = applyAdamW(model, opt, named, cfg, 1e-3);
        await value.data();
        tf.dispose([value, norm, ...Object.values(grads)]);
      };
      // warm-up: kernels compile, buffers allocate, and V8 compiles the hot JavaScript (the first
      // steps run 30% slower); the reference warms up for as many
      for (let i = 0; i < 3; i++) await step();
      // the median step: on a shared machine a step now and then stalls for other tenants, and a
      // mean takes those in (the reference times the same way)
      const times: number[] = [];
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        await step();
        times.push(performance.now() - t0);
      }
      const ms = times.sort((a, b) => a - b)[Math.floor(steps / 2)]!;
      const prompts = Array.from({ length: 16 }, (_, i) =>
        Array.from({ length: 8 }, (_, j) => 65 + ((i + j) % 26)),
      );
      const maxTokens = Math.min(Number(values["sample-tokens"]), T - 8);
      // the median of 3 generations after 2 for warm-up (a cold one runs at half speed: V8 has not
      // compiled the per-token code yet), as the reference does
      const rates: number[] = [];
      for (let i = 0; i < 5; i++) {
        const s0 = performance.now();
        const out = await sample(model, tok, prompts, { maxTokens, temperature: 1, seed: 1 });
        const sampled = out.reduce((n, c) => n + c.tokens.length, 0);
        if (i >= 2) rates.push(sampled / ((performance.now() - s0) / 1000));
      }
      const sampleRate = rates.sort((a, b) => a - b)[1]!;
      ours.push({ backend: label, size, train: (spec.B * T) / (ms / 1000), sample: sampleRate });
      // Kernels per training step and per sampled token: on webgpu, the GPU dispatches (reshapes
      // aside). tf.profile answers with one object it reuses, so each call's list is taken at once.
      // tfjs's profiler also lists each custom-gradient op ("forward", "unnamed scope") beside the
      // kernels inside it, timed twice: those entries are left out
      const kernelsOf = async (f: () => Promise<unknown>) =>
        (
          await tf.profile(async () => {
            await f();
            return [];
          })
        ).kernels.filter((k) => k.name !== "forward" && k.name !== "unnamed scope");
      const train = await kernelsOf(step);
      // one sampled token: the kernels of sampling two tokens less those of one (the prefill)
      const sampleN = (n: number) => () =>
        sample(model, tok, prompts, { maxTokens: n, temperature: 1, seed: 1 });
      const one = await kernelsOf(sampleN(1));
      const two = await kernelsOf(sampleN(2));
      const perToken = two.slice(one.length);
      // on webgpu, the GPU dispatches themselves (tfjs's programs and ours; reshapes cost none)
      const counts =
        backend.name === "webgpu"
          ? [
              await countDispatches(tf, step),
              (await countDispatches(tf, sampleN(2))) - (await countDispatches(tf, sampleN(1))),
            ]
          : [train.length, perToken.length];
      if (values.profile)
        profiles.push(
          await profileTable(`${label} ${size}: one training step (B ${spec.B} x T ${T})`, train),
          await profileTable(
            `${label} ${size}: one sampled token (16 rows, decode step with KV cache)`,
            perToken,
          ),
        );
      console.log(
        `${label.padEnd(13)} ${size.padEnd(7)} ${(countParams(model.config) / 1e6).toFixed(2).padStart(6)} M  ${String(spec.B).padStart(3)} x ${String(T).padEnd(4)}  ${ms.toFixed(0).padStart(12)}  ${Math.round(
          (spec.B * T) / (ms / 1000),
        )
          .toString()
          .padStart(
            11,
          )}  ${Math.round(sampleRate).toString().padStart(12)}  ${String(counts[0]).padStart(21)}  ${String(counts[1]).padStart(13)}`,
      );
      tf.dispose([x, y]);
      await helper?.close();
      for (const v of [...vars, ...opt.m.values(), ...opt.v.values()]) v.dispose();
    }
  setFusedKernels(true);
}

for (const p of profiles) console.log(`\n${p}`);

/** Kernels by total time: where a step goes, and how many kernels (GPU dispatches on webgpu) it runs. */
async function profileTable(
  title: string,
  kernels: { name: string; kernelTimeMs: unknown }[],
): Promise<string> {
  const by = new Map<string, { ms: number; n: number }>();
  let total = 0;
  for (const k of kernels) {
    const t = await k.kernelTimeMs;
    const ms = typeof t === "number" ? t : 0;
    const e = by.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += ms;
    e.n += 1;
    by.set(k.name, e);
    total += ms;
  }
  const rows = [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12);
  return [
    `${title}: ${kernels.length} kernels, ${total.toFixed(1)} ms in kernels`,
    "  op                       calls       ms   share",
    ...rows.map(
      ([name, e]) =>
        `  ${name.padEnd(22)} ${String(e.n).padStart(7)} ${e.ms.toFixed(1).padStart(8)} ${((100 * e.ms) / (total || 1)).toFixed(1).padStart(6)}%`,
    ),
  ].join("\n");
}

// ---- the anchor: PyTorch on the same models, in this same run (machines differ too much to compare across runs)
const env = { ...process.env };
delete env.OPENBLAS_CORETYPE; // set for tfjs elsewhere, they slow OpenBLAS down here
delete env.OPENBLAS_L2_SIZE;
const python = "/usr/bin/python3";
const hasTorch = !values["no-anchor"] && spawnSync(python, ["-c", "import torch"], { env }).status === 0;
if (!hasTorch)
  console.log(
    values["no-anchor"]
      ? "\nPyTorch anchor skipped (--no-anchor)"
      : "\nPyTorch anchor: not run (/usr/bin/python3 cannot import torch; install it with: bash scripts/system-deps.sh --bench)",
  );
else {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "torch_reference.py");
  console.log("\nPyTorch (one thread), same models, same run; ratio = ours / PyTorch");
  console.log("size    torch train tok/s  torch sample tok/s   backend   train ratio  sample ratio");
  for (const size of values.sizes.split(",")) {
    const { model, B } = SIZES[size]!;
    const r = spawnSync(
      python,
      [
        script,
        ...[
          model.dModel,
          model.nLayers,
          model.nHeads,
          model.contextLength,
          B,
          steps,
          values["sample-tokens"],
        ].map(String),
      ],
      { env, encoding: "utf8" },
    );
    const line = r.stdout.trim().split("\n").at(-1) ?? "";
    let torch: { train_tokens_per_s: number; sample_tokens_per_s: number };
    try {
      torch = JSON.parse(line);
    } catch {
      console.log(`${size.padEnd(7)} the reference failed: ${(r.stderr || line).trim().split("\n").at(-1)}`);
      continue;
    }
    for (const o of ours.filter((x) => x.size === size))
      console.log(
        `${size.padEnd(7)} ${String(torch.train_tokens_per_s).padStart(17)} ${String(torch.sample_tokens_per_s).padStart(19)}   ${o.backend.padEnd(9)} ${(o.train / torch.train_tokens_per_s).toFixed(3).padStart(11)} ${(o.sample / torch.sample_tokens_per_s).toFixed(3).padStart(13)}`,
      );
  }
}
