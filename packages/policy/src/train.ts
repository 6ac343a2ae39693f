// One training loop for pretraining and SFT: AdamW with warmup and cosine decay, clipping,
// gradient accumulation, held-out loss and accuracy, metrics and checkpoints in a run directory,
// and exact resumption (weights, optimizer moments, step, data position).
import fs from "node:fs";
import path from "node:path";
import {
  calculatorConversation,
  demonstrated,
  type Problem,
  pretrainDocument,
  sftConversation,
} from "@reasonlab/env-math";
import { createRun, METRIC, openRun, type RunWriter, resumeRun } from "@reasonlab/runs";
import type * as TF from "@tensorflow/tfjs";
import { z } from "zod";
import { greedyAccuracy } from "./accuracy.js";
import { type Backend, BackendName, loadBackend } from "./backend.js";
import { loadCheckpoint, resolveCheckpoint, saveCheckpoint, type TrainerState } from "./checkpoint.js";
import { batchAt, ChatsConfig, chatSplits, pretrainRows, type Rows, readChats, sftRows } from "./data.js";
import { yieldToEventLoop } from "./event-loop.js";
import { checkLevels, interleaveCells, Levels, problemsAt } from "./levels.js";
import { countParams, initModel, lossOf, type Model, ModelShape } from "./model.js";
import {
  type AdamW,
  accumulateGrads,
  applyAdamW,
  createAdamW,
  learningRate,
  OptimizerConfig,
} from "./optimizer.js";
import { RlStageConfig, trainRl } from "./rl.js";
import { localGradients, splitGradients, startWorker, usesWorker, WorkerMode } from "./rollouts.js";
import { byteTokenizer, type Tokenizer, trainTokenizer } from "./tokenizer.js";

export const DataConfig = z
  .object({
    families: z.array(z.string().min(1)).min(1),
    difficulties: Levels,
    /** Training problems per family and difficulty (train split). */
    perCell: z.number().int().min(1),
    /** Held-out problems per family and difficulty (test split), for loss and accuracy. */
    evalPerCell: z.number().int().min(1).default(40),
    /** Difficulties for held-out loss and accuracy; defaults to the training ones. */
    evalDifficulties: Levels.optional(),
    /** Include the system prompt in chats. Tiny models learn faster without it. */
    system: z.boolean().default(false),
    /** Add chats that use the calculator tool (SFT). */
    calculator: z.boolean().default(false),
    /**
     * The fraction of training demonstrations written by solvers who hold their family's
     * misconception (decimal-compare: 9.11 > 9.9 because 11 > 9), where the family has one: data
     * with a Swiss-cheese hole, as people write it. Held-out rows keep the correct solutions.
     */
    misconceptions: z.number().min(0).max(1).default(0),
  })
  .superRefine(checkLevels);
export type DataConfig = z.infer<typeof DataConfig>;

export const SupervisedStageConfig = z
  .object({
    stage: z.enum(["pretrain", "sft"]),
    steps: z.number().int().min(1),
    batchSize: z.number().int().min(1).default(32),
    accumulate: z.number().int().min(1).default(1),
    optimizer: OptimizerConfig.default(OptimizerConfig.parse({})),
    /** Math problems from env-math's families (pretraining documents or SFT chats); or `chats`, whose replies SFT learns and whose every token pretraining learns. */
    data: DataConfig.optional(),
    chats: ChatsConfig.optional(),
    logEvery: z.number().int().min(1).default(10),
    evalEvery: z.number().int().min(1).default(100),
    evalBatches: z.number().int().min(1).default(4),
    /** Greedy accuracy on held-out problems every this many steps (and at the end); 0: only at the end. */
    accuracyEvery: z.number().int().min(0).default(0),
    accuracyProblems: z.number().int().min(0).default(200),
    checkpointEvery: z.number().int().min(1).default(500),
    /**
     * worker (CPU backends): half of every batch's gradient is computed in a worker thread with its
     * own wasm instance and a copy of the weights, on a second core, and the halves are averaged by
     * their token counts: the same update, about twice the steps a minute on a 2-core machine.
     * auto: worker on wasm and cpu, inline on a GPU. inline: one thread.
     */
    gradients: WorkerMode,
  })
  .superRefine((s, ctx) => {
    if (!s.data === !s.chats)
      ctx.addIssue({
        code: "custom",
        path: ["data"],
        message: "give either data (math problems) or chats (a JSONL file), not both",
      });
  });
