// Eval throughput for a tiny model on CPU: samples/s for greedy and sampled suites, in-process
// and through the OpenAI-compatible server in a process of its own, as users run it, with its
// engine on the server's thread (as on a GPU), in one engine thread, and in one per core. A shared
// machine's speed drifts by half from one minute to the next, so every path is warmed up first,
// then the paths take turns round after round, and each round's server/in-process ratios are
// printed from runs a few seconds apart.
// `npm run bench -w @reasonlab/eval -- [--backend wasm] [--rounds 5] [--items 200]`.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  byteTokenizer,
  countParams,
  disposeModel,
  initModel,
  loadBackend,
  saveCheckpoint,
} from "@reasonlab/policy";
import { evaluateMath } from "../src/evaluate.js";
import { type Completer, checkpointModel, endpointModel } from "../src/models.js";
import type { MathSuite } from "../src/suites.js";

const { values: args } = parseArgs({
  options: {
    backend: { type: "string", default: "wasm" },
    rounds: { type: "string", default: "5" },
    items: { type: "string", default: "200" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log("usage: npm run bench -w @reasonlab/eval -- [--backend wasm] [--rounds 5] [--items 200]");
  process.exit(0);
}
const backend = args.backend!;
const rounds = Number(args.rounds);
const items = Number(args.items);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eval-bench-"));
const { tf } = await loadBackend(backend as never);
const tokenizer = byteTokenizer();
const config = { vocabSize: tokenizer.vocabSize, dModel: 128, nLayers: 2, nHeads: 4, contextLength: 128 };
const seed = initModel(tf, config, 1);
await saveCheckpoint(dir, { model: seed, tokenizer });
disposeModel(seed);

const suite = (count: number, samples: number, temperature: number): MathSuite => ({
  name: "bench",
  kind: "math",
  description: "",
  seed: 0,
  split: "test",
  tasks: [{ family: "add", difficulties: [2, 3], count: count / 2 }],
  datasets: [],
  samples,
  temperature,
  maxTokens: 48,
  system: false,
});
console.log(
  `backend ${backend}; model d=128 L=2 (${(countParams(config as never) / 1e6).toFixed(2)}M params); ` +
    `${items} items, 48 new tokens max; ${rounds} rounds after a warm-up`,
);
const local = await checkpointModel(dir, backend);
const children: ReturnType<typeof spawn>[] = [];
/**
 * `reasonlab serve` in a process of its own, with `engines` threads (auto: its default), labelled
 * by the engine threads it reports.
 */
async function server(engines: string): Promise<[string, Completer]> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(path.dirname(new URL(import.meta.url).pathname), "serve-child.ts"),
      dir,
      backend,
      engines,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(child);
  const started = await new Promise<{ url: string; engines: number }>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => resolve(JSON.parse(d.toString())));
    child.once("exit", (code) => reject(new Error(`server process exited (${code})`)));
  });
  const n = started.engines;
  const label = n === 0 ? "server, engine on its thread" : `server, ${n} engine thread${n > 1 ? "s" : ""}`;
  // 64 requests in flight per chunk of the suite, as many prompts as the in-process batch: the
  // server batches them together
  return [label, await endpointModel({ model: "bench", baseURL: started.url, apiKey: "x", concurrency: 64 })];
}
const paths: [string, Completer][] = [
  ["in-process", local],
  await server("0"),
  await server("1"),
  await server("auto"),
];
const settings = [
  [1, 0],
  [8, 1],
] as const;

/** Samples per second of one evaluation. */
async function time(model: Completer, count: number, samples: number, temperature: number) {
  const out = await evaluateMath(suite(count, samples, temperature), model);
  return out.samples.length / out.seconds;
}

// a cold path runs at up to half speed until V8 has compiled its code; the server's (its HTTP
// stack, the engine's loop) took a few hundred requests, so the warm-up is a whole round
for (const [, model] of paths)
  for (const [samples, temperature] of settings) await time(model, items, samples, temperature);

/** Samples/s per setting, path and round (in-process is path 0; a label can repeat, a path not). */
const rates = settings.map(() => paths.map(() => [] as number[]));
const share = (x: number, mine: number) => `${((100 * x) / mine).toFixed(0)}%`;
for (let r = 1; r <= rounds; r++) {
  for (const [s, [samples, temperature]] of settings.entries()) {
    const line: string[] = [];
    for (const [p, [label, model]] of paths.entries()) {
      const t = await time(model, items, samples, temperature);
      rates[s]![p]!.push(t);
      line.push(`${label} ${t.toFixed(1)}`);
    }
    const now = rates[s]!.map((xs) => xs.at(-1)!);
    const shares = now.slice(1).map((x) => share(x, now[0]!));
    console.log(
      `round ${r}  samples/item ${samples}  samples/s: ${line.join(", ")}  servers / in-process ${shares.join(", ")}`,
    );
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  "\nsamples/s, median of the rounds [range]; each server as a share of in-process, round by round",
);
for (const [s, [samples]] of settings.entries()) {
  const mine = rates[s]![0]!;
  for (const [p, [label]] of paths.entries()) {
    const xs = rates[s]![p]!;
    const shares = p === 0 ? "" : `  ${xs.map((x, i) => share(x, mine[i]!)).join(", ")}`;
    console.log(
      `${label.padEnd(30)} samples/item ${samples}  ${median(xs).toFixed(1)} [${Math.min(...xs).toFixed(1)}, ${Math.max(...xs).toFixed(1)}]${shares}`,
    );
  }
}
await local.close();
for (const child of children) child.kill("SIGTERM");
fs.rmSync(dir, { recursive: true, force: true });
