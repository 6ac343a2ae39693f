// The agent loop: observe, ask the model, check with the supervisor, act with real input, record.
// A bad model reply or an impossible action becomes an error step the model sees next time.
import type { EpisodeInfo, EpisodeWriter, RunWriter } from "@reasonlab/runs";
import { type ComputerAction, type ComputerActionInput, describeAction } from "./actions.js";
import { ActionError, type Point } from "./computer.js";
import { GrammarError } from "./grammar.js";
import { renderObservation } from "./observation.js";
import { observe, type Session } from "./session.js";
import type { Snapshot } from "./snapshot.js";
import { type Supervisor, sensitiveReason } from "./supervisor.js";
import type { Score } from "./tasks/task.js";

export interface AgentInput {
  goal: string;
  step: number;
  url: string;
  screenshot: Buffer;
  snapshot: Snapshot;
  /** What went wrong with the previous reply or action, for the model to correct. */
  feedback?: string;
  /**
   * The previous reply's or action's error alone, as training observations show it (`Last: ...
   * failed: <error>`); `feedback` says it in a sentence, with any other notes.
   */
  error?: string;
  /** Safety checks the user consented to for the previous action (Responses API protocol). */
  acknowledged?: SafetyCheck[];
}

export interface SafetyCheck {
  id: string;
  code?: string | null;
  message?: string | null;
}

export interface Decision {
  /** The model's reply as text (reasoning, the action line or the call), for the record. */
  output: string;
  actions: ComputerActionInput[];
  done?: boolean;
  answer?: string;
  safetyChecks?: SafetyCheck[];
}

export interface AgentModel {
  name: string;
  decide(input: AgentInput): Promise<Decision>;
}

