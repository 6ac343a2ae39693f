// `reasonlab train | serve | sample | backends`: the policy's commands.
import { defineCommand } from "@reasonlab/command";
import { z } from "zod";
import { BackendName } from "./backend.js";

const backendOption = {
  type: "string",
  value: "NAME",
  description: `tensor backend: ${BackendName.options.join(", ")}`,
  default: "auto",
} as const;

const backends = defineCommand({
  name: "backends",
  summary: "check which tensor backends run here, with a matmul on each",
  options: {
    backend: {
      type: "string",
      value: "NAME",
      description: `one of ${BackendName.options.join(", ")}; all when left out`,
    },
    size: {
      type: "string",
      value: "N",
      description: "square matmul size for the speed check",
      default: "512",
    },
  },
  schema: z.object({
    backend: BackendName.optional(),
    size: z.coerce.number().int().min(16).max(8192),
    args: z.array(z.string()).max(0),
  }),
  async run({ backend, size }) {
    const { checkBackend } = await import("./backend-check.js");
    const names = backend ? [backend] : BackendName.options.filter((b) => b !== "auto");
    let ok = 0;
    for (const name of names) {
      const result = await checkBackend(name, size);
      if (result.ok) ok++;
      console.log(`${name.padEnd(11)} ${result.ok ? "ok" : "no"}    ${result.summary}`);
    }
    if (ok === 0) throw new Error("no tensor backend runs here");
  },
});

const trainCommand = defineCommand({
  name: "train",
  summary: "train the policy (pretrain, SFT, RL) from a config file, or resume a run",
  options: {
    config: {
      type: "string",
      short: "c",
      value: "FILE",
      description: "training config (JSON), e.g. configs/addition.json",
    },
    resume: {
      type: "string",
      value: "RUN_DIR",
      description: "continue an interrupted stage from its last checkpoint",
    },
    backend: { type: "string", value: "NAME", description: "override the config's tensor backend" },
    runs: { type: "string", value: "DIR", description: "override where runs are written" },
    redis: {
      type: "string",
      value: "URL",
      description:
        "sample RL rollouts on worker machines (`reasonlab worker --redis URL`), e.g. redis://127.0.0.1:6379",
    },
  },
  schema: z
    .object({
      config: z.string().optional(),
      resume: z.string().optional(),
      backend: BackendName.optional(),
      runs: z.string().optional(),
      redis: z.string().optional(),
      args: z.array(z.string()).max(0),
    })
    .refine((o) => (o.config === undefined) !== (o.resume === undefined), {
      message: "give exactly one of --config and --resume",
      path: ["config"],
    }),
  examples: [
    "reasonlab train --config configs/addition.json",
    "reasonlab train --resume runs/20261128-101500-000-addition-sft-1a2b",
    "reasonlab train --config configs/demo.json --redis redis://127.0.0.1:6379",
  ],
  async run({ config, resume, backend, runs, redis }) {
    const { train, resumeTraining, TrainConfig } = await import("./train.js");
    if (redis) (await import("@reasonlab/queue")).redisOptions(redis); // a bad URL fails now, not at the RL stage
    const hooks = redis ? { redis } : {};
    let results: Awaited<ReturnType<typeof train>>;
    if (resume) results = await resumeTraining(resume, hooks);
    else {
      const { readJsonFile } = await import("@reasonlab/runs");
      const parsed = readJsonFile(TrainConfig, config!);
      results = await train({ ...parsed, ...(backend ? { backend } : {}), ...(runs ? { runs } : {}) }, hooks);
    }
    for (const r of results) {
      const parts = [
        ...(Number.isFinite(r.finalLoss) ? [`loss ${r.finalLoss.toFixed(3)}`] : []),
        ...(r.initialAccuracy != null
          ? [`held-out accuracy before ${(r.initialAccuracy * 100).toFixed(1)}%`]
          : []),
        ...(r.accuracy !== null ? [`held-out accuracy ${(r.accuracy * 100).toFixed(1)}%`] : []),
      ];
      console.log(`${r.runDir}: ${parts.join(", ")}`);
    }
  },
});

