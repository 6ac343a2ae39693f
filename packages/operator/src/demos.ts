// Expert demonstrations: observation -> action pairs in the chat format SFT trains on, one JSON
// line per step: the observation a text policy reads (observation.ts, the same the RL environment
// and the text model mode give), then the expert's reply: its thought where the task has one (the
// lines above the action: the date-picker's month shown against the month wanted), then its
// grammar line, with elements named by name where the name is unique (a small policy copies a
// name from the goal far sooner than it learns to look an index up; measured in the policy
// README). An expert that fails to reach full reward is a bug in its task: it throws.
//
// With a learner (DAgger), the learner's replies drive the page and the expert labels every state
// the learner reaches: the states a policy trained on expert episodes alone never saw, such as
// the one after it clicked a button still below the viewport, get the expert's way out.
import { createRng } from "@reasonlab/env-math";
import { parseJsonLines } from "@reasonlab/runs";
import { z } from "zod";
import { formatCommand, namedCommand, replyLine } from "./grammar.js";
import { renderObservation } from "./observation.js";
import type { TaskEnv } from "./tasks/env.js";

/** One line of a demonstrations file: a step of an expert episode, and its chat. */
export const Demonstration = z.object({
  family: z.string().min(1),
  seed: z.number().int(),
  step: z.number().int(),
  goal: z.string(),
  observation: z.string(),
  action: z.string(),
  reward: z.number(),
  /** The learner's reply, which drove the page, where it differs from the expert's label (DAgger). */
  executed: z.string().optional(),
  /** Set on a relabelled copy (its number): the same episode with made-up labels. */
  relabelled: z.number().int().optional(),
  messages: z.array(z.object({ role: z.enum(["user", "assistant"]), content: z.string() })),
});
export type Demonstration = z.infer<typeof Demonstration>;

/** The chat SFT trains on: the observation, then the action. */
const chatOf = (observation: string, action: string): Demonstration["messages"] => [
  { role: "user", content: observation },
  { role: "assistant", content: action },
];

/** A policy's reply to an observation (DAgger's learner): one grammar line. */
export type Learner = (observation: string) => Promise<string>;

/**
 * Episodes of each (family, seed), one array of steps each. The expert acts, and must solve the
 * task; or, with a `learner`, the learner acts and the expert only labels, until the task ends,
 * its step budget is spent, or the expert has no move from where the learner went.
 */
export async function* demonstrations(
  env: TaskEnv,
  families: string[],
  seeds: number[],
  learner?: Learner,
): AsyncGenerator<Demonstration[]> {
  for (const family of families) {
    for (const seed of seeds) {
      let obs = await env.reset(family, seed);
      const task = env.task();
      const steps: Demonstration[] = [];
      let reward = 0;
      let last: { line: string; error?: string } | null = null;
      for (let i = 0; i < task.maxSteps; i++) {
        let move: string;
        let thought: string | undefined;
        try {
          move = formatCommand(namedCommand(task.expert(obs.snapshot), obs.snapshot));
          thought = task.thought?.(obs.snapshot);
        } catch (e) {
          if (learner) break; // the learner went where the expert has no move (off the task's pages)
          throw e;
        }
        const observation = renderObservation(obs.snapshot, task.instruction, {
          ...(last ? { last: last.line, ...(last.error ? { error: last.error } : {}) } : {}),
        });
        // the reply: the expert's thought, if it has one, on the lines above its move
        const action = thought ? `${thought}\n${move}` : move;
        const executed = learner ? replyLine(await learner(observation)) : move;
        steps.push({
          family,
          seed,
          step: i,
          goal: task.instruction,
          observation,
          action,
          ...(executed !== move ? { executed } : {}),
          reward: 0,
          messages: chatOf(observation, action),
        });
        const result = await env.step(executed);
        obs = result.observation;
        last = { line: executed, ...(result.error ? { error: result.error } : {}) };
        reward = result.reward;
        if (result.error && !learner)
          throw new Error(`expert failed on ${family}/${seed} at step ${i}: ${result.error}`);
        if (result.done) break;
      }
      if (reward < 1 && !learner)
        throw new Error(`expert did not solve ${family}/${seed} (reward ${reward})`);
      for (const s of steps) s.reward = reward;
      yield steps;
    }
  }
}

/** Words of the observation format and the grammar, never relabelled. */
const KEEP = new Set(
  "Goal Page Text Found Calculator Last failed checked unchecked focused disabled occluded scrolled more below above at elements options none interactive click double_click hover type key select scroll drag find calc to by goto back wait done up down".split(
    " ",
  ),
);
/** Families whose labels mean something beyond themselves (month names, sums): not relabelled. */
const LITERAL = new Set(["date-picker", "arithmetic", "slider"]);

