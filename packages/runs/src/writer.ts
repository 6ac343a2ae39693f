// The writing side of a run directory. One process writes a run; any number read it.
import fs from "node:fs";
import path from "node:path";
import { parseRecord } from "./errors.js";
import { gitInfo, hostInfo, newRunId } from "./ids.js";
import { type Appender, openAppender, writeFileAtomic } from "./jsonl.js";
import { EPISODE_INFO, EPISODE_STEPS, MANIFEST, runPaths } from "./layout.js";
import { RESUMED } from "./reader.js";
import {
  CheckpointManifest,
  EpisodeInfo,
  type EpisodeStepInput,
  EpisodeStepRecord,
  LOGS,
  type LogInput,
  type LogName,
  type LogRecord,
  RunInfo,
  type RunKind,
  SCHEMA_VERSION,
} from "./schema.js";

export interface CreateRunOptions {
  /** Folder holding runs; the run gets a sub-folder named by its id. */
  root: string;
  name: string;
  kind: RunKind;
  /** The job's configuration, already validated by the job's own schema. */
  config?: unknown;
  backend?: string | null;
  parent?: string;
  tags?: string[];
  /** Use this id instead of a new time-sortable one. */
  id?: string;
  /** fsync each record: survives power loss, not only crashes. */
  durable?: boolean;
  /** How often, at most, run.json's `updated` is refreshed while records are written. */
  heartbeatMs?: number;
  clock?: () => number;
}

export interface CheckpointMeta {
  stage?: string;
  metrics?: Record<string, number | null>;
}

export interface EpisodeWriter {
  readonly id: string;
  readonly dir: string;
  /** Appends a step; the screenshot, if any, is saved first so a step never names a missing file. */
  step(record: EpisodeStepInput, screenshot?: Buffer): EpisodeStepRecord;
  end(status: EpisodeInfo["status"], reward?: number | null): EpisodeInfo;
}

export interface RunWriter {
  readonly dir: string;
  readonly id: string;
  info(): RunInfo;
  log<L extends LogName>(name: L, record: LogInput<L>): LogRecord<L>;
  metrics(step: number, values: Record<string, number | null>): LogRecord<"metrics">;
  event(
    kind: string,
    message: string,
    extra?: Omit<LogInput<"events">, "kind" | "message">,
  ): LogRecord<"events">;
  setBackend(backend: string): void;
  /**
   * Saves a checkpoint: `save` writes files into a fresh folder, which then gets its manifest and
   * is renamed into place, so readers only ever see whole checkpoints.
   */
  checkpoint(
    step: number,
    save: (dir: string) => void | Promise<void>,
    meta?: CheckpointMeta,
  ): Promise<string>;
  episode(info: {
    task: string;
    goal: string;
    model: string;
    seed?: number;
    viewport: EpisodeInfo["viewport"];
    id?: string;
  }): EpisodeWriter;
  finish(): void;
  fail(error: unknown): void;
  /**
   * Marks the run failed if the process dies from an uncaught error or a signal before finish().
   * The handlers go when the run ends (finish, fail) or when the returned disposer is called, so
   * a later run in the same process (the next stage of a config) gets the signal, not this one.
   */
  guardProcess(): () => void;
  close(): void;
}

export type EpisodeMeta = Parameters<RunWriter["episode"]>[0];

/**
 * Starts an episode folder in a run directory: episode.json, then one steps.jsonl line (and its
 * screenshot) per step. An episode is a folder of its own, so a process other than the run's
 * writer (an RL environment, a worker) can add one; RunWriter.episode also logs its end.
 */
