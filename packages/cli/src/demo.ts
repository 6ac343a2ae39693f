// `reasonlab demo`: the main job on the embedded defaults (configs/demo.json), the story every LLM
// goes through at toy scale: pretraining on 2-digit addition problems with worked solutions, SFT
// on the same as chats, then RL with a verifiable reward, reporting held-out accuracy after each;
// then it evaluates each stage's final checkpoint and lets the operator do one browser task, so
// the dashboard has curves, eval results and an episode to replay.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultRunsRoot, readJsonFile } from "@reasonlab/runs";
import { defineCommand } from "@reasonlab/runs/command";
import { z } from "zod";

export const DEMO_CONFIG = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../configs/demo.json",
);

const demo = defineCommand({
  name: "demo",
  summary: "pretrain, SFT, then RL a small transformer on 2-digit addition; report held-out accuracy",
  description: `Runs ${path.relative(process.cwd(), DEMO_CONFIG) || DEMO_CONFIG} (about 10 minutes on 2 CPU cores), writing one run directory per stage.`,
  options: {
    runs: { type: "string", value: "DIR", description: "folder holding runs", default: defaultRunsRoot() },
    backend: {
      type: "string",
      value: "NAME",
      description: "tensor backend: auto, wasm, cpu, webgpu, tensorflow",
      default: "auto",
    },
    quick: {
      type: "boolean",
      description: "a few steps on a tiny model: checks the pipeline, learns nothing",
    },
  },
  schema: z.object({
    runs: z.string(),
    backend: z.enum(["auto", "wasm", "cpu", "webgpu", "tensorflow"]),
    quick: z.boolean().optional(),
    args: z.array(z.string()).max(0),
  }),
  async run({ runs, backend, quick }) {
    const { train, TrainConfig } = await import("@reasonlab/policy");
    const config = readJsonFile(TrainConfig, DEMO_CONFIG);
    if (quick) {
      config.model = { ...config.model!, dModel: 32, nLayers: 1, nHeads: 2 };
      config.stages = config.stages.map((s) =>
        s.stage === "rl"
          ? { ...s, steps: 2, promptsPerStep: 2, groupSize: 2, accuracyProblems: 4 }
          : {
              ...s,
              steps: 4,
              batchSize: 4,
              logEvery: 2,
              evalEvery: 2,
              accuracyEvery: 0,
              accuracyProblems: s.stage === "sft" ? 4 : 0,
              data: { ...s.data, perCell: 40, evalPerCell: 8 },
            },
      );
    }
    const started = performance.now();
    const results = await train({ ...config, name: "demo", runs, backend });
    const last = results.at(-1)!;
    const minutes = (performance.now() - started) / 60_000;
    console.log(`\ndone in ${minutes.toFixed(1)} minutes.`);
    const pct = (x: number | null | undefined) => (x == null ? "-" : `${(x * 100).toFixed(1)}%`);
    for (const r of results)
      if (r.accuracy !== null)
        console.log(
          `${path.basename(r.runDir)}: held-out accuracy ${r.initialAccuracy != null ? `${pct(r.initialAccuracy)} -> ` : ""}${pct(r.accuracy)}`,
        );
    if (last.accuracy !== null) console.log(`held-out accuracy on 2-digit addition: ${pct(last.accuracy)}`);
    await evaluateStages(
      results.filter((r) => r.checkpoint).map((r) => r.runDir),
      backend,
      quick,
    );
    const episodeRun = await operatorEpisode(runs);
    console.log(`runs: ${[...results.map((r) => r.runDir), ...(episodeRun ? [episodeRun] : [])].join(", ")}`);
    console.log(
      `next: npx reasonlab serve --checkpoint ${last.runDir}    or    npx reasonlab dashboard --runs ${runs}`,
    );
  },
});

/** Each stage's last checkpoint on the `addition` suite (200 held-out items, Wilson intervals). */
async function evaluateStages(runDirs: string[], backend: string, quick?: boolean) {
  const { checkpointModel, evaluateMath, loadSuite, recordEvaluation } = await import("@reasonlab/eval");
  const { openLogWriter } = await import("@reasonlab/runs");
  const suite = loadSuite("addition");
  if (suite.kind !== "math") return;
  const items = quick ? { ...suite, tasks: suite.tasks.map((t) => ({ ...t, count: 8 })) } : suite;
  for (const dir of runDirs) {
    const model = await checkpointModel(dir, backend);
    try {
      const outcome = await evaluateMath(items, model);
      const sink = openLogWriter(dir);
      const result = recordEvaluation(
        sink,
        { suite: suite.name, model: model.name, ...(model.step !== undefined ? { step: model.step } : {}) },
        outcome,
      );
      sink.close();
      const a = result.metrics.accuracy!;
      console.log(
        `eval ${suite.name} ${model.name}: accuracy ${a.value?.toFixed(3)} [${a.lo?.toFixed(3)}, ${a.hi?.toFixed(3)}]`,
      );
    } finally {
      await model.close();
    }
  }
}

/** One browser task with the expert, recorded for the dashboard's replay; skipped without Chromium. */
async function operatorEpisode(root: string): Promise<string | null> {
  const op = await import("@reasonlab/operator");
  const { createRun } = await import("@reasonlab/runs");
  let env: Awaited<ReturnType<typeof op.createTaskEnv>>;
  try {
    env = await op.createTaskEnv();
  } catch (e) {
    console.log(`operator episode skipped: ${(e as Error).message.split("\n")[0]}`);
    return null;
  }
  const run = createRun({ root, name: "demo-operate", kind: "operate" });
  try {
    await env.reset("multi-page-form", 1);
    const task = env.task();
    const episode = run.episode({
      task: "multi-page-form",
      seed: 1,
      goal: task.instruction,
      model: "expert",
      viewport: env.session.computer.viewport(),
    });
    const result = await op.runEpisode({
      session: env.session,
      model: op.expertModel(() => task),
      goal: task.instruction,
      episode,
      run,
      score: () => env.score(),
    });
    console.log(`operator: ${task.instruction} -> ${result.status} in ${result.steps} steps`);
    run.finish();
    return run.dir;
  } catch (e) {
    run.fail(e);
    throw e;
  } finally {
    await env.close();
  }
}

export const commands = [demo];
