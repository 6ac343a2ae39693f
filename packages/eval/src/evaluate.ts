// Running a suite: ask the model, verify every attempt with env-math, aggregate with honest
// statistics, and write per-sample records and the aggregate into a run directory.
import { randomUUID } from "node:crypto";
import {
  DEFAULT_REWARDS,
  SYSTEM_PROMPT,
  scoreCompletion,
  sftConversation,
  verify,
} from "@reasonlab/env-math";
import { yieldToEventLoop } from "@reasonlab/policy/event-loop";
import type { EvalResultRecord, EvalSampleRecord, RunWriter } from "@reasonlab/runs";
import type { Completer } from "./models.js";
import { mapLimit } from "./pool.js";
import { accuracyOf, bootstrapMean, type Estimate, majorityAtK, passAtK, proportion } from "./stats.js";
import { type EvalItem, type MathSuite, mathItems } from "./suites.js";

export type Metrics = Record<string, Estimate>;

export interface Outcome {
  metrics: Metrics;
  breakdown: Record<string, Metrics>;
  samples: Omit<EvalSampleRecord, "t" | "suite" | "model" | "evalId" | "step">[];
  seconds: number;
}

interface Scored {
  item: EvalItem;
  attempts: {
    text: string;
    tokens: number | null;
    extracted: string | null;
    correct: boolean;
    reward: number;
    error?: string;
  }[];
}

/** The k values maj@k is reported for: 1, powers of two, and n. */
const majKs = (n: number) => [...new Set([1, ...[2, 4, 8, 16, 32, 64, 128].filter((k) => k < n), n])];

