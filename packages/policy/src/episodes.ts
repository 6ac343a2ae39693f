// Rollouts in any environment (env-math's Environment): episodes stepped turn by turn, every
// active episode sampled in one batch per turn. An episode's record is the whole conversation as
// tokens with a mask of those the policy sampled and their sampling log-probabilities, so the
// loss trains every token the policy wrote in every turn and none the environment wrote.
import type { ChatMessage, EnvEpisode, Environment, EnvTask } from "@reasonlab/env-math";
import { messageIds, renderChat } from "./chat.js";
import type { RolloutSampler } from "./rollouts.js";
import type { Completion } from "./sample.js";
import type { Tokenizer } from "./tokenizer.js";

/** A conversation as the policy saw it: one per episode, or one per restart of the conversation. */
export interface Segment {
  /** Every token, the environment's and the policy's. */
  ids: number[];
  /** 1 where the policy sampled the token: the loss mask. Aligned with ids. */
  generated: number[];
  /** The sampling log-probability of each generated token (0 elsewhere). Aligned with ids. */
  logprobs: number[];
}

/** One episode, ready to train on. */
export interface Rollout {
  task: EnvTask;
  segments: Segment[];
  /** The policy's replies and what the environment said in between, for logs. */
  transcript: ChatMessage[];
  reward: number;
  correct: boolean;
  /** A reply ran into maxTokens or the context: its end is not the policy's choice. */
  truncated: boolean;
  turns: number;
  /** Tokens the policy sampled. */
  length: number;
  advantage: number;
  /** Where it was sampled, when a worker machine did it (distributed mode): for logs. */
  source?: { job: string; worker: string; version: number };
}

export interface CollectOptions {
  groupSize: number;
  temperature: number;
  maxTokens: number;
  seed: number;
  contextLength: number;
}

interface Live {
  episode: EnvEpisode;
  rollout: Rollout;
  done: boolean;
}

const opening = (tok: Tokenizer, messages: readonly ChatMessage[]): Segment => {
  const ids = renderChat(tok, messages, { generation: true }).ids;
  return { ids, generated: ids.map(() => 0), logprobs: ids.map(() => 0) };
};

/**
 * G episodes of each task, stepped until each is done or out of turns. The first turn samples G
 * completions of each task's prompt in one call (n = G), exactly as single-turn RL always has;
 * later turns sample each live episode once. Returns the groups in task order.
 */
