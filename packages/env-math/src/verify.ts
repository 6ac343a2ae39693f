// Scoring a completion against a problem: extract, then compare. Never throws.
import { checkCountdown, isEquivalent } from "./equivalence.js";
import { type AnswerFormat, type ExtractOptions, extractAnswer } from "./extract.js";
import type { Problem } from "./problem.js";

export interface Verdict {
  correct: boolean;
  /** The answer found in the completion, or null when none was. */
  extracted: string | null;
  format: AnswerFormat | null;
  /** For Countdown: whether the expression was valid and used the right numbers, even if wrong. */
  countdown?: "correct" | "wrong-value" | "wrong-numbers" | "invalid";
}

export function verify(
  problem: Pick<Problem, "answer" | "check">,
  completion: string,
  options: ExtractOptions = {},
): Verdict {
  try {
    const found = extractAnswer(completion, options);
    if (!found) return { correct: false, extracted: null, format: null };
    const verdict: Verdict = {
      correct: isEquivalent(found.answer, problem.answer, problem.check),
      extracted: found.answer,
      format: found.format,
    };
    if (problem.check.kind === "countdown")
      verdict.countdown = checkCountdown(found.answer, problem.check.numbers, problem.check.target);
    return verdict;
  } catch {
    return { correct: false, extracted: null, format: null };
  }
}
