// The RL stage: on-policy GRPO-family training on verifiable rewards. Each step samples a group
// of completions per prompt, scores them with env-math's verifier, turns rewards into advantages
// within each group, and takes a clipped policy-gradient step (PPO-style ratios, optional KL to a
// frozen reference, optional entropy bonus). DAPO's dynamic sampling, overlong shaping and
// truncation masking are options.
import {
  CurriculumState,
  correctness,
  countdownPartial,
  createCurriculum,
  createRng,
  digitCredit,
  type Environment,
  environmentFactory,
  format,
  generate,
  getFamily,
  mathEnvironment,
  overlong,
  type Problem,
  type RewardFn,
  STRICT,
  splitOf,
  type WeightedReward,
} from "@reasonlab/env-math";
import { METRIC, type RunWriter } from "@reasonlab/runs";
import type * as TF from "@tensorflow/tfjs";
import { z } from "zod";
import { AdvantageEstimator, advantages, zeroVariance } from "./advantage.js";
import type { Backend } from "./backend.js";
import { saveCheckpoint, type TrainerState } from "./checkpoint.js";
import { batchAt, ChatsConfig, chatSplits, type Rows, sftRows } from "./data.js";
import { chargeTurns, collectGroups, lossRows, type Rollout } from "./episodes.js";
import { yieldToEventLoop } from "./event-loop.js";
import { checkLevels, interleaveCells, Levels, levelsOf, lowestLevel, problemsAt } from "./levels.js";
import { batchGradients, cloneModel, disposeModel, type Model, policyTerms } from "./model.js";
import { type AdamW, accumulateGrads, applyAdamW, learningRate, OptimizerConfig } from "./optimizer.js";
import { aggregationWeights, policyLoss } from "./policy-loss.js";
import { inlineSampler, usesWorker, WorkerMode, workerSampler } from "./rollouts.js";
import type { Tokenizer } from "./tokenizer.js";

export const RewardSpec = z.discriminatedUnion("name", [
  z.object({ name: z.literal("correct"), weight: z.number().default(1) }),
  z.object({ name: z.literal("format"), weight: z.number().default(0.1) }),
  z.object({ name: z.literal("countdown"), weight: z.number().default(1) }),
  z.object({ name: z.literal("digits"), weight: z.number().default(0.5) }),
  z.object({
    name: z.literal("overlong"),
    weight: z.number().default(1),
    maxLength: z.number().int().positive(),
    buffer: z.number().int().nonnegative(),
  }),
]);
export type RewardSpec = z.infer<typeof RewardSpec>;

