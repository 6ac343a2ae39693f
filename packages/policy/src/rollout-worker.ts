// The body of a helper worker thread (see rollouts.ts): its own tfjs backend and a copy of the
// policy's weights, sampling rollouts or computing a batch's gradients on request. Messages are
// handled strictly in order, so weights sent before a request are the weights it uses.
import { parentPort, workerData } from "node:worker_threads";
import { type BackendName, loadBackend } from "./backend.js";
import { batchGradients, initModel, type Model, type ModelConfig } from "./model.js";
import type { WorkerReply, WorkerRequest } from "./rollouts.js";
import { sample } from "./sample.js";
import { createTokenizer, type Tokenizer, type TokenizerData } from "./tokenizer.js";

const init = workerData as { backend: BackendName; config: ModelConfig; tokenizer: TokenizerData };
const port = parentPort!;

async function start(): Promise<{ model: Model; tok: Tokenizer }> {
  const { tf } = await loadBackend(init.backend);
  return { model: initModel(tf, init.config, 0, { empty: true }), tok: createTokenizer(init.tokenizer) };
}

const ready = start();
let queue: Promise<void> = Promise.resolve();

async function handle(msg: WorkerRequest): Promise<WorkerReply | null> {
  const { model, tok } = await ready;
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

port.on("message", (msg: WorkerRequest) => {
  queue = queue.then(async () => {
    try {
      const reply = await handle(msg);
      if (reply)
        port.postMessage(
          reply,
          reply.type === "grads" ? reply.arrays.map((a) => a.buffer as ArrayBuffer) : [],
        );
    } catch (error) {
      port.postMessage({
        type: "error",
        id: msg.type === "weights" ? null : msg.id,
        message: (error as Error).stack ?? String(error),
      } satisfies WorkerReply);
    }
  });
});