export async function collectGroups(
  env: Environment,
  sampler: RolloutSampler,
  tok: Tokenizer,
  tasks: readonly EnvTask[],
  o: CollectOptions,
): Promise<Rollout[][]> {
  const end = tok.special["<|end|>"];
  const assistant = tok.special["<|assistant|>"];
  const groups: Live[][] = [];
  const tip = (r: Rollout) => r.segments.at(-1)!;
  try {
    for (const task of tasks) {
      const group: Live[] = [];
      const episodes = await Promise.all(Array.from({ length: o.groupSize }, () => env.reset(task)));
      for (const episode of episodes) {
        group.push({
          episode,
          done: false,
          rollout: {
            task,
            segments: [opening(tok, episode.messages)],
            transcript: [],
            reward: 0,
            correct: false,
            truncated: false,
            turns: 0,
            length: 0,
            advantage: 0,
          },
        });
      }
      groups.push(group);
    }

    for (let turn = 0; turn < env.maxTurns; turn++) {
      const live = groups.flat().filter((l) => !l.done);
      // an episode whose conversation fills the context ends here, cut short
      for (const l of live) {
        if (tip(l.rollout).ids.length >= o.contextLength - 1) {
          l.done = true;
          l.rollout.truncated = true;
        }
      }
      const active = live.filter((l) => !l.done);
      if (active.length === 0) break;
      let completions: Completion[];
      let owners: Live[];
      const options = {
        temperature: o.temperature,
        maxTokens: o.maxTokens,
        ...(env.stop.length ? { stop: [...env.stop] } : {}),
      };
      if (turn === 0) {
        // a group's episodes share their start: all of it fits, or none of it does
        const fit = groups.filter((g) => !g[0]!.done);
        completions = await sampler.sample(
          fit.map((g) => tip(g[0]!.rollout).ids),
          { ...options, n: o.groupSize, seed: o.seed },
        );
        owners = fit.flat();
      } else {
        completions = await sampler.sample(
          active.map((l) => tip(l.rollout).ids),
          { ...options, n: 1, seed: o.seed * 31 + turn },
        );
        owners = active;
      }
      // the environments step concurrently (browser pages work in parallel); each episode alone
      await Promise.all(
        completions.map(async (c, i) => {
          const l = owners[i]!;
          const r = l.rollout;
          const seg = tip(r);
          const sampled = c.tokens.map((t) => t.id);
          seg.ids.push(...sampled);
          seg.generated.push(...sampled.map(() => 1));
          seg.logprobs.push(...c.tokens.map((t) => t.samplingLogprob));
          r.length += sampled.length;
          r.turns++;
          const endedByToken = sampled.at(-1) === end;
          // a stop string ends the text before it; the environment reads the call whole
          const stoppedAt =
            c.finishReason === "stop" && !endedByToken
              ? env.stop.find((s) => tok.decode(sampled).startsWith(s, c.text.length))
              : undefined;
          const reply = c.text + (stoppedAt ?? "");
          const truncated = c.finishReason === "length";
          if (truncated) r.truncated = true;
          const step = await l.episode.step(reply, { tokens: sampled.length, truncated });
          r.reward += step.reward;
          r.transcript.push({ role: "assistant", content: reply }, ...step.messages);
          if (step.done || turn === env.maxTurns - 1) {
            l.done = true;
            r.correct = step.done && step.correct;
            return;
          }
          if (step.restart) {
            r.segments.push(opening(tok, step.messages));
            return;
          }
          // the environment's turn: close the reply, add its messages, open the next reply
          const more = [
            ...(endedByToken ? [] : [end]),
            ...step.messages.flatMap((m) => messageIds(tok, m)),
            assistant,
          ];
          seg.ids.push(...more);
          seg.generated.push(...more.map(() => 0));
          seg.logprobs.push(...more.map(() => 0));
        }),
      );
    }
  } finally {
    await Promise.all(groups.flat().map((l) => l.episode.close()));
  }
  return groups.map((g) => g.map((l) => l.rollout));
}

/** Lowers each correct episode's reward by `turnCost` per turn it took (the RL stage's turnCost). */
export function chargeTurns(group: Rollout[], turnCost: number): void {
  for (const r of group) if (r.correct) r.reward -= turnCost * r.turns;
}

/**
 * The rows the loss trains on, one per segment of each rollout (with its rollout's advantage):
 * inputs and targets shifted by one, the mask of generated targets and their sampling
 * log-probabilities; T covers the longest segment, capped by the context.
 */
export function lossRows(rollouts: readonly Rollout[], pad: number, contextLength: number) {
  const segments = rollouts.flatMap((r) =>
    r.segments.filter((s) => s.generated.some(Boolean)).map((s) => ({ s, advantage: r.advantage })),
  );
  const T = Math.min(contextLength, Math.max(...segments.map(({ s }) => s.ids.length)) - 1);
  const rows = segments.map(({ s, advantage }) => {
    const ids = s.ids.slice(0, T + 1);
    return {
      advantage,
      inputs: Array.from({ length: T }, (_, t) => ids[t] ?? pad),
      targets: Array.from({ length: T }, (_, t) => ids[t + 1] ?? pad),
      mask: Array.from({ length: T }, (_, t) => (t + 1 < ids.length ? s.generated[t + 1]! : 0)),
      old: Array.from({ length: T }, (_, t) =>
        t + 1 < ids.length && s.generated[t + 1] ? s.logprobs[t + 1]! : 0,
      ),
    };
  });
  return { T, rows };
}
