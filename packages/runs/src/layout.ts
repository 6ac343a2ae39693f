// Where each part of a run lives, relative to the run directory. Nothing else builds these paths.
import path from "node:path";
import type { LogName } from "./schema.js";

export const RUN_INFO = "run.json";
export const CONFIG = "config.json";
export const CHECKPOINTS = "checkpoints";
export const EPISODES = "episodes";
export const MANIFEST = "manifest.json";
export const EPISODE_INFO = "episode.json";
export const EPISODE_STEPS = "steps.jsonl";

export const LOG_FILES: Record<LogName, string> = {
  metrics: "metrics.jsonl",
  samples: "samples.jsonl",
  events: "events.jsonl",
  evalResults: path.join("evals", "results.jsonl"),
  evalSamples: path.join("evals", "samples.jsonl"),
  arena: path.join("arena", "battles.jsonl"),
};

/** A checkpoint's folder name: zero-padded so that names sort by step. */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(9, "0")}`;
}

/** The step a checkpoint folder name stands for, or null for a name checkpointName does not make. */
export function checkpointStep(name: string): number | null {
  const m = /^step-(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

export function runPaths(dir: string) {
  return {
    dir,
    info: path.join(dir, RUN_INFO),
    config: path.join(dir, CONFIG),
    log: (name: LogName) => path.join(dir, LOG_FILES[name]),
    checkpoints: path.join(dir, CHECKPOINTS),
    checkpoint: (step: number) => path.join(dir, CHECKPOINTS, checkpointName(step)),
    episodes: path.join(dir, EPISODES),
    episode: (id: string) => path.join(dir, EPISODES, id),
  };
}

/**
 * Resolves `rel` inside `root`, or returns null when it would escape it (`..`, absolute paths,
 * symbolic links pointing outside). Readers that take paths from the outside world go through this.
 */
export function resolveInside(root: string, rel: string): string | null {
  if (rel.includes("\0")) return null;
  const base = path.resolve(root);
  const target = path.resolve(base, rel);
  if (target !== base && !target.startsWith(base + path.sep)) return null;
  return target;
}

/** Where runs go unless told otherwise: $REASONLAB_RUNS, else ./runs. */
export function defaultRunsRoot(): string {
  return process.env.REASONLAB_RUNS || path.resolve("runs");
}
