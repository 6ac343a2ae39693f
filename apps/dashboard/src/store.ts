// What the dashboard knows about each run, read incrementally: metric series grow by tailing
// metrics.jsonl from the last offset, so a long run costs its new lines, not its whole history.
import fs from "node:fs";
import path from "node:path";
import {
  EventRecord,
  FILE_NAME,
  isRedone,
  type LineProblem,
  LOG_FILES,
  MetricRecord,
  openRun,
  restartsOf,
  runPaths,
  type Tail,
  tailJsonl,
} from "@reasonlab/runs";

/** A run id as it may appear in a URL: one path segment, no "..". */
const WHOLE_NAME = new RegExp(`^${FILE_NAME}$`);

export interface Series {
  step: number[];
  time: number[];
  value: (number | null)[];
}

interface RunCache {
  tail: Tail<MetricRecord>;
  events: Tail<EventRecord>;
  restarts: EventRecord[];
  series: Map<string, Series>;
  problems: LineProblem[];
  size: number;
  mtime: number;
}

export function createStore(runsRoot: string) {
  const caches = new Map<string, RunCache>();

  /** The run directory for an id from a URL, or null if the id is not a run inside the root. */
  function runDir(id: string): string | null {
    if (!WHOLE_NAME.test(id)) return null;
    const dir = path.join(runsRoot, id);
    return fs.existsSync(runPaths(dir).info) ? dir : null;
  }

  /** The run's metric series, brought up to date with whatever was appended since last time. */
  function metrics(id: string): RunCache {
    const dir = runDir(id);
    if (!dir) throw new Error(`no run ${id}`);
    const file = path.join(dir, LOG_FILES.metrics);
    let cache = caches.get(id);
    if (!cache) {
      cache = {
        tail: tailJsonl(file, MetricRecord),
        events: tailJsonl(path.join(dir, LOG_FILES.events), EventRecord),
        restarts: [],
        series: new Map(),
        problems: [],
        size: -1,
        mtime: 0,
      };
      caches.set(id, cache);
    }
    const stat = fs.existsSync(file) ? fs.statSync(file) : null;
    if (stat && (stat.size !== cache.size || stat.mtimeMs !== cache.mtime)) {
      // A resumed run redoes the steps after its checkpoint: keep its records for them, as the
      // runs reader does, not the stopped process's as well. Restarts are read before the metrics:
      // the stopped process wrote all its records before a restart was logged, so once one is
      // seen they are all in hand, and the series need purging only when a new restart arrives.
      const restarts = restartsOf(cache.events.read().records);
      const { records, problems } = cache.tail.read();
      cache.problems.push(...problems);
      for (const r of records) {
        for (const [key, value] of Object.entries(r.values)) {
          let s = cache.series.get(key);
          if (!s) {
            s = { step: [], time: [], value: [] };
            cache.series.set(key, s);
          }
          s.step.push(r.step);
          s.time.push(r.t);
          s.value.push(value);
        }
      }
      cache.restarts.push(...restarts);
      if (restarts.length)
        for (const s of cache.series.values()) {
          const keep = s.step.map((step, i) => !isRedone({ step, t: s.time[i]! }, cache!.restarts));
          if (keep.every(Boolean)) continue;
          s.step = s.step.filter((_, i) => keep[i]);
          s.time = s.time.filter((_, i) => keep[i]);
          s.value = s.value.filter((_, i) => keep[i]);
        }
      cache.size = stat.size;
      cache.mtime = stat.mtimeMs;
    }
    return cache;
  }

  /** Changes whenever any file the run page shows changes: the page refetches only then. */
  function version(id: string): string {
    const dir = runDir(id);
    if (!dir) throw new Error(`no run ${id}`);
    const files = [runPaths(dir).info, ...Object.values(LOG_FILES).map((f) => path.join(dir, f))];
    return files
      .map((f) => {
        try {
          const s = fs.statSync(f);
          return `${s.size}:${Math.floor(s.mtimeMs)}`;
        } catch {
          return "-";
        }
      })
      .join("|");
  }

  return { runDir, metrics, version, open: (id: string) => openRun(runDir(id) ?? `${runsRoot}/__missing__`) };
}
export type Store = ReturnType<typeof createStore>;

/**
 * Downsampling for a chart `buckets` pixels wide: the x range is cut into equal buckets and each
 * keeps its first, minimum, maximum and last points, so spikes survive and the line's shape holds.
 * The browser never receives more than 4 points per bucket.
 */
export function downsample(x: readonly number[], y: readonly (number | null)[], buckets: number) {
  const n = x.length;
  if (n <= buckets * 4) return { x: [...x], y: [...y] };
  const x0 = x[0]!;
  const span = x[n - 1]! - x0 || 1;
  const keep: number[] = [];
  let start = 0;
  while (start < n) {
    const b = Math.min(buckets - 1, Math.floor(((x[start]! - x0) / span) * buckets));
    let end = start;
    let lo = -1;
    let hi = -1;
    while (end < n && Math.min(buckets - 1, Math.floor(((x[end]! - x0) / span) * buckets)) === b) {
      const v = y[end];
      if (v !== null && v !== undefined && Number.isFinite(v)) {
        if (lo < 0 || v < y[lo]!) lo = end;
        if (hi < 0 || v > y[hi]!) hi = end;
      }
      end++;
    }
    for (const i of [...new Set([start, lo, hi, end - 1])].filter((i) => i >= 0).sort((a, b) => a - b))
      keep.push(i);
    start = end;
  }
  return { x: keep.map((i) => x[i]!), y: keep.map((i) => y[i] ?? null) };
}
