// `reasonlab demo`: the main job on the embedded defaults (configs/demo.json), the story every LLM
// goes through, at toy scale, on a Swiss-cheese hole: "which is larger, 9.9 or 9.11?". Pretraining
// and SFT imitate worked solutions of which most compare the digits after the point as whole
// numbers (11 > 9, so 9.11), as people who hold that misconception write them; the rest pad first
// (90 > 11). Imitation learns the majority, so SFT answers 9.11; RL with a verifiable reward finds
// the minority procedure that is right. Every stage is measured on the same held-out questions
// (the probe suite) with 95% intervals, SFT's and RL's answers to one of them are printed, then the
// operator does one browser task, so the dashboard has curves, eval results and an episode to replay.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineCommand } from "@reasonlab/command";
import type { Problem } from "@reasonlab/env-math";
import type { BackendName } from "@reasonlab/policy";
import { checkpointStep, defaultRunsRoot, readJsonFile } from "@reasonlab/runs";
import { z } from "zod";

export const DEMO_CONFIG = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../configs/demo.json",
);
/** The held-out questions every stage is measured on: an eval suite of the RL stage's task. */
const PROBE_SUITE = "decimal-trap";
/** SFT's and RL's answers to one probe question are printed: greedy, then this many samples. */
const SHOWCASE_SAMPLES = 2;

const demo = defineCommand({
  name: "demo",
  summary: "pretrain, SFT, then RL a small transformer; report each stage on the same held-out questions",
  description: `Runs ${path.relative(process.cwd(), DEMO_CONFIG) || DEMO_CONFIG} (under 10 minutes on 2 CPU cores), writing one run directory per stage, and ends with each stage's accuracy on ${PROBE_SUITE}'s held-out questions, with 95% intervals.`,
  options: {
    runs: { type: "string", value: "DIR", description: "folder holding runs", default: defaultRunsRoot() },
    backend: {
      type: "string",
      value: "NAME",
      description: "tensor backend: auto, wasm, cpu, webgpu, tensorflow",
      default: "auto",
    },
    seed: {
      type: "string",
      value: "N",
      description: "seed of the whole pipeline (configs/demo.json's by default)",
    },
    quick: {
      type: "boolean",
      description: "a few steps on a tiny model: checks the pipeline, learns nothing",
    },
  },
  schema: z.object({
    runs: z.string(),
    backend: z.enum(["auto", "wasm", "cpu", "webgpu", "tensorflow"]),
    seed: z.coerce.number().int().min(0).optional(),
    quick: z.boolean().optional(),
    args: z.array(z.string()).max(0),
  }),
  async run({ runs, backend, seed, quick }) {
    const { train, TrainConfig } = await import("@reasonlab/policy");
    const config = readJsonFile(TrainConfig, DEMO_CONFIG);
    if (quick) shrink(config);
    const started = performance.now();
    let results: Awaited<ReturnType<typeof train>>;
    try {
      results = await train({
        ...config,
        name: "demo",
        runs,
        backend,
        ...(seed !== undefined ? { seed } : {}),
      });
    } catch (e) {
      throw new Error(
        `the demo stopped: training failed (\`reasonlab runs list ${runs}\` shows which stage): ${(e as Error).message}`,
      );
    }
    const [pretrain, sft, rl] = results;
    if (!pretrain?.checkpoint || !sft?.checkpoint || !rl?.checkpoint)
      throw new Error("the demo stopped: a stage ended without a checkpoint");
    const probe = await probeStages(
      { pretrain: pretrain.runDir, sft: sft.runDir, rl: rl.runDir },
      backend,
      quick,
    );
    const { showcase } = probe;
    const episodeRun = await operatorEpisode(runs);
    const minutes = (performance.now() - started) / 60_000;

    console.log(
      `\ndone in ${minutes.toFixed(1)} minutes; runs: ${results.map((r) => r.runDir).join(", ")}${episodeRun ? `, ${episodeRun}` : ""}`,
    );
    console.log(`\n${probe.title}`);
    console.log(formatTable(probe.rows));
    const [s, r] = [probe.rows[1]!, probe.rows[2]!];
    console.log(
      `RL - SFT: ${signed(100 * (r.value - s.value))} points; the 95% intervals ${r.lo > s.hi ? "do not overlap" : "overlap"}.`,
    );
    if (probe.misled)
      console.log(
        `On the ${probe.misled} traps, where the misconception answers wrongly: ${probe.rows.map((x) => `${x.stage} ${x.misled}/${probe.misled} (${pct(x.misled / probe.misled)})`).join(", ")}.`,
      );
    console.log(`\n"${showcase.question}" (${showcase.which})`);
    for (const a of showcase.answers)
      console.log(
        `${a.stage.padEnd(3)} ${a.how.padEnd(7)} ${a.correct ? "right" : "wrong"}: ${a.text.replaceAll("\n", " | ")}`,
      );
    console.log(
      `\nnext: npx reasonlab dashboard --runs ${runs}    or    npx reasonlab serve --checkpoint ${rl.runDir}`,
    );
  },
});

