// Where RL rollouts are sampled. Inline: on the training model itself. Worker: in a worker thread
// holding its own copy of the weights, so the next step's rollouts are sampled on a second core
// while this step's update runs on the first. tfjs-wasm runs one thread per isolate, so on a CPU
// host this is what puts the second core to work; the price is rollouts one update stale, which
// the clipped importance ratio (current / sampling policy) accounts for.
import { Worker } from "node:worker_threads";
import type { Backend } from "./backend.js";
import type { Model } from "./model.js";
import { type Completion, type SampleOptionsInput, sample } from "./sample.js";
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
  | { type: "sample"; id: number; prompts: number[][]; options: SampleOptionsInput };
export type WorkerReply =
  | { type: "completions"; id: number; completions: Completion[] }
  | { type: "error"; id: number | null; message: string };

/**
 * tsx's loader for the worker's TypeScript: the ESM build of its register API, found from here so
 * it works whichever directory the command runs in.
 */
function workerBootstrap(entry: URL): string {
  const api = import.meta.resolve("tsx/esm/api");
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
}

/** Backends a rollout worker runs on: the CPU ones (on a GPU, rollouts and updates share the one device anyway). */
export const workerBackend = (name: string) => name === "wasm" || name === "cpu";

/** A rollout worker for the CPU backends. */
export function workerSampler(backend: Backend, model: Model, tok: Tokenizer): RolloutSampler {
  if (!workerBackend(backend.name))
    throw new Error(
      `rollouts: "worker" runs on the CPU backends (wasm, cpu), not ${backend.name}; use "inline" there, or "auto" for one config that runs on both`,
    );
  const worker = new Worker(workerBootstrap(new URL("./rollout-worker.ts", import.meta.url)), {
    eval: true,
    workerData: { backend: backend.name, config: model.config, tokenizer: tok.toJSON() },
  });
  const pending = new Map<number, { resolve: (c: Completion[]) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | null = null;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on("message", (reply: WorkerReply) => {
    if (reply.type === "error" && reply.id === null)
      return failAll(new Error(`rollout worker: ${reply.message}`));
    const p = pending.get(reply.id!);
    if (!p) return;
    pending.delete(reply.id!);
    if (reply.type === "error") p.reject(new Error(`rollout worker: ${reply.message}`));
    else p.resolve(reply.completions);
  });
  worker.on("error", (e) => failAll(new Error(`rollout worker crashed: ${e.message}`)));
  worker.on("exit", (code) => failAll(new Error(`rollout worker exited (code ${code})`)));
  return {
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
    sample(prompts, options) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({
          type: "sample",
          id,
          prompts: prompts.map((p) => [...p]),
          options,
        } satisfies WorkerRequest);
      });
    },
    async close() {
      failAll(new Error("rollout worker closed"));
      await worker.terminate();
    },
  };
}
