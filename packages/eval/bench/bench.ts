// Eval throughput for a tiny model on CPU: samples/s for greedy and sampled suites, in-process
// and through the OpenAI-compatible server (in this process, and in a process of its own as users
// run it). `npm run bench -w @reasonlab/eval`.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  byteTokenizer,
  countParams,
  disposeModel,
  initModel,
  loadBackend,
  saveCheckpoint,
  startServer,
} from "@reasonlab/policy";
import { evaluateMath } from "../src/evaluate.js";
import { checkpointModel, endpointModel } from "../src/models.js";
import type { MathSuite } from "../src/suites.js";

const backend = process.argv[2] ?? "wasm";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eval-bench-"));
const { tf } = await loadBackend(backend as never);
const tokenizer = byteTokenizer();
const config = { vocabSize: tokenizer.vocabSize, dModel: 128, nLayers: 2, nHeads: 4, contextLength: 128 };
const seed = initModel(tf, config, 1);
await saveCheckpoint(dir, { model: seed, tokenizer });
disposeModel(seed);

const suite = (samples: number, temperature: number): MathSuite => ({
  name: "bench",
  kind: "math",
  description: "",
  seed: 0,
  split: "test",
  tasks: [{ family: "add", difficulties: [2, 3], count: 100 }],
  datasets: [],
  samples,
  temperature,
  maxTokens: 48,
  system: false,
});
console.log(
  `backend ${backend}; model d=128 L=2 (${(countParams(config as never) / 1e6).toFixed(2)}M params); 200 items, 48 new tokens max`,
);
const local = await checkpointModel(dir, backend);
const server = await startServer(
  { ...(await import("@reasonlab/policy")).loadCheckpoint(tf, dir), id: "bench" },
  { port: 0 },
);
// 64 requests in flight per chunk of the suite, as many prompts as the in-process batch: the
// server batches them together
const remote = await endpointModel({ model: "bench", baseURL: server.url, apiKey: "x", concurrency: 64 });
const child = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    path.join(path.dirname(new URL(import.meta.url).pathname), "serve-child.ts"),
    dir,
    backend,
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const childUrl = await new Promise<string>((resolve, reject) => {
  child.stdout!.on("data", (d: Buffer) => resolve(d.toString().trim()));
  child.once("exit", (code) => reject(new Error(`server process exited (${code})`)));
});
const separate = await endpointModel({ model: "bench", baseURL: childUrl, apiKey: "x", concurrency: 64 });
for (const [label, model] of [
  ["in-process", local],
  ["server, same process", remote],
  ["server, own process", separate],
] as const) {
  for (const [samples, temperature] of [
    [1, 0],
    [8, 1],
  ] as const) {
    const out = await evaluateMath(suite(samples, temperature), model);
    const tokens = out.samples.reduce((n, s) => n + Number((s.meta as { tokens?: number }).tokens ?? 0), 0);
    console.log(
      `${label.padEnd(24)} samples/item ${samples}  ${out.samples.length} samples in ${out.seconds.toFixed(1)}s: ` +
        `${(out.samples.length / out.seconds).toFixed(1)} samples/s, ${(tokens / out.seconds).toFixed(0)} tokens/s`,
    );
  }
}
await local.close();
await server.close();
child.kill("SIGTERM");
fs.rmSync(dir, { recursive: true, force: true });
