// Checkpoints: weights in safetensors (readable by Python's safetensors), the model config and
// tokenizer as JSON, and, for resuming, the optimizer's moments and the trainer's position.
import fs from "node:fs";
import path from "node:path";
import { openRun, readJsonFile } from "@reasonlab/runs";
import type * as TF from "@tensorflow/tfjs";
import { z } from "zod";
import { initModel, type Model, ModelConfig } from "./model.js";
import { type AdamW, createAdamW } from "./optimizer.js";
import {
  decodeSafetensors,
  encodeSafetensors,
  type NamedArray,
  readSafetensors,
  writeSafetensors,
} from "./safetensors.js";
import { createTokenizer, type Tokenizer, TokenizerData } from "./tokenizer.js";

export const FILES = {
  weights: "model.safetensors",
  config: "config.json",
  tokenizer: "tokenizer.json",
  optimizer: "optimizer.safetensors",
  trainer: "trainer.json",
} as const;

/** Where a training job stands: enough to continue as if never stopped. */
export const TrainerState = z.object({
  stage: z.string(),
  /** Optimizer updates done; the next batch drawn is batch `step * accumulate`. */
  step: z.number().int().nonnegative(),
  totalSteps: z.number().int().positive(),
  seed: z.number().int(),
  /** Micro-batches consumed: the data position. */
  dataPosition: z.number().int().nonnegative(),
  tokensSeen: z.number().nonnegative(),
  extra: z.record(z.string(), z.unknown()).default({}),
});
export type TrainerState = z.infer<typeof TrainerState>;

const CheckpointConfig = z.object({ model: ModelConfig, format: z.literal("reasonlab-gpt-1") });

async function tensorsOf(vars: Map<string, TF.Variable>, prefix = ""): Promise<Map<string, NamedArray>> {
  const out = new Map<string, NamedArray>();
  for (const [name, v] of vars)
    out.set(prefix + name, { data: (await v.data()) as Float32Array, shape: v.shape });
  return out;
}