/** Aggregates over items: each item weighs the same however many attempts it has. */
export function aggregate(scored: Scored[], { seed = 0 } = {}): Metrics {
  const n = Math.min(...scored.map((s) => s.attempts.length));
  const m: Metrics = {};
  if (scored.length === 0 || !Number.isFinite(n)) return m;
  const perItem = scored.map((s) => s.attempts.filter((a) => a.correct).length / s.attempts.length);
  m.accuracy = accuracyOf(perItem, n, { seed });
  if (n > 1) {
    for (let k = 1; k <= n; k++) {
      const values = scored.map((s) => passAtK(n, s.attempts.slice(0, n).filter((a) => a.correct).length, k));
      m[`pass@${k}`] = bootstrapMean(values, { seed: seed + k });
    }
    for (const k of majKs(n)) {
      const wins = scored.filter((s) =>
        majorityAtK(
          s.attempts.map((a) => a.extracted),
          (answer) => verify(s.item.problem, `<answer>${answer}</answer>`).correct,
          k,
        ),
      ).length;
      m[`maj@${k}`] = proportion(wins, scored.length);
    }
  }
  m.reward = bootstrapMean(
    scored.map((s) => avg(s.attempts.map((a) => a.reward))),
    { seed: seed + 1000 },
  );
  m.length_chars = bootstrapMean(
    scored.map((s) => avg(s.attempts.map((a) => a.text.length))),
    { seed: seed + 1001 },
  );
  const tokens = scored.flatMap((s) => s.attempts.map((a) => a.tokens));
  if (tokens.every((t) => t !== null))
    m.length_tokens = bootstrapMean(
      scored.map((s) => avg(s.attempts.map((a) => a.tokens!))),
      { seed: seed + 1002 },
    );
  const errors = scored.reduce((c, s) => c + s.attempts.filter((a) => a.error).length, 0);
  if (errors) m.errors = { value: errors, stderr: 0, lo: errors, hi: errors, n: scored.length * n };
  return m;
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export async function evaluateMath(
  suite: MathSuite,
  model: Completer,
  { onProgress, batch = 64 }: { onProgress?: (done: number, total: number) => void; batch?: number } = {},
): Promise<Outcome> {
  const t0 = performance.now();
  const items = mathItems(suite);
  const chunks = Array.from({ length: Math.ceil(items.length / batch) }, (_, c) => c * batch);
  let done = 0;
  /** One chunk asked and scored; chunks are seeded by position, so any order gives the same results. */
  const run = async (i: number): Promise<Scored[]> => {
    await yieldToEventLoop(); // in-process models never yield; let Ctrl+C and SIGTERM through
    const chunk = items.slice(i, i + batch);
    const chats = chunk.map((it) =>
      sftConversation(it.problem, { system: suite.system }).messages.slice(0, -1),
    );
    const completions = await model.complete(chats, {
      n: suite.samples,
      temperature: suite.temperature,
      maxTokens: suite.maxTokens,
      seed: suite.seed * 1_000_003 + i,
    });
    const answers = chunk.map((item, j) => ({
      item,
      attempts: completions[j]!.map((c) => {
        const v = verify(item.problem, c.text);
        const { reward } = scoreCompletion(DEFAULT_REWARDS, {
          problem: item.problem,
          completion: c.text,
          verdict: v,
        });
        return {
          text: c.text,
          tokens: c.tokens,
          extracted: v.extracted,
          correct: v.correct,
          reward,
          ...(c.error ? { error: c.error } : {}),
        };
      }),
    }));
    done += chunk.length;
    onProgress?.(done, items.length);
    return answers;
  };
  // a queue-backed model takes several chunks at once (one per worker); in-process, one at a time
  const scored = (await mapLimit(chunks, model.parallel ?? 1, run)).flat();
  const groups = new Map<string, Scored[]>();
  for (const s of scored) groups.set(s.item.group, [...(groups.get(s.item.group) ?? []), s]);
  const breakdown: Record<string, Metrics> = {};
  for (const [g, list] of groups) {
    const { accuracy, [`pass@${suite.samples}`]: passN } = aggregate(list);
    breakdown[g] = {
      accuracy: accuracy!,
      ...(suite.samples > 1 && passN ? { [`pass@${suite.samples}`]: passN } : {}),
    };
  }
  const system = suite.system ? `${SYSTEM_PROMPT}\n` : "";
  return {
    metrics: aggregate(scored),
    breakdown,
    samples: scored.flatMap((s) =>
      s.attempts.map((a, attempt) => ({
        item: s.item.id,
        attempt,
        prompt: system + s.item.problem.prompt,
        completion: a.text,
        expected: s.item.problem.answer,
        extracted: a.extracted,
        reward: a.reward,
        correct: a.correct,
        meta: {
          group: s.item.group,
          family: s.item.problem.family,
          difficulty: s.item.problem.difficulty,
          tokens: a.tokens,
          ...(a.error ? { error: a.error } : {}),
        },
      })),
    ),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Writes an evaluation: its samples first, then the result, which commits it. A crash in between
 * leaves samples whose evalId has no result; readers ignore those and the evaluation reruns.
 */
export function recordEvaluation(
  run: Pick<RunWriter, "log">,
  header: { suite: string; model: string; step?: number; checkpoint?: string },
  outcome: Outcome,
): EvalResultRecord {
  const evalId = randomUUID();
  const base = {
    evalId,
    suite: header.suite,
    model: header.model,
    ...(header.step !== undefined ? { step: header.step } : {}),
  };
  for (const s of outcome.samples) run.log("evalSamples", { ...base, ...s });
  const clean = (m: Metrics) =>
    Object.fromEntries(
      Object.entries(m).map(([k, e]) => [
        k,
        {
          value: Number.isFinite(e.value) ? e.value : null,
          stderr: Number.isFinite(e.stderr) ? e.stderr : null,
          lo: Number.isFinite(e.lo) ? e.lo : null,
          hi: Number.isFinite(e.hi) ? e.hi : null,
          n: e.n,
        },
      ]),
    );
  return run.log("evalResults", {
    ...base,
    ...(header.checkpoint !== undefined ? { checkpoint: header.checkpoint } : {}),
    metrics: { ...clean(outcome.metrics), seconds: { value: outcome.seconds } },
    breakdown: Object.fromEntries(Object.entries(outcome.breakdown).map(([g, m]) => [g, clean(m)])),
  });
}

/** Samples of completed evaluations only (see recordEvaluation). */
export function committedSamples(
  results: readonly EvalResultRecord[],
  samples: readonly EvalSampleRecord[],
): EvalSampleRecord[] {
  const done = new Set(results.map((r) => r.evalId).filter(Boolean));
  return samples.filter((s) => !s.evalId || done.has(s.evalId));
}