export const RlStageConfig = z
  .object({
    stage: z.literal("rl"),
    steps: z.number().int().min(1),
    /** Prompts per step; each gets `groupSize` completions. */
    promptsPerStep: z.number().int().min(1).default(16),
    groupSize: z.number().int().min(2).default(8),
    maxTokens: z.number().int().min(1).default(128),
    temperature: z.number().gt(0).max(2).default(1),
    advantage: AdvantageEstimator.default("grpo"),
    /** token: every completion token weighs the same (DAPO); sequence: every completion does. */
    aggregation: z.enum(["token", "sequence"]).default("token"),
    /** Updates per batch of rollouts; above 1 the ratio clipping comes into play. */
    epochs: z.number().int().min(1).default(1),
    clipLow: z.number().min(0).max(1).default(0.2),
    clipHigh: z.number().min(0).default(0.28),
    /** Weight of the k3 KL estimate to the frozen starting model; 0 keeps no reference. */
    klCoef: z.number().min(0).default(0),
    /**
     * Reward a correct episode gives up per turn it took, so that of two successes the shorter
     * wins: a field typed twice, a box clicked twice. Without it a group that all succeeded has
     * no variance and teaches nothing, and a dithering policy, rescued by sampling in RL, loops
     * when greedy. Failures pay nothing: one that explored is no worse than one that gave up.
     */
    turnCost: z.number().min(0).max(1).default(0),
    entropyCoef: z.number().min(0).default(0),
    /**
     * SFT beside the policy loss (InstructGPT's PPO-ptx): each update adds `coef` times the
     * cross-entropy of a batch of these chats' replies, so what RL's groups rarely sample, or sample
     * with no variance, keeps what SFT taught instead of drifting. Train it on the chats the start
     * checkpoint learnt from, with the same heldOutEvery so held-out chats stay unseen. A step
     * with no rollout to train on makes no update, replay included.
     */
    replay: z
      .object({
        chats: ChatsConfig,
        batchSize: z.number().int().min(1).default(16),
        coef: z.number().gt(0).default(1),
      })
      .optional(),
    /** DAPO: drop groups whose rewards all agree and sample more prompts in their place. */
    dynamicSampling: z.boolean().default(false),
    maxSamplingRounds: z.number().int().min(1).default(3),
    /** Completions cut off by maxTokens contribute no gradient. */
    maskTruncated: z.boolean().default(true),
    /**
     * inline: sample rollouts with the training model, on-policy. worker (CPU backends): sample the
     * next step's rollouts in a worker thread on another core while this step updates; they are then
     * one update stale, which the clipped ratio to the sampling policy accounts for. auto: worker on
     * the CPU backends, inline on a GPU, so one config runs on either.
     */
    rollouts: WorkerMode,
    /**
     * With rollouts on worker machines (`--redis`): how many updates old the policy that sampled a
     * rollout may be when it is applied. 0 waits for each step's rollouts after its update; 1 (the
     * default) samples the next step's while this one updates, as the clipped ratio to the sampling
     * policy allows; more keeps more steps in flight.
     */
    maxStaleness: z.number().int().min(0).max(8).default(1),
    /**
     * Where the verifier looks for a rollout's answer. tag: only inside <answer></answer>, for a
     * policy that SFT taught the tag; otherwise a rollout that mentions the right number in its
     * working ("the largest is 8.87") and ends in garbage is paid as correct, and RL learns the
     * garbage (seen on decimal-compare). any: every format env-math's extractor knows.
     */
    answerFormat: z.enum(["tag", "any"]).default("any"),
    rewards: z
      .array(RewardSpec)
      .min(1)
      .default([
        { name: "correct", weight: 1 },
        { name: "format", weight: 0.1 },
      ]),
    /**
     * Another environment than math, by the name it is registered under (env-math's
     * registerEnvironment): "browser" for the operator's task families, with the reasonlab CLI.
     */
    environment: z
      .object({
        name: z.string().min(1),
        families: z.array(z.string().min(1)).min(1),
        maxTurns: z.number().int().min(1).max(32).optional(),
        /** Keep every n-th episode in the run's episodes/ for replay (0: none); 32 is about one a step. */
        recordEvery: z.number().int().min(0).default(32),
      })
      .optional(),
    data: z
      .object({
        families: z.array(z.string().min(1)).min(1),
        /** One list for every family, or one per family: `{"add": [1, 2], "sub": [1]}`. */
        difficulties: Levels,
        /** Held-out accuracy is measured on these (e.g. a harder level than SFT saw). */
        evalDifficulties: Levels.optional(),
        evalPerCell: z.number().int().min(1).default(100),
        system: z.boolean().default(false),
        /**
         * The calculator tool: a reply ending in <calc>expression</calc> gets <result>value</result>
         * and another turn, up to maxTurns replies (env-math's math-calculator environment).
         */
        calculator: z.boolean().default(false),
        maxTurns: z.number().int().min(1).max(16).optional(),
        /** Raise each family's level once rollout accuracy passes `threshold` over `window` problems. */
        curriculum: z
          .object({ threshold: z.number().min(0).max(1), window: z.number().int().min(1) })
          .optional(),
      })
      .superRefine(checkLevels)
      .optional(),
    optimizer: OptimizerConfig.default(
      OptimizerConfig.parse({ lr: 1e-4, warmupSteps: 0, minLrRatio: 1, weightDecay: 0 }),
    ),
    /** Sequences per forward/backward pass; gradients accumulate over the rest. */
    microBatch: z.number().int().min(1).default(64),
    logEvery: z.number().int().min(1).default(1),
    evalEvery: z.number().int().min(1).default(25),
    accuracyProblems: z.number().int().min(0).default(200),
    checkpointEvery: z.number().int().min(1).default(50),
    samplesPerStep: z.number().int().min(0).default(2),
  })
  .superRefine((s, ctx) => {
    if (!s.data === !s.environment)
      ctx.addIssue({
        code: "custom",
        path: ["data"],
        message: "give either data (math problems) or environment (another environment by name), not both",
      });
  });
export type RlStageConfig = z.infer<typeof RlStageConfig>;

