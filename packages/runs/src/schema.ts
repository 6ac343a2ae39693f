// The run directory's records: the one definition every package reads and writes.
// A record is one JSON object on one line of a .jsonl file; `t` is wall time in Unix milliseconds.
import { z } from "zod";

export const SCHEMA_VERSION = 1;

const time = z.number().int().nonnegative();
const step = z.number().int().nonnegative();
const name = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.@:/-]+$/, "use letters, digits and _ . @ : / -");
/**
 * A file or folder name inside the run directory (a run id, an episode id, a screenshot): no
 * separators, no "..". A regular-expression source, for readers that match names in URLs too.
 */
export const FILE_NAME = "[A-Za-z0-9_][A-Za-z0-9_.-]*";
const fileName = z
  .string()
  .min(1)
  .max(200)
  .regex(new RegExp(`^${FILE_NAME}$`), "use letters, digits and _ . - (not starting with . or -)");
/** JSON has no NaN or Infinity: a diverged value is written as null and read back as null. */
const metricValue = z.preprocess(
  (v) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
  z.number().nullable(),
);
const json: z.ZodType<unknown> = z.unknown();

export const RunStatus = z.enum(["running", "finished", "failed"]);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunKind = z.enum([
  "pretrain",
  "sft",
  "rl",
  "train",
  "eval",
  "arena",
  "operate",
  "env",
  "bench",
  "demo",
  "other",
]);
export type RunKind = z.infer<typeof RunKind>;

export const HostInfo = z.object({
  hostname: z.string(),
  platform: z.string(),
  arch: z.string(),
  cpus: z.number().int().nonnegative(),
  memoryBytes: z.number().nonnegative(),
  node: z.string(),
  pid: z.number().int(),
});
export type HostInfo = z.infer<typeof HostInfo>;

export const GitInfo = z.object({ commit: z.string().regex(/^[0-9a-f]{7,64}$/), dirty: z.boolean() });
export type GitInfo = z.infer<typeof GitInfo>;

export const RunError = z.object({ message: z.string(), stack: z.string().optional() });

/** run.json: who made the run, where, and how it ended. Rewritten atomically (write, then rename). */
export const RunInfo = z.object({
  schema: z.literal(SCHEMA_VERSION),
  id: fileName,
  name: z.string().min(1).max(200),
  kind: RunKind,
  created: time,
  /** Last time the writer touched the run: a "running" run whose heartbeat stopped has died. */
  updated: time,
  status: RunStatus,
  error: RunError.optional(),
  host: HostInfo,
  git: GitInfo.nullable(),
  /** Tensor backend that ran (wasm, cpu, webgpu, tensorflow), or null for runs without one. */
  backend: z.string().nullable(),
  /** Run this one continues from, e.g. the SFT run an RL run starts from. */
  parent: z.string().optional(),
  tags: z.array(z.string()).default([]),
});
export type RunInfo = z.infer<typeof RunInfo>;

/** metrics.jsonl: named scalars at a step, e.g. {"train/loss": 2.3, "train/lr": 3e-4}. */
export const MetricRecord = z.object({
  t: time,
  step,
  values: z.record(name, metricValue).refine((v) => Object.keys(v).length > 0, "needs at least one metric"),
});
export type MetricRecord = z.infer<typeof MetricRecord>;

/** samples.jsonl: model outputs seen during training, with how they were scored. */
export const SampleRecord = z.object({
  t: time,
  step,
  split: z.string().min(1).max(100).default("train"),
  prompt: z.string(),
  completion: z.string(),
  expected: z.string().optional(),
  extracted: z.string().nullable().optional(),
  reward: z.number().nullable().optional(),
  correct: z.boolean().optional(),
  meta: z.record(z.string(), json).optional(),
});
export type SampleRecord = z.infer<typeof SampleRecord>;

/** events.jsonl: what happened to the run (started, resumed, checkpoint, stage change, warning, failure). */
export const EventRecord = z.object({
  t: time,
  level: z.enum(["debug", "info", "warn", "error"]).default("info"),
  kind: z.string().min(1).max(100),
  message: z.string(),
  step: step.optional(),
  data: z.record(z.string(), json).optional(),
});
export type EventRecord = z.infer<typeof EventRecord>;

/** checkpoints/<dir>/manifest.json: written last, so a checkpoint without one is incomplete. */
export const CheckpointManifest = z.object({
  schema: z.literal(SCHEMA_VERSION),
  step,
  t: time,
  stage: z.string().min(1).max(100).optional(),
  files: z.array(fileName).min(1),
  metrics: z.record(name, metricValue).default({}),
});
export type CheckpointManifest = z.infer<typeof CheckpointManifest>;