/** The quick variant: a tiny model and a few steps of each stage, to check the pipeline end to end. */
function shrink(config: { model?: Record<string, unknown>; stages: Record<string, unknown>[] }) {
  config.model = { ...config.model, dModel: 32, nLayers: 1, nHeads: 2 };
  config.stages = config.stages.map((s) =>
    s.stage === "rl"
      ? { ...s, steps: 2, promptsPerStep: 2, groupSize: 2, accuracyProblems: 4, evalEvery: 1 }
      : {
          ...s,
          steps: 4,
          batchSize: 4,
          logEvery: 2,
          evalEvery: 2,
          accuracyEvery: 0,
          accuracyProblems: s.stage === "sft" ? 4 : 0,
          data: { ...(s.data as object), perCell: 40, evalPerCell: 8 },
        },
  );
}

export interface ProbeRow {
  stage: string;
  format: "document" | "chat";
  correct: number;
  n: number;
  value: number;
  lo: number;
  hi: number;
  /** Correct answers on the questions where the family's misconception gives a wrong answer. */
  misled: number;
}

/**
 * Each stage's last checkpoint on the probe suite's held-out questions, greedy, recorded into its
 * run. The base model is asked in its own format, a document ("Problem: ...\nSolution:"), since it
 * has never seen a chat; SFT and RL are asked in chat.
 */
