// Where RL rollouts are sampled. Inline: on the training model itself. Worker: in a worker thread
// holding its own copy of the weights, so the next step's rollouts are sampled on a second core
// while this step's update runs on the first. tfjs-wasm runs one thread per isolate, so on a CPU
// host this is what puts the second core to work; the price is rollouts one update stale, which
// the clipped importance ratio (current / sampling policy) accounts for.
import { Worker } from "node:worker_threads";
import type * as TF from "@tensorflow/tfjs";
import { z } from "zod";
import type { Backend } from "./backend.js";
import { type Batch, splitBatch } from "./data.js";
import type { EngineLoad, EngineOptions } from "./engine.js";
import { batchGradients, type Model } from "./model.js";
import {
  type Completion,
  type SampleEvents,
  type SampleOptionsInput,
  sample,
  type TokenChoice,
} from "./sample.js";
import type { Tokenizer } from "./tokenizer.js";

export interface RolloutSampler {
  /** Snapshot the training model's weights now: later samples use them, whatever updates follow. */
  sync(): void;
  sample(prompts: readonly (readonly number[])[], options: SampleOptionsInput): Promise<Completion[]>;
  close(): Promise<void>;
}

/** Samples with the live training model: always on-policy, one core. */
export function inlineSampler(model: Model, tok: Tokenizer): RolloutSampler {
  return {
    sync() {},
    sample: (prompts, options) => sample(model, tok, prompts, options),
    async close() {},
  };
}

export type WorkerRequest =
  | { type: "weights"; names: string[]; arrays: Float32Array[] }
  | { type: "sample"; id: number; prompts: number[][]; options: SampleOptionsInput }
  | { type: "grads"; id: number; batch: Batch }
  | {
      type: "complete";
      id: number;
      prompts: number[][];
      options: SampleOptionsInput;
      stream: boolean;
      /** Cancelled before it was sent: its rows end before their first token. */
      cancelled: boolean;
    }
  | { type: "cancel"; id: number }
  | { type: "ready"; id: number };
export type WorkerReply =
  | { type: "ready"; id: number }
  | { type: "completions"; id: number; completions: Completion[]; load?: EngineLoad }
  | { type: "token"; id: number; row: number; token: TokenChoice; text: string }
  | { type: "grads"; id: number; loss: number; names: string[]; arrays: Float32Array[] }
  | { type: "error"; id: number | null; message: string };
type Answer = Exclude<WorkerReply, { type: "error" | "token" }>;
/** A request as `request` takes it: every kind that gets an answer, without the id it is given. */
type Ask =
  Exclude<WorkerRequest, { type: "weights" | "cancel" }> extends infer R
    ? R extends unknown
      ? Omit<R, "id">
      : never
    : never;

/**
 * tsx's loader for the worker's TypeScript: the ESM build of its register API, found from here so
 * it works whichever directory the command runs in.
 */
function workerBootstrap(entry: URL): string {
  const api = import.meta.resolve("tsx/esm/api");
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
}

/** Backends a helper worker runs on: the CPU ones (on a GPU, the work shares the one device anyway). */
export const workerBackend = (name: string) => name === "wasm" || name === "cpu";

/** Where a stage's helper work runs: `rollouts` (RL) and `gradients` (pretraining, SFT) both take it. */
export const WorkerMode = z.enum(["inline", "worker", "auto"]).default("inline");

/** Whether a stage set to `mode` uses a worker on this backend: auto takes one on the CPU backends. */
export const usesWorker = (mode: z.infer<typeof WorkerMode>, backendName: string) =>
  mode === "worker" || (mode === "auto" && workerBackend(backendName));

/**
 * A worker thread with its own tfjs backend and a copy of the model (rollout-worker.ts), which
 * samples rollouts or computes gradients on request, strictly in the order asked, or serves
 * generations from a running batch of its own (`complete`, with `engine`'s options; engine-pool.ts).
 */
