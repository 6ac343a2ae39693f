// `reasonlab eval`: evaluation results of a run, as tables.
import { commandGroup, defineCommand } from "@reasonlab/runs/command";
import { z } from "zod";

const report = defineCommand({
  name: "eval report",
  summary: "print a run's eval results: suite, model, step, metrics with 95% intervals",
  args: "RUN_DIR",
  options: { json: { type: "boolean", description: "print the records as JSON lines" } },
  schema: z.object({
    args: z.array(z.string()).length(1, "give one run directory"),
    json: z.boolean().optional(),
  }),
  async run({ args, json }) {
    const { openRun } = await import("@reasonlab/runs");
    const { records, problems } = openRun(args[0]!).read("evalResults");
    for (const p of problems) console.error(`skipped ${p.file}:${p.line} (${p.kind}): ${p.message}`);
    if (json) {
      for (const r of records) console.log(JSON.stringify(r));
      return;
    }
    if (records.length === 0) console.log("no eval results yet");
    const fmt = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v.toFixed(3));
    for (const r of records) {
      const metrics = Object.entries(r.metrics)
        .map(
          ([k, m]) =>
            `${k}=${fmt(m.value)}${m.lo != null && m.hi != null ? ` [${fmt(m.lo)}, ${fmt(m.hi)}]` : ""}`,
        )
        .join("  ");
      console.log(
        `${r.suite.padEnd(28)} ${r.model.padEnd(20)} step ${String(r.step ?? "-").padStart(6)}  ${metrics}`,
      );
    }
  },
});

export const commands = [commandGroup("eval", "evaluate models and checkpoints; report results", [report])];
