// A toy environment for smoke tests and benchmarks of the RL machinery (rollouts in-process, in a
// worker thread or on worker machines): the reward is the share of digits in the replies. A fresh
// policy finds digits by chance, so reward rises within a dozen steps from scratch, in seconds.
import type { Environment } from "./environment.js";

/** Reward per episode: digits written over all turns / (6 × turns). `restart`: each turn sees only the tool's line. */
export function digitsEnvironment({
  turns = 1,
  restart = false,
  drawn: start = 0,
}: {
  turns?: number;
  restart?: boolean;
  drawn?: number;
} = {}): Environment {
  let drawn = start;
  return {
    name: "digits",
    stop: [],
    maxTurns: turns,
    nextTask: () => ({ id: `digits/${drawn}`, family: "digits", seed: drawn++, prompt: "Write digits." }),
    async reset(task) {
      let turn = 0;
      let share = 0;
      return {
        messages: [{ role: "user", content: `Write digits (${task.seed % 5}).` }],
        async step(reply) {
          turn++;
          share += (reply.match(/\d/g)?.length ?? 0) / 6 / turns;
          if (turn < turns)
            return {
              messages: [{ role: "tool", content: `turn ${turn} done` }],
              reward: 0,
              done: false,
              correct: false,
              restart,
            };
          return { messages: [], reward: share, done: true, correct: share > 0.5 };
        },
        async close() {},
      };
    },
    record() {},
    state: () => ({ drawn }),
    async close() {},
  };
}