const estimate = z.object({
  value: metricValue,
  stderr: z.number().nonnegative().nullable().optional(),
  lo: z.number().nullable().optional(),
  hi: z.number().nullable().optional(),
  n: z.number().int().nonnegative().optional(),
});

/** evals/results.jsonl: one suite's aggregate on one model or checkpoint. */
export const EvalResultRecord = z.object({
  t: time,
  /**
   * One evaluation's id, shared by its samples. The result is written last, so samples whose
   * evalId has no result belong to an evaluation that was interrupted and are to be ignored.
   */
  evalId: z.string().min(1).optional(),
  suite: name,
  model: z.string().min(1),
  /** Training step of the checkpoint evaluated, when it is one. */
  step: step.optional(),
  checkpoint: fileName.optional(),
  metrics: z.record(name, estimate).refine((v) => Object.keys(v).length > 0, "needs at least one metric"),
  breakdown: z.record(z.string(), z.record(name, estimate)).optional(),
});
export type EvalResultRecord = z.infer<typeof EvalResultRecord>;

/** evals/samples.jsonl: one scored attempt on one eval item. */
export const EvalSampleRecord = z.object({
  t: time,
  evalId: z.string().min(1).optional(),
  suite: name,
  model: z.string().min(1),
  step: step.optional(),
  item: z.string().min(1),
  attempt: z.number().int().nonnegative().default(0),
  prompt: z.string(),
  completion: z.string(),
  expected: z.string().optional(),
  extracted: z.string().nullable().optional(),
  reward: z.number().nullable().optional(),
  correct: z.boolean(),
  meta: z.record(z.string(), json).optional(),
});
export type EvalSampleRecord = z.infer<typeof EvalSampleRecord>;

/** arena/battles.jsonl: two models' answers to one prompt, and who won (a vote or a verifier). */
export const ArenaBattleRecord = z.object({
  t: time,
  id: z.string().min(1),
  prompt: z.string(),
  a: z.object({ model: z.string().min(1), completion: z.string() }),
  b: z.object({ model: z.string().min(1), completion: z.string() }),
  /** null: not voted yet. */
  winner: z.enum(["a", "b", "tie", "both-bad"]).nullable(),
  voter: z.enum(["verifier", "human"]).nullable().default(null),
  meta: z.record(z.string(), json).optional(),
});
export type ArenaBattleRecord = z.infer<typeof ArenaBattleRecord>;

const point = z.object({ x: z.number(), y: z.number() });

/** episodes/<id>/episode.json: an operator episode's task and outcome. */
export const EpisodeInfo = z.object({
  schema: z.literal(SCHEMA_VERSION),
  id: fileName,
  task: z.string().min(1),
  seed: z.number().int().optional(),
  goal: z.string(),
  model: z.string(),
  started: time,
  ended: time.optional(),
  status: z.enum(["running", "success", "failure", "error", "aborted"]),
  reward: z.number().nullable().optional(),
  steps: z.number().int().nonnegative().default(0),
  viewport: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
});
export type EpisodeInfo = z.infer<typeof EpisodeInfo>;

/** episodes/<id>/steps.jsonl: one agent step, its screenshot saved beside it. */
export const EpisodeStepRecord = z.object({
  t: time,
  index: z.number().int().nonnegative(),
  url: z.string(),
  screenshot: fileName.optional(),
  observation: z.string().optional(),
  modelOutput: z.string().optional(),
  action: z.record(z.string(), json).nullable(),
  /** Where the action touched the page, for replay overlays. */
  points: z.array(point).default([]),
  error: z.string().optional(),
  reward: z.number().nullable().optional(),
  durationMs: z.number().nonnegative().optional(),
});
export type EpisodeStepRecord = z.infer<typeof EpisodeStepRecord>;

/** The append-only logs of a run and the record each line holds. */
export const LOGS = {
  metrics: MetricRecord,
  samples: SampleRecord,
  events: EventRecord,
  evalResults: EvalResultRecord,
  evalSamples: EvalSampleRecord,
  arena: ArenaBattleRecord,
} as const;
export type LogName = keyof typeof LOGS;
export type LogRecord<L extends LogName> = z.infer<(typeof LOGS)[L]>;
/** What a caller passes for a record: `t` is filled in when left out. */
export type Input<S extends z.ZodType> = Omit<z.input<S>, "t"> & { t?: number };
export type LogInput<L extends LogName> = Input<(typeof LOGS)[L]>;
export type EpisodeStepInput = Omit<Input<typeof EpisodeStepRecord>, "index" | "screenshot">;
