// The submitting side: put jobs on a queue and wait for their results; store blobs (policy weights
// by version) that workers fetch once. A result is read from the job itself once it completes, so
// however often a job was retried or redelivered, the submitter sees exactly one result per job.
import { Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { PREFIX, parseResult, QUEUES, type QueueName } from "./jobs.js";
import { connectRedis, redisOptions } from "./redis.js";

export interface SubmitOptions<S extends z.ZodType = z.ZodType> {
  /** Stable id: a job added twice under one id is one job. */
  jobId: string;
  /** Tries before the job fails for good. */
  attempts?: number;
  /** Called once the job is in Redis, before any result: a caller about to compute can wait for it. */
  onAdded?: () => void;
  /** The result's schema: a result that fails it is an error naming the job and the field. */
  result?: S;
}

export interface QueueStats {
  queue: QueueName;
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
  workers: number;
}

export interface QueueClient {
  submit<S extends z.ZodType = z.ZodUnknown>(
    queue: QueueName,
    kind: string,
    payload: unknown,
    o: SubmitOptions<S>,
  ): Promise<z.infer<S>>;
  putBlob(key: string, bytes: Buffer, ttlSeconds?: number): Promise<void>;
  /** Workers listening on a queue now. */
  workers(queue: QueueName): Promise<number>;
  /** Depth, workers and totals of the queues named (all when left out). */
  stats(queues?: readonly QueueName[]): Promise<QueueStats[]>;
  /** Removes waiting jobs whose data matches (e.g. rollouts of a trainer that was killed). */
  drop(queue: QueueName, match: (data: unknown) => boolean): Promise<number>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function queueClient(url: string): QueueClient {
  const queues = new Map<QueueName, Queue>();
  const queueOf = (name: QueueName) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: redisOptions(url), prefix: PREFIX });
      q.on("error", () => {}); // reconnects on its own while Redis restarts
      queues.set(name, q);
    }
    return q;
  };
  const redis: Redis = connectRedis(url);
  redis.on("error", () => {});

  /** Jobs waited on, checked together: one poll loop however many are in flight. */
  const pending = new Map<
    string,
    { queue: QueueName; id: string; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  let polling = false;
  let closed = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    let idle = 0;
    while (pending.size > 0 && !closed) {
      let finished = 0;
      await Promise.all(
        [...pending].map(async ([key, p]) => {
          try {
            const q = queueOf(p.queue);
            const state = await q.getJobState(p.id);
            if (state !== "completed" && state !== "failed") return;
            const job = await Job.fromId(q, p.id);
            pending.delete(key);
            finished++;
            if (state === "completed") {
              p.resolve(job?.returnvalue);
              await job?.remove().catch(() => {});
            } else
              p.reject(
                new Error(`job ${p.id} failed after ${job?.attemptsMade} attempts: ${job?.failedReason}`),
              );
          } catch {
            // Redis away (restarting): try again next round
          }
        }),
      );
      idle = finished ? 0 : idle + 1;
      // fast while results come in, backing off to 50 ms while jobs run
      await sleep(Math.min(1.5 ** idle, 50));
    }
    polling = false;
  };

  return {
    async submit<S extends z.ZodType = z.ZodUnknown>(
      queue: QueueName,
      kind: string,
      payload: unknown,
      o: SubmitOptions<S>,
    ): Promise<z.infer<S>> {
      const q = queueOf(queue);
      await q.add(kind, payload, {
        jobId: o.jobId,
        attempts: o.attempts ?? 3,
        backoff: { type: "exponential", delay: 200 },
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 1000 },
      });
      o.onAdded?.();
      const result = new Promise<unknown>((resolve, reject) => {
        pending.set(`${queue}/${o.jobId}`, { queue, id: o.jobId, resolve, reject });
      });
      void poll();
      const schema = (o.result ?? z.unknown()) as S;
      return parseResult(`job ${o.jobId} (${kind})`, schema, await result);
    },
    async putBlob(key, bytes, ttlSeconds = 24 * 3600) {
      await redis.set(`${PREFIX}:blob:${key}`, bytes, "EX", ttlSeconds);
    },
    async workers(queue) {
      return (await queueOf(queue).getWorkers()).length;
    },
    async stats(names = QUEUES) {
      return Promise.all(
        names.map(async (queue) => {
          const q = queueOf(queue);
          const c = await q.getJobCounts("waiting", "active", "completed", "failed", "delayed");
          return {
            queue,
            waiting: c.waiting ?? 0,
            active: c.active ?? 0,
            completed: c.completed ?? 0,
            failed: c.failed ?? 0,
            delayed: c.delayed ?? 0,
            workers: (await q.getWorkers()).length,
          };
        }),
      );
    },
    async drop(queue, match) {
      const q = queueOf(queue);
      let n = 0;
      for (const job of await q.getJobs(["waiting", "delayed", "prioritized"])) {
        if (job && match(job.data)) {
          await job.remove().catch(() => {});
          n++;
        }
      }
      return n;
    },
    async close() {
      closed = true;
      for (const p of pending.values()) p.reject(new Error("queue client closed"));
      pending.clear();
      await Promise.all([...queues.values()].map((q) => q.close()));
      redis.disconnect();
    },
  };
}
