// The models an eval can ask: a checkpoint of this project, in-process, or any OpenAI-compatible
// endpoint, behind one interface, so one table compares a local checkpoint with a hosted model.
import fs from "node:fs";
import path from "node:path";
import type { ChatMessage } from "@reasonlab/env-math";
import { checkpointStep, openRun } from "@reasonlab/runs";
import { z } from "zod";
import { mapLimit } from "./pool.js";

export interface CompletionText {
  text: string;
  /** Completion tokens, when the model reports them. */
  tokens: number | null;
  error?: string;
}

export interface CompleteOptions {
  n: number;
  temperature: number;
  maxTokens: number;
  seed: number;
}

export interface Completer {
  /** How results name this model. */
  name: string;
  /** The training step, for a checkpoint. */
  step?: number;
  /** Chunks of a suite it can take at once (workers behind a queue); 1 when left out. */
  parallel?: number;
  /** `n` completions for each chat, in order. */
  complete(chats: readonly ChatMessage[][], o: CompleteOptions): Promise<CompletionText[][]>;
  close(): Promise<void>;
}

/** `DIR` (a checkpoint or a run's newest), or `NAME` / `NAME@BASE_URL` for an OpenAI-compatible endpoint. */
export const ModelSpec = z.string().min(1, "give a checkpoint folder or a model name");

export function isCheckpointSpec(spec: string): boolean {
  return fs.existsSync(spec) && fs.statSync(spec).isDirectory();
}

/** `NAME@BASE_URL` into its parts; a plain `NAME` leaves the base URL to the environment. */
export function parseEndpointSpec(spec: string): { model: string; baseURL?: string } {
  const at = spec.indexOf("@");
  return at > 0 ? { model: spec.slice(0, at), baseURL: spec.slice(at + 1) } : { model: spec };
}

export async function openModel(spec: string, { backend = "auto" as string } = {}): Promise<Completer> {
  if (isCheckpointSpec(spec)) return checkpointModel(spec, backend);
  return endpointModel(parseEndpointSpec(spec));
}

/** A checkpoint evaluated in-process with the policy's batched KV-cache sampler. */
export async function checkpointModel(dir: string, backendName = "auto", batchSize = 64): Promise<Completer> {
  const policy = await import("@reasonlab/policy");
  const ckpt = policy.resolveCheckpoint(dir);
  const backend = await policy.loadBackend(policy.BackendName.parse(backendName));
  const { model, tokenizer } = policy.loadCheckpoint(backend.tf, ckpt);
  const step = checkpointStep(path.basename(path.resolve(ckpt)));
  return policyCompleter(policy, model, tokenizer, {
    name: checkpointLabel(ckpt),
    ...(step !== null ? { step } : {}),
    batchSize,
  });
}

type Policy = typeof import("@reasonlab/policy");

/** A loaded policy as a Completer: what a checkpoint and a worker's copy of one both answer with. */
export function policyCompleter(
  policy: Policy,
  model: import("@reasonlab/policy").Model,
  tokenizer: import("@reasonlab/policy").Tokenizer,
  { name, step, batchSize = 64 }: { name: string; step?: number; batchSize?: number },
): Completer {
  const room = model.config.contextLength;
  return {
    name,
    ...(step !== undefined ? { step } : {}),
    async complete(chats, o) {
      const out: CompletionText[][] = chats.map(() => []);
      const prompts = chats.map((c) => policy.renderChat(tokenizer, c, { generation: true }).ids);
      const fits = prompts.map((p, i) => ({ p, i })).filter(({ p }) => p.length < room - 1);
      for (const { p, i } of prompts.map((p, i) => ({ p, i })).filter(({ p }) => p.length >= room - 1))
        out[i] = Array.from({ length: o.n }, () => ({
          text: "",
          tokens: 0,
          error: `prompt of ${p.length} tokens does not fit the ${room}-token context`,
        }));
      // Batches of whole prompts (n rows each), so every prompt's samples share one seed stream.
      const per = Math.max(1, Math.floor(batchSize / o.n));
      for (let s = 0; s < fits.length; s += per) {
        const batch = fits.slice(s, s + per);
        const completions = await policy.sample(
          model,
          tokenizer,
          batch.map((b) => b.p),
          {
            n: o.n,
            temperature: o.temperature,
            maxTokens: o.maxTokens,
            seed: o.seed + s,
          },
        );
        for (const [j, c] of completions.entries())
          out[batch[Math.floor(j / o.n)]!.i]!.push({ text: c.text, tokens: c.tokens.length });
      }
      return out;
    },
    async close() {
      policy.disposeModel(model);
    },
  };
}

/** "run-name@300" for a checkpoint inside a run directory; the folder name otherwise. */
export function checkpointLabel(ckptDir: string): string {
  const abs = path.resolve(ckptDir);
  const parent = path.dirname(abs);
  const step = checkpointStep(path.basename(abs));
  if (path.basename(parent) !== "checkpoints" || step === null) return path.basename(abs);
  const runDir = path.dirname(parent);
  try {
    return `${openRun(runDir).info().name}@${step}`;
  } catch {
    return `${path.basename(runDir)}@${step}`;
  }
}

/** Any OpenAI-compatible chat endpoint through the official client; a few requests in flight. */
export async function endpointModel({
  model,
  baseURL,
  apiKey,
  concurrency = 4,
}: {
  model: string;
  baseURL?: string;
  apiKey?: string;
  concurrency?: number;
}): Promise<Completer> {
  const { default: OpenAI } = await import("openai");
  const client = new OpenAI({
    baseURL: baseURL ?? process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
    apiKey: apiKey ?? process.env.OPENAI_API_KEY ?? "none",
    maxRetries: 2,
  });
  return {
    name: model,
    // several chunks of a suite in flight: a batching server (reasonlab serve) always has the
    // next requests waiting when one finishes, instead of draining at every chunk's end
    parallel: 4,
    complete: (chats, o) =>
      mapLimit(chats, concurrency, async (chat, i): Promise<CompletionText[]> => {
        try {
          const r = await client.chat.completions.create({
            model,
            messages: chat.map((m) => ({
              role: m.role === "tool" ? "user" : m.role,
              content: m.content,
            })),
            n: o.n,
            temperature: o.temperature,
            max_tokens: o.maxTokens,
            seed: o.seed + i,
          });
          const perChoice = r.usage ? r.usage.completion_tokens / Math.max(1, r.choices.length) : null;
          const out: CompletionText[] = r.choices.map((c) => ({
            text: c.message.content ?? "",
            tokens: perChoice,
          }));
          while (out.length < o.n)
            out.push({ text: "", tokens: null, error: "the endpoint returned fewer choices than n" });
          return out;
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          if (/ECONNREFUSED|fetch failed|Connection error/i.test(error))
            throw new Error(`${model}: cannot reach the endpoint: ${error}`);
          return Array.from({ length: o.n }, () => ({ text: "", tokens: null, error }));
        }
      }),
    async close() {},
  };
}
