// Task episodes on worker machines (`operate --task F --episodes N --redis URL`): one job per
// seed on the `episodes` queue; each worker runs it in a browser context of its own and sends the
// episode folder back (steps and screenshots), which the caller writes into the run directory it
// named, so episodes land there from any machine, shared file system or not.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { QueueClient } from "@reasonlab/queue";
import type { RunWriter } from "@reasonlab/runs";
import type { Browser } from "playwright";
import { z } from "zod";

export const EpisodeJob = z.object({
  family: z.string().min(1),
  seed: z.number().int().min(0),
  /** `expert`, or a model name behind an OpenAI-compatible endpoint (the worker's OPENAI_API_KEY). */
  model: z.string().min(1),
  baseUrl: z.string().optional(),
  mode: z.enum(["computer", "tools", "text"]),
  /** The project's own policy: no system prompt, the last observation, short replies. */
  policy: z.boolean().default(false),
  maxSteps: z.number().int().min(1).optional(),
  maxSeconds: z.number().int().min(1),
  /** Consent to sensitive actions; a worker has no one to ask, so without it they are declined. */
  yes: z.boolean().default(false),
});
export type EpisodeJob = z.infer<typeof EpisodeJob>;

const RemoteEpisode = z.object({
  family: z.string(),
  seed: z.number().int(),
  instruction: z.string(),
  status: z.string(),
  reward: z.number().nullable(),
  steps: z.number().int(),
  reason: z.string(),
  worker: z.string(),
  episode: z
    .object({ id: z.string(), files: z.array(z.object({ name: z.string(), base64: z.string() })) })
    .nullable(),
});
export type RemoteEpisode = z.infer<typeof RemoteEpisode>;

/** The worker's side: a browser per worker process, a fresh context per episode. */
export function operateEpisodeJob() {
  let browser: Promise<Browser> | null = null;
  return {
    queue: "episodes" as const,
    kind: "operate-episode",
    payload: EpisodeJob,
    async run(
      p: EpisodeJob,
      ctx: { worker: string; progress(v: object): Promise<void> },
    ): Promise<RemoteEpisode> {
      const op = await import("./index.js");
      const { createRun } = await import("@reasonlab/runs");
      browser ??= op.launchChromium();
      const env = await op.createTaskEnv({ browser: await browser });
      const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "reasonlab-episode-"));
      const run = createRun({ root: scratch, name: "episode", kind: "operate" });
      try {
        const client = p.model === "expert" ? null : op.openaiClient(p.baseUrl ? { baseURL: p.baseUrl } : {});
        const { task, result, episode } = await op.runTask(
          env,
          p.family,
          p.seed,
          (task) =>
            client
              ? op.createModel(p.mode, {
                  client,
                  model: p.model,
                  ...(p.policy ? { system: false, historyTurns: 1, maxTokens: 32 } : {}),
                })
              : op.expertModel(() => task),
          {
            run,
            // unique across workers: two may start the same family in the same millisecond
            episodeId: `${Date.now()}-${p.family}-${p.seed}`,
            supervisor: op.createSupervisor({ confirm: async () => p.yes }),
            ...(p.maxSteps ? { maxSteps: p.maxSteps } : {}),
            maxSeconds: p.maxSeconds,
            onStep: (r) => void ctx.progress({ step: r.step + 1 }).catch(() => {}),
          },
        );
        run.finish();
        const dir = episode ? path.join(run.dir, "episodes", episode) : null;
        return {
          family: p.family,
          seed: p.seed,
          instruction: task.instruction,
          status: result.status,
          reward: result.reward ?? null,
          steps: result.steps,
          reason: result.reason,
          worker: ctx.worker,
          episode:
            dir && episode
              ? {
                  id: episode,
                  files: fs.readdirSync(dir).map((name) => ({
                    name,
                    base64: fs.readFileSync(path.join(dir, name)).toString("base64"),
                  })),
                }
              : null,
        };
      } finally {
        await env.close();
        fs.rmSync(scratch, { recursive: true, force: true });
      }
    },
    async close() {
      if (browser) await (await browser.catch(() => null))?.close();
      browser = null;
    },
  };
}

/**
 * The caller's side: every seed a job, results as they come (`onResult`), each episode written
 * into `run`'s episodes/ under the id the worker gave it.
 */
export async function remoteEpisodes(
  url: string,
  run: RunWriter,
  jobs: EpisodeJob[],
  onResult: (r: RemoteEpisode) => void,
): Promise<RemoteEpisode[]> {
  const { queueClient } = await import("@reasonlab/queue");
  const { runPaths } = await import("@reasonlab/runs");
  const client: QueueClient = queueClient(url);
  const runId = path.basename(run.dir);
  try {
    return await Promise.all(
      jobs.map(async (job) => {
        const r = await client.submit("episodes", "operate-episode", job, {
          jobId: `${runId}.${job.family}.${job.seed}`,
          result: RemoteEpisode,
        });
        if (r.episode) {
          const dir = runPaths(run.dir).episode(r.episode.id);
          fs.mkdirSync(dir, { recursive: true });
          for (const f of r.episode.files)
            fs.writeFileSync(path.join(dir, path.basename(f.name)), Buffer.from(f.base64, "base64"));
        }
        run.event("episode", `${r.episode?.id ?? `${r.family}/${r.seed}`} ${r.status}: ${r.reason}`, {
          data: { family: r.family, seed: r.seed, worker: r.worker },
        });
        onResult(r);
        return r;
      }),
    );
  } finally {
    await client.close();
  }
}
