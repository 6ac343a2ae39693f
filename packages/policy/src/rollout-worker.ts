// The body of a helper worker thread (see rollouts.ts): its own tfjs backend and a copy of the
// policy's weights, sampling rollouts or computing a batch's gradients on request, or serving the
// server's generations (engine-pool.ts). Messages are handled strictly in order, so weights sent
// before a request are the weights it uses.
import { parentPort, workerData } from "node:worker_threads";
import { type BackendName, loadBackend } from "./backend.js";
import { createEngine, type Engine, type EngineOptions } from "./engine.js";
import { batchGradients, initModel, type Model, type ModelConfig } from "./model.js";
import type { WorkerReply, WorkerRequest } from "./rollouts.js";
import { sample } from "./sample.js";
import { createTokenizer, type Tokenizer, type TokenizerData } from "./tokenizer.js";

const init = workerData as {
  backend: BackendName;
  config: ModelConfig;
  tokenizer: TokenizerData;
  engine?: EngineOptions;
};
const port = parentPort!;

async function start(): Promise<{ model: Model; tok: Tokenizer }> {
  const { tf } = await loadBackend(init.backend);
  return { model: initModel(tf, init.config, 0, { empty: true }), tok: createTokenizer(init.tokenizer) };
}

const ready = start();
let queue: Promise<void> = Promise.resolve();

async function handle(
  msg: Exclude<WorkerRequest, { type: "cancel" | "complete" }>,
): Promise<WorkerReply | null> {
  const { model, tok } = await ready;
  if (msg.type === "ready") return { type: "ready", id: msg.id };
  if (msg.type === "weights") {
    const { tf } = model;
    for (const [i, name] of msg.names.entries()) {
      const v = model.params.get(name);
      if (!v) throw new Error(`rollout worker: the model has no weight '${name}'`);
      const t = tf.tensor(msg.arrays[i]!, v.shape);
      v.assign(t);
      t.dispose();
    }
    return null;
  }
  if (msg.type === "grads") {
    const { tf } = model;
    const names = [...model.params.keys()];
    const vars = names.map((n) => model.params.get(n)!);
    const { value, grads } = batchGradients(model, msg.batch, vars);
    const loss = (await value.data())[0]!;
    // copied: the buffers are transferred, and the backend's may be views of its own memory
    const arrays = await Promise.all(
      vars.map(async (v) => new Float32Array((await grads[v.name]!.data()) as Float32Array)),
    );
    tf.dispose([value, ...Object.values(grads)]);
    return { type: "grads", id: msg.id, loss, names, arrays };
  }
  return { type: "completions", id: msg.id, completions: await sample(model, tok, msg.prompts, msg.options) };
}

/** Replies to `msg` with `reply`, or with the error it failed with. */
async function answer(
  msg: Exclude<WorkerRequest, { type: "cancel" }>,
  reply: () => Promise<WorkerReply | null>,
) {
  try {
    const r = await reply();
    if (r) port.postMessage(r, r.type === "grads" ? r.arrays.map((a) => a.buffer as ArrayBuffer) : []);
  } catch (error) {
    port.postMessage({
      type: "error",
      id: msg.type === "weights" ? null : msg.id,
      message: (error as Error).stack ?? String(error),
    } satisfies WorkerReply);
  }
}

// The server's generations (`complete`) share one running batch (engine.ts) and are answered as
// each finishes, not in order; cancelling one stops its rows at their next token.
let engine: Engine | null = null;
const cancels = new Map<number, AbortController>();

async function complete(msg: Extract<WorkerRequest, { type: "complete" }>): Promise<WorkerReply> {
  const { model, tok } = await ready;
  engine ??= createEngine(model, tok, init.engine);
  const cancel = cancels.get(msg.id)!;
  try {
    const completions = await engine.complete(msg.prompts, msg.options, {
      signal: cancel.signal,
      ...(msg.stream
        ? {
            onToken: (row, token, text) =>
              port.postMessage({ type: "token", id: msg.id, row, token, text } satisfies WorkerReply),
          }
        : {}),
    });
    return { type: "completions", id: msg.id, completions, load: engine.load() };
  } finally {
    cancels.delete(msg.id);
  }
}

port.on("message", (msg: WorkerRequest) => {
  if (msg.type === "cancel") return void cancels.get(msg.id)?.abort();
  // a cancel may come while the generation waits its turn
  if (msg.type === "complete") {
    const cancel = new AbortController();
    if (msg.cancelled) cancel.abort();
    cancels.set(msg.id, cancel);
  }
  // in order, so weights sent before a request are the weights it uses; a generation only starts
  // in turn, and the next message does not wait for it to end
  queue = queue.then(() =>
    msg.type === "complete" ? void answer(msg, () => complete(msg)) : answer(msg, () => handle(msg)),
  );
});
