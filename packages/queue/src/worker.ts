// `reasonlab worker`'s engine: one BullMQ worker per queue it serves, taking jobs of the kinds it
// knows. BullMQ gives at-least-once delivery: a job whose worker dies (its lock not renewed) is
// found stalled after `stalledInterval` and handed to another; a failing job retries with backoff
// up to its attempts and then stays in the failed set with its reason.
import os from "node:os";
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type JobKind, PREFIX, parsePayload, type QueueName } from "./jobs.js";
import { connectRedis, redisOptions } from "./redis.js";

export interface WorkerOptions {
  url: string;
  queues: readonly QueueName[];
  kinds: readonly JobKind[];
  /** Jobs in flight per queue. */
  concurrency?: number;
  /** How long a job's lock lasts without renewal; a killed worker's job is free after about this. */
  lockDuration?: number;
  /** How often stalled jobs are looked for. */
  stalledInterval?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Stops taking jobs, waits for the current ones to finish (or fail), disconnects. */
  close(): Promise<void>;
  /** Jobs finished so far, by outcome. */
  counts: { completed: number; failed: number };
}

export function startWorker(o: WorkerOptions): RunningWorker {
  const log = o.log ?? ((line: string) => console.log(line));
  const known = new Map(o.kinds.map((k) => [`${k.queue}/${k.kind}`, k]));
  const blobs: Redis = connectRedis(o.url);
  const counts = { completed: 0, failed: 0 };
  const name = `${os.hostname()}:${process.pid}`;
  const workers = o.queues.map(
    (queue) =>
      new Worker(
        queue,
        async (job) => {
          const kind = known.get(`${queue}/${job.name}`);
          if (!kind) {
            const names = o.kinds.filter((k) => k.queue === queue).map((k) => k.kind);
            throw new Error(
              `unknown job kind "${job.name}" on queue "${queue}"; this worker knows: ${names.join(", ") || "none"}`,
            );
          }
          const payload = parsePayload(kind, job.data);
          const t0 = performance.now();
          log(`job ${job.id} ${queue}/${job.name} started (attempt ${job.attemptsMade + 1})`);
          const result = await kind.run(payload, {
            id: job.id!,
            worker: name,
            attempt: job.attemptsMade + 1,
            async blob(key) {
              const buf = await blobs.getBuffer(`${PREFIX}:blob:${key}`);
              if (!buf) throw new Error(`blob "${key}" is not in Redis (expired, or never published)`);
              return buf;
            },
            progress: (v) => job.updateProgress(v),
            log: (line) => log(`job ${job.id} ${line}`),
          });
          log(`job ${job.id} ${queue}/${job.name} done in ${((performance.now() - t0) / 1000).toFixed(2)}s`);
          return result;
        },
        {
          connection: redisOptions(o.url),
          prefix: PREFIX,
          concurrency: o.concurrency ?? 1,
          ...(o.lockDuration ? { lockDuration: o.lockDuration } : {}),
          ...(o.stalledInterval ? { stalledInterval: o.stalledInterval } : {}),
        },
      ),
  );
  for (const w of workers) {
    w.on("completed", () => counts.completed++);
    w.on("failed", (job, err) => {
      counts.failed++;
      log(`job ${job?.id} ${w.name}/${job?.name} failed (attempt ${job?.attemptsMade}): ${err.message}`);
    });
    // connection errors while Redis restarts: ioredis retries; say so once a line, do not crash
    w.on("error", (err) => log(`worker ${w.name}: ${err.message}`));
  }
  blobs.on("error", () => {});
  return {
    counts,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      for (const k of o.kinds) await k.close?.();
      blobs.disconnect();
    },
  };
}