export function startWorker(
  backend: { name: string },
  model: Model,
  tok: Tokenizer,
  what: string,
  { engine }: { engine?: EngineOptions } = {},
) {
  if (!workerBackend(backend.name))
    throw new Error(
      `${what}: "worker" runs on the CPU backends (wasm, cpu), not ${backend.name}; use "inline" there, or "auto" for one config that runs on both`,
    );
  const worker = new Worker(workerBootstrap(new URL("./rollout-worker.ts", import.meta.url)), {
    eval: true,
    workerData: { backend: backend.name, config: model.config, tokenizer: tok.toJSON(), engine },
  });
  const pending = new Map<
    number,
    { resolve: (a: Answer) => void; reject: (e: Error) => void; onToken?: SampleEvents["onToken"] }
  >();
  let nextId = 0;
  let failure: Error | null = null;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on("message", (reply: WorkerReply) => {
    if (reply.type === "error" && reply.id === null)
      return failAll(new Error(`${what} worker: ${reply.message}`));
    const p = pending.get(reply.id!);
    if (!p) return;
    if (reply.type === "token") return p.onToken?.(reply.row, reply.token, reply.text);
    pending.delete(reply.id!);
    if (reply.type === "error") p.reject(new Error(`${what} worker: ${reply.message}`));
    else p.resolve(reply);
  });
  worker.on("error", (e) => failAll(new Error(`${what} worker crashed: ${e.message}`)));
  worker.on("exit", (code) => failAll(new Error(`${what} worker exited (code ${code})`)));
  return {
    /** Sends the training model's weights as they are now: later requests use them. */
    sync() {
      // dataSync, not data(): the snapshot must be taken before the caller's next update can run;
      // copied, since the buffers are transferred and may be views of the backend's memory
      const names = [...model.params.keys()];
      const arrays = names.map((n) => new Float32Array(model.params.get(n)!.dataSync() as Float32Array));
      worker.postMessage(
        { type: "weights", names, arrays } satisfies WorkerRequest,
        arrays.map((a) => a.buffer),
      );
    },
    /** One answer per request; a completion streams its tokens to `onToken`, and `signal` cancels it. */
    request(msg: Ask, { onToken, signal }: SampleEvents = {}): Promise<Answer> {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, ...(onToken ? { onToken } : {}) });
        worker.postMessage({ ...msg, id } satisfies WorkerRequest);
        // a signal aborted before the request was sent travels in it (`cancelled`): a cancel
        // message sent after it could reach the thread once decoding had begun
        if (signal && !signal.aborted)
          signal.addEventListener(
            "abort",
            () => worker.postMessage({ type: "cancel", id } satisfies WorkerRequest),
            { once: true },
          );
      });
    },
    /** Why the worker stopped (it crashed, exited, failed to start, or was closed); null while it runs. */
    get failure() {
      return failure;
    },
    async close() {
      failAll(new Error(`${what} worker closed`));
      await worker.terminate();
    },
  };
}

/** A rollout worker for the CPU backends. */
export function workerSampler(backend: Backend, model: Model, tok: Tokenizer): RolloutSampler {
  const worker = startWorker(backend, model, tok, "rollouts");
  return {
    sync: worker.sync,
    async sample(prompts, options) {
      const reply = await worker.request({ type: "sample", prompts: prompts.map((p) => [...p]), options });
      if (reply.type !== "completions") throw new Error(`rollouts worker: answered ${reply.type}`);
      return reply.completions;
    },
    close: worker.close,
  };
}

/** A batch's loss and gradients (keyed by the variables' tfjs names), on this thread. */
export async function localGradients(model: Model, b: Batch) {
  const { value, grads } = batchGradients(model, b, [...model.params.values()]);
  const loss = (await value.data())[0]!;
  value.dispose();
  return { loss, grads };
}

/**
 * The same, half on this thread and half in a gradients worker (startWorker) at once. lossOf
 * averages over a batch's weighted tokens, so the halves combine weighted by their token counts
 * into the whole batch's. The worker must hold this step's weights (its sync()).
 */
export async function splitGradients(model: Model, worker: ReturnType<typeof startWorker>, b: Batch) {
  const { tf } = model;
  const [mine, theirs] = splitBatch(b);
  const remote = worker.request({ type: "grads", batch: theirs });
  const local = await localGradients(model, mine);
  const reply = await remote;
  if (reply.type !== "grads") throw new Error(`gradients worker: answered ${reply.type}`);
  const [wa, wb] = [Math.max(1, mine.tokens), Math.max(1, theirs.tokens)];
  const byName = new Map(reply.names.map((n, i) => [n, reply.arrays[i]!]));
  const grads = tf.tidy(() => {
    const out: Record<string, TF.Tensor> = {};
    for (const [n, v] of model.params) {
      const other = tf.tensor(byName.get(n)!, v.shape);
      out[v.name] = local.grads[v.name]!.mul(wa / (wa + wb)).add(other.mul(wb / (wa + wb)));
    }
    return out;
  });
  tf.dispose(Object.values(local.grads));
  return { loss: (wa * local.loss + wb * reply.loss) / (wa + wb), grads };
}
