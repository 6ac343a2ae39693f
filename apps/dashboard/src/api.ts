// The dashboard's JSON API: small handlers over run directories, each reading through the runs
// and eval packages. Every id and file name from a URL is checked to stay inside the runs folder.
import type http from "node:http";
import { arenaRatings, committedSamples, decidedBattles } from "@reasonlab/eval";
import { type ArenaBattleRecord, listRuns, liveStatus, openLogWriter, openRun } from "@reasonlab/runs";
import { z } from "zod";
import { downsample, NAME, type Store } from "./store.js";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Handler = (req: {
  url: URL;
  params: string[];
  body: () => Promise<unknown>;
}) => unknown | Promise<unknown>;

const HEADLINE = [
  "train/loss",
  "rl/reward_mean",
  "rl/accuracy",
  "eval/accuracy",
  "eval/loss",
  "operate/success_rate",
];

const int = (v: string | null, fallback: number, min: number, max: number) => {
  if (v === null || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new HttpError(400, `expected a whole number in [${min}, ${max}], got ${v}`);
  return n;
};

export function routes(store: Store, runsRoot: string): [RegExp, "GET" | "POST", Handler][] {
  const reader = (id: string) => {
    if (!store.runDir(id)) throw new HttpError(404, `no run ${id}`);
    return store.open(id);
  };
  const last = (id: string, key: string) => {
    const s = store.metrics(id).series.get(key);
    if (!s) return undefined;
    for (let i = s.value.length - 1; i >= 0; i--)
      if (s.value[i] !== null) return { step: s.step[i]!, value: s.value[i]! };
    return undefined;
  };

  const runsList: Handler = () => {
    const now = Date.now();
    return listRuns(runsRoot).map((r) => {
      if (!r.info) return { id: r.id, error: r.error };
      const headline: Record<string, number> = {};
      for (const k of HEADLINE) {
        const v = last(r.id, k);
        if (v) headline[k] = v.value;
      }
      return { ...r.info, id: r.id, status: liveStatus(r.info, now), headline };
    });
  };

  const runDetail: Handler = ({ params }) => {
    const id = params[0]!;
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

  const scalars: Handler = ({ params, url }) => {
    const id = params[0]!;
    reader(id);
    const keys = (url.searchParams.get("keys") ?? "").split(",").filter(Boolean);
    if (keys.length > 64) throw new HttpError(400, "at most 64 keys");
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

  const samples: Handler = ({ params, url }) => {
    const run = reader(params[0]!);
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

  const episode: Handler = ({ params }) => {
    const run = reader(params[0]!);
    const info = run.episodes().find((e) => e.id === params[1]);
    if (!info) throw new HttpError(404, `no episode ${params[1]}`);
    const steps = run.episodeSteps(params[1]!);
    return { info, steps: steps.records, problems: steps.problems };
  };

  const evalTable: Handler = () => {
    const latest = new Map<string, Record<string, unknown>>();
    for (const r of listRuns(runsRoot)) {
      if (!r.info) continue;
      for (const e of openRun(r.dir).read("evalResults").records) {
        const key = `${e.model}\0${e.suite}`;
        const prev = latest.get(key);
        if (!prev || (prev.t as number) < e.t) latest.set(key, { run: r.id, runName: r.info.name, ...e });
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

  const arena: Handler = () => {
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
  const vote: Handler = async ({ params, body }) => {
    const runId = params[0]!;
    const dir = store.runDir(runId);
    if (!dir || openRun(dir).info().kind !== "arena") throw new HttpError(404, `no arena run ${runId}`);
    const parsed = Vote.safeParse(await body());
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new HttpError(400, `${i.path.join(".") || "body"}: ${i.message}`);
    }
    const battle = [...openRun(dir).read("arena").records].reverse().find((r) => r.id === parsed.data.id);
    if (!battle) throw new HttpError(404, `no battle ${parsed.data.id}`);
    const writer = openLogWriter(dir);
    try {
      writer.log("arena", { ...battle, t: Date.now(), winner: parsed.data.winner, voter: "human" });
    } finally {
      writer.close();
    }
    return { ok: true, a: battle.a.model, b: battle.b.model };
  };

  const id = `(${NAME})`;
  return [
    [/^\/api\/runs$/, "GET", runsList],
    [new RegExp(`^/api/runs/${id}$`), "GET", runDetail],
    [
      new RegExp(`^/api/runs/${id}/version$`),
      "GET",
      ({ params }) => {
        reader(params[0]!);
        return { version: store.version(params[0]!) };
      },
    ],
    [new RegExp(`^/api/runs/${id}/scalars$`), "GET", scalars],
    [new RegExp(`^/api/runs/${id}/samples$`), "GET", samples],
    [new RegExp(`^/api/runs/${id}/episodes/${id}$`), "GET", episode],
    [/^\/api\/evals$/, "GET", evalTable],
    [/^\/api\/arena$/, "GET", arena],
    [new RegExp(`^/api/arena/${id}/vote$`), "POST", vote],
  ];
}

/** Reads a small JSON body (votes); refuses anything large. */
export async function readBody(req: http.IncomingMessage, limit = 16_384): Promise<unknown> {
  let raw = "";
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > limit) throw new HttpError(413, "body too large");
  }
  try {
    return JSON.parse(raw || "null");
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
}