/** The replay chats' training rows: every chat but the held-out ones. */
function replayRows(tok: Tokenizer, chats: ChatsConfig, T: number): Rows {
  const rows = sftRows(tok, chatSplits(chats).train, T);
  if (rows.count === 0) throw new Error(`rl: replay chats ${chats.path} hold no training rows`);
  return rows;
}

const REWARD_FNS: Record<RewardSpec["name"], (spec: RewardSpec) => RewardFn> = {
  correct: () => correctness,
  format: () => format,
  countdown: () => countdownPartial,
  digits: () => digitCredit,
  overlong: (s) =>
    overlong({ maxLength: (s as { maxLength: number }).maxLength, buffer: (s as { buffer: number }).buffer }),
};

export function rewardsOf(specs: readonly RewardSpec[]): WeightedReward[] {
  return specs.map((s) => ({ name: s.name, fn: REWARD_FNS[s.name](s), weight: s.weight }));
}

/**
 * The math environment a stage configures: its problems (train split, curriculum), its rewards
 * with the answer read where `answerFormat` says, the calculator if asked for.
 */
export function stageEnvironment(
  stage: RlStageConfig,
  rewards: readonly WeightedReward[],
  seed: number,
  saved: Record<string, unknown> = {},
): Environment {
  const d = mathData(stage);
  return mathEnvironment({
    source: problemSource(d, seed, saved),
    rewards,
    ...(stage.answerFormat === "tag" ? { extract: STRICT } : {}),
    system: d.system,
    calculator: d.calculator,
    ...(d.maxTurns ? { maxTurns: d.maxTurns } : {}),
  });
}

type MathData = NonNullable<RlStageConfig["data"]>;

function mathData(stage: RlStageConfig): MathData {
  if (!stage.data) throw new Error("this RL stage names another environment; it has no math data");
  return stage.data;
}

/** The environment of a stage: its math problems, or the registered environment it names. */
/** Episodes per family that its rollout success curve averages over. */
const FAMILY_WINDOW = 32;

export async function openEnvironment(
  stage: RlStageConfig,
  rewards: readonly WeightedReward[],
  seed: number,
  saved: Record<string, unknown>,
  /** Where the environment may keep episodes; none are kept without it. */
  runDir?: string,
): Promise<Environment> {
  if (!stage.environment) return stageEnvironment(stage, rewards, seed, saved);
  const { name, families, maxTurns, recordEvery } = stage.environment;
  return environmentFactory(name)({
    families,
    seed,
    saved,
    ...(runDir ? { runDir } : {}),
    recordEvery,
    ...(maxTurns ? { maxTurns } : {}),
  });
}

/** A rollout's replies, with what the environment said between them, as one text for the logs. */
const transcriptText = (r: Rollout) =>
  r.transcript.length === 1
    ? r.transcript[0]!.content
    : r.transcript.map((m) => (m.role === "assistant" ? m.content : `[${m.role}] ${m.content}`)).join("\n");

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Problems for rollouts: the train split only, drawn by a counter so a resumed run draws the same. */
function problemSource(d: MathData, seed: number, saved: Record<string, unknown>) {
  if (d.curriculum) {
    const curriculum = createCurriculum(
      {
        families: d.families,
        start: lowestLevel(d.difficulties),
        threshold: d.curriculum.threshold,
        window: d.curriculum.window,
        seed,
      },
      saved.curriculum ? CurriculumState.parse(saved.curriculum) : undefined,
    );
    return {
      next: () => curriculum.next(),
      record: curriculum.record,
      state: () => ({ curriculum: curriculum.state() }),
    };
  }
  let drawn = typeof saved.drawn === "number" ? saved.drawn : 0;
  return {
    next(): Problem {
      for (;;) {
        const rng = createRng("rl-prompts", seed, drawn++);
        const family = rng.pick(d.families);
        const levels = levelsOf(d.difficulties, family).filter((x) => x <= getFamily(family).levels.length);
        const p = generate(family, rng.pick(levels), rng.int(0, 2 ** 31 - 1));
        if (splitOf(p.prompt) === "train") return p;
      }
    },
    record: (_p: Problem, _correct: boolean) => {},
    state: () => ({ drawn }),
  };
}

export interface RlHooks {
  log: (line: string) => void;
  stopAfter?: number;
  evaluate: (model: Model, problems: Problem[], maxTokens: number) => Promise<number>;
  /** Replace the configured rewards (custom tasks, tests). */
  rewards?: WeightedReward[];
  /** Replace the configured environment (the operator's browser tasks, a toy in tests). */
  environment?: Environment;
  /** Sample rollouts on worker machines through this Redis (`reasonlab worker`), not in-process. */
  redis?: string;
}

