// RL rollouts on worker machines, over Redis + BullMQ (@reasonlab/queue). The trainer publishes
// each policy version once (a blob by version, fetched once per worker and cached), draws tasks as
// always, and enqueues them as rollout jobs; a worker rebuilds the stage's environment from the
// stage config the job carries (data, never code), samples with that version and returns the
// episodes with their sampling log-probabilities, which the clipped ratio needs. Job ids carry the
// trainer's session, so a trainer killed and resumed never applies a rollout of its past life.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ChatMessage, type Environment } from "@reasonlab/env-math";
import type { QueueClient } from "@reasonlab/queue";
import { z } from "zod";
import type { Backend, BackendName } from "./backend.js";
import { policyBytes, policyFromBytes } from "./checkpoint.js";
import { type CollectOptions, collectGroups, type Rollout } from "./episodes.js";
import { disposeModel, type Model } from "./model.js";
import { openEnvironment, RlStageConfig, rewardsOf } from "./rl.js";
import { inlineSampler } from "./rollouts.js";
import type { Tokenizer } from "./tokenizer.js";

const Task = z.object({
  id: z.string(),
  family: z.string(),
  seed: z.number().int(),
  difficulty: z.number().int().optional(),
  prompt: z.string(),
  expected: z.string().optional(),
  payload: z.unknown().optional(),
});
const Options = z.object({
  groupSize: z.number().int().min(1),
  temperature: z.number().gt(0),
  maxTokens: z.number().int().min(1),
  seed: z.number().int(),
  contextLength: z.number().int().min(2),
});

export const RolloutPayload = z.object({
  /** The run being trained (its directory's name) and the trainer's life: the job's owner. */
  run: z.string().min(1),
  session: z.string().min(1),
  /** Updates the sampling policy had seen; its weights are blob `policy:<session>:<version>`. */
  version: z.number().int().nonnegative(),
  stage: z.unknown(),
  /** The training seed (the environment is built from it as the trainer built its own). */
  seed: z.number().int(),
  /** Where the environment may keep episodes, if this machine can write there. */
  runDir: z.string().optional(),
  tasks: z.array(Task).min(1),
  options: Options,
});
export type RolloutPayload = z.infer<typeof RolloutPayload>;

const Segment = z.object({
  ids: z.array(z.number().int()),
  generated: z.array(z.number()),
  logprobs: z.array(z.number()),
});
const RolloutResult = z.object({
  version: z.number().int(),
  worker: z.string(),
  groups: z.array(
    z.array(
      z.object({
        task: Task,
        segments: z.array(Segment),
        transcript: z.array(ChatMessage),
        reward: z.number(),
        correct: z.boolean(),
        truncated: z.boolean(),
        turns: z.number().int(),
        length: z.number().int(),
        advantage: z.number(),
      }),
    ),
  ),
});

export const policyKey = (session: string, version: number) => `policy:${session}:${version}`;

