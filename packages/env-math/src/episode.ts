// The environment as an episode: reset(seed) gives the task, step(completion) scores it. With the
// calculator tool, a completion that ends in <calc>...</calc> gets the result and another turn:
// tools fill the holes that mental arithmetic leaves.
import { evaluateExpression } from "./expr.js";
import type { ExtractOptions } from "./extract.js";
import { generate } from "./generate.js";
import type { Problem } from "./problem.js";
import { formatRational } from "./rational.js";
import { DEFAULT_REWARDS, type Score, scoreCompletion, type WeightedReward } from "./rewards.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
}

export const CALC_OPEN = "<calc>";
export const CALC_CLOSE = "</calc>";

export const SYSTEM_PROMPT = "Solve the problem step by step. Put the final answer inside <answer></answer>.";
export const CALCULATOR_PROMPT = `${SYSTEM_PROMPT} You may use a calculator: write ${CALC_OPEN}expression${CALC_CLOSE} and stop; the result comes back as <result>value</result>.`;

export interface EpisodeOptions {
  family: string;
  difficulty: number;
  calculator?: boolean;
  /** Most assistant turns before the episode ends unanswered. */
  maxTurns?: number;
  rewards?: readonly WeightedReward[];
  extract?: ExtractOptions;
}

export interface Observation {
  problem: Problem;
  messages: ChatMessage[];
}

export interface StepResult {
  observation: Observation;
  reward: number;
  done: boolean;
  info: { turn: number; calculatorCalls: number; score?: Score; toolError?: string };
}

/** The expression of a trailing calculator call, if the completion ends with one. */
export function pendingCalculatorCall(completion: string): string | null {
  const text = completion.trimEnd();
  if (!text.endsWith(CALC_CLOSE)) return null;
  const start = text.lastIndexOf(CALC_OPEN);
  if (start < 0) return null;
  return text.slice(start + CALC_OPEN.length, text.length - CALC_CLOSE.length);
}

export function calculate(expression: string): string {
  const result = evaluateExpression(expression);
  return result.ok ? formatRational(result.value, "decimal") : `error: ${result.error}`;
}

export function createMathEpisode(options: EpisodeOptions) {
  const maxTurns = options.maxTurns ?? (options.calculator ? 4 : 1);
  const rewards = options.rewards ?? DEFAULT_REWARDS;
  let observation: Observation | null = null;
  let turn = 0;
  let calls = 0;
  let done = false;

  return {
    reset(seed: number): Observation {
      const problem = generate(options.family, options.difficulty, seed);
      observation = {
        problem,
        messages: [
          { role: "system", content: options.calculator ? CALCULATOR_PROMPT : SYSTEM_PROMPT },
          { role: "user", content: problem.prompt },
        ],
      };
      turn = 0;
      calls = 0;
      done = false;
      return observation;
    },
    step(completion: string): StepResult {
      if (!observation) throw new Error("step() before reset()");
      if (done) throw new Error("step() after the episode ended; call reset()");
      turn++;
      const messages: ChatMessage[] = [...observation.messages, { role: "assistant", content: completion }];
      const call = options.calculator ? pendingCalculatorCall(completion) : null;
      if (call !== null && turn < maxTurns) {
        calls++;
        const value = calculate(call);
        observation = {
          ...observation,
          messages: [...messages, { role: "tool", content: `<result>${value}</result>` }],
        };
        return {
          observation,
          reward: 0,
          done: false,
          info: { turn, calculatorCalls: calls, ...(value.startsWith("error") ? { toolError: value } : {}) },
        };
      }
      done = true;
      const score = scoreCompletion(rewards, { problem: observation.problem, completion }, options.extract);
      observation = { ...observation, messages };
      return { observation, reward: score.reward, done, info: { turn, calculatorCalls: calls, score } };
    },
  };
}
