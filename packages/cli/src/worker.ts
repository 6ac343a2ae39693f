// `reasonlab worker`: the distributed mode's worker. It takes jobs of known kinds from Redis
// (BullMQ) and runs them with this machine's copy of the project: RL rollouts (policy), eval
// shards and operator episodes (eval, with Chromium). Jobs carry data only.
import { defineCommand } from "@reasonlab/command";
import { QUEUES, QueueName } from "@reasonlab/queue/jobs"; // zod only: --help stays instant
import { z } from "zod";

export const workerCommand = defineCommand({
  name: "worker",
  summary: "take RL rollout, eval and browser-episode jobs from Redis (distributed mode)",
  description: `
Runs on any machine with the project installed. Jobs are data (a kind and a payload checked with
zod); a job whose worker dies is handed to another after the lock runs out (--lock-ms), and a
failing one retries, then stays in Redis's failed set with its reason. SIGTERM or Ctrl+C: finish
the jobs in hand, then exit.`,
  options: {
    redis: { type: "string", value: "URL", description: "redis://[:PASSWORD@]HOST:PORT (rediss:// for TLS)" },
    queues: {
      type: "string",
      value: "LIST",
      description: `queues to serve, comma-separated: ${QUEUES.join(",")}`,
      default: QUEUES.join(","),
    },
    concurrency: { type: "string", value: "N", description: "jobs in flight per queue", default: "1" },
    backend: {
      type: "string",
      value: "NAME",
      description: "tensor backend for policy jobs",
      default: "auto",
    },
    "lock-ms": {
      type: "string",
      value: "MS",
      description: "a job's lock; a killed worker's job is retaken after about this",
      default: "30000",
    },
  },
  schema: z.object({
    redis: z.string({ error: "give --redis URL" }).min(1),
    queues: z
      .string()
      .transform((s) =>
        s
          .split(",")
          .map((q) => q.trim())
          .filter(Boolean),
      )
      .pipe(z.array(QueueName).min(1)),
    concurrency: z.coerce.number().int().min(1).max(64),
    backend: z.string(),
    lockMs: z.coerce.number().int().min(200),
    args: z.array(z.string()).max(0),
  }),
  examples: [
    "reasonlab worker --redis redis://127.0.0.1:6379",
    "reasonlab worker --redis redis://:secret@10.0.0.5:6379 --queues rollouts --concurrency 2",
  ],
  async run(o) {
    const { redisOptions, startWorker } = await import("@reasonlab/queue");
    redisOptions(o.redis);
    const { rolloutJob } = await import("@reasonlab/policy");
    const { evalJobs } = await import("@reasonlab/eval");
    const { operateEpisodeJob } = await import("@reasonlab/operator");
    const { BackendName } = await import("@reasonlab/policy");
    const backend = BackendName.parse(o.backend);
    const stamp = () => new Date().toISOString().slice(11, 19);
    const worker = startWorker({
      url: o.redis,
      queues: o.queues,
      kinds: [rolloutJob({ backend }), ...evalJobs({ backend }), operateEpisodeJob()],
      concurrency: o.concurrency,
      lockDuration: o.lockMs,
      stalledInterval: Math.max(100, Math.floor(o.lockMs / 2)),
      log: (line) => console.log(`${stamp()} ${line}`),
    });
    console.log(
      `${stamp()} worker ${process.pid} on ${o.redis.replace(/\/\/[^@]*@/, "//***@")}: queues ${o.queues.join(", ")}, ${o.concurrency} at a time; Ctrl+C to stop`,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    console.log(`${stamp()} stopping: finishing the jobs in hand`);
    await worker.close();
    console.log(`${stamp()} stopped (${worker.counts.completed} jobs done, ${worker.counts.failed} failed)`);
  },
});
