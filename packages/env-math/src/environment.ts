// The one interface every RL environment plugs into: math answered in one turn, math with the
// calculator tool over several turns, and the operator's browser tasks (in @reasonlab/operator).
// A trainer draws tasks, resets an episode of a task to get the conversation so far, and steps it
// with each reply of the policy until it is done. It knows nothing else about the environment.
import {
  CALC_CLOSE,
  CALCULATOR_PROMPT,
  type ChatMessage,
  calculate,
  pendingCalculatorCall,
  SYSTEM_PROMPT,
} from "./episode.js";
import type { ExtractOptions } from "./extract.js";
import type { Problem } from "./problem.js";
import { scoreCompletion, type WeightedReward } from "./rewards.js";

/** A task an environment can reset to: the same task always gives the same episode start. */
export interface EnvTask {
  /** Stable: family/difficulty/seed or family/seed. */
  id: string;
  family: string;
  seed: number;
  difficulty?: number;
  /** What the task asks, for logs and samples. */
  prompt: string;
  /** The reference answer, where there is one. */
  expected?: string;
  /** What the environment needs to reset to the task (a math problem); opaque to the trainer. */
  payload?: unknown;
}

/** What the environment says after a reply. */
export interface EnvStep {
  /** Messages it adds to the conversation (a tool result, the page after an action); none when done. */
  messages: ChatMessage[];
  /** The reward of this step (0 until the end for most tasks). */
  reward: number;
  done: boolean;
  /** Whether the episode reached its goal (for accuracy); meaningful once done. */
  correct: boolean;
  /**
   * The messages replace the conversation instead of extending it: the next reply sees them alone
   * (an observation that says everything needed, such as a page with the last action's result),
   * so long episodes fit a small context.
   */
  restart?: boolean;
}

/** How the reply ended and how long it was, for rewards that look at length or truncation. */
export interface ReplyInfo {
  tokens: number;
  truncated: boolean;
}

export interface EnvEpisode {
  /** The conversation before the policy's first reply. */
  readonly messages: ChatMessage[];
  step(reply: string, info: ReplyInfo): Promise<EnvStep>;
  close(): Promise<void>;
}

export interface Environment {
  name: string;
  /** Replies also end at these strings (kept in the reply): a tool call's closing tag. */
  stop: readonly string[];
  /** Most policy replies in an episode; the episode ends unfinished after them. */
  maxTurns: number;
  /** The next training task, from a counter the environment keeps (see `state`). */
  nextTask(): EnvTask;
  /** A fresh episode of the task. Episodes of one task are independent (a group of G). */
  reset(task: EnvTask): Promise<EnvEpisode>;
  /** An outcome, for an environment that adapts (a curriculum). */
  record(task: EnvTask, correct: boolean): void;
  /** What resuming needs to draw the same tasks again. */
  state(): Record<string, unknown>;
  close(): Promise<void>;
}

export interface MathEnvironmentOptions {
  name?: string;
  /** Draws the next training problem; `record` hears outcomes (a curriculum), `state` resumes. */
  source: { next(): Problem; record(p: Problem, correct: boolean): void; state(): Record<string, unknown> };
  rewards: readonly WeightedReward[];
  /** Where the answer is read: STRICT for the answer tag alone. */
  extract?: ExtractOptions;
  /** Offer the system prompt (the calculator's is always given). */
  system?: boolean;
  /** The calculator tool: a reply ending in <calc>expression</calc> gets <result>value</result>. */
  calculator?: boolean;
  maxTurns?: number;
}

/** A math problem as a task; the problem itself rides along as the payload. */
export const mathTask = (p: Problem): EnvTask => ({
  id: p.id,
  family: p.family,
  seed: Number(p.id.split("/").pop()),
  difficulty: p.difficulty,
  prompt: p.prompt,
  expected: p.answer,
  payload: p,
});

function problemOf(task: EnvTask): Problem {
  const p = task.payload as Problem | undefined;
  if (!p || typeof p.prompt !== "string" || !p.check)
    throw new Error(`math environment: task ${task.id} carries no problem`);
  return p;
}

/** Math problems as an environment: one reply, or tool turns then an answer with the calculator. */
export function mathEnvironment(options: MathEnvironmentOptions): Environment {
  const calculator = options.calculator ?? false;
  const maxTurns = options.maxTurns ?? (calculator ? 4 : 1);
  return {
    name: options.name ?? (calculator ? "math-calculator" : "math"),
    stop: calculator ? [CALC_CLOSE] : [],
    maxTurns,
    nextTask: () => mathTask(options.source.next()),
    async reset(task) {
      const problem = problemOf(task);
      const system = calculator ? CALCULATOR_PROMPT : options.system ? SYSTEM_PROMPT : null;
      const messages: ChatMessage[] = [
        ...(system ? [{ role: "system" as const, content: system }] : []),
        { role: "user", content: problem.prompt },
      ];
      let turn = 0;
      return {
        messages,
        async step(reply, info) {
          turn++;
          const call = calculator ? pendingCalculatorCall(reply) : null;
          if (call !== null && turn < maxTurns) {
            return {
              messages: [{ role: "tool", content: `<result>${calculate(call)}</result>` }],
              reward: 0,
              done: false,
              correct: false,
            };
          }
          const score = scoreCompletion(
            options.rewards,
            { problem, completion: reply, length: info.tokens },
            options.extract,
          );
          return { messages: [], reward: score.reward, done: true, correct: score.verdict.correct };
        },
        async close() {},
      };
    },
    record: (task, correct) => options.source.record(problemOf(task), correct),
    state: () => options.source.state(),
    async close() {},
  };
}

export * from "./registry.js";
