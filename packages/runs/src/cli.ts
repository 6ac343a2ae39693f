// `reasonlab runs`: look into run directories from a terminal.
import { setTimeout as sleep } from "node:timers/promises";
import { commandGroup, defineCommand } from "@reasonlab/command";
import { z } from "zod";
import { defaultRunsRoot } from "./layout.js";
import { listRuns, liveStatus, openRun } from "./reader.js";
import { LOGS, type LogName } from "./schema.js";

const ago = (t: number) => {
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

const list = defineCommand({
  name: "runs list",
  summary: "list the runs under a folder, oldest first",
  args: "[DIR]",
  options: {
    runs: {
      type: "string",
      value: "DIR",
      description: "folder holding runs (or give it as DIR)",
      default: defaultRunsRoot(),
    },
    json: { type: "boolean", description: "print JSON lines instead of a table" },
  },
  schema: z.object({
    runs: z.string(),
    json: z.boolean().optional(),
    args: z.array(z.string()).max(1, "give at most one folder"),
  }),
  run({ runs: folder, json, args }) {
    const root = args[0] ?? folder;
    const runs = listRuns(root);
    if (json) {
      for (const r of runs) console.log(JSON.stringify(r.info ?? { id: r.id, error: r.error }));
      return;
    }
    if (runs.length === 0) console.log(`no runs under ${root}`);
    for (const r of runs) {
      if (!r.info) console.log(`${r.id}  unreadable: ${r.error}`);
      else
        console.log(
          [
            r.id,
            r.info.kind,
            liveStatus(r.info),
            r.info.backend ?? "-",
            r.info.host.hostname,
            ago(r.info.updated),
          ].join("  "),
        );
    }
  },
});

const show = defineCommand({
  name: "runs show",
  summary: "print a run's info, latest metrics and checkpoints",
  args: "RUN_DIR",
  options: {},
  schema: z.object({ args: z.array(z.string()).length(1, "give one run directory") }),
  run({ args }) {
    const run = openRun(args[0]!);
    const info = run.info();
    console.log(JSON.stringify({ ...info, status: liveStatus(info) }, null, 2));
    const { records, problems } = run.read("metrics");
    const latest: Record<string, { step: number; value: number | null }> = {};
    for (const r of records)
      for (const [k, v] of Object.entries(r.values)) latest[k] = { step: r.step, value: v };
    for (const [k, { step, value }] of Object.entries(latest))
      console.log(`${k.padEnd(32)} ${value}  (step ${step})`);
    for (const c of run.checkpoints()) console.log(`checkpoint ${c.name}  ${c.manifest.files.join(", ")}`);
    for (const p of problems) console.error(`skipped ${p.file}:${p.line} (${p.kind}): ${p.message}`);
  },
});

const tail = defineCommand({
  name: "runs tail",
  summary: "print a run's log records as JSON lines, optionally following new ones",
  args: "RUN_DIR",
  options: {
    log: {
      type: "string",
      value: "NAME",
      description: `which log: ${Object.keys(LOGS).join(", ")}`,
      default: "events",
    },
    follow: { type: "boolean", short: "f", description: "keep printing records as they are appended" },
    interval: { type: "string", value: "MS", description: "poll interval with --follow", default: "500" },
  },
  schema: z.object({
    args: z.array(z.string()).length(1, "give one run directory"),
    log: z.enum(Object.keys(LOGS) as [LogName, ...LogName[]]),
    follow: z.boolean().optional(),
    interval: z.coerce.number().int().positive(),
  }),
  async run({ args, log, follow, interval }) {
    const t = openRun(args[0]!).tail(log);
    for (;;) {
      const { records, problems } = t.read({ final: !follow });
      for (const r of records) console.log(JSON.stringify(r));
      for (const p of problems) console.error(`skipped line ${p.line} (${p.kind}): ${p.message}`);
      if (!follow) break;
      await sleep(interval);
    }
  },
});

export const commands = [
  commandGroup("runs", "inspect run directories (the contract between all packages)", [list, show, tail]),
];
