// `eval watch`: evaluates each checkpoint of a run once per suite, as checkpoints appear, and
// appends eval curves to the run. The run's own results log is the record of what is done, so a
// killed watcher restarted later picks up exactly where the committed results stop.
import fs from "node:fs";
import path from "node:path";
import { type Checkpoint, openLogWriter, openRun } from "@reasonlab/runs";
import { evaluateMath, type Outcome, recordEvaluation } from "./evaluate.js";
import { checkpointModel } from "./models.js";
import type { MathSuite, Suite } from "./suites.js";

export interface WatchOptions {
  runDir: string;
  suites: Suite[];
  backend?: string;
  /** Seconds between looks for new checkpoints. */
  interval?: number;
  /** Evaluate what is there now and return, instead of waiting for the run to end. */
  once?: boolean;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Shard each evaluation over worker machines through this Redis. */
  redis?: string;
}

const LOCK = path.join("evals", "watch.lock");

/** One watcher per run: a lock file holding the pid; a lock whose process is gone is taken over. */
export function acquireLock(runDir: string): () => void {
  const file = path.join(runDir, LOCK);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(fs.readFileSync(file, "utf8"));
      if (pid && pid !== process.pid && alive(pid))
        throw new Error(`another watcher (pid ${pid}) is evaluating ${runDir}; stop it first`);
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot take ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** (suite, checkpoint) pairs still to evaluate, oldest checkpoint first. */
export function pending<S extends Suite>(
  runDir: string,
  suites: S[],
): { checkpoint: Checkpoint; suite: S }[] {
  const run = openRun(runDir);
  const done = new Set(run.read("evalResults").records.map((r) => `${r.suite}\0${r.checkpoint}`));
  return run
    .checkpoints()
    .flatMap((checkpoint) => suites.map((suite) => ({ checkpoint, suite })))
    .filter(({ checkpoint, suite }) => !done.has(`${suite.name}\0${checkpoint.name}`));
}

export async function watch(o: WatchOptions): Promise<{ evaluated: number }> {
  const log = o.log ?? (() => {});
  const operatorSuite = o.suites.find((s) => s.kind !== "math");
  if (operatorSuite)
    throw new Error(
      `${operatorSuite.name}: operator suites evaluate a served model, not a checkpoint; use eval run`,
    );
  const suites = o.suites as MathSuite[];
  const modelName = openRun(o.runDir).info().name;
  const release = acquireLock(o.runDir);
  const writer = openLogWriter(o.runDir);
  let evaluated = 0;
  try {
    for (;;) {
      for (const { checkpoint, suite } of pending(o.runDir, suites)) {
        if (o.signal?.aborted) return { evaluated };
        log(`${suite.name} on ${checkpoint.name} (step ${checkpoint.manifest.step})`);
        const model = o.redis
          ? await (await import("./remote.js")).remoteCompleter(o.redis, checkpoint.dir)
          : await checkpointModel(checkpoint.dir, o.backend ?? "auto");
        let outcome: Outcome;
        try {
          outcome = await evaluateMath(suite, model);
        } finally {
          await model.close();
        }
        const result = recordEvaluation(
          writer,
          {
            suite: suite.name,
            model: modelName,
            step: checkpoint.manifest.step,
            checkpoint: checkpoint.name,
          },
          outcome,
        );
        evaluated++;
        const acc = result.metrics.accuracy;
        log(
          `  accuracy ${acc?.value?.toFixed(3) ?? "-"} [${acc?.lo?.toFixed(3) ?? "-"}, ${acc?.hi?.toFixed(3) ?? "-"}] in ${outcome.seconds.toFixed(1)}s`,
        );
      }
      if (o.once) return { evaluated };
      const status = openRun(o.runDir).info().status;
      if (status !== "running" && pending(o.runDir, suites).length === 0) {
        log(`run is ${status} and every checkpoint is evaluated`);
        return { evaluated };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, (o.interval ?? 10) * 1000);
        o.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (o.signal?.aborted) return { evaluated };
    }
  } finally {
    writer.close();
    release();
  }
}