export interface RemoteRollouts {
  /** Publishes the weights as they are now as `version` (updates seen); later collections sample with it. */
  sync(version: number): void;
  collect(tasks: Rollout["task"][], o: CollectOptions): Promise<{ groups: Rollout[][]; version: number }>;
  /**
   * Resolves once every collection started so far has its jobs in Redis. The trainer waits for
   * this before an update: the update holds the event loop, and jobs not yet sent would wait it out.
   */
  submitted(): Promise<void>;
  /** This trainer's life: its jobs' ids and its policy versions' keys carry it. */
  readonly session: string;
  /** The rollouts queue now, for the run's charts: depth, busy jobs, workers, jobs per second. */
  stats(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * The trainer's side. Tasks of one collection are split into as many jobs as there are rollout
 * workers listening (one job when none are yet), so every worker gets a share of each step.
 */
export async function remoteRollouts(o: {
  url: string;
  stage: RlStageConfig;
  seed: number;
  runDir: string;
  model: Model;
  tok: Tokenizer;
  log: (line: string) => void;
}): Promise<RemoteRollouts> {
  const { queueClient } = await import("@reasonlab/queue");
  const client: QueueClient = queueClient(o.url);
  const run = path.basename(o.runDir);
  const session = randomUUID().slice(0, 8);
  // rollouts a previous life of this run left waiting would only keep workers busy
  const dropped = await client.drop("rollouts", (d) => {
    const p = d as { run?: string; session?: string };
    return p.run === run && p.session !== session;
  });
  if (dropped) o.log(`rollouts: dropped ${dropped} waiting jobs of this run's previous session`);
  let version = -1;
  let published: Promise<void> = Promise.resolve();
  let workers = { n: 0, at: 0 };
  const workerCount = async () => {
    if (Date.now() - workers.at > 5000) workers = { n: await client.workers("rollouts"), at: Date.now() };
    return workers.n;
  };
  let finished = 0;
  const adding = new Set<Promise<void>>();
  let last = { finished: 0, at: performance.now() };
  return {
    session,
    async stats() {
      const [q] = await client.stats(["rollouts"]);
      const now = performance.now();
      const rate = (finished - last.finished) / Math.max((now - last.at) / 1000, 1e-9);
      last = { finished, at: now };
      return {
        "queue/waiting": q!.waiting + q!.delayed,
        "queue/active": q!.active,
        "queue/workers": q!.workers,
        "queue/jobs_per_s": rate,
      };
    },
    sync(v) {
      version = v;
      const bytes = policyBytes(o.model, o.tok); // now, before the caller's next update
      const key = policyKey(session, version);
      published = published.then(() => client.putBlob(key, bytes, 3600));
    },
    submitted: async () => {
      await Promise.all(adding);
    },
    async collect(tasks, options) {
      const v = version;
      let markAdded = () => {};
      const added = new Promise<void>((resolve) => {
        markAdded = resolve;
      });
      adding.add(added);
      void added.then(() => adding.delete(added));
      try {
        await published;
      } catch (e) {
        markAdded();
        throw e;
      }
      const parts = Math.max(1, Math.min(tasks.length, await workerCount().catch(() => 1)));
      const per = Math.ceil(tasks.length / parts);
      const chunks = Array.from({ length: Math.ceil(tasks.length / per) }, (_, c) =>
        tasks.slice(c * per, (c + 1) * per),
      );
      let inRedis = 0;
      const onAdded = () => {
        if (++inRedis === chunks.length) markAdded();
      };
      const results = await Promise.all(
        chunks.map(async (chunk, c) => {
          const jobId = `${run}.${session}.${options.seed}.${c}`; // BullMQ ids may not hold ":"
          const payload: RolloutPayload = {
            run,
            session,
            version: v,
            stage: o.stage,
            seed: o.seed,
            runDir: path.resolve(o.runDir),
            tasks: chunk,
            options: { ...options, seed: options.seed * 64 + c },
          };
          const r = await client
            .submit("rollouts", "rollout-groups", payload, { jobId, onAdded, result: RolloutResult })
            .finally(markAdded); // a failed add must not leave the trainer waiting
          finished++;
          if (r.version !== v)
            throw new Error(`rollout job ${jobId}: sampled version ${r.version}, asked ${v}`);
          const source = { job: jobId, worker: r.worker, version: v };
          return r.groups.map((g) => g.map((rollout) => ({ ...rollout, source }))) as Rollout[][];
        }),
      );
      return { groups: results.flat(), version: v };
    },
    close: () => client.close(),
  };
}

/**
 * Published policies a worker has loaded, by key (fetched with `blob` the first time): the last
 * `keep` stay loaded, older ones are freed. Rollout jobs and eval jobs load theirs through it.
 */
export function policyCache({ backend = "auto" as BackendName, keep = 2 } = {}) {
  let tf: Promise<Backend["tf"]> | null = null;
  const loaded = new Map<string, Promise<{ model: Model; tokenizer: Tokenizer }>>();
  return (key: string, blob: (key: string) => Promise<Buffer>) => {
    let policy = loaded.get(key);
    if (!policy) {
      tf ??= import("./backend.js").then(async (b) => (await b.loadBackend(backend)).tf);
      policy = (async () => policyFromBytes(await tf!, await blob(key), key))();
      loaded.set(key, policy);
      policy.catch(() => loaded.delete(key));
      while (loaded.size > keep) {
        const [oldest, gone] = loaded.entries().next().value!;
        loaded.delete(oldest);
        void gone.then((l) => disposeModel(l.model)).catch(() => {});
      }
    }
    return policy;
  };
}

/**
 * The worker's side: the `rollouts` queue's one job kind. Keeps the last two policy versions and
 * one environment per stage config, so a step's jobs cost one weight fetch per worker.
 */
export function rolloutJob({ backend = "auto" as BackendName } = {}) {
  const policyOf = policyCache({ backend });
  const environments = new Map<string, Promise<Environment>>();
  return {
    queue: "rollouts" as const,
    kind: "rollout-groups",
    payload: RolloutPayload,
    async run(p: RolloutPayload, ctx: { worker: string; blob(key: string): Promise<Buffer> }) {
      const stage = RlStageConfig.parse(p.stage);
      const { model, tokenizer } = await policyOf(policyKey(p.session, p.version), ctx.blob);
      const envKey = JSON.stringify([
        stage.environment ?? stage.data,
        stage.rewards,
        stage.answerFormat,
        p.seed,
        p.runDir,
      ]);
      let env = environments.get(envKey);
      if (!env) {
        // episodes land in the trainer's run directory when this machine shares it (one host, or
        // a shared file system); elsewhere they are not kept
        const shared = p.runDir && fs.existsSync(p.runDir) ? p.runDir : undefined;
        env = openEnvironment(stage, rewardsOf(stage.rewards), p.seed, {}, shared);
        environments.set(envKey, env);
        env.catch(() => environments.delete(envKey));
      }
      const groups = await collectGroups(
        await env,
        inlineSampler(model, tokenizer),
        tokenizer,
        p.tasks,
        p.options,
      );
      return { version: p.version, worker: ctx.worker, groups };
    },
    async close() {
      for (const e of environments.values()) await (await e.catch(() => null))?.close();
      environments.clear();
    },
  };
}