export function openEpisode(
  runDir: string,
  meta: EpisodeMeta,
  {
    clock = Date.now,
    durable = false,
    onStep,
    onEnd,
  }: {
    clock?: () => number;
    durable?: boolean;
    onStep?: (t: number) => void;
    onEnd?: (episode: EpisodeInfo) => void;
  } = {},
): EpisodeWriter {
  const episodeId =
    meta.id ?? `${String(clock())}-${meta.task.replace(/[^A-Za-z0-9_-]+/g, "-")}`.slice(0, 120);
  const episodeDir = runPaths(runDir).episode(episodeId);
  fs.mkdirSync(episodeDir, { recursive: true });
  let episode = parseRecord(
    EpisodeInfo,
    { schema: SCHEMA_VERSION, ...meta, id: episodeId, started: clock(), status: "running", steps: 0 },
    `episode ${episodeId}`,
  );
  const saveEpisode = () =>
    writeFileAtomic(path.join(episodeDir, EPISODE_INFO), `${JSON.stringify(episode, null, 2)}\n`);
  saveEpisode();
  const steps = openAppender(path.join(episodeDir, EPISODE_STEPS), { durable });
  return {
    id: episodeId,
    dir: episodeDir,
    step(input, screenshot) {
      const index = episode.steps;
      const shot = screenshot ? `${String(index).padStart(5, "0")}.png` : undefined;
      const record = parseRecord(
        EpisodeStepRecord,
        { t: clock(), ...input, index, screenshot: shot },
        `episode ${episodeId} step ${index}`,
      );
      if (screenshot && shot) fs.writeFileSync(path.join(episodeDir, shot), screenshot);
      steps.append(record);
      episode = { ...episode, steps: index + 1 };
      saveEpisode();
      onStep?.(record.t);
      return record;
    },
    end(status, reward) {
      episode = parseRecord(
        EpisodeInfo,
        { ...episode, status, reward, ended: clock() },
        `episode ${episodeId}`,
      );
      saveEpisode();
      steps.close();
      onEnd?.(episode);
      return episode;
    },
  };
}

export function createRun(options: CreateRunOptions): RunWriter {
  const clock = options.clock ?? Date.now;
  const id = options.id ?? newRunId(options.name, new Date(clock()));
  const dir = path.join(options.root, id);
  if (fs.existsSync(dir)) throw new Error(`run directory already exists: ${dir}`);
  fs.mkdirSync(dir, { recursive: true });
  const now = clock();
  const info = parseRecord(
    RunInfo,
    {
      schema: SCHEMA_VERSION,
      id,
      name: options.name,
      kind: options.kind,
      created: now,
      updated: now,
      status: "running",
      host: hostInfo(),
      git: gitInfo(),
      backend: options.backend ?? null,
      parent: options.parent,
      tags: options.tags ?? [],
    },
    "run.json",
  );
  const paths = runPaths(dir);
  if (options.config !== undefined)
    writeFileAtomic(paths.config, `${JSON.stringify(options.config, null, 2)}\n`);
  const writer = runWriter(dir, info, options);
  writer.event("started", `run ${id} started`);
  return writer;
}

/** Reopens a run to continue it (after a crash or a kill): status goes back to running. */
export function resumeRun(
  dir: string,
  options: Pick<CreateRunOptions, "durable" | "heartbeatMs" | "clock"> & {
    /**
     * The step of the checkpoint the job restarts from. Steps after it that the stopped process
     * logged are redone, and readers keep only the new records for them (see `withoutRedone`).
     */
    fromStep?: number;
  } = {},
): RunWriter {
  const paths = runPaths(dir);
  const previous = parseRecord(RunInfo, JSON.parse(fs.readFileSync(paths.info, "utf8")), paths.info);
  const info: RunInfo = { ...previous, status: "running", error: undefined, host: hostInfo() };
  const writer = runWriter(dir, info, options);
  const from = options.fromStep;
  writer.event(
    RESUMED,
    `run resumed${from !== undefined ? ` from step ${from}` : ""} (was ${previous.status})`,
    {
      ...(from !== undefined ? { step: from } : {}),
      data: previous.error ? { previousError: previous.error.message } : {},
    },
  );
  return writer;
}