/** A reply the agent could not use: recorded, shown to the model, never a crash. */
export class ModelOutputError extends Error {
  override name = "ModelOutputError";
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

export interface StepReport {
  step: number;
  url: string;
  output: string;
  actions: string[];
  error?: string;
  reward: number | null;
  ms: number;
}

export interface EpisodeResult {
  status: EpisodeInfo["status"];
  reward: number | null;
  steps: number;
  answer?: string;
  reason: string;
}

export interface EpisodeOptions {
  session: Session;
  model: AgentModel;
  goal: string;
  maxSteps?: number;
  maxSeconds?: number;
  supervisor?: Supervisor;
  /** Where steps go: screenshots, observations, outputs, actions, rewards. */
  episode?: EpisodeWriter;
  run?: RunWriter;
  /** The task's reward from the page state; absent for open goals. */
  score?: () => Promise<Score>;
  onStep?: (report: StepReport) => void;
  clock?: () => number;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const isModelFault = (e: unknown) =>
  e instanceof ModelOutputError || e instanceof GrammarError || e instanceof ActionError;

export async function runEpisode(options: EpisodeOptions): Promise<EpisodeResult> {
  const { session, model, goal, supervisor, episode, run } = options;
  const { page, computer } = session;
  const maxSteps = options.maxSteps ?? 20;
  const maxSeconds = options.maxSeconds ?? 300;
  const clock = options.clock ?? Date.now;
  const start = clock();
  let feedback: string | undefined;
  let lastError: string | undefined;
  let acknowledged: SafetyCheck[] | undefined;
  let reward: number | null = null;
  let blockedSeen = session.blocked.length;

  const look = () => observe(session);
  const finish = async (status: EpisodeInfo["status"], reason: string, steps: number, answer?: string) => {
    if (options.score) reward = (await options.score()).reward;
    const { snapshot, screenshot } = await look().catch(() => ({ snapshot: null, screenshot: undefined }));
    episode?.step(
      {
        url: page.url(),
        action: null,
        observation: snapshot ? undefined : "(page unavailable)",
        modelOutput: `episode ended: ${reason}`,
        reward,
      },
      screenshot,
    );
    episode?.end(status, reward);
    run?.event("episode", `${episode?.id ?? "episode"} ${status}: ${reason}`, {
      data: { status, reward, steps },
    });
    return { status, reward, steps, reason, ...(answer !== undefined ? { answer } : {}) };
  };
  const noteBlocked = () => {
    for (const b of session.blocked.slice(blockedSeen)) {
      run?.event("blocked", `blocked request to ${b.url}`, {
        level: "warn",
        data: { url: b.url, method: b.method, resourceType: b.resourceType, episode: episode?.id ?? null },
      });
      feedback = `${feedback ? `${feedback}\n` : ""}A request to ${new URL(b.url).origin} was blocked: that origin is not allowed.`;
    }
    blockedSeen = session.blocked.length;
  };

  for (let step = 0; step < maxSteps; step++) {
    if (supervisor?.stopped()) return finish("aborted", "stopped by the user", step);
    if (supervisor && (await supervisor.waitUntilResumed())) {
      if (supervisor.stopped()) return finish("aborted", "stopped by the user", step);
      const { screenshot } = await look();
      episode?.step(
        { url: page.url(), action: { type: "takeover" }, modelOutput: "a person had the controls" },
        screenshot,
      );
      feedback = "The user paused you and may have changed the page; look at it again before acting.";
    }
    if ((clock() - start) / 1000 > maxSeconds)
      return finish("failure", `time budget of ${maxSeconds}s spent`, step);

    const t0 = clock();
    const { snapshot, screenshot } = await look();
    const report = (fields: Omit<StepReport, "step" | "url" | "ms">) =>
      options.onStep?.({ step, url: snapshot.url, ms: clock() - t0, ...fields });
    let decision: Decision;
    try {
      decision = await model.decide({
        goal,
        step,
        url: snapshot.url,
        screenshot,
        snapshot,
        ...(feedback ? { feedback } : {}),
        ...(lastError ? { error: lastError } : {}),
        ...(acknowledged ? { acknowledged } : {}),
      });
    } catch (e) {
      if (!isModelFault(e)) throw e;
      feedback = `Your last reply could not be used: ${message(e)}`;
      lastError = message(e);
      const output = e instanceof ModelOutputError ? e.output : "";
      episode?.step(
        {
          url: snapshot.url,
          observation: renderObservation(snapshot, goal, { full: true }),
          modelOutput: output,
          action: null,
          error: message(e),
          durationMs: clock() - t0,
        },
        screenshot,
      );
      report({ output, actions: [], error: message(e), reward });
      continue;
    }
    feedback = undefined;
    lastError = undefined;
    acknowledged = undefined;

    if (decision.done) {
      episode?.step(
        {
          url: snapshot.url,
          observation: renderObservation(snapshot, goal, { full: true }),
          modelOutput: decision.output,
          action: { type: "done", ...(decision.answer !== undefined ? { answer: decision.answer } : {}) },
          durationMs: clock() - t0,
        },
        screenshot,
      );
      report({ output: decision.output, actions: ["done"], reward });
      const score = options.score ? await options.score() : null;
      const ok = score ? score.reward >= 1 : true;
      return finish(
        ok ? "success" : "failure",
        "the model declared the goal reached",
        step + 1,
        decision.answer,
      );
    }

    let error: string | undefined;
    if (decision.safetyChecks?.length) {
      for (const check of decision.safetyChecks) {
        const consent = await (supervisor?.confirm({
          step,
          kind: "safety-check",
          reason: check.message ?? check.code ?? check.id,
        }) ?? false);
        if (!consent) {
          episode?.step(
            {
              url: snapshot.url,
              modelOutput: decision.output,
              action: null,
              error: `safety check declined: ${check.message ?? check.code}`,
              durationMs: clock() - t0,
            },
            screenshot,
          );
          return finish("aborted", "the user declined a safety check", step + 1);
        }
      }
      acknowledged = decision.safetyChecks;
    }

    const points: Point[] = [];
    const done: ComputerAction[] = [];
    for (const action of decision.actions) {
      const reason = await sensitiveReason(page, action);
      if (
        reason &&
        !(await (supervisor?.confirm({ step, kind: "sensitive-action", reason, action }) ?? false))
      ) {
        error = `the user declined this action: it ${reason}`;
        break;
      }
      try {
        const result = await computer.perform(action);
        points.push(...result.points);
        done.push(result.action);
      } catch (e) {
        if (!(e instanceof ActionError)) throw e;
        error = message(e);
        break;
      }
    }
    if (error) {
      feedback = `Your last action failed: ${error}`;
      lastError = error;
    }
    noteBlocked();
    const score = options.score ? await options.score() : null;
    if (score) reward = score.reward;
    episode?.step(
      {
        url: snapshot.url,
        observation: renderObservation(snapshot, goal, { full: true }),
        modelOutput: decision.output,
        action:
          done.length === 1 ? { ...done[0]! } : { type: "sequence", actions: done.map((a) => ({ ...a })) },
        points,
        ...(error ? { error } : {}),
        reward,
        durationMs: clock() - t0,
      },
      screenshot,
    );
    report({
      output: decision.output,
      actions: done.map(describeAction),
      ...(error ? { error } : {}),
      reward,
    });
    if (score?.done)
      return finish(score.reward >= 1 ? "success" : "failure", "the task reached an end state", step + 1);
  }
  return finish("failure", `step budget of ${maxSteps} spent`, maxSteps);
}