const serve = defineCommand({
  name: "serve",
  summary: "serve a checkpoint over an OpenAI-compatible HTTP API",
  options: {
    checkpoint: {
      type: "string",
      value: "DIR",
      description: "checkpoint folder, or a run directory (its newest checkpoint)",
    },
    host: { type: "string", value: "ADDR", description: "address to listen on", default: "127.0.0.1" },
    port: { type: "string", value: "N", description: "port", default: "8000" },
    name: {
      type: "string",
      value: "ID",
      description: "model id clients ask for",
      default: "reasonlab-policy",
    },
    backend: backendOption,
    "max-rows": {
      type: "string",
      value: "N",
      description: "rows (completions) one engine decodes together; requests beyond wait to join",
      default: "64",
    },
    engines: {
      type: "string",
      value: "N",
      description:
        "engine threads on the CPU backends, each with a copy of the weights (auto: one per core, up to 8); 0 decodes on the server's thread, as on a GPU",
      default: "auto",
    },
  },
  schema: z.object({
    checkpoint: z.string({ error: "give --checkpoint DIR" }),
    host: z.string(),
    port: z.coerce.number().int().min(0).max(65535),
    name: z.string().min(1),
    backend: BackendName,
    maxRows: z.coerce.number().int().min(1).max(4096),
    engines: z.union([z.literal("auto"), z.coerce.number().int().min(0).max(256)], {
      error: "give a number of engine threads (0 to 256), or auto",
    }),
    args: z.array(z.string()).max(0),
  }),
  examples: [
    "reasonlab serve --checkpoint runs/<sft-run> --port 8000",
    "OPENAI_BASE_URL=http://127.0.0.1:8000/v1 OPENAI_API_KEY=none your-client",
  ],
  async run({ checkpoint, host, port, name, backend, maxRows, engines }) {
    const { loadBackend } = await import("./backend.js");
    const { loadCheckpoint, resolveCheckpoint } = await import("./checkpoint.js");
    const { startServer } = await import("./serve.js");
    const { tf, name: ran, device } = await loadBackend(backend);
    const dir = resolveCheckpoint(checkpoint);
    const { model, tokenizer } = loadCheckpoint(tf, dir);
    const server = await startServer(
      { model, tokenizer, id: name },
      { host, port, maxRows, ...(engines === "auto" ? {} : { engines }), log: (l) => console.log(l) },
    );
    const threads = server.engines
      ? `${server.engines} engine thread${server.engines > 1 ? "s" : ""}`
      : "one engine";
    console.log(
      `serving ${dir} as '${name}' on ${server.url} (${ran} on ${device}, ${threads}); Ctrl-C stops it`,
    );
    await new Promise(() => {});
  },
});

const sampleCommand = defineCommand({
  name: "sample",
  summary: "complete a chat prompt with a checkpoint",
  options: {
    checkpoint: { type: "string", value: "DIR", description: "checkpoint folder, or a run directory" },
    prompt: { type: "string", short: "p", value: "TEXT", description: "the user message" },
    n: { type: "string", short: "n", value: "N", description: "completions", default: "1" },
    temperature: { type: "string", short: "t", value: "T", description: "0 for greedy", default: "0" },
    "max-tokens": { type: "string", value: "N", description: "most tokens per completion", default: "200" },
    seed: { type: "string", value: "N", description: "sampling seed", default: "0" },
    backend: backendOption,
  },
  schema: z.object({
    checkpoint: z.string({ error: "give --checkpoint DIR" }),
    prompt: z.string({ error: "give --prompt TEXT" }),
    n: z.coerce.number().int().min(1).max(64),
    temperature: z.coerce.number().min(0).max(5),
    maxTokens: z.coerce.number().int().min(1),
    seed: z.coerce.number().int(),
    backend: BackendName,
    args: z.array(z.string()).max(0),
  }),
  async run({ checkpoint, prompt, n, temperature, maxTokens, seed, backend }) {
    const { loadBackend } = await import("./backend.js");
    const { loadCheckpoint, resolveCheckpoint } = await import("./checkpoint.js");
    const { sample } = await import("./sample.js");
    const { renderChat } = await import("./chat.js");
    const { tf } = await loadBackend(backend);
    const { model, tokenizer } = loadCheckpoint(tf, resolveCheckpoint(checkpoint));
    const ids = renderChat(tokenizer, [{ role: "user", content: prompt }], { generation: true }).ids;
    const out = await sample(model, tokenizer, [ids], { n, temperature, maxTokens, seed });
    for (const c of out) console.log(`${c.text}\n[${c.finishReason}, ${c.tokens.length} tokens]\n`);
  },
});

export const commands = [trainCommand, serve, sampleCommand, backends];
