// Expert demonstrations: observation -> action pairs in the chat format SFT trains on, one JSON
// line per step: the observation a text policy reads (observation.ts, the same the RL environment
// and the text model mode give), then the expert's grammar line, with elements named by name where
// the name is unique (a small policy copies a name from the goal far sooner than it learns to look
// an index up; measured in the policy README). An expert that fails to reach
// full reward is a bug in its task: it throws.
import { formatCommand, namedCommand } from "./grammar.js";
import { renderObservation } from "./observation.js";
import type { TaskEnv } from "./tasks/env.js";

export interface Demonstration {
  family: string;
  seed: number;
  step: number;
  goal: string;
  observation: string;
  action: string;
  reward: number;
  messages: { role: "user" | "assistant"; content: string }[];
}

export async function* demonstrations(
  env: TaskEnv,
  families: string[],
  seeds: number[],
): AsyncGenerator<Demonstration[]> {
  for (const family of families) {
    for (const seed of seeds) {
      let obs = await env.reset(family, seed);
      const task = env.task();
      const steps: Demonstration[] = [];
      let reward = 0;
      let last: { line: string; error?: string } | null = null;
      for (let i = 0; i < task.maxSteps; i++) {
        const action = formatCommand(namedCommand(task.expert(obs.snapshot), obs.snapshot));
        const observation = renderObservation(obs.snapshot, task.instruction, {
          ...(last ? { last: last.line, ...(last.error ? { error: last.error } : {}) } : {}),
        });
        steps.push({
          family,
          seed,
          step: i,
          goal: task.instruction,
          observation,
          action,
          reward: 0,
          messages: [
            { role: "user", content: observation },
            { role: "assistant", content: action },
          ],
        });
        const result = await env.step(action);
        obs = result.observation;
        last = { line: action, ...(result.error ? { error: result.error } : {}) };
        reward = result.reward;
        if (result.error) throw new Error(`expert failed on ${family}/${seed} at step ${i}: ${result.error}`);
        if (result.done) break;
      }
      if (reward < 1) throw new Error(`expert did not solve ${family}/${seed} (reward ${reward})`);
      for (const s of steps) s.reward = reward;
      yield steps;
    }
  }
}