export type SupervisedStageConfig = z.infer<typeof SupervisedStageConfig>;

export const StageConfig = z.discriminatedUnion("stage", [SupervisedStageConfig, RlStageConfig]);
export type StageConfig = z.infer<typeof StageConfig>;

export const TrainConfig = z
  .object({
    name: z.string().min(1).default("train"),
    seed: z.number().int().default(0),
    backend: BackendName.default("auto"),
    runs: z.string().min(1).default("runs"),
    tokenizer: z
      .object({
        kind: z.enum(["bpe", "bytes"]).default("bpe"),
        vocabSize: z.number().int().min(263).max(65_536).default(512),
        /** How text is split before BPE (tokenizer.ts): v3 keeps a word's tokens the same before a number. */
        pretokenizer: z.enum(["v2", "v3"]).default("v2"),
      })
      .default({ kind: "bpe", vocabSize: 512, pretokenizer: "v2" }),
    /** The model; its vocabulary comes from the tokenizer. Ignored when starting from a checkpoint. */
    model: ModelShape.omit({ vocabSize: true }).partial({ contextLength: true }).optional(),
    /**
     * Start from this checkpoint (its model and tokenizer) instead of a fresh model; a run
     * directory stands for its newest checkpoint.
     */
    init: z.string().optional(),
    stages: z.array(StageConfig).min(1),
  })
  .refine((c) => c.model !== undefined || c.init !== undefined, {
    message: "give a model, or an init checkpoint to start from",
    path: ["model"],
  });
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;

export interface Progress {
  stage: string;
  step: number;
  steps: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  evalLoss?: number;
  accuracy?: number;
}

export interface TrainHooks {
  onLog?: (p: Progress) => void;
  /** Stop after this many optimizer steps in this process (tests of resumption). */
  stopAfter?: number;
  log?: (line: string) => void;
  /** RL stages sample their rollouts on worker machines through this Redis (`reasonlab worker`). */
  redis?: string;
}

export interface StageResult {
  runDir: string;
  checkpoint: string;
  /** Last training loss (supervised stages); NaN for RL. */
  finalLoss: number;
  evalLoss: number | null;
  accuracy: number | null;
  /** RL: held-out accuracy before the first update. */
  initialAccuracy?: number | null;
  stoppedEarly: boolean;
}

/** What a stage trains on: problems, and the token rows made from them. */
interface StageData {
  train: Rows;
  heldOut: Rows;
  accuracyProblems: Problem[];
}

/**
 * A stage's problems: every family at its levels, `perCell` (train) or `evalPerCell` (test) of
 * each. Training problems come as demonstrated (`misconceptions`); held-out ones keep the correct
 * solutions, so held-out loss measures the distance from the right procedure.
 */
export function stageProblems(d: DataConfig, split: "train" | "test", seed: number): Problem[] {
  const problems = problemsAt({
    families: d.families,
    levels: split === "train" ? d.difficulties : (d.evalDifficulties ?? d.difficulties),
    perCell: split === "train" ? d.perCell : d.evalPerCell,
    split,
    // held-out problems do not depend on the training seed, so every stage and run is measured on the same ones
    seed: split === "test" ? 0 : seed,
  });
  return split === "train" ? problems.map((p) => demonstrated(p, d.misconceptions, seed)) : problems;
}

function conversationsOf(problems: Problem[], d: DataConfig) {
  const out = problems.map((p) => sftConversation(p, { system: d.system }).messages);
  if (d.calculator)
    for (const p of problems) {
      const c = calculatorConversation(p);
      if (c) out.push(c.messages);
    }
  return out;
}

