// The browser task suite as an RL environment (env-math's Environment), so the one RL trainer
// that teaches math can teach the policy to operate: a task is (family, seed); an episode is a
// page of its own; each reply is one grammar line acted out with real input; the observation
// after it restarts the conversation (it says everything the next step needs, in a few hundred
// characters); the reward is the task's score when the episode ends, partial credit included.
import { createRng, type EnvEpisode, type Environment, type EnvTask } from "@reasonlab/env-math";
import { type EpisodeWriter, openEpisode } from "@reasonlab/runs";
import type { Browser } from "playwright";
import { launchChromium } from "../browser.js";
import { parseCommand, replyLine } from "../grammar.js";
import { renderObservation } from "../observation.js";
import { DEFAULT_VIEWPORT } from "../session.js";
import { createTaskEnv, type TaskEnv } from "./env.js";
import { getTaskFamily, taskInstance } from "./families.js";
import { startTaskServer, type TaskServer } from "./server.js";

/** Seeds RL and demonstrations train on start here; held-out seeds (the eval suites) lie below. */
export const TRAIN_SEEDS_FROM = 100_000;

export interface BrowserEnvironmentOptions {
  families: readonly string[];
  /** Draws training tasks: (family, seed) pairs from a counter, so a resumed run draws the same. */
  seed: number;
  saved?: Record<string, unknown>;
  /** The most replies an episode gets (a task's own step budget applies when lower). */
  maxTurns?: number;
  browser?: Browser;
  server?: TaskServer;
  /**
   * Keeps every `every`-th episode in the run directory's episodes/ (observation, reply, action,
   * screenshot each step), so the dashboard's replay shows what the policy did while it trained.
   */
  record?: { runDir: string; every: number };
}

export interface BrowserEnvironment extends Environment {
  /** Pages opened so far (one per episode running at once). */
  pages(): number;
}

/** The user turn a text policy gets: the observation of the page. */
export const observationMessage = (text: string) => ({ role: "user" as const, content: text });

export async function browserEnvironment(options: BrowserEnvironmentOptions): Promise<BrowserEnvironment> {
  for (const f of options.families) getTaskFamily(f);
  // Chromium and the task server start with the first episode: a trainer whose rollouts run on
  // worker machines (`--redis`) only draws tasks here, and needs no browser of its own
  let started: Promise<{ browser: Browser; server: TaskServer }> | null = null;
  const start = () =>
    (started ??= (async () => ({
      browser: options.browser ?? (await launchChromium()),
      server: options.server ?? (await startTaskServer()),
    }))());
  const idle: TaskEnv[] = [];
  const all: TaskEnv[] = [];
  let drawn = typeof options.saved?.drawn === "number" ? options.saved.drawn : 0;
  let resets = 0;
  const maxTurns = options.maxTurns ?? 8;

  const acquire = async () => {
    const env = idle.pop() ?? (await createTaskEnv({ ...(await start()), screenshots: false }));
    if (!all.includes(env)) all.push(env);
    return env;
  };

  return {
    name: "browser",
    stop: [],
    maxTurns,
    nextTask(): EnvTask {
      const rng = createRng("browser-rl", options.seed, drawn++);
      const family = rng.pick(options.families);
      const seed = TRAIN_SEEDS_FROM + rng.int(0, 1_000_000_000);
      return { id: `${family}/${seed}`, family, seed, prompt: taskInstance(family, seed).instruction };
    },
    async reset(task): Promise<EnvEpisode> {
      const env = await acquire();
      let obs = await env.reset(task.family, task.seed);
      const instance = env.task();
      const budget = Math.min(maxTurns, instance.maxSteps);
      let turn = 0;
      const every = options.record?.every ?? 0;
      const episode: EpisodeWriter | null =
        options.record && every > 0 && resets++ % every === 0
          ? openEpisode(options.record.runDir, {
              id: `rl-${String(Date.now())}-${task.family}-${task.seed}`,
              task: task.family,
              seed: task.seed,
              goal: instance.instruction,
              model: "policy (RL rollout)",
              viewport: env.session.page.viewportSize() ?? DEFAULT_VIEWPORT,
            })
          : null;
      const shot = async () =>
        episode ? await env.session.page.screenshot().catch(() => undefined) : undefined;
      let seen = renderObservation(obs.snapshot, instance.instruction);
      let screenshot = await shot();
      let ended = false;
      let released = false;
      const release = () => {
        if (!released) idle.push(env);
        released = true;
      };
      return {
        messages: [observationMessage(seen)],
        async step(reply) {
          turn++;
          // the action is the reply's last grammar line; a reply without one is a failed step
          const line = replyLine(reply);
          const url = obs.url;
          const result = await env.step(line);
          obs = result.observation;
          const done = result.done || turn >= budget;
          const text = renderObservation(obs.snapshot, instance.instruction, {
            last: line,
            ...(result.error ? { error: result.error } : {}),
          });
          if (episode) {
            let action: Record<string, unknown> | null = null;
            try {
              action = { ...parseCommand(line) };
            } catch {}
            episode.step(
              {
                url,
                observation: seen,
                modelOutput: reply,
                action,
                ...(result.error ? { error: result.error } : {}),
                reward: done ? result.reward : null,
              },
              screenshot,
            );
            if (done) {
              episode.end(result.reward >= 1 ? "success" : "failure", result.reward);
              ended = true;
            } else screenshot = await shot();
          }
          seen = text;
          return {
            messages: done ? [] : [observationMessage(text)],
            reward: done ? result.reward : 0,
            done,
            correct: result.reward >= 1,
            restart: true,
          };
        },
        async close() {
          // cut short (the conversation filled the context) before the task said done
          if (episode && !ended) episode.end("aborted", null);
          release();
        },
      };
    },
    record() {},
    state: () => ({ drawn }),
    pages: () => all.length,
    async close() {
      await Promise.all(all.map((e) => e.close()));
      const running = await started?.catch(() => null);
      if (!running) return;
      if (!options.server) await running.server.close();
      if (!options.browser) await running.browser.close();
    },
  };
}
