// What a generator produces, and how its answer is to be checked.
import { z } from "zod";
import type { Rng } from "./rng.js";

/** How a model's final answer is compared with the reference. */
export const AnswerCheck = z.discriminatedUnion("kind", [
  /**
   * Exact rational equality (a closed form such as \sqrt{17} is evaluated; a decimal with at least
   * `precision` significant digits may stand for the value it rounds); with `tolerance`,
   * |a - b| <= abs + rel * |b| instead.
   */
  z.object({
    kind: z.literal("number"),
    tolerance: z
      .object({ abs: z.number().nonnegative().default(0), rel: z.number().nonnegative().default(0) })
      .optional(),
    precision: z.number().int().min(1).max(17).optional(),
  }),
  /**
   * Free-form math as MATH-style answers are written: values, sets, tuples, intervals, equations
   * and expressions up to symbolic equivalence (see math-answer.ts).
   */
  z.object({ kind: z.literal("math"), precision: z.number().int().min(1).max(17).optional() }),
  /** Text compared after trimming, quote and punctuation stripping, and (unless caseSensitive) lowercasing. */
  z.object({ kind: z.literal("text"), caseSensitive: z.boolean().default(false) }),
  /** A list of numbers or words; `ordered: false` for sets, e.g. the roots of a quadratic. */
  z.object({
    kind: z.literal("list"),
    ordered: z.boolean(),
    items: z.enum(["number", "text"]).default("number"),
  }),
  z.object({ kind: z.literal("yesno") }),
  /** A multiple-choice letter. */
  z.object({ kind: z.literal("choice"), options: z.array(z.string().regex(/^[A-Z]$/)).min(2) }),
  /** A product of primes, in any order, with or without exponents. */
  z.object({ kind: z.literal("factorization") }),
  /** A clock time, HH:MM, 24-hour or with am/pm. */
  z.object({ kind: z.literal("time") }),
  /** A whole number written in another base. */
  z.object({ kind: z.literal("base"), base: z.number().int().min(2).max(36) }),
  /** An arithmetic expression that must use each of `numbers` exactly once and equal `target`. */
  z.object({
    kind: z.literal("countdown"),
    numbers: z.array(z.number().int()).min(2),
    target: z.number().int(),
  }),
]);
export type AnswerCheck = z.infer<typeof AnswerCheck>;
export type AnswerCheckInput = z.input<typeof AnswerCheck>;

export const Problem = z.object({
  /** family/difficulty/seed: the same id always means the same problem. */
  id: z.string().min(1),
  family: z.string().min(1),
  difficulty: z.number().int().min(1),
  prompt: z.string().min(1),
  /** The reference answer, in the form the check expects. */
  answer: z.string().min(1),
  /** Worked solution: numbered steps, then the answer in <answer> tags on the last line. */
  solution: z.string().min(1),
  check: AnswerCheck,
  metadata: z.record(z.string(), z.unknown()).default({}),
  /**
   * The same problem worked by a solver who holds the family's known misconception (9.11 > 9.9
   * because 11 > 9): what flawed demonstrations look like. Its answer is wrong where the
   * misconception misleads and right elsewhere. Absent where the misconception does not apply.
   */
  misconception: z.object({ solution: z.string().min(1), answer: z.string().min(1) }).optional(),
});
export type Problem = z.infer<typeof Problem>;

/** What a family's generator returns; the rest of the Problem is filled in by `generate`. */
export interface Draft {
  prompt: string;
  answer: string;
  /** Steps of the worked solution, one per line, without numbering. */
  steps: string[];
  check?: AnswerCheckInput;
  metadata?: Record<string, unknown>;
  /** Steps and answer of a solver who holds the family's misconception, where it applies. */
  misconception?: { steps: string[]; answer: string };
}

export interface Family {
  name: string;
  /** One line: what the family asks. */
  description: string;
  /** Related families group together, e.g. "arithmetic", "swiss-cheese". */
  topic: string;
  /** What each difficulty level means; its length is the highest level. */
  levels: string[];
  draft(rng: Rng, difficulty: number): Draft;
}

export const ANSWER_OPEN = "<answer>";
export const ANSWER_CLOSE = "</answer>";

/** The one solution format: "Step k: ..." lines, then the answer in tags. */
export function formatSolution(steps: string[], answer: string): string {
  const lines = steps.map((s, i) => `Step ${i + 1}: ${s}`);
  lines.push(`${ANSWER_OPEN}${answer}${ANSWER_CLOSE}`);
  return lines.join("\n");
}