function runWriter(
  dir: string,
  initial: RunInfo,
  options: Pick<CreateRunOptions, "durable" | "heartbeatMs" | "clock">,
): RunWriter {
  const clock = options.clock ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const paths = runPaths(dir);
  const appenders = new Map<LogName, Appender>();
  let info = initial;
  let lastHeartbeat = 0;
  let closed = false;

  function saveInfo(patch: Partial<RunInfo>) {
    info = parseRecord(RunInfo, { ...info, ...patch, updated: clock() }, paths.info);
    writeFileAtomic(paths.info, `${JSON.stringify(info, null, 2)}\n`);
    lastHeartbeat = info.updated;
  }
  saveInfo({});

  function heartbeat(t: number) {
    if (t - lastHeartbeat >= heartbeatMs) saveInfo({});
  }

  function log<L extends LogName>(name: L, input: LogInput<L>): LogRecord<L> {
    if (closed) throw new Error(`run ${info.id} is closed`);
    const record = parseRecord(LOGS[name], { t: clock(), ...input }, `${name} record`) as LogRecord<L>;
    let appender = appenders.get(name);
    if (!appender) {
      appender = openAppender(paths.log(name), { durable: options.durable });
      appenders.set(name, appender);
    }
    appender.append(record);
    heartbeat(record.t);
    return record;
  }

  function event(kind: string, message: string, extra: Omit<LogInput<"events">, "kind" | "message"> = {}) {
    return log("events", { ...extra, kind, message });
  }

  function closeLogs() {
    for (const appender of appenders.values()) appender.close();
    appenders.clear();
    closed = true;
  }

  let unguard = () => {};
  function end(patch: Partial<RunInfo>) {
    if (closed) return;
    unguard();
    saveInfo(patch);
    closeLogs();
  }

  const writer: RunWriter = {
    dir,
    get id() {
      return info.id;
    },
    info: () => info,
    log,
    metrics: (step, values) => log("metrics", { step, values }),
    event,
    setBackend(backend) {
      saveInfo({ backend });
    },
    async checkpoint(step, save, meta = {}) {
      const final = paths.checkpoint(step);
      const tmp = `${final}.tmp-${process.pid}`;
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(tmp, { recursive: true });
      await save(tmp);
      const files = fs
        .readdirSync(tmp)
        .filter((f) => f !== MANIFEST)
        .sort();
      const manifest = parseRecord(
        CheckpointManifest,
        { schema: SCHEMA_VERSION, step, t: clock(), stage: meta.stage, files, metrics: meta.metrics ?? {} },
        `checkpoint ${step} manifest`,
      );
      writeFileAtomic(path.join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      // Saving the same step again (a resumed run) replaces the old folder only once the new one is whole.
      const old = `${final}.old-${process.pid}`;
      if (fs.existsSync(final)) fs.renameSync(final, old);
      fs.renameSync(tmp, final);
      fs.rmSync(old, { recursive: true, force: true });
      event("checkpoint", `checkpoint at step ${step}`, { step, data: { dir: path.relative(dir, final) } });
      return final;
    },
    episode(meta) {
      return openEpisode(dir, meta, {
        clock,
        durable: options.durable,
        onStep: heartbeat,
        onEnd: (episode) =>
          event("episode", `episode ${episode.id} ended: ${episode.status}`, {
            data: { episode: episode.id, reward: episode.reward ?? null },
          }),
      });
    },
    finish() {
      if (closed) return;
      event("finished", "run finished");
      end({ status: "finished" });
    },
    fail(error) {
      if (closed) return;
      const err = error instanceof Error ? error : new Error(String(error));
      event("failed", err.message, { level: "error" });
      end({ status: "failed", error: { message: err.message, stack: err.stack } });
    },
    guardProcess() {
      unguard();
      const onSignal = (signal: NodeJS.Signals) => {
        writer.fail(new Error(`interrupted by ${signal}`));
        process.exit(signal === "SIGINT" ? 130 : 143);
      };
      const onError = (error: Error) => {
        writer.fail(error);
        console.error(error);
        process.exit(1);
      };
      const onExit = () => writer.fail(new Error("process exited before the run finished"));
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      process.once("uncaughtException", onError);
      process.once("exit", onExit);
      unguard = () => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        process.off("uncaughtException", onError);
        process.off("exit", onExit);
        unguard = () => {};
      };
      return () => unguard();
    },
    close() {
      unguard();
      closeLogs();
    },
  };
  return writer;
}

export interface LogWriter {
  log<L extends LogName>(name: L, record: LogInput<L>): LogRecord<L>;
  close(): void;
}

/**
 * Appends validated records to the logs of a run that another process owns, without touching
 * run.json: how an evaluator on the side (or on another machine, on a copied run) adds its
 * results while training goes on writing the rest.
 */
export function openLogWriter(dir: string, { durable = false, clock = Date.now } = {}): LogWriter {
  if (!fs.existsSync(path.join(dir, "run.json")))
    throw new Error(`${dir}: not a run directory (no run.json)`);
  const paths = runPaths(dir);
  const appenders = new Map<LogName, Appender>();
  return {
    log(name, input) {
      const record = parseRecord(LOGS[name], { t: clock(), ...input }, `${name} record`);
      let appender = appenders.get(name);
      if (!appender) {
        appender = openAppender(paths.log(name), { durable });
        appenders.set(name, appender);
      }
      appender.append(record);
      return record as never;
    },
    close() {
      for (const a of appenders.values()) a.close();
      appenders.clear();
    },
  };
}