const CONSONANTS = "bdfgklmnprstvz";
const VOWELS = "aeiou";

/**
 * Copies of each episode with its labels consistently replaced by made-up ones: every element
 * name, every quoted goal string and every string the page text quotes (a table's cells),
 * wherever it appears (goal, page text, element lines, the action), each letter run by a
 * pseudo-word of the same length and case, each digit run by other digits. The page is the same
 * page with other words on it, so the action is still right; what a policy can no longer do is
 * remember which labels go with which answers, and it learns to copy the one the goal names
 * instead (domain randomisation, for text). Families whose labels carry meaning (month names,
 * sums, slider values) are copied unchanged.
 */
export function relabelled(episode: readonly Demonstration[], copy: number, seed: number): Demonstration[] {
  const first = episode[0];
  if (!first || LITERAL.has(first.family)) return [];
  const rng = createRng("relabel", seed, first.family, first.seed, copy);
  const names = new Set<string>();
  const cells = new Set<string>();
  for (const m of first.goal.matchAll(/"([^"\\]+)"/g)) names.add(m[1]!);
  for (const d of episode) {
    for (const m of d.observation.matchAll(/^\[\d+\] \S+ "((?:[^"\\]|\\.)+)"/gm)) names.add(m[1]!);
    // and every string the page text quotes (a table's cells): renaming only the row the goal
    // names left it the one made-up word in its table, a shortcut to the row that real pages lack
    for (const line of d.observation.match(/^Text: .*$/gm) ?? [])
      for (const m of line.matchAll(/"((?:[^"\\]|\\.)+)"/g)) {
        names.add(m[1]!);
        cells.add(m[1]!);
      }
  }
  const words = new Map<string, string>();
  const seen = new Set(episode.flatMap((d) => d.observation.match(/\p{L}+/gu) ?? []));
  const pseudo = (word: string) => {
    for (;;) {
      let out = "";
      for (let i = 0; i < word.length; i++)
        out += i % 2 === 0 ? rng.pick([...CONSONANTS]) : rng.pick([...VOWELS]);
      if (word[0] !== word[0]!.toLowerCase()) out = out[0]!.toUpperCase() + out.slice(1);
      if (word === word.toUpperCase() && word.length > 1) out = out.toUpperCase();
      if (!seen.has(out)) {
        seen.add(out);
        return out;
      }
    }
  };
  const map = new Map<string, string>();
  for (const name of names) {
    // a number in a table cell is renamed too: kept, the copies of a page share its column of
    // ages, and the answer becomes one to remember rather than to look up
    const number = /^\d+$/.test(name) && cells.has(name);
    if (KEEP.has(name) || (!/\p{L}/u.test(name) && !number)) continue;
    map.set(
      name,
      name
        .replace(/\p{L}+/gu, (w) => (KEEP.has(w) ? w : (words.get(w) ?? words.set(w, pseudo(w)).get(w)!)))
        // (a cell's number keeps a leading digit other than 0, as an age or a price would)
        .replace(/\d+/g, (n) =>
          Array.from(n, (_, i) => String(rng.int(number && i === 0 ? 1 : 0, 9))).join(""),
        ),
    );
  }
  if (map.size === 0) return [];
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(
    `(?<![\\p{L}\\p{N}])(?:${[...map.keys()]
      .sort((a, b) => b.length - a.length)
      .map(literal)
      .join("|")})(?![\\p{L}\\p{N}])`,
    "gu",
  );
  const swap = (s: string) => s.replace(pattern, (m) => map.get(m) ?? m);
  return episode.map((d) => {
    const observation = swap(d.observation);
    const action = swap(d.action);
    return {
      ...d,
      goal: swap(d.goal),
      observation,
      action,
      ...(d.executed !== undefined ? { executed: swap(d.executed) } : {}),
      relabelled: copy,
      messages: chatOf(observation, action),
    };
  });
}

/** The episodes of a demonstrations file (consecutive steps of one family and seed), or an error naming the line. */
export function readDemonstrations(text: string, file = "demonstrations"): Demonstration[][] {
  const episodes: Demonstration[][] = [];
  for (const d of parseJsonLines(text, Demonstration, file)) {
    const last = episodes.at(-1);
    if (last && last[0]!.family === d.family && last[0]!.seed === d.seed) last.push(d);
    else episodes.push([d]);
  }
  return episodes;
}
