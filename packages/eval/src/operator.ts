// The operator suite: task families x seeds, each an episode in real Chromium; success rate with
// a Wilson interval, mean reward, steps and seconds per episode, per-family breakdown.
import { performance } from "node:perf_hooks";
import type { Outcome } from "./evaluate.js";
import { parseEndpointSpec } from "./models.js";
import { bootstrapMean, proportion } from "./stats.js";
import type { OperatorSuite } from "./suites.js";

/** `expert` runs each task's expert in-process (the upper bound); anything else is `NAME[@BASE_URL]`. */
export async function evaluateOperator(
  suite: OperatorSuite,
  modelSpec: string,
  { onProgress }: { onProgress?: (done: number, total: number) => void } = {},
): Promise<Outcome> {
  const op = await import("@reasonlab/operator");
  const families = suite.families ?? op.TASK_FAMILIES.map((f) => f.name);
  for (const f of families) op.getTaskFamily(f);
  const { model: name, baseURL } = parseEndpointSpec(modelSpec);
  const client = name === "expert" ? null : op.openaiClient(baseURL ? { baseURL } : {});
  const env = await op.createTaskEnv();
  const t0 = performance.now();
  const rows: {
    family: string;
    seed: number;
    success: boolean;
    reward: number;
    steps: number;
    seconds: number;
    status: string;
    goal: string;
    reason: string;
  }[] = [];
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
  const summarize = (list: typeof rows) => ({
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
    seconds: (performance.now() - t0) / 1000,
  };
}
