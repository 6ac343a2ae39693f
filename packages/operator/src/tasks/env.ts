// The task suite as an RL environment: reset(family, seed) -> observation,
// step(action) -> { observation, reward, done }. Actions are Computer actions or grammar lines.
import type { RunWriter } from "@reasonlab/runs";
import type { ComputerActionInput } from "../actions.js";
import { type AgentModel, type EpisodeOptions, type EpisodeResult, runEpisode } from "../agent.js";
import { parseCommand, resolveCommand } from "../grammar.js";
import { observe, openSession, type Session, type SessionOptions } from "../session.js";
import { type Snapshot, takeSnapshot } from "../snapshot.js";
import { taskInstance } from "./families.js";
import { startTaskServer, type TaskServer } from "./server.js";
import type { Score, TaskEvent, TaskInstance } from "./task.js";

export interface Observation {
  url: string;
  goal: string;
  screenshot: Buffer;
  snapshot: Snapshot;
}

export interface StepResult {
  observation: Observation;
  reward: number;
  done: boolean;
  /** Set when the action could not be taken; the episode goes on. */
  error?: string;
}

export interface TaskEnv {
  readonly session: Session;
  readonly server: TaskServer;
  task(): TaskInstance;
  reset(family: string, seed: number): Promise<Observation>;
  step(action: ComputerActionInput | ComputerActionInput[] | string): Promise<StepResult>;
  observe(): Promise<Observation>;
  score(): Promise<Score>;
  close(): Promise<void>;
}

/** The events the task page recorded; read from sessionStorage, which survives its page loads. */
export async function readEvents(session: Session): Promise<TaskEvent[]> {
  try {
    return await session.page.evaluate(
      () => (window as unknown as { __task?: { events(): TaskEvent[] } }).__task?.events() ?? [],
    );
  } catch {
    return [];
  }
}

export async function createTaskEnv(
  options: Omit<SessionOptions, "allowedOrigins"> & {
    server?: TaskServer;
    /** Observations carry a screenshot (default); off for text-only training, where it is waste. */
    screenshots?: boolean;
  } = {},
): Promise<TaskEnv> {
  const ownServer = !options.server;
  const server = options.server ?? (await startTaskServer());
  const session = await openSession({ ...options, allowedOrigins: [server.url] });
  let current: TaskInstance | null = null;
  let lastSnapshot: Snapshot | null = null;
  let lastEvents: TaskEvent[] = [];

  const task = () => {
    if (!current) throw new Error("call reset(family, seed) first");
    return current;
  };
  const look = async (): Promise<Observation> => {
    const { snapshot, screenshot } = await observe(session, { screenshot: options.screenshots ?? true });
    lastSnapshot = snapshot;
    return { url: snapshot.url, goal: task().instruction, screenshot, snapshot };
  };
  const score = async (): Promise<Score> => {
    const events = await readEvents(session);
    // Off the task's origin (a blocked page) the recorder is out of reach: keep what it said last.
    if (events.length >= lastEvents.length) lastEvents = events;
    return task().score(lastEvents);
  };

  return {
    session,
    server,
    task,
    observe: look,
    score,
    async reset(family, seed) {
      current = taskInstance(family, seed);
      lastEvents = [];
      session.computer.clearCalculator();
      // The recorder lives in the origin's sessionStorage: clear the previous episode's record.
      await session.page.goto(server.taskUrl(family, seed));
      await session.page.evaluate(() => sessionStorage.clear());
      return look();
    },
    async step(action) {
      task();
      let error: string | undefined;
      let declaredDone = false;
      try {
        let actions: ComputerActionInput[];
        if (typeof action === "string") {
          const cmd = parseCommand(action);
          if (!lastSnapshot) lastSnapshot = await takeSnapshot(session.page);
          declaredDone = cmd.verb === "done";
          actions = resolveCommand(cmd, lastSnapshot);
        } else actions = Array.isArray(action) ? action : [action];
        for (const a of actions) await session.computer.perform(a);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      const s = await score();
      const observation = await look();
      return {
        observation,
        reward: s.reward,
        done: s.done || declaredDone,
        ...(error ? { error } : {}),
      };
    },
    async close() {
      await session.close();
      if (ownServer) await server.close();
    },
  };
}

export interface TaskRunOptions
  extends Pick<EpisodeOptions, "supervisor" | "onStep" | "maxSteps" | "maxSeconds" | "clock"> {
  /** Records the episode (steps, screenshots, rewards) into this run; none when absent. */
  run?: RunWriter;
  /** Called once the task is set up, before the model's first step. */
  onStart?: (task: TaskInstance) => void;
  /** The recorded episode's id (default: time and family). */
  episodeId?: string;
}

/**
 * One task episode, the way every caller runs it: reset to (family, seed), let the model act
 * (`model` may be built from the task, as the expert is), score from the page, and record it into
 * `run`. Task limits apply unless the options are tighter.
 */
export async function runTask(
  env: TaskEnv,
  family: string,
  seed: number,
  model: AgentModel | ((task: TaskInstance) => AgentModel),
  options: TaskRunOptions = {},
): Promise<{ task: TaskInstance; result: EpisodeResult; episode?: string }> {
  await env.reset(family, seed);
  const task = env.task();
  const agent = typeof model === "function" ? model(task) : model;
  const { run, onStart, episodeId, ...limits } = options;
  const episode = run?.episode({
    ...(episodeId ? { id: episodeId } : {}),
    task: family,
    seed,
    goal: task.instruction,
    model: agent.name,
    viewport: env.session.computer.viewport(),
  });
  onStart?.(task);
  const result = await runEpisode({
    ...limits,
    session: env.session,
    model: agent,
    goal: task.instruction,
    maxSteps: options.maxSteps ?? task.maxSteps,
    maxSeconds: Math.min(options.maxSeconds ?? Number.POSITIVE_INFINITY, task.timeLimitMs / 1000),
    score: () => env.score(),
    ...(run && episode ? { run, episode } : {}),
  });
  return { task, result, ...(episode ? { episode: episode.id } : {}) };
}