export interface RlResult {
  accuracy: number | null;
  initialAccuracy: number | null;
  stoppedEarly: boolean;
  lastReward: number;
}

/** Runs the RL stage from `state` (fresh or resumed), writing into `run`. */
export async function trainRl(
  backend: Backend,
  model: Model,
  tok: Tokenizer,
  opt: AdamW,
  stage: RlStageConfig,
  state: TrainerState,
  run: RunWriter,
  hooks: RlHooks,
): Promise<RlResult> {
  const { tf } = backend;
  const { log } = hooks;
  const rewards = hooks.rewards ?? rewardsOf(stage.rewards);
  const env = hooks.environment ?? (await openEnvironment(stage, rewards, state.seed, state.extra, run.dir));
  const reference = stage.klCoef > 0 ? cloneModel(model) : null;
  const replay = stage.replay ? replayRows(tok, stage.replay.chats, model.config.contextLength) : null;
  // held-out accuracy is math's (greedy answers); other environments are measured by eval suites
  const evalProblems = stage.data
    ? interleaveCells(
        problemsAt({
          families: stage.data.families,
          levels: stage.data.evalDifficulties ?? stage.data.difficulties,
          perCell: stage.data.evalPerCell,
          split: "test",
          seed: 0,
        }),
        stage.accuracyProblems,
      )
    : [];
  const vars = [...model.params.values()];
  const names = [...model.params.keys()];
  let accuracy: number | null = null;
  let initialAccuracy: number | null = null;
  let lastReward = Number.NaN;
  let stepsThisProcess = 0;

  const evaluate = async () =>
    evalProblems.length ? hooks.evaluate(model, evalProblems, stage.maxTokens) : null;
  if (state.step === 0) {
    initialAccuracy = await evaluate();
    accuracy = initialAccuracy;
    if (initialAccuracy !== null) {
      run.metrics(0, { [METRIC.evalAccuracy]: initialAccuracy });
      log(
        `rl step 0/${state.totalSteps}  held-out accuracy ${(initialAccuracy * 100).toFixed(1)}% before RL`,
      );
    }
  }

  /** One step's rollouts, grouped by task; the environment's state after drawing them. */
  const collect = async (step: number) => {
    const version = synced;
    const stepSeed = state.seed * 1_000_003 + step;
    const t0 = performance.now();
    const groups: Rollout[][] = [];
    /** Every episode rolled out this step, kept or dropped: what the rollout metrics describe. */
    const sampled: Rollout[] = [];
    let dropped = 0;
    let sampledTokens = 0;
    for (
      let round = 0;
      round < (stage.dynamicSampling ? stage.maxSamplingRounds : 1) && groups.length < stage.promptsPerStep;
      round++
    ) {
      const tasks = Array.from({ length: stage.promptsPerStep - groups.length }, () => env.nextTask());
      const options = {
        groupSize: stage.groupSize,
        temperature: stage.temperature,
        maxTokens: stage.maxTokens,
        seed: stepSeed * 7 + round,
        contextLength: model.config.contextLength,
      };
      const collected = remote
        ? (await remote.collect(tasks, options)).groups
        : await collectGroups(env, sampler, tok, tasks, options);
      for (const [i, group] of collected.entries()) {
        chargeTurns(group, stage.turnCost);
        for (const r of group) {
          sampledTokens += r.length;
          env.record(tasks[i]!, r.correct);
        }
        sampled.push(...group);
        if (stage.dynamicSampling && zeroVariance(group.map((r) => r.reward))) dropped++;
        else groups.push(group);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    return { groups, sampled, dropped, sampledTokens, seconds, sourceState: env.state(), version };
  };
  type Collected = Awaited<ReturnType<typeof collect>>;

  /** Each family's latest rollout outcomes (1 correct, 0 not), FAMILY_WINDOW at most. */
  const recent = new Map<string, number[]>();
  const remote = hooks.redis
    ? await (await import("./remote.js")).remoteRollouts({
        url: hooks.redis,
        stage,
        seed: state.seed,
        runDir: run.dir,
        model,
        tok,
        log,
      })
    : null;
  const overlap = !remote && usesWorker(stage.rollouts, backend.name);
  const sampler = overlap ? workerSampler(backend, model, tok) : inlineSampler(model, tok);
  /** Updates the weights the next collection samples with had seen. */
  let synced = state.step;
  const sync = () => {
    synced = state.step;
    if (remote) remote.sync(synced);
    else sampler.sync();
  };
  /**
   * How many steps' rollouts are sampled ahead while this step updates: one in a worker thread,
   * maxStaleness on worker machines, none inline (on-policy).
   */
  const depth = remote ? stage.maxStaleness : overlap ? 1 : 0;
  /** The next steps' rollouts, being sampled while this step updates, in step order. */
  const ahead: Promise<Collected>[] = [];
  if (remote)
    log(
      `rl: rollouts on worker machines via ${hooks.redis} (session ${remote.session}, max staleness ${stage.maxStaleness})`,
    );
  try {
    while (state.step < state.totalSteps) {
      await yieldToEventLoop();
      const tWait = performance.now();
      if (ahead.length === 0) {
        sync();
        ahead.push(collect(state.step));
      }
      const {
        groups,
        sampled,
        dropped,
        sampledTokens,
        seconds: rolloutSeconds,
        sourceState,
        version,
      } = await ahead.shift()!;
      const rolloutWait = (performance.now() - tWait) / 1000;
      const staleness = state.step - version;
      if (staleness > Math.max(depth, 0))
        throw new Error(
          `rl: rollouts of version ${version} reached step ${state.step}, more than ${depth} stale`,
        );
      if (depth > 0 && ahead.length < depth && state.step + 1 + ahead.length < state.totalSteps) {
        // the weights before this step's update: these rollouts arrive up to `depth` updates stale
        sync();
        while (ahead.length < depth && state.step + 1 + ahead.length < state.totalSteps) {
          const next = collect(state.step + 1 + ahead.length);
          next.catch(() => {}); // awaited at its step; a failure surfaces there, not as an unhandled rejection
          ahead.push(next);
        }
        if (remote) await remote.submitted();
      }
      const all = groups.flat();
      const adv = advantages(
        groups.map((g) => g.map((r) => r.reward)),
        stage.advantage,
      );
      for (const [i, g] of groups.entries()) for (const [j, r] of g.entries()) r.advantage = adv[i]![j]!;

      // ---- update ----
      const t1 = performance.now();
      const train = all.filter((r) => !(stage.maskTruncated && r.truncated) && r.length > 0);
      const lr = learningRate(stage.optimizer, state.step, state.totalSteps);
      let gradNorm = 0;
      let clipFraction = 0;
      let klMean = 0;
      let replayLoss = 0;
      let entropyMean = mean(
        sampled.flatMap((r) =>
          r.segments.flatMap((s) => s.logprobs.filter((_, i) => s.generated[i]).map((l) => -l)),
        ),
      );
      let updateTokens = 0;
      if (train.length > 0) {
        const { T, rows } = lossRows(train, tok.special["<|pad|>"], model.config.contextLength);
        const weights = aggregationWeights(
          rows.map((r) => r.mask),
          stage.aggregation,
        );
        updateTokens = rows.reduce((n, r) => n + r.mask.reduce((a, b) => a + b, 0), 0);
        const refRows: number[][] = [];
        const micro = (from: number) => {
          const slice = rows.slice(from, from + stage.microBatch);
          const n = slice.length;
          return {
            n,
            inputs: tf.tensor2d(
              slice.flatMap((r) => r.inputs),
              [n, T],
              "int32",
            ),
            targets: tf.tensor2d(
              slice.flatMap((r) => r.targets),
              [n, T],
              "int32",
            ),
            old: tf.tensor2d(
              slice.flatMap((r) => r.old),
              [n, T],
            ),
            adv: tf.tensor2d(
              slice.map((r) => r.advantage),
              [n, 1],
            ),
            weights: tf.tensor2d(weights.slice(from, from + n).flat(), [n, T]),
            mask: slice.map((r) => r.mask),
          };
        };
        if (reference) {
          for (let from = 0; from < rows.length; from += stage.microBatch) {
            const m = micro(from);
            const lp = tf.tidy(
              () => policyTerms(reference, m.inputs, m.targets, { temperature: stage.temperature }).logp,
            );
            const v = Array.from(await lp.data());
            for (let i = 0; i < m.n; i++) refRows.push(v.slice(i * T, (i + 1) * T));
            tf.dispose([lp, m.inputs, m.targets, m.old, m.adv, m.weights]);
          }
        }
        let clipped = 0;
        let klSum = 0;
        let entSum = 0;
        let counted = 0;
        for (let epoch = 0; epoch < stage.epochs; epoch++) {
          let grads: Record<string, TF.Tensor> | null = null;
          for (let from = 0; from < rows.length; from += stage.microBatch) {
            const m = micro(from);
            const ref = reference ? tf.tensor2d(refRows.slice(from, from + m.n).flat(), [m.n, T]) : undefined;
            let stash: { ratio: TF.Tensor; kl: TF.Tensor | null; entropy: TF.Tensor | null } | null = null;
            const { value, grads: g } = tf.variableGrads(() => {
              const out = policyLoss(
                model,
                {
                  inputs: m.inputs,
                  targets: m.targets,
                  oldLogprobs: m.old,
                  advantages: m.adv,
                  weights: m.weights,
                  ...(ref ? { refLogprobs: ref } : {}),
                },
                stage,
              );
              stash = {
                ratio: tf.keep(out.ratio),
                kl: out.kl ? tf.keep(out.kl) : null,
                entropy: out.entropy ? tf.keep(out.entropy) : null,
              };
              return out.loss;
            }, vars);
            const s = stash as unknown as {
              ratio: TF.Tensor;
              kl: TF.Tensor | null;
              entropy: TF.Tensor | null;
            };
            const ratio = await s.ratio.data();
            const kl = s.kl ? await s.kl.data() : null;
            const ent = s.entropy ? await s.entropy.data() : null;
            for (let i = 0; i < m.n; i++)
              for (let t = 0; t < T; t++) {
                if (!m.mask[i]![t]) continue;
                const r = ratio[i * T + t]!;
                const a = rows[from + i]!.advantage;
                if ((a > 0 && r > 1 + stage.clipHigh) || (a < 0 && r < 1 - stage.clipLow)) clipped++;
                if (kl) klSum += kl[i * T + t]!;
                if (ent) entSum += ent[i * T + t]!;
                counted++;
              }
            tf.dispose([
              value,
              s.ratio,
              ...(s.kl ? [s.kl] : []),
              ...(s.entropy ? [s.entropy] : []),
              m.inputs,
              m.targets,
              m.old,
              m.adv,
              m.weights,
              ...(ref ? [ref] : []),
            ]);
            grads = accumulateGrads(tf, grads, g);
          }
          if (replay) {
            const { coef, batchSize } = stage.replay!;
            const b = batchAt(replay, state.step * stage.epochs + epoch, batchSize, state.seed);
            const { value, grads: g } = batchGradients(model, b, vars);
            replayLoss = (await value.data())[0]!;
            const scaled = tf.tidy(() =>
              Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.mul(coef)])),
            );
            tf.dispose([value, ...Object.values(g)]);
            grads = accumulateGrads(tf, grads, scaled);
          }
          const named = Object.fromEntries(names.map((n, i) => [n, grads![vars[i]!.name]!]));
          const normT = applyAdamW(model, opt, named, stage.optimizer, lr);
          gradNorm = (await normT.data())[0]!;
          tf.dispose([normT, ...Object.values(grads!)]);
        }
        clipFraction = counted ? clipped / counted : 0;
        klMean = counted && reference ? klSum / counted : 0;
        if (stage.entropyCoef > 0 && counted) entropyMean = entSum / counted;
      }
      const updateSeconds = (performance.now() - t1) / 1000;

      state.step += 1;
      stepsThisProcess += 1;
      state.extra = { ...state.extra, ...sourceState };
      const rewardsAll = sampled.map((r) => r.reward);
      lastReward = mean(rewardsAll);
      for (const r of sampled) {
        const window = recent.get(r.task.family) ?? [];
        window.push(r.correct ? 1 : 0);
        recent.set(r.task.family, window.slice(-FAMILY_WINDOW));
      }
      const last = state.step === state.totalSteps;
      if (state.step % stage.evalEvery === 0 || last) accuracy = await evaluate();
      const values: Record<string, number | null> = {
        [METRIC.rlReward]: lastReward,
        "rl/reward_std": Math.sqrt(mean(rewardsAll.map((r) => (r - lastReward) ** 2))),
        [METRIC.rlAccuracy]: mean(sampled.map((r) => (r.correct ? 1 : 0))),
        "rl/zero_variance_frac": stage.dynamicSampling
          ? dropped / (dropped + groups.length || 1)
          : mean(groups.map((g) => (zeroVariance(g.map((r) => r.reward)) ? 1 : 0))),
        "rl/response_length": mean(sampled.map((r) => r.length)),
        ...(env.maxTurns > 1 ? { "rl/turns": mean(sampled.map((r) => r.turns)) } : {}),
        "rl/truncated_frac": mean(sampled.map((r) => (r.truncated ? 1 : 0))),
        "rl/entropy": entropyMean,
        "rl/kl": klMean,
        ...(replay ? { "rl/replay_loss": replayLoss } : {}),
        "rl/clip_frac": clipFraction,
        "train/grad_norm": gradNorm,
        "train/lr": lr,
        "rl/rollout_tokens_per_s": sampledTokens / Math.max(rolloutSeconds, 1e-9),
        "rl/update_tokens_per_s": (updateTokens * stage.epochs) / Math.max(updateSeconds, 1e-9),
        "rl/rollout_seconds": rolloutSeconds,
        /** Time the step waited for its rollouts: all of rolloutSeconds inline, less when overlapped. */
        "rl/rollout_wait_seconds": rolloutWait,
        "rl/update_seconds": updateSeconds,
        /** Updates between the policy that sampled this step's rollouts and the one they train. */
        "rl/staleness": staleness,
        "system/tensors": tf.memory().numTensors,
        // distributed mode: the rollouts queue, charted like any metric
        ...(remote ? await remote.stats().catch(() => ({})) : {}),
        // rollout success by family over its last episodes: a curve per family in the run's charts
        ...(recent.size > 1
          ? Object.fromEntries([...recent].map(([f, w]) => [`rl/success/${f}`, mean(w)]))
          : {}),
        ...(state.step % stage.evalEvery === 0 || last ? { [METRIC.evalAccuracy]: accuracy } : {}),
      };
      if (state.step % stage.logEvery === 0 || last || state.step === 1) {
        run.metrics(state.step, values);
        for (const r of all.slice(0, stage.samplesPerStep))
          run.log("samples", {
            step: state.step,
            split: "rollout",
            prompt: r.task.prompt,
            completion: transcriptText(r),
            ...(r.task.expected !== undefined ? { expected: r.task.expected } : {}),
            reward: r.reward,
            correct: r.correct,
            meta: {
              advantage: r.advantage,
              family: r.task.family,
              ...(r.task.difficulty !== undefined ? { difficulty: r.task.difficulty } : {}),
              truncated: r.truncated,
              ...(r.turns > 1 ? { turns: r.turns } : {}),
              ...(r.source ? { job: r.source.job, worker: r.source.worker, version: r.source.version } : {}),
            },
          });
        log(
          `rl step ${state.step}/${state.totalSteps}  reward ${lastReward.toFixed(3)}  acc ${((values[METRIC.rlAccuracy] as number) * 100).toFixed(0)}%  len ${(values["rl/response_length"] as number).toFixed(0)}  ` +
            `zero-var ${((values["rl/zero_variance_frac"] as number) * 100).toFixed(0)}%  clip ${(clipFraction * 100).toFixed(1)}%  gnorm ${gradNorm.toFixed(2)}  ` +
            `rollout ${rolloutSeconds.toFixed(1)}s${depth > 0 ? ` (waited ${rolloutWait.toFixed(1)}s)` : ""} update ${updateSeconds.toFixed(1)}s` +
            (state.step % stage.evalEvery === 0 || last
              ? `  held-out ${accuracy === null ? "-" : `${(accuracy * 100).toFixed(1)}%`}`
              : ""),
        );
      }
      const save = () =>
        run.checkpoint(
          state.step,
          (d) => saveCheckpoint(d, { model, tokenizer: tok, optimizer: opt, trainer: state }),
          {
            stage: "rl",
            metrics: { reward: lastReward, accuracy },
          },
        );
      if (state.step % stage.checkpointEvery === 0 || last) await save();
      if (!last && hooks.stopAfter !== undefined && stepsThisProcess >= hooks.stopAfter) {
        await save();
        return { accuracy, initialAccuracy, stoppedEarly: true, lastReward };
      }
    }
  } finally {
    await sampler.close();
    await remote?.close();
    if (reference) disposeModel(reference);
    if (!hooks.environment) await env.close();
  }
  return { accuracy, initialAccuracy, stoppedEarly: false, lastReward };
}
