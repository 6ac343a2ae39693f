// `reasonlab eval run | watch | report | compare | suites | arena | leaderboard | index | query`.
import path from "node:path";
import { commandGroup, defineCommand, UsageError } from "@reasonlab/command";
import { z } from "zod";

const fmt = (v: number | null | undefined, digits = 3) =>
  v === null || v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(digits);
type MetricMap = Record<string, { value: number | null; lo?: number | null; hi?: number | null }>;
const HEADLINE = ["accuracy", "success", "pass@1", "maj@8", "reward", "length_tokens", "steps", "seconds"];

/** One line per result: suite, model, step, then the headline metrics with 95% intervals. */
function resultLine(
  r: { suite: string; model: string; step?: number | undefined; metrics: MetricMap },
  all = false,
): string {
  const names = all
    ? Object.keys(r.metrics)
    : Object.keys(r.metrics).filter((k) => HEADLINE.includes(k) || /^pass@\d+$/.test(k));
  const metrics = names
    .map((k) => {
      const m = r.metrics[k]!;
      return `${k}=${fmt(m.value)}${m.lo != null && m.hi != null && k !== "seconds" ? ` [${fmt(m.lo)}, ${fmt(m.hi)}]` : ""}`;
    })
    .join("  ");
  return `${r.suite.padEnd(20)} ${r.model.slice(0, 40).padEnd(28)} step ${String(r.step ?? "-").padStart(6)}  ${metrics}`;
}

const progress = (label: string) => (done: number, total: number) => {
  if (process.stderr.isTTY) process.stderr.write(`\r${label}: ${done}/${total}${done === total ? "\n" : ""}`);
};

const run = defineCommand({
  name: "eval run",
  summary: "evaluate models (checkpoints or OpenAI-compatible endpoints) on suites",
  description:
    "MODEL is a checkpoint folder or run directory (evaluated in-process), or NAME or NAME@BASE_URL\n" +
    "for an OpenAI-compatible endpoint ($OPENAI_BASE_URL and $OPENAI_API_KEY apply). For operator\n" +
    "suites, `expert` runs each task's expert. Results go to a new eval run, or into --into RUN_DIR.",
  options: {
    suite: {
      type: "string",
      value: "NAME|FILE",
      multiple: true,
      description: "suite (see eval suites) or a suite JSON file",
    },
    model: { type: "string", value: "MODEL", multiple: true, description: "model to evaluate (repeatable)" },
    backend: {
      type: "string",
      value: "NAME",
      description: "tensor backend for checkpoints",
      default: "auto",
    },
    into: {
      type: "string",
      value: "RUN_DIR",
      description: "append results to this run (e.g. the training run)",
    },
    runs: {
      type: "string",
      value: "DIR",
      description: "runs folder for a new eval run (default $REASONLAB_RUNS or ./runs)",
    },
    name: { type: "string", value: "NAME", description: "name of the new eval run", default: "eval" },
    json: { type: "boolean", description: "print result records as JSON lines" },
    redis: {
      type: "string",
      value: "URL",
      description: "shard the evaluation over worker machines (`reasonlab worker --redis URL`)",
    },
  },
  schema: z.object({
    suite: z.array(z.string()).min(1, "give at least one --suite"),
    model: z.array(z.string().min(1)).min(1, "give at least one --model"),
    backend: z.string(),
    redis: z.string().optional(),
    into: z.string().optional(),
    runs: z.string().optional(),
    name: z.string().min(1),
    json: z.boolean().optional(),
    args: z.array(z.string()).max(0),
  }),
  examples: [
    "reasonlab eval run --suite addition --model runs/20261128-...-addition-sft",
    "reasonlab eval run --suite swiss-cheese --model gpt-4o-mini --model runs/my-run",
    "reasonlab eval run --suite operator-core --model expert",
    "reasonlab eval run --suite addition --model runs/my-run --redis redis://127.0.0.1:6379",
  ],
  async run(o) {
    const { createRun, defaultRunsRoot, openLogWriter } = await import("@reasonlab/runs");
    const { loadSuite } = await import("./suites.js");
    const { evaluateMath, recordEvaluation } = await import("./evaluate.js");
    const { evaluateOperator } = await import("./operator.js");
    const { openModel } = await import("./models.js");
    const suites = o.suite.map((s) => {
      try {
        return loadSuite(s);
      } catch (e) {
        throw new UsageError(`eval run: --suite: ${(e as Error).message}`);
      }
    });
    const owned = o.into
      ? null
      : createRun({ root: o.runs ?? defaultRunsRoot(), name: o.name, kind: "eval", config: o });
    const sink = owned ?? openLogWriter(o.into!);
    if (owned) console.error(`run ${owned.dir}`);
    try {
      for (const spec of o.model) {
        for (const suite of suites) {
          let outcome: Awaited<ReturnType<typeof evaluateMath>>;
          let name = spec;
          let step: number | undefined;
          if (suite.kind === "operator")
            outcome = await evaluateOperator(suite, spec, {
              onProgress: progress(`${suite.name} ${spec}`),
              ...(o.backend ? { backend: o.backend } : {}),
              ...(o.redis ? { redis: o.redis } : {}),
            });
          else {
            if (spec === "expert")
              throw new UsageError("eval run: --model expert is only for operator suites");
            const model = o.redis
              ? await (await import("./remote.js")).remoteCompleter(o.redis, spec)
              : await openModel(spec, { backend: o.backend });
            name = model.name;
            step = model.step;
            try {
              outcome = await evaluateMath(suite, model, { onProgress: progress(`${suite.name} ${name}`) });
            } finally {
              await model.close();
            }
          }
          const record = recordEvaluation(
            sink,
            { suite: suite.name, model: name, ...(step !== undefined ? { step } : {}) },
            outcome,
          );
          console.log(o.json ? JSON.stringify(record) : resultLine(record));
        }
      }
      owned?.finish();
    } catch (e) {
      owned?.fail(e);
      throw e;
    } finally {
      if (!owned) sink.close();
    }
  },
});