async function probeStages(
  dirs: { pretrain: string; sft: string; rl: string },
  backend: BackendName,
  quick?: boolean,
) {
  const {
    checkpointLabel,
    checkpointModel,
    evaluateMath,
    loadSuite,
    mathItems,
    proportion,
    recordEvaluation,
  } = await import("@reasonlab/eval");
  const policy = await import("@reasonlab/policy");
  const { openLogWriter } = await import("@reasonlab/runs");
  const { sftConversation, verify } = await import("@reasonlab/env-math");
  const loaded = loadSuite(PROBE_SUITE);
  if (loaded.kind !== "math") throw new Error(`${PROBE_SUITE} is not a math suite`);
  const suite = quick ? { ...loaded, tasks: loaded.tasks.map((t) => ({ ...t, count: 8 })) } : loaded;
  const items = mathItems(suite);
  const problems: Problem[] = items.map((i) => i.problem);
  const misled = new Set(items.filter((it) => misleads(it.problem)).map((it) => it.id));
  const rows: ProbeRow[] = [];

  // the base model, in document format
  {
    const tf = (await policy.loadBackend(backend)).tf;
    const ckpt = policy.resolveCheckpoint(dirs.pretrain);
    const { model, tokenizer } = policy.loadCheckpoint(tf, ckpt);
    try {
      const t0 = performance.now();
      const result = await policy.greedyAccuracy(model, tokenizer, problems, {
        format: "document",
        maxTokens: suite.maxTokens,
      });
      const accuracy = proportion(result.correct, result.total);
      const sink = openLogWriter(dirs.pretrain);
      recordEvaluation(
        sink,
        {
          suite: `${suite.name}/document`,
          model: checkpointLabel(ckpt),
          step: checkpointStep(path.basename(ckpt)) ?? 0,
        },
        {
          metrics: { accuracy },
          breakdown: {},
          samples: result.samples.map((s, item) => ({
            item: s.problem.id,
            attempt: 0,
            prompt: s.problem.prompt,
            completion: s.completion,
            expected: s.problem.answer,
            extracted: s.extracted,
            reward: s.correct ? 1 : 0,
            correct: s.correct,
            meta: { family: s.problem.family, difficulty: s.problem.difficulty, index: item },
          })),
          seconds: (performance.now() - t0) / 1000,
        },
      );
      sink.close();
      rows.push({
        stage: "pretrain",
        format: "document",
        correct: result.correct,
        n: result.total,
        ...bounds(accuracy),
        misled: result.samples.filter((x) => x.correct && misleads(x.problem)).length,
      });
    } finally {
      policy.disposeModel(model);
    }
  }
  // SFT and RL, in chat, through eval's suite runner
  const chatStages: {
    stage: "sft" | "rl";
    model: Awaited<ReturnType<typeof checkpointModel>>;
    wrong: Set<string>;
  }[] = [];
  try {
    for (const [stage, dir] of [
      ["sft", dirs.sft],
      ["rl", dirs.rl],
    ] as const) {
      const model = await checkpointModel(dir, backend);
      chatStages.push({ stage, model, wrong: new Set() });
      const outcome = await evaluateMath(suite, model);
      const sink = openLogWriter(dir);
      recordEvaluation(
        sink,
        { suite: suite.name, model: model.name, ...(model.step !== undefined ? { step: model.step } : {}) },
        outcome,
      );
      sink.close();
      const correct = outcome.samples.filter((x) => x.correct).length;
      rows.push({
        stage,
        format: "chat",
        correct,
        n: outcome.samples.length,
        ...bounds(outcome.metrics.accuracy!),
        misled: outcome.samples.filter((x) => x.correct && misled.has(x.item)).length,
      });
      for (const x of outcome.samples) if (!x.correct) chatStages.at(-1)!.wrong.add(x.item);
    }
    // one question's answers, greedy and then sampled at temperature 1, read side by side: the
    // first that SFT got wrong and RL right, where the change shows; else the first SFT got wrong
    const [sft, rl] = chatStages as [(typeof chatStages)[0], (typeof chatStages)[0]];
    const fixed = items.find((it) => sft.wrong.has(it.id) && !rl.wrong.has(it.id));
    const missed = items.find((it) => sft.wrong.has(it.id));
    const showcase = (fixed ?? missed ?? items[0]!).problem;
    const which = fixed
      ? "the first of them that SFT got wrong and RL right"
      : missed
        ? "the first of them that SFT got wrong"
        : "the first of them";
    const answers: { stage: string; how: string; text: string; correct: boolean }[] = [];
    const chat = sftConversation(showcase, { system: suite.system }).messages.slice(0, -1);
    const ask = { maxTokens: suite.maxTokens, seed: 1 };
    for (const { stage, model } of chatStages) {
      const [greedy] = await model.complete([chat], { ...ask, n: 1, temperature: 0 });
      const [sampled] = await model.complete([chat], { ...ask, n: SHOWCASE_SAMPLES, temperature: 1 });
      for (const [how, c] of [
        ["greedy", greedy![0]!] as const,
        ...sampled!.map((c, i) => [`T=1 #${i + 1}`, c] as const),
      ])
        answers.push({ stage, how, text: c.text, correct: verify(showcase, c.text).correct });
    }
    return {
      title: `${suite.name} (${suite.description}): ${problems.length} held-out questions, greedy`,
      rows,
      misled: misled.size,
      showcase: { question: showcase.prompt, which, answers },
    };
  } finally {
    for (const { model } of chatStages) await model.close();
  }
}

/** A question the family's misconception answers wrongly: 9.11 for "which is larger, 9.9 or 9.11?". */
const misleads = (p: Problem) => p.misconception !== undefined && p.misconception.answer !== p.answer;
const bounds = (e: { value: number; lo: number; hi: number }) => ({ value: e.value, lo: e.lo, hi: e.hi });
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;

export function formatTable(rows: readonly ProbeRow[]): string {
  const lines = [["stage", "asked as", "correct", "accuracy", "95% interval"]];
  for (const r of rows)
    lines.push([r.stage, r.format, `${r.correct}/${r.n}`, pct(r.value), `[${pct(r.lo)}, ${pct(r.hi)}]`]);
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  return lines
    .map((l) => l.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  "))
    .join("\n");
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
    const { task, result } = await op.runTask(env, "multi-page-form", 1, (t) => op.expertModel(() => t), {
      run,
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