function buildStageData(tok: Tokenizer, stage: SupervisedStageConfig, T: number, seed: number): StageData {
  if (stage.chats) {
    const { train, heldOut } = chatSplits(stage.chats);
    // SFT learns the replies; pretraining learns every token of the conversations
    const everyToken = stage.stage === "pretrain";
    return {
      train: sftRows(tok, train, T, { everyToken }),
      heldOut: sftRows(tok, heldOut, T, { everyToken }),
      accuracyProblems: [],
    };
  }
  const d = stage.data!;
  const train = stageProblems(d, "train", seed);
  const test = stageProblems(d, "test", seed);
  const rowsOf = (problems: Problem[]) =>
    stage.stage === "pretrain"
      ? pretrainRows(tok, problems.map(pretrainDocument), T)
      : sftRows(tok, conversationsOf(problems, d), T);
  return {
    train: rowsOf(train),
    heldOut: rowsOf(test),
    accuracyProblems: interleaveCells(test, stage.accuracyProblems),
  };
}

/** Mean held-out loss over the first `batches` batches of the held-out rows. */
async function heldOutLoss(model: Model, rows: Rows, B: number, batches: number): Promise<number | null> {
  if (rows.count === 0) return null;
  const { tf } = model;
  let total = 0;
  let weight = 0;
  const n = Math.min(batches, Math.ceil(rows.count / B));
  for (let i = 0; i < n; i++) {
    const b = batchAt(rows, i, B, 12345);
    const loss = tf.tidy(() =>
      lossOf(
        model,
        tf.tensor2d(b.inputs, [b.B, b.T], "int32"),
        tf.tensor2d(b.targets, [b.B, b.T], "int32"),
        tf.tensor2d(b.weights, [b.B, b.T]),
      ),
    );
    total += (await loss.data())[0]! * b.tokens;
    weight += b.tokens;
    loss.dispose();
  }
  return weight > 0 ? total / weight : null;
}

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
const duration = (s: number) =>
  s < 90 ? `${Math.round(s)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;

/** Runs one stage, from `state` (fresh or resumed), writing into `run`. */
async function trainStage(
  backend: Backend,
  model: Model,
  tok: Tokenizer,
  opt: AdamW,
  stage: SupervisedStageConfig,
  state: TrainerState,
  run: RunWriter,
  hooks: TrainHooks,
): Promise<StageResult> {
  const { tf } = backend;
  const log = hooks.log ?? ((line: string) => console.log(line));
  const T = model.config.contextLength;
  const data = buildStageData(tok, stage, T, state.seed);
  log(
    `${stage.stage}: ${data.train.count} training rows of ${T} tokens, ${data.heldOut.count} held-out rows${data.train.truncated ? `, ${data.train.truncated} ${stage.stage === "pretrain" ? "documents" : "conversations"} cut to fit` : ""}`,
  );
  run.event("data", `${data.train.count} training rows, ${data.heldOut.count} held-out rows`, {
    data: { trainRows: data.train.count, heldOutRows: data.heldOut.count, truncated: data.train.truncated },
  });
  const vars = [...model.params.values()];
  const varNames = [...model.params.keys()];
  let lastLoss = Number.NaN;
  let evalLoss: number | null = null;
  let accuracy: number | null = null;
  let windowTokens = 0;
  let windowStart = performance.now();
  let stepsThisProcess = 0;

  const checkpoint = async () => {
    const dir = await run.checkpoint(
      state.step,
      (d) => saveCheckpoint(d, { model, tokenizer: tok, optimizer: opt, trainer: state }),
      {
        stage: stage.stage,
        metrics: { loss: Number.isFinite(lastLoss) ? lastLoss : null },
      },
    );
    return dir;
  };

  const measureAccuracy = async () => {
    if (data.accuracyProblems.length === 0) return null;
    const result = await greedyAccuracy(model, tok, data.accuracyProblems, {
      system: stage.data?.system ?? false,
      format: stage.stage === "pretrain" ? "document" : "chat",
    });
    for (const s of result.samples.slice(0, 4))
      run.log("samples", {
        step: state.step,
        split: "test",
        prompt: s.problem.prompt,
        completion: s.completion,
        expected: s.problem.answer,
        extracted: s.extracted,
        correct: s.correct,
        reward: s.correct ? 1 : 0,
        meta: { family: s.problem.family, difficulty: s.problem.difficulty },
      });
    return result.accuracy;
  };

  const helper = usesWorker(stage.gradients, backend.name)
    ? startWorker(backend, model, tok, "gradients")
    : null;

  try {
    while (state.step < state.totalSteps) {
      await yieldToEventLoop();
      helper?.sync(); // this step's weights, before its gradients
      const lr = learningRate(stage.optimizer, state.step, state.totalSteps);
      let lossSum = 0;
      let tokens = 0;
      let grads: Record<string, TF.Tensor> | null = null;
      for (let micro = 0; micro < stage.accumulate; micro++) {
        const b = batchAt(data.train, state.dataPosition, stage.batchSize, state.seed);
        state.dataPosition += 1;
        const { loss, grads: g } = helper
          ? await splitGradients(model, helper, b)
          : await localGradients(model, b);
        lossSum += loss;
        tokens += b.tokens;
        grads = accumulateGrads(tf, grads, g);
      }
      const named: Record<string, TF.Tensor> = {};
      for (const [i, n] of varNames.entries()) {
        const g = grads![vars[i]!.name]!; // variableGrads keys by the variables' (unique) tfjs names
        named[n] = stage.accumulate > 1 ? tf.tidy(() => g.div(stage.accumulate)) : g;
      }
      const gradNormT = applyAdamW(model, opt, named, stage.optimizer, lr);
      const gradNorm = (await gradNormT.data())[0]!;
      tf.dispose([
        gradNormT,
        ...Object.values(named),
        ...(stage.accumulate > 1 ? Object.values(grads!) : []),
      ]);
      state.step += 1;
      state.tokensSeen += tokens;
      stepsThisProcess += 1;
      lastLoss = lossSum / stage.accumulate;
      windowTokens += stage.batchSize * stage.accumulate * data.train.T;

      const last = state.step === state.totalSteps;
      if (state.step % stage.evalEvery === 0 || last)
        evalLoss = await heldOutLoss(model, data.heldOut, stage.batchSize, stage.evalBatches);
      if ((stage.accuracyEvery > 0 && state.step % stage.accuracyEvery === 0) || last)
        accuracy = await measureAccuracy();
      if (state.step % stage.logEvery === 0 || last || state.step === 1) {
        const seconds = (performance.now() - windowStart) / 1000;
        const tokensPerSecond = windowTokens / Math.max(seconds, 1e-9);
        windowTokens = 0;
        windowStart = performance.now();
        const mem = tf.memory();
        run.metrics(state.step, {
          [METRIC.trainLoss]: lastLoss,
          "train/lr": lr,
          "train/grad_norm": gradNorm,
          "train/tokens_per_s": tokensPerSecond,
          "train/tokens_seen": state.tokensSeen,
          "system/tensors": mem.numTensors,
          "system/tensor_mb": mem.numBytes / 2 ** 20,
          ...(state.step % stage.evalEvery === 0 || last ? { [METRIC.evalLoss]: evalLoss } : {}),
          ...((stage.accuracyEvery > 0 && state.step % stage.accuracyEvery === 0) || last
            ? { [METRIC.evalAccuracy]: accuracy }
            : {}),
        });
        const eta =
          ((state.totalSteps - state.step) * stage.batchSize * stage.accumulate * data.train.T) /
          tokensPerSecond;
        log(
          `${stage.stage} step ${state.step}/${state.totalSteps}  loss ${fmt(lastLoss)}  lr ${lr.toExponential(2)}  gnorm ${fmt(gradNorm, 2)}  ${Math.round(tokensPerSecond)} tok/s` +
            (evalLoss !== null && (state.step % stage.evalEvery === 0 || last)
              ? `  held-out ${fmt(evalLoss)}`
              : "") +
            (accuracy !== null &&
            ((stage.accuracyEvery > 0 && state.step % stage.accuracyEvery === 0) || last)
              ? `  accuracy ${(accuracy * 100).toFixed(1)}%`
              : "") +
            (last ? "" : `  eta ${duration(eta)}`),
        );
        hooks.onLog?.({
          stage: stage.stage,
          step: state.step,
          steps: state.totalSteps,
          loss: lastLoss,
          lr,
          gradNorm,
          tokensPerSecond,
          ...(evalLoss !== null ? { evalLoss } : {}),
          ...(accuracy !== null ? { accuracy } : {}),
        });
      }
      if (state.step % stage.checkpointEvery === 0 || last) await checkpoint();
      if (!last && hooks.stopAfter !== undefined && stepsThisProcess >= hooks.stopAfter) {
        const dir = await checkpoint();
        return {
          runDir: run.dir,
          checkpoint: dir,
          finalLoss: lastLoss,
          evalLoss,
          accuracy,
          stoppedEarly: true,
        };
      }
    }
  } finally {
    await helper?.close();
  }
  const ckpts = openRun(run.dir).checkpoints();
  return {
    runDir: run.dir,
    checkpoint: ckpts[ckpts.length - 1]!.dir,
    finalLoss: lastLoss,
    evalLoss,
    accuracy,
    stoppedEarly: false,
  };
}

/** The config a stage's run directory keeps: the whole pipeline, and which stage this run is. */
const SavedConfig = z.object({ pipeline: TrainConfig, stageIndex: z.number().int().nonnegative() });

/** Runs every stage of the pipeline, each in its own run directory (linked by `parent`). */
export async function train(configInput: TrainConfigInput, hooks: TrainHooks = {}): Promise<StageResult[]> {
  const config = TrainConfig.parse(configInput);
  return runPipeline(config, 0, null, hooks);
}

/** Continues an interrupted stage from its last checkpoint, then the stages after it. */
export async function resumeTraining(runDir: string, hooks: TrainHooks = {}): Promise<StageResult[]> {
  const reader = openRun(runDir);
  const saved = SavedConfig.parse(reader.config());
  const ckpts = reader.checkpoints();
  if (ckpts.length === 0) {
    // nothing saved yet: start this stage over in the same run directory
    return runPipeline(saved.pipeline, saved.stageIndex, { runDir, checkpoint: null }, hooks);
  }
  return runPipeline(
    saved.pipeline,
    saved.stageIndex,
    { runDir, checkpoint: ckpts[ckpts.length - 1]!.dir },
    hooks,
  );
}

async function runPipeline(
  config: TrainConfig,
  fromStage: number,
  resume: { runDir: string; checkpoint: string | null } | null,
  hooks: TrainHooks,
): Promise<StageResult[]> {
  const log = hooks.log ?? ((line: string) => console.log(line));
  const backend = await loadBackend(config.backend);
  const { tf } = backend;
  log(`backend ${backend.name} on ${backend.device}`);
  let model: Model;
  let tok: Tokenizer;
  let opt: AdamW | undefined;
  let trainer: TrainerState | undefined;
  const startFrom = config.init ?? (resume && fromStage > 0 ? previousCheckpoint(resume.runDir) : null);
  if (resume?.checkpoint) {
    ({
      model,
      tokenizer: tok,
      optimizer: opt,
      trainer,
    } = loadCheckpoint(tf, resume.checkpoint, { withOptimizer: true }));
    log(`resuming from ${resume.checkpoint} at step ${trainer?.step}`);
  } else if (startFrom) {
    // a run directory stands for its newest checkpoint, as everywhere else
    ({ model, tokenizer: tok } = loadCheckpoint(tf, resolveCheckpoint(startFrom)));
    log(`starting from ${startFrom}`);
  } else {
    // a fresh model; the tokenizer is trained on the first stage's corpus (deterministically)
    const first = config.stages[0]!;
    if (first.stage === "rl")
      throw new Error(
        "the RL stage needs a trained policy: set 'init' to a checkpoint, or put pretrain and sft stages before it",
      );
    // the first stage's text: math documents, or the chats' messages
    const corpus = first.chats
      ? readChats(first.chats.path).map((chat) => chat.map((m) => m.content).join("\n"))
      : stageProblems(first.data!, "train", config.seed).map(pretrainDocument);
    tok =
      config.tokenizer.kind === "bytes"
        ? byteTokenizer()
        : trainTokenizer(corpus, config.tokenizer.vocabSize, config.tokenizer.pretokenizer);
    const shape = config.model!; // the schema requires a model when there is no init checkpoint
    model = initModel(
      tf,
      { ...shape, contextLength: shape.contextLength ?? 128, vocabSize: tok.vocabSize },
      config.seed,
    );
    log(
      `tokenizer ${tok.kind}, ${tok.vocabSize} tokens; model ${countParams(model.config).toLocaleString("en-US")} parameters`,
    );
  }

  const results: StageResult[] = [];
  let parent: string | undefined;
  for (let index = fromStage; index < config.stages.length; index++) {
    const stage = config.stages[index]!;
    const resuming = resume !== null && index === fromStage;
    const run = resuming
      ? resumeRun(resume.runDir, { fromStep: trainer?.step ?? 0 })
      : createRun({
          root: config.runs,
          name: `${config.name}-${stage.stage}`,
          kind: stage.stage,
          config: { pipeline: config, stageIndex: index },
          backend: backend.name,
          ...(parent ? { parent } : {}),
        });
    run.guardProcess();
    run.setBackend(backend.name);
    if (!resuming || !opt || !trainer) {
      opt = createAdamW(model);
      trainer = {
        stage: stage.stage,
        step: 0,
        totalSteps: stage.steps,
        seed: config.seed + index,
        dataPosition: 0,
        tokensSeen: 0,
        extra: {},
      };
    }
    log(`${stage.stage}: run ${run.dir}`);
    try {
      let result: StageResult;
      if (stage.stage === "rl") {
        const rl = await trainRl(backend, model, tok, opt, stage, trainer, run, {
          log,
          ...(hooks.stopAfter !== undefined ? { stopAfter: hooks.stopAfter } : {}),
          ...(hooks.redis ? { redis: hooks.redis } : {}),
          evaluate: async (m, problems, maxTokens) =>
            (await greedyAccuracy(m, tok, problems, { system: stage.data?.system ?? false, maxTokens }))
              .accuracy,
        });
        const ckpts = openRun(run.dir).checkpoints();
        result = {
          runDir: run.dir,
          checkpoint: ckpts[ckpts.length - 1]?.dir ?? "",
          finalLoss: Number.NaN,
          evalLoss: null,
          accuracy: rl.accuracy,
          initialAccuracy: rl.initialAccuracy,
          stoppedEarly: rl.stoppedEarly,
        };
      } else result = await trainStage(backend, model, tok, opt, stage, trainer, run, hooks);
      results.push(result);
      if (result.stoppedEarly) {
        run.event(
          "paused",
          `stopped after ${hooks.stopAfter} steps; resume with: reasonlab train --resume ${run.dir}`,
        );
        run.close();
        return results;
      }
      run.finish();
      parent = run.id;
    } catch (error) {
      run.fail(error);
      throw error;
    } finally {
      for (const v of [...opt.m.values(), ...opt.v.values()]) v.dispose();
      opt = undefined;
      trainer = undefined;
    }
  }
  return results;
}

/** The newest checkpoint of the stage run this one's `parent` names. */
function previousCheckpoint(runDir: string): string {
  const info = openRun(runDir).info();
  if (!info.parent) throw new Error(`${runDir}: no parent run to start from`);
  const parentDir = path.join(path.dirname(runDir), info.parent);
  const ckpts = fs.existsSync(parentDir) ? openRun(parentDir).checkpoints() : [];
  if (ckpts.length === 0) throw new Error(`${parentDir}: no checkpoint to start from`);
  return ckpts[ckpts.length - 1]!.dir;
}