const watchCmd = defineCommand({
  name: "eval watch",
  summary: "evaluate each new checkpoint of a run once, appending eval curves to it",
  args: "RUN_DIR",
  options: {
    suite: {
      type: "string",
      value: "NAME|FILE",
      multiple: true,
      description: "math suite(s) to run on each checkpoint",
    },
    backend: { type: "string", value: "NAME", description: "tensor backend", default: "auto" },
    interval: {
      type: "string",
      value: "S",
      description: "seconds between looks for checkpoints",
      default: "10",
    },
    once: { type: "boolean", description: "evaluate what is there now, then exit" },
    redis: {
      type: "string",
      value: "URL",
      description: "shard the evaluation over worker machines (`reasonlab worker --redis URL`)",
    },
  },
  schema: z.object({
    args: z.array(z.string()).length(1, "give one run directory"),
    suite: z.array(z.string()).min(1, "give at least one --suite"),
    backend: z.string(),
    redis: z.string().optional(),
    interval: z.coerce.number().min(0.1).max(3600),
    once: z.boolean().optional(),
  }),
  async run(o) {
    const { loadSuite } = await import("./suites.js");
    const { watch } = await import("./watch.js");
    const suites = o.suite.map(loadSuite);
    const bad = suites.find((s) => s.kind !== "math");
    if (bad)
      throw new UsageError(
        `eval watch: --suite: ${bad.name} is an operator suite; watch evaluates checkpoints on math suites`,
      );
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const { evaluated } = await watch({
      runDir: o.args[0]!,
      suites,
      backend: o.backend,
      interval: o.interval,
      once: Boolean(o.once),
      ...(o.redis ? { redis: o.redis } : {}),
      signal: controller.signal,
      log: (l) => console.log(l),
    });
    console.log(`evaluated ${evaluated} checkpoint(s)`);
  },
});

const report = defineCommand({
  name: "eval report",
  summary: "print a run's eval results: suite, model, step, metrics with 95% intervals",
  args: "RUN_DIR",
  options: {
    json: { type: "boolean", description: "print the records as JSON lines" },
    all: { type: "boolean", description: "every metric and the per-group breakdown" },
  },
  schema: z.object({
    args: z.array(z.string()).length(1, "give one run directory"),
    json: z.boolean().optional(),
    all: z.boolean().optional(),
  }),
  async run({ args, json, all }) {
    const { openRun } = await import("@reasonlab/runs");
    const { records, problems } = openRun(args[0]!).read("evalResults");
    for (const p of problems) console.error(`skipped ${p.file}:${p.line} (${p.kind}): ${p.message}`);
    if (json) {
      for (const r of records) console.log(JSON.stringify(r));
      return;
    }
    if (records.length === 0) console.log("no eval results yet");
    for (const r of records) {
      console.log(resultLine(r, all));
      if (all)
        for (const [g, m] of Object.entries(r.breakdown ?? {}))
          console.log(
            `    ${g.padEnd(24)} ${Object.entries(m)
              .map(([k, e]) => `${k}=${fmt(e.value)} [${fmt(e.lo)}, ${fmt(e.hi)}]`)
              .join("  ")}`,
          );
    }
  },
});

