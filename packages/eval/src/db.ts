// An SQLite index of eval results across many runs, for fast queries. It holds nothing the run
// directories do not: delete it and rebuild it at any time.
import fs from "node:fs";
import path from "node:path";
import { listRuns, openRun } from "@reasonlab/runs";
import Database from "better-sqlite3";
import { committedSamples } from "./evaluate.js";

const SCHEMA = `
CREATE TABLE runs (id TEXT PRIMARY KEY, dir TEXT NOT NULL, name TEXT, kind TEXT, status TEXT, backend TEXT, created INTEGER, updated INTEGER);
CREATE TABLE results (rowid INTEGER PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs(id), eval_id TEXT, suite TEXT NOT NULL, model TEXT NOT NULL, step INTEGER, checkpoint TEXT, t INTEGER NOT NULL);
CREATE TABLE metrics (result INTEGER NOT NULL REFERENCES results(rowid), name TEXT NOT NULL, value REAL, lo REAL, hi REAL, stderr REAL, n INTEGER, PRIMARY KEY (result, name));
CREATE TABLE samples (run_id TEXT NOT NULL, eval_id TEXT, suite TEXT NOT NULL, model TEXT NOT NULL, step INTEGER, item TEXT NOT NULL, attempt INTEGER, correct INTEGER NOT NULL, reward REAL);
CREATE INDEX results_suite ON results(suite, model, step);
CREATE INDEX samples_item ON samples(suite, item);
`;

export interface IndexSummary {
  runs: number;
  results: number;
  samples: number;
  skipped: number;
}

/** Rebuilds the index from every run under `root`, into a new file swapped in at the end. */
export function rebuildIndex(root: string, dbFile: string): IndexSummary {
  const tmp = `${dbFile}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  fs.mkdirSync(path.dirname(path.resolve(dbFile)), { recursive: true });
  const db = new Database(tmp);
  const summary: IndexSummary = { runs: 0, results: 0, samples: 0, skipped: 0 };
  try {
    db.pragma("journal_mode = OFF");
    db.exec(SCHEMA);
    const insertRun = db.prepare(
      "INSERT INTO runs VALUES (@id, @dir, @name, @kind, @status, @backend, @created, @updated)",
    );
    const insertResult = db.prepare(
      "INSERT INTO results (run_id, eval_id, suite, model, step, checkpoint, t) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    const insertMetric = db.prepare("INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)");
    const insertSample = db.prepare("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const load = db.transaction(() => {
      for (const { dir, info } of listRuns(root)) {
        if (!info) {
          summary.skipped++;
          continue;
        }
        insertRun.run({
          id: info.id,
          dir,
          name: info.name,
          kind: info.kind,
          status: info.status,
          backend: info.backend ?? null,
          created: info.created,
          updated: info.updated,
        });
        summary.runs++;
        const run = openRun(dir);
        const results = run.read("evalResults");
        const samples = run.read("evalSamples");
        summary.skipped += results.problems.length + samples.problems.length;
        for (const r of results.records) {
          const { lastInsertRowid } = insertResult.run(
            info.id,
            r.evalId ?? null,
            r.suite,
            r.model,
            r.step ?? null,
            r.checkpoint ?? null,
            r.t,
          );
          for (const [name, m] of Object.entries(r.metrics))
            insertMetric.run(
              lastInsertRowid,
              name,
              m.value ?? null,
              m.lo ?? null,
              m.hi ?? null,
              m.stderr ?? null,
              m.n ?? null,
            );
          summary.results++;
        }
        for (const s of committedSamples(results.records, samples.records)) {
          insertSample.run(
            info.id,
            s.evalId ?? null,
            s.suite,
            s.model,
            s.step ?? null,
            s.item,
            s.attempt,
            s.correct ? 1 : 0,
            s.reward ?? null,
          );
          summary.samples++;
        }
      }
    });
    load();
  } finally {
    db.close();
  }
  fs.renameSync(tmp, dbFile);
  return summary;
}

export interface ResultRow {
  run: string;
  suite: string;
  model: string;
  step: number | null;
  metric: string;
  value: number | null;
  lo: number | null;
  hi: number | null;
}

/** The latest value of a metric for each (run, suite, model), optionally filtered. */
export function queryLatest(
  dbFile: string,
  { suite, metric = "accuracy" }: { suite?: string; metric?: string } = {},
): ResultRow[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        `SELECT runs.name AS run, r.suite, r.model, r.step, m.name AS metric, m.value, m.lo, m.hi
         FROM results r JOIN runs ON runs.id = r.run_id JOIN metrics m ON m.result = r.rowid
         WHERE m.name = @metric AND (@suite IS NULL OR r.suite = @suite)
           AND r.t = (SELECT MAX(t) FROM results r2 WHERE r2.run_id = r.run_id AND r2.suite = r.suite AND r2.model = r.model)
         ORDER BY r.suite, m.value DESC`,
      )
      .all({ metric, suite: suite ?? null }) as ResultRow[];
  } finally {
    db.close();
  }
}
