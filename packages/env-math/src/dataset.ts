// Datasets: train/test splits that cannot overlap, a curriculum, and JSONL in the GSM8K and MATH styles.
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { extractAnswer, lastBoxed } from "./extract.js";
import { generate, getFamily } from "./generate.js";
import { parseNumber } from "./number.js";
import { AnswerCheck, type Problem } from "./problem.js";
import { createRng, hash32 } from "./rng.js";

export type Split = "train" | "test";

/**
 * Which split a problem belongs to, decided by a hash of its prompt alone: a prompt can never be
 * in both splits, whatever seeds or families produced it.
 */
export function splitOf(prompt: string, testFraction = 0.1): Split {
  const key = prompt.trim().replace(/\s+/g, " ").toLowerCase();
  return hash32(`split:${key}`) % 10_000 < Math.round(testFraction * 10_000) ? "test" : "train";
}

export interface SplitOptions {
  families: readonly string[];
  difficulties: readonly number[];
  /** Problems per (family, difficulty). */
  perCell: number;
  split: Split;
  seed?: number;
  testFraction?: number;
}

/** Distinct problems of one split; stops early (with fewer) for a cell that has too few distinct prompts. */
export function buildSplit(options: SplitOptions): Problem[] {
  const out: Problem[] = [];
  for (const family of options.families) {
    const levels = getFamily(family).levels.length;
    for (const difficulty of options.difficulties) {
      if (difficulty > levels) continue;
      const seen = new Set<string>();
      const rng = createRng("split", options.seed ?? 0, family, difficulty);
      for (let tries = 0; seen.size < options.perCell && tries < options.perCell * 200 + 1000; tries++) {
        const problem = generate(family, difficulty, rng.int(0, 2 ** 31 - 1));
        if (seen.has(problem.prompt) || splitOf(problem.prompt, options.testFraction) !== options.split)
          continue;
        seen.add(problem.prompt);
        out.push(problem);
      }
    }
  }
  return out;
}

export interface CurriculumOptions {
  families: readonly string[];
  start?: number;
  /** Accuracy over the last `window` attempts at which a family moves up a level. */
  threshold?: number;
  window?: number;
  seed?: number;
  testFraction?: number;
}

export const CurriculumState = z.object({
  levels: z.record(z.string(), z.number().int().min(1)),
  history: z.record(z.string(), z.array(z.boolean())),
  drawn: z.number().int().nonnegative(),
});
export type CurriculumState = z.infer<typeof CurriculumState>;

/** Raises each family's difficulty once recent accuracy passes the threshold. Train split only. */
export function createCurriculum(options: CurriculumOptions, saved?: CurriculumState) {
  const threshold = options.threshold ?? 0.8;
  const window = options.window ?? 50;
  const state: CurriculumState = saved
    ? CurriculumState.parse(saved)
    : {
        levels: Object.fromEntries(options.families.map((f) => [f, options.start ?? 1])),
        history: Object.fromEntries(options.families.map((f) => [f, []])),
        drawn: 0,
      };
  return {
    next(): Problem {
      for (;;) {
        const rng = createRng("curriculum", options.seed ?? 0, state.drawn++);
        const family = options.families[rng.int(0, options.families.length - 1)]!;
        const problem = generate(family, state.levels[family]!, rng.int(0, 2 ** 31 - 1));
        if (splitOf(problem.prompt, options.testFraction) === "train") return problem;
      }
    },
    record(problem: Pick<Problem, "family" | "difficulty">, correct: boolean) {
      const level = state.levels[problem.family];
      if (level === undefined || problem.difficulty !== level) return;
      const h = state.history[problem.family]!;
      h.push(correct);
      if (h.length > window) h.shift();
      const max = getFamily(problem.family).levels.length;
      if (h.length === window && h.filter(Boolean).length / window >= threshold && level < max) {
        state.levels[problem.family] = level + 1;
        state.history[problem.family] = [];
      }
    },
    levels: () => ({ ...state.levels }),
    /** Everything needed to resume where this left off. */
    state: (): CurriculumState => structuredClone(state),
  };
}

// ---- JSONL in the GSM8K and MATH styles ----

export const Gsm8kRecord = z.object({ question: z.string().min(1), answer: z.string().min(1) });
export const MathRecord = z.object({
  problem: z.string().min(1),
  solution: z.string().min(1),
  level: z.string().optional(),
  type: z.string().optional(),
});

export class JsonlError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${source}:${line}: ${detail}`);
    this.name = "JsonlError";
  }
}

/** Parses every line, or throws naming the first bad line and field; never returns a partial list. */
export function parseJsonl<S extends z.ZodType>(text: string, schema: S, source = "input"): z.infer<S>[] {
  const out: z.infer<S>[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new JsonlError(source, i + 1, `not JSON (${(error as Error).message})`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new JsonlError(source, i + 1, `${issue.path.join(".") || "(record)"}: ${issue.message}`);
    }
    out.push(parsed.data);
  }
  return out;
}

/** Writes all records or nothing: a temporary file renamed into place. */
export function writeJsonlAtomic(file: string, records: Iterable<unknown>) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w");
  try {
    for (const r of records) fs.writeSync(fd, `${JSON.stringify(r)}\n`);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

const stepsOf = (p: Problem) => p.solution.split("\n").slice(0, -1).join("\n");

export function toGsm8k(p: Problem): z.infer<typeof Gsm8kRecord> {
  return { question: p.prompt, answer: `${stepsOf(p)}\n#### ${p.answer}` };
}

export function toMath(p: Problem): z.infer<typeof MathRecord> {
  return {
    problem: p.prompt,
    solution: `${stepsOf(p)}\nThe answer is $\\boxed{${p.answer}}$.`,
    level: `Level ${p.difficulty}`,
    type: p.family,
  };
}

/** A number when the reference is one; otherwise free-form math (sets, intervals, expressions, words). */
function importedCheck(answer: string): AnswerCheck {
  return AnswerCheck.parse(parseNumber(answer) ? { kind: "number" } : { kind: "math" });
}

function imported(
  family: string,
  i: number,
  prompt: string,
  answer: string,
  solutionSteps: string,
  difficulty = 1,
): Problem {
  return {
    id: `${family}/${i}`,
    family,
    difficulty,
    prompt,
    answer,
    solution: `${solutionSteps.trim()}\n<answer>${answer}</answer>`,
    check: importedCheck(answer),
    metadata: { imported: true },
  };
}

/** GSM8K-style JSONL: the answer is what follows the last ####. */
export function importGsm8k(text: string, source = "gsm8k"): Problem[] {
  return parseJsonl(text, Gsm8kRecord, source).map((r, i) => {
    const found = extractAnswer(r.answer, { formats: ["hash"] });
    if (!found) throw new JsonlError(source, i + 1, "answer: no '#### <answer>' line");
    const steps = r.answer.slice(0, r.answer.lastIndexOf("####")).replace(/<<[^>]*>>/g, "");
    return imported(source, i, r.question, found.answer.replace(/,/g, ""), steps);
  });
}

/** MATH-style JSONL: the answer is the last \boxed{...} of the solution. */
export function importMath(text: string, source = "math"): Problem[] {
  return parseJsonl(text, MathRecord, source).map((r, i) => {
    const answer = lastBoxed(r.solution);
    if (!answer) throw new JsonlError(source, i + 1, "solution: no \\boxed{...} answer");
    const level = Number(/\d+/.exec(r.level ?? "")?.[0] ?? 1);
    return imported(source, i, r.problem, answer, r.solution, level);
  });
}
