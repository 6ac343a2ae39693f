// The operator suite: task families x seeds, each an episode in real Chromium; success rate with
// a Wilson interval, mean reward, steps and seconds per episode, per-family breakdown.
import { performance } from "node:perf_hooks";
import type { Outcome } from "./evaluate.js";
import { isCheckpointSpec, parseEndpointSpec } from "./models.js";
import { bootstrapMean, proportion } from "./stats.js";
import type { OperatorSuite } from "./suites.js";

export interface Row {
  family: string;
  seed: number;
  success: boolean;
  reward: number;
  steps: number;
  seconds: number;
  status: string;
  goal: string;
  reason: string;
}

/**
 * `expert` runs each task's expert in-process (the upper bound); a checkpoint (a run directory) is
 * this project's policy, played through the RL environment (greedy, the episodes of a batch side
 * by side, exactly the observations it trained on); anything else is `NAME[@BASE_URL]`.
 */
export async function evaluateOperator(
  suite: OperatorSuite,
  modelSpec: string,
  {
    onProgress,
    backend = "auto",
    redis,
  }: { onProgress?: (done: number, total: number) => void; backend?: string; redis?: string } = {},
): Promise<Outcome> {
  const op = await import("@reasonlab/operator");
  const families = suite.families ?? op.TASK_FAMILIES.map((f) => f.name);
  for (const f of families) op.getTaskFamily(f);
  const t0 = performance.now();
  let rows: Row[];
  if (redis)
    rows = await (await import("./remote.js")).remoteEpisodes(redis, suite, families, modelSpec, onProgress);
  else if (isCheckpointSpec(modelSpec)) {
    const policy = await import("@reasonlab/policy");
    const { tf } = await policy.loadBackend(policy.BackendName.parse(backend));
    const loaded = policy.loadCheckpoint(tf, policy.resolveCheckpoint(modelSpec));
    try {
      rows = await policyEpisodes(suite, families, loaded, onProgress);
    } finally {
      policy.disposeModel(loaded.model);
    }
  } else rows = await modelEpisodes(suite, families, modelSpec, onProgress);
  return outcomeOf(rows, families, (performance.now() - t0) / 1000);
}

/** Episodes of a model behind the OpenAI API (or the experts), one page, one after another. */
export async function modelEpisodes(
  suite: OperatorSuite,
  families: string[],
  modelSpec: string,
  onProgress?: (done: number, total: number) => void,
): Promise<Row[]> {
  const op = await import("@reasonlab/operator");
  const { model: name, baseURL } = parseEndpointSpec(modelSpec);
  const client = name === "expert" ? null : op.openaiClient(baseURL ? { baseURL } : {});
  const env = await op.createTaskEnv();
  const rows: Row[] = [];
  try {
    const total = families.length * suite.seeds;
    for (const family of families) {
      for (let s = 0; s < suite.seeds; s++) {
        const seed = suite.firstSeed + s;
        const start = performance.now();
        const { task, result } = await op.runTask(
          env,
          family,
          seed,
          (task) =>
            client ? op.createModel(suite.mode, { client, model: name }) : op.expertModel(() => task),
          suite.maxSteps ? { maxSteps: suite.maxSteps } : {},
        );
        rows.push({
          family,
          seed,
          success: result.status === "success",
          reward: result.reward ?? 0,
          steps: result.steps,
          seconds: (performance.now() - start) / 1000,
          status: result.status,
          goal: task.instruction,
          reason: result.reason,
        });
        onProgress?.(rows.length, total);
      }
    }
  } finally {
    await env.close();
  }
  return rows;
}

/** Tasks evaluated at once: a page each. */
const POLICY_BATCH = 16;

/** A policy's episodes through the browser environment, greedy, a batch of pages at a time. */
export async function policyEpisodes(
  suite: OperatorSuite,
  families: string[],
  {
    model,
    tokenizer,
  }: { model: import("@reasonlab/policy").Model; tokenizer: import("@reasonlab/policy").Tokenizer },
  onProgress?: (done: number, total: number) => void,
): Promise<Row[]> {
  const policy = await import("@reasonlab/policy");
  const op = await import("@reasonlab/operator");
  const env = await op.browserEnvironment({ families, seed: 0, maxTurns: suite.maxSteps ?? 8 });
  const tasks = families.flatMap((family) =>
    Array.from({ length: suite.seeds }, (_, s) => {
      const seed = suite.firstSeed + s;
      return { id: `${family}/${seed}`, family, seed, prompt: op.taskInstance(family, seed).instruction };
    }),
  );
  const sampler = policy.inlineSampler(model, tokenizer);
  const rows: Row[] = [];
  try {
    for (let i = 0; i < tasks.length; i += POLICY_BATCH) {
      const chunk = tasks.slice(i, i + POLICY_BATCH);
      const start = performance.now();
      const groups = await policy.collectGroups(env, sampler, tokenizer, chunk, {
        groupSize: 1,
        temperature: 0,
        maxTokens: op.POLICY_REPLY_TOKENS,
        seed: 0,
        contextLength: model.config.contextLength,
      });
      const seconds = (performance.now() - start) / 1000 / chunk.length;
      for (const [k, [r]] of groups.entries()) {
        const last = r!.transcript.filter((m) => m.role === "assistant").at(-1)?.content ?? "";
        rows.push({
          family: chunk[k]!.family,
          seed: chunk[k]!.seed,
          success: r!.correct,
          reward: r!.reward,
          steps: r!.turns,
          seconds,
          status: r!.correct ? "success" : "failure",
          goal: chunk[k]!.prompt,
          reason: `${r!.truncated ? "cut short; " : ""}last action: ${last.slice(0, 80)}`,
        });
      }
      onProgress?.(rows.length, tasks.length);
    }
  } finally {
    await env.close();
  }
  return rows;
}

function outcomeOf(rows: Row[], families: string[], seconds: number): Outcome {
  const summarize = (list: Row[]) => ({
    success: proportion(list.filter((r) => r.success).length, list.length),
    reward: bootstrapMean(list.map((r) => r.reward)),
    steps: bootstrapMean(
      list.map((r) => r.steps),
      { seed: 1 },
    ),
    seconds: bootstrapMean(
      list.map((r) => r.seconds),
      { seed: 2 },
    ),
  });
  const breakdown: Outcome["breakdown"] = {};
  for (const f of families) {
    const { success, steps } = summarize(rows.filter((r) => r.family === f));
    breakdown[f] = { success, steps };
  }
  return {
    metrics: summarize(rows),
    breakdown,
    samples: rows.map((r) => ({
      item: `${r.family}/${r.seed}`,
      attempt: 0,
      prompt: r.goal,
      completion: `${r.status} in ${r.steps} steps: ${r.reason}`,
      reward: r.reward,
      correct: r.success,
      meta: { family: r.family, seed: r.seed, steps: r.steps, seconds: r.seconds, status: r.status },
    })),
    seconds,
  };
}
