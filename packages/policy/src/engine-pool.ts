// The server's engines on the CPU backends: worker threads, each with its own copy of the weights
// and its own running batch (engine.ts). tfjs-wasm decodes on one thread per isolate, so on a CPU
// host this is what puts the other cores to work, and the server's own thread is left to HTTP,
// JSON and chat templates. A request goes to the engine with the fewest rows in flight; every
// engine gives a request what `sample` gives it alone, so which one answers changes nothing.
import type { Engine, EngineLoad, EngineOptions } from "./engine.js";
import type { Model } from "./model.js";
import { startWorker } from "./rollouts.js";
import type { Tokenizer } from "./tokenizer.js";

/**
 * `engines` worker threads behind one Engine; resolves once each has its backend and weights.
 * `load()` sums the engines' loads as of their last answers (the peak: the largest of theirs).
 */
export async function enginePool(
  model: Model,
  tok: Tokenizer,
  { engines, ...options }: EngineOptions & { engines: number },
  /** Starts each thread (tests wrap it to stop one). */
  start: typeof startWorker = startWorker,
): Promise<Engine> {
  const backend = { name: model.tf.getBackend() };
  const workers = Array.from({ length: engines }, () =>
    start(backend, model, tok, "engine", { engine: options }),
  );
  try {
    for (const w of workers) w.sync();
    // a backend that fails to load fails here, at startup, not on the first request
    await Promise.all(workers.map((w) => w.request({ type: "ready" })));
  } catch (error) {
    await Promise.all(workers.map((w) => w.close()));
    throw error;
  }
  /** Rows each engine has in flight (decoding or waiting to join), as routed from here. */
  const rows = workers.map(() => 0);
  /** Each engine's load as of its last answer. */
  const loads: EngineLoad[] = workers.map(() => ({ rows: 0, waiting: 0, peak: 0 }));
  let closed = false;
  return {
    async complete(prompts, options, events = {}) {
      if (closed) throw new Error("the engine was closed");
      // a thread that died (it crashed, or ran out of memory) takes no more requests: the least
      // loaded would otherwise be the dead one, failing every request sent its way
      const open = workers.flatMap((w, i) => (w.failure ? [] : [i]));
      if (open.length === 0)
        throw new Error(`every engine thread stopped; the first: ${workers[0]!.failure!.message}`);
      const i = open.reduce((a, b) => (rows[b]! < rows[a]! ? b : a));
      const n = prompts.length * (options.n ?? 1);
      rows[i]! += n;
      try {
        const reply = await workers[i]!.request(
          {
            type: "complete",
            prompts: prompts.map((p) => [...p]),
            options,
            stream: !!events.onToken,
            cancelled: !!events.signal?.aborted,
          },
          events,
        );
        if (reply.type !== "completions") throw new Error(`engine worker: answered ${reply.type}`);
        if (reply.load) loads[i] = reply.load;
        return reply.completions;
      } finally {
        rows[i]! -= n;
      }
    },
    load: () => ({
      rows: loads.reduce((s, l) => s + l.rows, 0),
      waiting: loads.reduce((s, l) => s + l.waiting, 0),
      peak: Math.max(...loads.map((l) => l.peak)),
    }),
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
