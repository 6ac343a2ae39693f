// Evaluations on worker machines (`eval run|watch --redis URL`). A suite is cut into shards (a
// chunk of math items, or a family's share of operator seeds); each shard is a job that any
// worker can take, seeded by its position, so the results are those of an in-process run in
// whatever order shards finish. The caller assembles them and commits the evaluation once
// (recordEvaluation's eval id); a retried shard is still one result.
import { createHash, randomUUID } from "node:crypto";
import { ChatMessage } from "@reasonlab/env-math";
import type { QueueClient } from "@reasonlab/queue";
import { z } from "zod";
import {
  type Completer,
  type CompletionText,
  checkpointLabel,
  isCheckpointSpec,
  parseEndpointSpec,
} from "./models.js";
import type { Row } from "./operator.js";
import { OperatorSuite } from "./suites.js";

/** What a job says of the model to ask: a published policy (by content), an endpoint, the experts. */
export const JobModel = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("policy"), key: z.string().min(1), name: z.string() }),
  z.object({ kind: z.literal("endpoint"), model: z.string().min(1), baseURL: z.string().optional() }),
  z.object({ kind: z.literal("expert") }),
]);
export type JobModel = z.infer<typeof JobModel>;

const CompletePayload = z.object({
  model: JobModel,
  chats: z.array(z.array(ChatMessage)),
  options: z.object({
    n: z.number().int().min(1),
    temperature: z.number().min(0),
    maxTokens: z.number().int().min(1),
    seed: z.number().int(),
  }),
});
const Completions = z.array(
  z.array(z.object({ text: z.string(), tokens: z.number().nullable(), error: z.string().optional() })),
);
const EpisodesPayload = z.object({
  model: JobModel,
  suite: OperatorSuite,
  families: z.array(z.string().min(1)).min(1),
});
const Rows = z.array(
  z.object({
    family: z.string(),
    seed: z.number().int(),
    success: z.boolean(),
    reward: z.number(),
    steps: z.number(),
    seconds: z.number(),
    status: z.string(),
    goal: z.string(),
    reason: z.string(),
  }),
);

/**
 * The model a spec names, as jobs carry it: a checkpoint is published once, keyed by a hash of its
 * weights, so every worker fetches it once however many shards it takes.
 */
export async function publishModel(
  client: QueueClient,
  spec: string,
): Promise<{ model: JobModel; name: string; step?: number }> {
  if (spec === "expert") return { model: { kind: "expert" }, name: "expert" };
  if (!isCheckpointSpec(spec)) {
    const { model, baseURL } = parseEndpointSpec(spec);
    return { model: { kind: "endpoint", model, ...(baseURL ? { baseURL } : {}) }, name: model };
  }
  const policy = await import("@reasonlab/policy");
  const { checkpointStep } = await import("@reasonlab/runs");
  const path = await import("node:path");
  const ckpt = policy.resolveCheckpoint(spec);
  const bytes = policy.checkpointPolicyBytes(ckpt);
  const key = `checkpoint:${createHash("sha256").update(bytes).digest("hex").slice(0, 24)}`;
  await client.putBlob(key, bytes);
  const name = checkpointLabel(ckpt);
  const step = checkpointStep(path.basename(path.resolve(ckpt)));
  return { model: { kind: "policy", key, name }, name, ...(step !== null ? { step } : {}) };
}

/** A Completer whose chunks are jobs on the `eval` queue: as many in flight as workers listen. */
/** The worker's --backend decides where its policy runs; the caller loads no model. */
export async function remoteCompleter(url: string, spec: string): Promise<Completer> {
  const { queueClient } = await import("@reasonlab/queue");
  const client = queueClient(url);
  const { model, name, step } = await publishModel(client, spec);
  const session = randomUUID().slice(0, 8);
  return {
    name,
    ...(step !== undefined ? { step } : {}),
    parallel: Math.max(2, 2 * (await client.workers("eval"))),
    async complete(chats, options) {
      return (await client.submit(
        "eval",
        "complete",
        { model, chats, options },
        { jobId: `eval.${session}.${options.seed}`, result: Completions },
      )) as CompletionText[][];
    },
    close: () => client.close(),
  };
}

/** An operator suite's episodes as one job per family, on the `episodes` queue. */
export async function remoteEpisodes(
  url: string,
  suite: OperatorSuite,
  families: string[],
  spec: string,
  onProgress?: (done: number, total: number) => void,
): Promise<Row[]> {
  const { queueClient } = await import("@reasonlab/queue");
  const client = queueClient(url);
  const session = randomUUID().slice(0, 8);
  try {
    const { model } = await publishModel(client, spec);
    let done = 0;
    const total = families.length * suite.seeds;
    const shards = await Promise.all(
      families.map(async (family) => {
        const rows = await client.submit(
          "episodes",
          "operator-episodes",
          { model, suite, families: [family] },
          { jobId: `episodes.${session}.${family}`, result: Rows },
        );
        done += rows.length;
        onProgress?.(done, total);
        return rows;
      }),
    );
    return shards.flat();
  } finally {
    await client.close();
  }
}

/** The worker's side: the `eval` queue's `complete` and the `episodes` queue's `operator-episodes`. */
export function evalJobs({ backend = "auto" } = {}) {
  const policies = import("@reasonlab/policy").then((policy) =>
    policy.policyCache({ backend: policy.BackendName.parse(backend) }),
  );
  policies.catch(() => {}); // a failure surfaces in the job that needs a policy
  const load = async (key: string, blob: (key: string) => Promise<Buffer>) => (await policies)(key, blob);
  const complete = {
    queue: "eval" as const,
    kind: "complete",
    payload: CompletePayload,
    async run(p: z.infer<typeof CompletePayload>, ctx: { blob(key: string): Promise<Buffer> }) {
      if (p.model.kind === "expert") throw new Error("the expert answers operator suites only");
      if (p.model.kind === "policy") {
        const { model, tokenizer } = await load(p.model.key, ctx.blob);
        const { policyCompleter } = await import("./models.js");
        return policyCompleter(await import("@reasonlab/policy"), model, tokenizer, {
          name: p.model.name,
        }).complete(p.chats, p.options);
      }
      const { endpointModel } = await import("./models.js");
      const m = await endpointModel({
        model: p.model.model,
        ...(p.model.baseURL ? { baseURL: p.model.baseURL } : {}),
      });
      return m.complete(p.chats, p.options);
    },
  };
  const episodes = {
    queue: "episodes" as const,
    kind: "operator-episodes",
    payload: EpisodesPayload,
    async run(
      p: z.infer<typeof EpisodesPayload>,
      ctx: { blob(key: string): Promise<Buffer>; progress(v: object): Promise<void> },
    ) {
      const { modelEpisodes, policyEpisodes } = await import("./operator.js");
      const onProgress = (done: number, total: number) => void ctx.progress({ done, total }).catch(() => {});
      if (p.model.kind === "policy") {
        return policyEpisodes(p.suite, p.families, await load(p.model.key, ctx.blob), onProgress);
      }
      const spec =
        p.model.kind === "expert"
          ? "expert"
          : `${p.model.model}${p.model.baseURL ? `@${p.model.baseURL}` : ""}`;
      return modelEpisodes(p.suite, p.families, spec, onProgress);
    },
  };
  return [complete, episodes];
}