export async function saveCheckpoint(
  dir: string,
  {
    model,
    tokenizer,
    optimizer,
    trainer,
  }: { model: Model; tokenizer: Tokenizer; optimizer?: AdamW; trainer?: TrainerState },
) {
  fs.mkdirSync(dir, { recursive: true });
  writeSafetensors(path.join(dir, FILES.weights), await tensorsOf(model.params), { format: "pt" });
  fs.writeFileSync(
    path.join(dir, FILES.config),
    `${JSON.stringify({ format: "reasonlab-gpt-1", model: model.config }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(dir, FILES.tokenizer), `${JSON.stringify(tokenizer.toJSON())}\n`);
  if (optimizer) {
    const moments = new Map([
      ...(await tensorsOf(optimizer.m, "m.")),
      ...(await tensorsOf(optimizer.v, "v.")),
    ]);
    writeSafetensors(path.join(dir, FILES.optimizer), moments, { t: String(optimizer.t) });
  }
  if (trainer)
    fs.writeFileSync(
      path.join(dir, FILES.trainer),
      `${JSON.stringify(TrainerState.parse(trainer), null, 2)}\n`,
    );
}

export interface LoadedCheckpoint {
  model: Model;
  tokenizer: Tokenizer;
  optimizer?: AdamW;
  trainer?: TrainerState;
}

/** Loads a checkpoint folder; weights come back bit for bit. */
export function loadCheckpoint(tf: typeof TF, dir: string, { withOptimizer = false } = {}): LoadedCheckpoint {
  const { model: config } = readJsonFile(CheckpointConfig, path.join(dir, FILES.config));
  const tokenizer = createTokenizer(readJsonFile(TokenizerData, path.join(dir, FILES.tokenizer)));
  if (tokenizer.vocabSize !== config.vocabSize)
    throw new Error(
      `${dir}: tokenizer has ${tokenizer.vocabSize} tokens but the model expects ${config.vocabSize}`,
    );
  const model = initModel(tf, config, 0, { empty: true }); // weights come from the file
  const { tensors } = readSafetensors(path.join(dir, FILES.weights));
  assign(tf, model.params, tensors, "", path.join(dir, FILES.weights));
  const out: LoadedCheckpoint = { model, tokenizer };
  if (withOptimizer && fs.existsSync(path.join(dir, FILES.optimizer))) {
    const { tensors: moments, metadata } = readSafetensors(path.join(dir, FILES.optimizer));
    const optimizer = createAdamW(model);
    assign(tf, optimizer.m, moments, "m.", path.join(dir, FILES.optimizer));
    assign(tf, optimizer.v, moments, "v.", path.join(dir, FILES.optimizer));
    optimizer.t = Number(metadata.t ?? 0);
    out.optimizer = optimizer;
  }
  if (fs.existsSync(path.join(dir, FILES.trainer)))
    out.trainer = readJsonFile(TrainerState, path.join(dir, FILES.trainer));
  return out;
}

function assign(
  tf: typeof TF,
  vars: Map<string, TF.Variable>,
  tensors: Map<string, NamedArray>,
  prefix: string,
  source: string,
) {
  for (const [name, v] of vars) {
    const t = tensors.get(prefix + name);
    if (!t) throw new Error(`${source}: missing tensor '${prefix + name}'`);
    if (t.shape.join(",") !== v.shape.join(","))
      throw new Error(`${source}: '${prefix + name}' has shape [${t.shape}], expected [${v.shape}]`);
    const incoming = tf.tensor(t.data, v.shape, v.dtype);
    v.assign(incoming);
    incoming.dispose();
  }
}

/**
 * A policy as one buffer (safetensors, config and tokenizer in its metadata): what a trainer
 * publishes to rollout workers. Taken synchronously, so it is the weights as they are now,
 * whatever update the caller runs next.
 */
export function policyBytes(model: Model, tokenizer: Tokenizer): Buffer {
  const tensors = new Map<string, NamedArray>();
  for (const [name, v] of model.params)
    tensors.set(name, { data: v.dataSync() as Float32Array, shape: v.shape });
  return encodeSafetensors(tensors, {
    format: "reasonlab-gpt-1",
    model: JSON.stringify(model.config),
    tokenizer: JSON.stringify(tokenizer.toJSON()),
  });
}

/** A checkpoint folder as policyBytes would write it, read from its files (no tensor backend). */
export function checkpointPolicyBytes(dir: string): Buffer {
  const { model: config } = readJsonFile(CheckpointConfig, path.join(dir, FILES.config));
  const tokenizer = readJsonFile(TokenizerData, path.join(dir, FILES.tokenizer));
  const { tensors } = readSafetensors(path.join(dir, FILES.weights));
  return encodeSafetensors(tensors, {
    format: "reasonlab-gpt-1",
    model: JSON.stringify(config),
    tokenizer: JSON.stringify(tokenizer),
  });
}

/** The model and tokenizer policyBytes wrote; `source` names it in errors. */
export function policyFromBytes(
  tf: typeof TF,
  bytes: Buffer,
  source: string,
): { model: Model; tokenizer: Tokenizer } {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const { model: config } = CheckpointConfig.parse({
    format: metadata.format,
    model: JSON.parse(metadata.model ?? "null"),
  });
  const tokenizer = createTokenizer(TokenizerData.parse(JSON.parse(metadata.tokenizer ?? "null")));
  const model = initModel(tf, config, 0, { empty: true });
  assign(tf, model.params, tensors, "", source);
  return { model, tokenizer };
}

/** A checkpoint folder as given, or a run directory's newest checkpoint: what every command accepts. */
export function resolveCheckpoint(dir: string): string {
  if (fs.existsSync(path.join(dir, FILES.weights))) return dir;
  if (fs.existsSync(path.join(dir, "run.json"))) {
    const ckpts = openRun(dir).checkpoints();
    if (ckpts.length === 0) throw new Error(`${dir}: this run has no checkpoint yet`);
    return ckpts[ckpts.length - 1]!.dir;
  }
  throw new Error(`${dir}: neither a checkpoint (${FILES.weights}) nor a run directory (run.json)`);
}
