// Eval suites are data: zod-validated JSON files (built-ins in ../suites), never code edits.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSplit, getFamily, importGsm8k, importMath, type Problem } from "@reasonlab/env-math";
import { readJsonFile } from "@reasonlab/runs";
import { z } from "zod";

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "lowercase letters, digits, . _ - only");

export const MathSuite = z.object({
  name,
  kind: z.literal("math"),
  description: z.string().default(""),
  /** Seed of the problem split; same seed, same items. */
  seed: z.number().int().default(0),
  split: z.enum(["train", "test"]).default("test"),
  tasks: z
    .array(
      z.object({
        family: z.string().min(1),
        difficulties: z.array(z.number().int().min(1)).min(1),
        /** Items per difficulty. */
        count: z.number().int().min(1).max(100_000),
      }),
    )
    .default([]),
  /** Datasets in GSM8K style ({question, answer with ####}) or MATH style ({problem, solution with \boxed}). */
  datasets: z
    .array(
      z.object({
        path: z.string().min(1),
        format: z.enum(["gsm8k", "math"]),
        limit: z.number().int().min(1).optional(),
      }),
    )
    .default([]),
  /** Attempts per item: pass@k and maj@k are reported for every k up to this. */
  samples: z.number().int().min(1).max(256).default(1),
  temperature: z.number().min(0).max(2).default(0),
  maxTokens: z.number().int().min(1).max(8192).default(160),
  /** Send the system prompt; tiny policies trained without it answer better without. */
  system: z.boolean().default(false),
});
export type MathSuite = z.infer<typeof MathSuite>;

export const OperatorSuite = z.object({
  name,
  kind: z.literal("operator"),
  description: z.string().default(""),
  /** Task families (default: every family). */
  families: z.array(z.string().min(1)).optional(),
  seeds: z.number().int().min(1).max(10_000).default(3),
  firstSeed: z.number().int().min(0).default(1000),
  mode: z.enum(["computer", "tools", "text"]).default("text"),
  maxSteps: z.number().int().min(1).optional(),
});
export type OperatorSuite = z.infer<typeof OperatorSuite>;

export const Suite = z.discriminatedUnion("kind", [MathSuite, OperatorSuite]);
export type Suite = z.infer<typeof Suite>;
export type SuiteInput = z.input<typeof Suite>;

export const BUILTIN_SUITES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "suites");

export function builtinSuites(): string[] {
  return fs
    .readdirSync(BUILTIN_SUITES_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** A suite by built-in name or JSON file path; dataset paths resolve against the file's folder. */
export function loadSuite(ref: string): Suite {
  const file = fs.existsSync(ref) ? ref : path.join(BUILTIN_SUITES_DIR, `${ref}.json`);
  if (!fs.existsSync(file))
    throw new Error(
      `no suite ${JSON.stringify(ref)}: not a file, and not a built-in (${builtinSuites().join(", ")})`,
    );
  const suite = readJsonFile(Suite, file);
  if (suite.kind === "math") {
    for (const t of suite.tasks) {
      const levels = getFamily(t.family).levels.length;
      const bad = t.difficulties.find((d) => d > levels);
      if (bad) throw new Error(`${file}: tasks: ${t.family} has difficulties 1..${levels}, not ${bad}`);
    }
    for (const d of suite.datasets) d.path = path.resolve(path.dirname(file), d.path);
  }
  return suite;
}

export interface EvalItem {
  /** Stable across runs: family/difficulty/index or dataset/index. */
  id: string;
  problem: Problem;
  /** The breakdown cell the item counts in, e.g. "add/3". */
  group: string;
}

export function mathItems(suite: MathSuite): EvalItem[] {
  const items: EvalItem[] = [];
  for (const t of suite.tasks) {
    for (const difficulty of t.difficulties) {
      const problems = buildSplit({
        families: [t.family],
        difficulties: [difficulty],
        perCell: t.count,
        split: suite.split,
        seed: suite.seed,
      });
      for (const [i, problem] of problems.entries())
        items.push({ id: `${t.family}/${difficulty}/${i}`, problem, group: `${t.family}/${difficulty}` });
    }
  }
  for (const d of suite.datasets) {
    const text = fs.readFileSync(d.path, "utf8");
    const source = path.basename(d.path);
    const problems = (d.format === "gsm8k" ? importGsm8k(text, source) : importMath(text, source)).slice(
      0,
      d.limit,
    );
    for (const [i, problem] of problems.entries())
      items.push({ id: `${source}/${i}`, problem, group: source });
  }
  return items;
}
