// The reading side of a run directory: safe on a run still being written, or copied from elsewhere.
import fs from "node:fs";
import path from "node:path";
import { RecordError, readJsonFile } from "./errors.js";
import { type ReadResult, readJsonl, type Tail, tailJsonl } from "./jsonl.js";
import { checkpointName, EPISODE_INFO, EPISODE_STEPS, MANIFEST, resolveInside, runPaths } from "./layout.js";
import {
  CheckpointManifest,
  EpisodeInfo,
  EpisodeStepRecord,
  type EventRecord,
  LOGS,
  type LogName,
  type LogRecord,
  RunInfo,
  type RunStatus,
} from "./schema.js";

/** The event a resumed run writes first; its `step` is the checkpoint's step the job restarts from. */
export const RESUMED = "resumed";

/** The logs whose records a resumed job writes again for the steps it redoes. */
const REDONE: readonly LogName[] = ["metrics", "samples"];

/** The restarts among a run's events: "resumed" events that name the step they restart from. */
export function restartsOf(events: readonly EventRecord[]): EventRecord[] {
  return events.filter((e) => e.kind === RESUMED && e.step !== undefined);
}

/**
 * Whether a record is one a restart redid: a "resumed" event at step N (time T) says the job
 * restarted from step N's checkpoint, so a record from before T for a step after N is the stopped
 * process's, written again since (TensorBoard purges a restarted run's logs the same way).
 */
export function isRedone(r: { t: number; step?: number }, restarts: readonly EventRecord[]): boolean {
  return r.step !== undefined && restarts.some((e) => r.t < e.t && r.step! > e.step!);
}

/** One record per step of a resumed run. The logs stay append-only: nothing is lost, only read past. */
export function withoutRedone<R extends { t: number; step?: number }>(
  records: readonly R[],
  events: readonly EventRecord[],
): R[] {
  const restarts = restartsOf(events);
  return restarts.length ? records.filter((r) => !isRedone(r, restarts)) : [...records];
}

export interface Checkpoint {
  name: string;
  dir: string;
  manifest: CheckpointManifest;
}

export interface RunReader {
  readonly dir: string;
  info(): RunInfo;
  /** The job's config as written, or null when the run has none. */
  config(): unknown;
  /** A fresh tail on one of the run's logs: each call to read() returns only what is new. */
  tail<L extends LogName>(name: L): Tail<LogRecord<L>>;
  /** A whole log; for metrics and samples, without the records of steps a resumed run redid. */
  read<L extends LogName>(name: L): ReadResult<LogRecord<L>>;
  /** Whole checkpoints (with a valid manifest), by step. */
  checkpoints(): Checkpoint[];
  episodes(): EpisodeInfo[];
  episodeSteps(id: string): ReadResult<EpisodeStepRecord>;
  /** Absolute path of a file inside an episode folder, or null if it is not there or escapes it. */
  episodeFile(id: string, file: string): string | null;
}

export function openRun(dir: string): RunReader {
  const paths = runPaths(dir);
  return {
    dir,
    info: () => readJsonFile(RunInfo, paths.info),
    config() {
      if (!fs.existsSync(paths.config)) return null;
      return JSON.parse(fs.readFileSync(paths.config, "utf8"));
    },
    tail: (name) => tailJsonl(paths.log(name), LOGS[name]) as Tail<LogRecord<typeof name>>,
    read(name) {
      const result = readJsonl(paths.log(name), LOGS[name]) as ReadResult<LogRecord<typeof name>>;
      if (!REDONE.includes(name)) return result;
      const events = readJsonl(paths.log("events"), LOGS.events).records;
      return {
        ...result,
        records: withoutRedone(result.records as { t: number; step?: number }[], events),
      } as never;
    },
    checkpoints() {
      if (!fs.existsSync(paths.checkpoints)) return [];
      const found: Checkpoint[] = [];
      for (const name of fs.readdirSync(paths.checkpoints).sort()) {
        if (!/^step-\d+$/.test(name)) continue; // skips folders still being written (.tmp-*)
        const cdir = path.join(paths.checkpoints, name);
        try {
          const manifest = readJsonFile(CheckpointManifest, path.join(cdir, MANIFEST));
          if (checkpointName(manifest.step) === name) found.push({ name, dir: cdir, manifest });
        } catch {
          // no manifest yet, or a damaged one: not a whole checkpoint
        }
      }
      return found.sort((a, b) => a.manifest.step - b.manifest.step);
    },
    episodes() {
      if (!fs.existsSync(paths.episodes)) return [];
      const found: EpisodeInfo[] = [];
      for (const id of fs.readdirSync(paths.episodes).sort()) {
        try {
          found.push(readJsonFile(EpisodeInfo, path.join(paths.episodes, id, EPISODE_INFO)));
        } catch {
          // an episode folder whose info is not written yet
        }
      }
      return found;
    },
    episodeSteps(id) {
      const episodeDir = resolveInside(paths.episodes, id);
      if (!episodeDir) throw new RecordError(id, "episode id escapes the episodes folder");
      return readJsonl(path.join(episodeDir, EPISODE_STEPS), EpisodeStepRecord);
    },
    episodeFile(id, file) {
      const episodeDir = resolveInside(paths.episodes, id);
      const target = episodeDir && resolveInside(episodeDir, file);
      return target && fs.existsSync(target) && fs.statSync(target).isFile() ? target : null;
    },
  };
}

export interface RunListing {
  dir: string;
  id: string;
  info: RunInfo | null;
  /** Why run.json could not be read, when it could not. */
  error?: string;
}

/** The runs directly under `root`, oldest first (ids sort by time); unreadable ones say why. */
export function listRuns(root: string): RunListing[] {
  if (!fs.existsSync(root)) return [];
  const out: RunListing[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dir = path.join(root, entry.name);
    if (!fs.existsSync(runPaths(dir).info)) continue;
    try {
      out.push({ dir, id: entry.name, info: openRun(dir).info() });
    } catch (error) {
      out.push({ dir, id: entry.name, info: null, error: (error as Error).message });
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * What a reader should show: a run marked running whose writer stopped refreshing it for
 * `staleMs` has most likely died without saying so.
 */
export function liveStatus(info: RunInfo, now = Date.now(), staleMs = 5 * 60_000): RunStatus | "stale" {
  return info.status === "running" && now - info.updated > staleMs ? "stale" : info.status;
}