const compare = defineCommand({
  name: "eval compare",
  summary: "is one model better than another on the same items? paired difference, per group",
  args: "RUN_DIR",
  options: {
    baseline: {
      type: "string",
      value: "MODEL",
      description: "the model compared against (its name, or a unique part of it)",
    },
    model: {
      type: "string",
      value: "MODEL",
      multiple: true,
      description:
        "the model compared (its name, or a unique part of it); repeat it for seeds of one procedure, pooled: their mean per item, the interval resampling seeds and items",
    },
    suite: { type: "string", value: "NAME", description: "only this suite's items" },
    json: { type: "boolean", description: "print the comparisons as JSON lines" },
  },
  schema: z.object({
    args: z.array(z.string().min(1, "give one eval run directory")).length(1, "give one eval run directory"),
    baseline: z.string().min(1),
    model: z.array(z.string().min(1)).min(1, "give --model at least once"),
    suite: z.string().min(1).optional(),
    json: z.boolean().optional(),
  }),
  async run({ args, baseline, model, suite, json }) {
    const { openRun } = await import("@reasonlab/runs");
    const { committedSamples } = await import("./evaluate.js");
    const { compareModels, pickModel } = await import("./compare.js");
    const run = openRun(args[0]!);
    const samples = committedSamples(run.read("evalResults").records, run.read("evalSamples").records);
    const names = [...new Set(samples.map((s) => s.model))];
    let rows: ReturnType<typeof compareModels>;
    try {
      if (names.length === 0)
        throw new Error(`${args[0]} holds no evaluated samples: give an eval run's directory`);
      const a = pickModel(names, baseline);
      const b = model.map((m) => pickModel(names, m));
      rows = compareModels(samples, { baseline: a, model: b, ...(suite ? { suite } : {}) });
      if (!json) {
        console.log(`baseline ${a}`);
        for (const m of b) console.log(`model    ${m}`);
        if (b.length > 1) console.log(`(the ${b.length} models pooled: their mean on each item)`);
      }
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (json) {
      for (const r of rows) console.log(JSON.stringify(r));
      return;
    }
    const pct = (v: number) => `${(100 * v).toFixed(1)}`;
    const rate = (e: { value: number; lo: number; hi: number }) =>
      `${pct(e.value)}% [${pct(e.lo)}, ${pct(e.hi)}]`;
    const signed = (v: number) => `${v >= 0 ? "+" : ""}${pct(v)}`;
    console.log(
      `${"group".padEnd(20)} ${"n".padStart(5)}  ${"baseline".padEnd(22)} ${"model".padEnd(22)} ${"difference (points)".padEnd(24)} wins/losses  p`,
    );
    for (const r of [...rows.slice(1), rows[0]!]) {
      const d = r.difference;
      console.log(
        `${r.group.padEnd(20)} ${String(r.n).padStart(5)}  ${rate(r.baseline).padEnd(22)} ${rate(r.model).padEnd(22)} ${`${signed(d.value)} [${signed(d.lo)}, ${signed(d.hi)}]`.padEnd(24)} ${`${r.wins}/${r.losses}`.padEnd(11)}  ${r.p < 0.001 ? "<0.001" : r.p.toFixed(3)}`,
      );
    }
  },
});

const suitesCmd = defineCommand({
  name: "eval suites",
  summary: "list the built-in suites",
  options: {},
  schema: z.object({ args: z.array(z.string()).max(0) }),
  async run() {
    const { builtinSuites, loadSuite } = await import("./suites.js");
    for (const name of builtinSuites()) {
      const s = loadSuite(name);
      console.log(`${name.padEnd(20)} ${s.kind.padEnd(9)} ${s.description}`);
    }
  },
});

const arena = defineCommand({
  name: "eval arena",
  summary: "pairwise battles between models on a math suite, judged by the verifier or left for votes",
  options: {
    suite: { type: "string", value: "NAME|FILE", description: "math suite whose items are the prompts" },
    model: { type: "string", value: "MODEL", multiple: true, description: "two or more models" },
    judge: {
      type: "string",
      value: "WHO",
      description: "verifier, or human (vote in the dashboard)",
      default: "verifier",
    },
    backend: {
      type: "string",
      value: "NAME",
      description: "tensor backend for checkpoints",
      default: "auto",
    },
    runs: { type: "string", value: "DIR", description: "runs folder (default $REASONLAB_RUNS or ./runs)" },
    name: { type: "string", value: "NAME", description: "arena run name", default: "arena" },
    seed: { type: "string", value: "N", description: "seed for side order and sampling", default: "0" },
  },
  schema: z.object({
    suite: z.string().min(1, "give --suite"),
    model: z.array(z.string().min(1)).min(2, "give at least two --model"),
    judge: z.enum(["verifier", "human"]),
    backend: z.string(),
    runs: z.string().optional(),
    name: z.string().min(1),
    seed: z.coerce.number().int(),
    args: z.array(z.string()).max(0),
  }),
  async run(o) {
    const { createRun, defaultRunsRoot } = await import("@reasonlab/runs");
    const { loadSuite } = await import("./suites.js");
    const { openModel } = await import("./models.js");
    const { runBattles, decidedBattles } = await import("./arena-run.js");
    const suite = loadSuite(o.suite);
    if (suite.kind !== "math") throw new UsageError("eval arena: --suite must be a math suite");
    const models = await Promise.all(o.model.map((m) => openModel(m, { backend: o.backend })));
    const runWriter = createRun({
      root: o.runs ?? defaultRunsRoot(),
      name: o.name,
      kind: "arena",
      config: o,
    });
    console.error(`run ${runWriter.dir}`);
    try {
      const records = await runBattles(suite, models, runWriter, {
        judge: o.judge,
        seed: o.seed,
        onProgress: progress("battles"),
      });
      runWriter.finish();
      if (o.judge === "human")
        console.log(
          `${records.length} battles wait for votes: reasonlab dashboard --runs ${path.dirname(runWriter.dir)}`,
        );
      else await printBoard(decidedBattles(records));
    } catch (e) {
      runWriter.fail(e);
      throw e;
    } finally {
      for (const m of models) await m.close();
    }
  },
});

async function printBoard(battles: import("./arena.js").Battle[]) {
  const { arenaRatings } = await import("./arena.js");
  if (battles.length === 0) {
    console.log("no decided battles yet");
    return;
  }
  console.log("rank  model                          rating   95% interval      battles");
  for (const r of arenaRatings(battles))
    console.log(
      `${String(r.rank).padStart(4)}  ${r.model.slice(0, 30).padEnd(30)} ${r.rating.toFixed(0).padStart(6)}   [${r.lo.toFixed(0)}, ${r.hi.toFixed(0)}]`.padEnd(
        64,
      ) + String(r.battles).padStart(8),
    );
}

const leaderboard = defineCommand({
  name: "eval leaderboard",
  summary: "Bradley-Terry ratings with bootstrap intervals from an arena run's battles",
  args: "RUN_DIR",
  options: {},
  schema: z.object({ args: z.array(z.string()).length(1, "give one arena run directory") }),
  async run({ args }) {
    const { openRun } = await import("@reasonlab/runs");
    const { decidedBattles } = await import("./arena-run.js");
    await printBoard(decidedBattles(openRun(args[0]!).read("arena").records));
  },
});

const INDEX_OPTIONS = {
  runs: { type: "string", value: "DIR", description: "runs folder (default $REASONLAB_RUNS or ./runs)" },
  db: { type: "string", value: "FILE", description: "index file (default RUNS/.index.sqlite)" },
} as const;

const index = defineCommand({
  name: "eval index",
  summary: "rebuild the SQLite index of eval results across runs",
  options: {
    ...INDEX_OPTIONS,
  },
  schema: z.object({
    runs: z.string().optional(),
    db: z.string().optional(),
    args: z.array(z.string()).max(0),
  }),
  async run(o) {
    const { defaultRunsRoot } = await import("@reasonlab/runs");
    const { rebuildIndex } = await import("./db.js");
    const root = o.runs ?? defaultRunsRoot();
    const db = o.db ?? path.join(root, ".index.sqlite");
    const s = rebuildIndex(root, db);
    console.log(
      `${db}: ${s.runs} runs, ${s.results} results, ${s.samples} samples${s.skipped ? `, ${s.skipped} unreadable records skipped` : ""}`,
    );
  },
});

const query = defineCommand({
  name: "eval query",
  summary: "the latest value of a metric for every run, suite and model, from the index",
  options: {
    ...INDEX_OPTIONS,
    suite: { type: "string", value: "NAME", description: "only this suite" },
    metric: { type: "string", value: "NAME", description: "metric", default: "accuracy" },
    json: { type: "boolean", description: "JSON lines" },
  },
  schema: z.object({
    runs: z.string().optional(),
    db: z.string().optional(),
    suite: z.string().optional(),
    metric: z.string(),
    json: z.boolean().optional(),
    args: z.array(z.string()).max(0),
  }),
  async run(o) {
    const { defaultRunsRoot } = await import("@reasonlab/runs");
    const { queryLatest } = await import("./db.js");
    const db = o.db ?? path.join(o.runs ?? defaultRunsRoot(), ".index.sqlite");
    const rows = queryLatest(db, { metric: o.metric, ...(o.suite ? { suite: o.suite } : {}) });
    for (const r of rows)
      console.log(
        o.json
          ? JSON.stringify(r)
          : `${r.suite.padEnd(20)} ${r.model.slice(0, 36).padEnd(36)} ${r.run.padEnd(24)} ${o.metric}=${fmt(r.value)} [${fmt(r.lo)}, ${fmt(r.hi)}]`,
      );
    if (rows.length === 0) console.log("no results");
  },
});

export const commands = [
  commandGroup("eval", "evaluate models and checkpoints; arena ratings; results across runs", [
    run,
    watchCmd,
    report,
    compare,
    suitesCmd,
    arena,
    leaderboard,
    index,
    query,
  ]),
];
