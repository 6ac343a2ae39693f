// Reward functions: small pieces with weights, so an experiment says exactly what it rewards.
import { extractAnswer, STRICT } from "./extract.js";
import type { Problem } from "./problem.js";
import { type Verdict, verify } from "./verify.js";

export interface RewardInput {
  problem: Pick<Problem, "answer" | "check">;
  completion: string;
  /** Length of the completion in tokens (or characters, if that is what the caller counts). */
  length?: number;
  /** Set by `scoreCompletion`: computed once, shared by every reward function. */
  verdict?: Verdict;
}

export type RewardFn = (input: Required<Pick<RewardInput, "verdict">> & RewardInput) => number;

/** 1 if the extracted answer is right, else 0. */
export const correctness: RewardFn = ({ verdict }) => (verdict.correct ? 1 : 0);

/** 1 if the answer is in the required tag (<answer>...</answer>), else 0: teaches the output format. */
export const format: RewardFn = ({ completion }) => (extractAnswer(completion, STRICT) ? 1 : 0);

/**
 * Countdown partial credit (as TinyZero): a valid expression that uses exactly the given numbers
 * but misses the target still earns something, so the format is learned before the search.
 */
export const countdownPartial: RewardFn = ({ verdict }) =>
  verdict.countdown === "correct" ? 1 : verdict.countdown === "wrong-value" ? 0.1 : 0;

/**
 * Partial credit for whole-number answers: the share of the reference's digits that the
 * extracted answer has right, aligned from the ones place (a longer or shorter answer loses
 * the unmatched places). Dense signal where exact answers are still out of reach.
 */
export const digitCredit: RewardFn = ({ verdict, problem }) => {
  if (problem.check.kind !== "number" || verdict.extracted === null) return 0;
  const want = problem.answer.replace(/^-/, "");
  const got = verdict.extracted.replace(/[^0-9]/g, "");
  if (!/^\d+$/.test(want) || got.length === 0) return 0;
  let same = 0;
  for (let i = 1; i <= Math.min(want.length, got.length); i++)
    if (want[want.length - i] === got[got.length - i]) same++;
  return same / Math.max(want.length, got.length);
};

/**
 * DAPO's soft overlong punishment: 0 up to maxLength - buffer, then falling linearly to -1 at
 * maxLength (and -1 beyond), so truncated rambling costs more the longer it runs.
 */
export function overlong({ maxLength, buffer }: { maxLength: number; buffer: number }): RewardFn {
  if (!(maxLength > 0) || !(buffer >= 0) || buffer > maxLength)
    throw new RangeError("overlong: need 0 <= buffer <= maxLength");
  return ({ length, completion }) => {
    const l = length ?? completion.length;
    if (l <= maxLength - buffer) return 0;
    if (l > maxLength || buffer === 0) return -1;
    return (maxLength - buffer - l) / buffer;
  };
}

export interface WeightedReward {
  name: string;
  fn: RewardFn;
  weight: number;
}

export interface Score {
  reward: number;
  /** Each component's unweighted value. */
  parts: Record<string, number>;
  verdict: Verdict;
}

/** Runs every reward function once on one completion and sums them by weight. */
export function scoreCompletion(rewards: readonly WeightedReward[], input: RewardInput, extract = {}): Score {
  const verdict = input.verdict ?? verify(input.problem, input.completion, extract);
  const parts: Record<string, number> = {};
  let reward = 0;
  for (const { name, fn, weight } of rewards) {
    const value = fn({ ...input, verdict });
    parts[name] = value;
    reward += weight * value;
  }
  return { reward, parts, verdict };
}

/** The usual recipe: correctness, plus a little for the format. */
export const DEFAULT_REWARDS: readonly WeightedReward[] = [
  { name: "correct", fn: correctness, weight: 1 },
  { name: "format", fn: format, weight: 0.1 },
];
