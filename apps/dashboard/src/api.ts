// The dashboard's JSON API on Hono: small handlers over run directories, each reading through the
// runs and eval packages. Every id and file name from a URL is checked to stay inside the runs
// folder. The web app takes its response types from here (RunRow, RunDetail, ...).
import { arenaRatings, committedSamples, decidedBattles } from "@reasonlab/eval";
import {
  type ArenaBattleRecord,
  type EvalResultRecord,
  FILE_NAME,
  listRuns,
  liveStatus,
  METRIC,
  openLogWriter,
  openRun,
} from "@reasonlab/runs";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { downsample, type Store } from "./store.js";

/** The API's one error: answered as `{ "error": message }` with its status. */
export const httpError = (status: ContentfulStatusCode, message: string) =>
  new HTTPException(status, { message });

/** The metrics the runs list shows for each run, latest value, under these labels. */
const HEADLINE: readonly [key: string, label: string][] = [
  [METRIC.trainLoss, "loss"],
  [METRIC.rlReward, "reward"],
  [METRIC.rlAccuracy, "rl acc"],
  [METRIC.evalAccuracy, "eval acc"],
  [METRIC.evalLoss, "eval loss"],
  [METRIC.operateSuccess, "success"],
];

const int = (v: string | null, fallback: number, min: number, max: number) => {
  if (v === null || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw httpError(400, `expected a whole number in [${min}, ${max}], got ${v}`);
  return n;
};

function handlers(store: Store, runsRoot: string) {
  const reader = (id: string) => {
    if (!store.runDir(id)) throw httpError(404, `no run ${id}`);
    return store.open(id);
  };
  const last = (id: string, key: string) => {
    const s = store.metrics(id).series.get(key);
    if (!s) return undefined;
    for (let i = s.value.length - 1; i >= 0; i--)
      if (s.value[i] !== null) return { step: s.step[i]!, value: s.value[i]! };
    return undefined;
  };

  const runsList = () => {
    const now = Date.now();
    return listRuns(runsRoot).map((r) => {
      if (!r.info) return { id: r.id, unreadable: r.error ?? "unreadable run.json" };
      const headline: Record<string, number> = {};
      for (const [key, label] of HEADLINE) {
        const v = last(r.id, key);
        if (v) headline[label] = v.value;
      }
      return { ...r.info, id: r.id, status: liveStatus(r.info, now), headline };
    });
  };

  const runDetail = (id: string) => {
    const run = reader(id);
    const info = run.info();
    const m = store.metrics(id);
    const evals = run.read("evalResults");
    const evalKeys = [
      ...new Set(evals.records.flatMap((r) => Object.keys(r.metrics).map((k) => `eval:${r.suite}/${k}`))),
    ];
    return {
      info: { ...info, id, status: liveStatus(info) },
      config: run.config(),
      checkpoints: run
        .checkpoints()
        .map((c) => ({ name: c.name, step: c.manifest.step, stage: c.manifest.stage ?? null })),
      episodes: run.episodes(),
      keys: [...m.series.keys()].sort(),
      evalKeys: evalKeys.sort(),
      problems: [...m.problems, ...evals.problems].slice(-50),
      version: store.version(id),
    };
  };

  const scalars = (id: string, url: URL) => {
    reader(id);
    const keys = (url.searchParams.get("keys") ?? "").split(",").filter(Boolean);
    if (keys.length > 64) throw httpError(400, "at most 64 keys");
    const axis = url.searchParams.get("x") === "time" ? "time" : "step";
    const buckets = int(url.searchParams.get("buckets"), 800, 10, 4000);
    const out: Record<
      string,
      { x: number[]; y: (number | null)[]; lo?: (number | null)[]; hi?: (number | null)[]; total: number }
    > = {};
    const evalRecords = keys.some((k) => k.startsWith("eval:")) ? reader(id).read("evalResults").records : [];
    for (const key of keys) {
      if (key.startsWith("eval:")) {
        const [suite, metric] = [key.slice(5, key.lastIndexOf("/")), key.slice(key.lastIndexOf("/") + 1)];
        const rows = evalRecords.filter(
          (r) => r.suite === suite && r.metrics[metric] && (r.step !== undefined || axis === "time"),
        );
        rows.sort((a, b) => (axis === "time" ? a.t - b.t : a.step! - b.step!));
        out[key] = {
          x: rows.map((r) => (axis === "time" ? r.t : r.step!)),
          y: rows.map((r) => r.metrics[metric]!.value),
          lo: rows.map((r) => r.metrics[metric]!.lo ?? null),
          hi: rows.map((r) => r.metrics[metric]!.hi ?? null),
          total: rows.length,
        };
        continue;
      }
      const s = store.metrics(id).series.get(key);
      if (!s) continue;
      out[key] = {
        ...downsample(axis === "time" ? s.time : s.step, s.value, buckets),
        total: s.value.length,
      };
    }
    return { version: store.version(id), series: out };
  };

  const samples = (id: string, url: URL) => {
    const run = reader(id);
    const q = url.searchParams;
    const source = q.get("source") === "eval" ? "eval" : "train";
    const step = q.get("step");
    const suite = q.get("suite");
    const correct = q.get("correct");
    const text = (q.get("q") ?? "").toLowerCase();
    const limit = int(q.get("limit"), 50, 1, 500);
    const offset = int(q.get("offset"), 0, 0, 10_000_000);
    const rows =
      source === "eval"
        ? (() => {
            const results = run.read("evalResults").records;
            return committedSamples(results, run.read("evalSamples").records);
          })()
        : run.read("samples").records;
    const filtered = rows.filter(
      (r) =>
        (step === null || step === "" || String(r.step) === step) &&
        (!suite || !("suite" in r) || r.suite === suite) &&
        (correct === null || correct === "" || String(r.correct) === correct) &&
        (!text || `${r.prompt}\n${r.completion}`.toLowerCase().includes(text)),
    );
    const steps = [...new Set(rows.map((r) => r.step).filter((s) => s !== undefined))].sort(
      (a, b) => a! - b!,
    );
    const suites = source === "eval" ? [...new Set(rows.map((r) => ("suite" in r ? r.suite : "")))] : [];
    return { total: filtered.length, steps, suites, rows: filtered.slice(offset, offset + limit) };
  };

  const episode = (id: string, episodeId: string) => {
    const run = reader(id);
    const info = run.episodes().find((e) => e.id === episodeId);
    if (!info) throw httpError(404, `no episode ${episodeId}`);
    const steps = run.episodeSteps(episodeId);
    return { info, steps: steps.records, problems: steps.problems };
  };

  const evalTable = () => {
    const latest = new Map<string, EvalResultRecord & { run: string; runName: string }>();
    for (const r of listRuns(runsRoot)) {
      if (!r.info) continue;
      for (const e of openRun(r.dir).read("evalResults").records) {
        const key = `${e.model}\0${e.suite}`;
        const prev = latest.get(key);
        if (!prev || prev.t < e.t) latest.set(key, { run: r.id, runName: r.info.name, ...e });
      }
    }
    return [...latest.values()];
  };

  const arenaRecords = () => {
    const out: { run: string; record: ArenaBattleRecord }[] = [];
    for (const r of listRuns(runsRoot)) {
      if (r.info?.kind !== "arena") continue;
      for (const record of openRun(r.dir).read("arena").records) out.push({ run: r.id, record });
    }
    return out;
  };

  const arena = () => {
    const all = arenaRecords();
    const latest = new Map<string, { run: string; record: ArenaBattleRecord }>();
    for (const x of all) latest.set(`${x.run}\0${x.record.id}`, x);
    const decided = decidedBattles(all.map((x) => x.record));
    const humanVoted = new Set(
      all.filter((x) => x.record.voter === "human").map((x) => `${x.run}\0${x.record.id}`),
    );
    // Blind: pending battles carry the two answers, never the model names.
    const pending = [...latest.entries()]
      .filter(([k, x]) => x.record.winner === null && !humanVoted.has(k))
      .map(([, x]) => ({
        run: x.run,
        id: x.record.id,
        prompt: x.record.prompt,
        a: x.record.a.completion,
        b: x.record.b.completion,
      }));
    return {
      board: decided.length ? arenaRatings(decided, { resamples: 100 }) : [],
      battles: decided.length,
      votes: all.filter((x) => x.record.voter === "human").length,
      pending: pending.slice(0, 20),
      pendingTotal: pending.length,
    };
  };

  const Vote = z.object({ id: z.string().min(1).max(300), winner: z.enum(["a", "b", "tie", "both-bad"]) });
  const vote = (runId: string, body: unknown) => {
    const dir = store.runDir(runId);
    if (!dir || openRun(dir).info().kind !== "arena") throw httpError(404, `no arena run ${runId}`);
    const parsed = Vote.safeParse(body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw httpError(400, `${i.path.join(".") || "body"}: ${i.message}`);
    }
    const battle = [...openRun(dir).read("arena").records].reverse().find((r) => r.id === parsed.data.id);
    if (!battle) throw httpError(404, `no battle ${parsed.data.id}`);
    const writer = openLogWriter(dir);
    try {
      writer.log("arena", { ...battle, t: Date.now(), winner: parsed.data.winner, voter: "human" });
    } finally {
      writer.close();
    }
    return { ok: true, a: battle.a.model, b: battle.b.model };
  };

  const version = (id: string) => {
    reader(id);
    return { version: store.version(id) };
  };
  return { runsList, runDetail, version, scalars, samples, episode, evalTable, arena, vote };
}

type Handlers = ReturnType<typeof handlers>;
export type RunRow = ReturnType<Handlers["runsList"]>[number];
export type RunDetail = ReturnType<Handlers["runDetail"]>;
export type ScalarsResponse = ReturnType<Handlers["scalars"]>;
export type SeriesData = ScalarsResponse["series"][string];
export type SamplesResponse = ReturnType<Handlers["samples"]>;
export type EpisodeResponse = ReturnType<Handlers["episode"]>;
export type EvalRow = ReturnType<Handlers["evalTable"]>[number];
export type ArenaState = ReturnType<Handlers["arena"]>;
export type VoteResponse = ReturnType<Handlers["vote"]>;

/** The API's routes, under /api. A run id in a path must be one plain name: no "..", no "/". */
export function apiRoutes(store: Store, runsRoot: string) {
  const h = handlers(store, runsRoot);
  const id = `{${FILE_NAME}}`;
  const url = (req: { url: string }) => new URL(req.url);
  return new Hono()
    .get("/runs", (c) => c.json(h.runsList()))
    .get(`/runs/:id${id}`, (c) => c.json(h.runDetail(c.req.param("id"))))
    .get(`/runs/:id${id}/version`, (c) => c.json(h.version(c.req.param("id"))))
    .get(`/runs/:id${id}/scalars`, (c) => c.json(h.scalars(c.req.param("id"), url(c.req))))
    .get(`/runs/:id${id}/samples`, (c) => c.json(h.samples(c.req.param("id"), url(c.req))))
    .get(`/runs/:id${id}/episodes/:episode${id}`, (c) =>
      c.json(h.episode(c.req.param("id"), c.req.param("episode"))),
    )
    .get("/evals", (c) => c.json(h.evalTable()))
    .get("/arena", (c) => c.json(h.arena()))
    .post(
      `/arena/:id${id}/vote`,
      bodyLimit({ maxSize: 16_384, onError: (c) => c.json({ error: "body too large" }, 413) }),
      async (c) => {
        const body = await c.req.json().catch(() => Promise.reject(httpError(400, "body is not JSON")));
        return c.json(h.vote(c.req.param("id"), body));
      },
    );
}
