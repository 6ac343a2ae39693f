// An OpenAI-compatible HTTP server for a policy checkpoint, on Hono: /v1/models,
// /v1/chat/completions and /v1/completions, streaming over SSE. Requests are validated with zod and
// answered with the OpenAI error shape. Generations share a running batch (engine.ts: requests
// join and leave at token granularity, each getting what it would get alone), one per engine
// thread on the CPU backends (engine-pool.ts), and a streamed generation stops when its client
// goes away.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { type ChatMessage, renderChat } from "./chat.js";
import { createEngine, type Engine } from "./engine.js";
import { enginePool } from "./engine-pool.js";
import type { Model } from "./model.js";
import { workerBackend } from "./rollouts.js";
import type { Completion, SampleOptionsInput, TokenChoice } from "./sample.js";
import type { Tokenizer } from "./tokenizer.js";

const MAX_BODY = 1 << 20;

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const Message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(z.union([TextPart, z.looseObject({ type: z.string() })])), z.null()]),
});
const stop = z.union([z.string().min(1), z.array(z.string().min(1)).max(4), z.null()]).optional();
const common = {
  model: z.string().min(1),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  n: z.number().int().min(1).max(16).nullable().optional(),
  stop,
  seed: z.number().int().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
};
export const ChatCompletionRequest = z.looseObject({
  ...common,
  messages: z.array(Message).min(1),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
});
export const CompletionRequest = z.looseObject({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(16)]),
  logprobs: z.number().int().min(0).max(5).nullable().optional(),
  echo: z.boolean().nullable().optional(),
});

class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly type = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** The one error shape of this API: OpenAI's. */
const errorResponse = (c: Context, e: ApiError) =>
  c.json({ error: { message: e.message, type: e.type, param: e.param, code: e.code } }, e.status);

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const param = issue.path.map(String).join(".") || null;
  throw new ApiError(400, `${param ? `${param}: ` : ""}${issue.message}`, "invalid_request_error", param);
}

/**
 * The request's JSON body, at most MAX_BODY bytes, read from the Node socket's own stream (the
 * server always runs on @hono/node-server). `c.req.json()` built a web Request with its streams
 * for every request: in the eval bench's 1.2 s round of 200 requests the engine gave HTTP 150 ms
 * that way, 75-115 ms this way.
 */
async function readJson(c: Context): Promise<unknown> {
  const tooLarge = () => new ApiError(413, `request body over ${MAX_BODY} bytes`);
  if (Number(c.req.header("content-length") ?? 0) > MAX_BODY) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of (c.env as { incoming: IncomingMessage }).incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "request body is not valid JSON");
  }
}

export interface Policy {
  model: Model;
  tokenizer: Tokenizer;
  /** The id clients name in `model`. */
  id: string;
}

export interface ServerHandle {
  url: string;
  close(): Promise<void>;
  /** Requests answered so far (for tests and logs). */
  readonly served: number;
  /** The most completions decoded together in one batch so far. */
  readonly peakRows: number;
  /** Engine threads decoding (0: one engine on the server's own thread). */
  readonly engines: number;
}

export async function startServer(
  policy: Policy,
  {
    host = "127.0.0.1",
    port = 8000,
    log = (_: string) => {},
    maxRows = 64,
    engines,
  }: {
    host?: string;
    port?: number;
    log?: (line: string) => void;
    /** Rows one engine decodes together; requests beyond wait their turn. */
    maxRows?: number;
    /**
     * Engine threads, each with a copy of the weights and a running batch of its own (the CPU
     * backends; default one per core, up to 8: requests are split between them, so more make
     * small batches); 0 runs one engine on the server's own thread, as the GPU backends do.
     */
    engines?: number;
  } = {},
): Promise<ServerHandle> {
  const { model, tokenizer: tok, id } = policy;
  const created = Math.floor(Date.now() / 1000);
  let served = 0;
  const backend = model.tf.getBackend();
  const threads = engines ?? (workerBackend(backend) ? Math.min(availableParallelism(), 8) : 0);
  if (threads > 0 && !workerBackend(backend))
    throw new Error(
      `engine threads run on the CPU backends (wasm, cpu); on ${backend} the engine runs on the server's own thread (engines 0)`,
    );
  /** Every generation's rows join a running batch of up to maxRows; requests beyond wait their turn. */
  const engine: Engine =
    threads > 0
      ? await enginePool(model, tok, { engines: threads, maxRows })
      : createEngine(model, tok, { maxRows });

  /**
   * Answers with a server-sent event stream: `write` sends a chunk carrying the completion's id,
   * type, time and model. A client that goes away aborts `signal`, which stops the generation, so
   * its rows leave the batch instead of finishing text nobody reads.
   */
  const eventStream = (
    c: Context,
    completionId: string,
    object: string,
    /** Streams the chunks of one generation; returns the completions it made. */
    produce: (
      write: (choices: unknown[], extra?: Record<string, unknown>) => void,
      signal: AbortSignal,
    ) => Promise<Completion[]>,
  ) =>
    streamSSE(c, async (stream) => {
      const gone = new AbortController();
      stream.onAbort(() => gone.abort());
      c.req.raw.signal.addEventListener("abort", () => gone.abort());
      const write = (choices: unknown[], extra: Record<string, unknown> = {}) => {
        if (!gone.signal.aborted)
          void stream.writeSSE({
            data: JSON.stringify(envelope(completionId, object, { choices, ...extra })),
          });
      };
      const made = await produce(write, gone.signal);
      if (gone.signal.aborted) {
        const tokens = made.reduce((n, c) => n + c.tokens.length, 0);
        log(`${completionId}: the client went away; generation stopped after ${tokens} tokens`);
      } else await stream.writeSSE({ data: "[DONE]" });
    });

  /** What every answer and streamed chunk carries: the completion's id, type, time and model. */
  const envelope = (completionId: string, object: string, body: Record<string, unknown>) => ({
    id: completionId,
    object,
    created: Math.floor(Date.now() / 1000),
    model: id,
    ...body,
  });

  const tokenText = (t: TokenChoice) => (t.id === tok.special["<|end|>"] ? "" : tok.decode([t.id]));
  /** One token in the chat API's logprobs shape. */
  const logprob = (tokenId: number, value: number, token = tok.decode([tokenId])) => ({
    token,
    logprob: value,
    bytes: [...tok.tokenBytes(tokenId)],
  });
  const usageOf = (promptTokens: number, completions: Completion[]) => {
    const completion = completions.reduce((n, c) => n + c.tokens.length, 0);
    return {
      prompt_tokens: promptTokens,
      completion_tokens: completion,
      total_tokens: promptTokens + completion,
    };
  };
  function options(
    body: z.infer<typeof ChatCompletionRequest> | z.infer<typeof CompletionRequest>,
    promptLength: number,
    maxTokens?: number | null,
  ) {
    if (body.model !== id)
      throw new ApiError(
        404,
        `The model '${body.model}' does not exist; this server serves '${id}'.`,
        "invalid_request_error",
        "model",
        "model_not_found",
      );
    const room = model.config.contextLength - promptLength;
    if (room < 1)
      throw new ApiError(
        400,
        `This model's maximum context length is ${model.config.contextLength} tokens; the prompt has ${promptLength}.`,
        "invalid_request_error",
        "messages",
        "context_length_exceeded",
      );
    return {
      maxTokens: Math.min(maxTokens ?? room, room),
      temperature: body.temperature ?? 1,
      topP: body.top_p ?? 1,
      n: body.n ?? 1,
      seed: body.seed ?? Math.floor(Math.random() * 2 ** 31),
      stop: body.stop == null ? [] : typeof body.stop === "string" ? [body.stop] : body.stop,
    } satisfies SampleOptionsInput as SampleOptionsInput;
  }

  function chatMessages(body: z.infer<typeof ChatCompletionRequest>): ChatMessage[] {
    return body.messages.map((m, i) => {
      let content = "";
      if (typeof m.content === "string") content = m.content;
      else if (Array.isArray(m.content))
        for (const part of m.content) {
          if (part.type !== "text")
            throw new ApiError(
              400,
              `messages.${i}.content: this model reads text only, not '${part.type}'`,
              "invalid_request_error",
              `messages.${i}.content`,
            );
          content += (part as z.infer<typeof TextPart>).text;
        }
      return { role: m.role === "developer" ? "system" : m.role, content };
    });
  }

  async function chat(c: Context) {
    const body = parse(ChatCompletionRequest, await readJson(c));
    const prompt = renderChat(tok, chatMessages(body), { generation: true }).ids;
    const o = options(body, prompt.length, body.max_completion_tokens ?? body.max_tokens);
    o.topLogprobs = body.logprobs ? (body.top_logprobs ?? 0) : 0;
    const completionId = `chatcmpl-${randomUUID()}`;
    const logprobsOf = (c: Completion) =>
      body.logprobs
        ? {
            content: c.tokens.map((t) => ({
              ...logprob(t.id, t.logprob, tokenText(t)),
              top_logprobs: t.top.map((x) => logprob(x.id, x.logprob)),
            })),
            refusal: null,
          }
        : null;
    if (body.stream)
      return eventStream(c, completionId, "chat.completion.chunk", async (chunk, signal) => {
        for (let i = 0; i < (o.n ?? 1); i++)
          chunk([
            { index: i, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
          ]);
        const completions = await engine.complete([prompt], o, {
          signal,
          onToken: (row, token, text) => {
            if (text || body.logprobs)
              chunk([
                {
                  index: row,
                  delta: { content: text },
                  logprobs: body.logprobs
                    ? {
                        content: [
                          { ...logprob(token.id, token.logprob, tokenText(token)), top_logprobs: [] },
                        ],
                      }
                    : null,
                  finish_reason: null,
                },
              ]);
          },
        });
        for (const [i, c] of completions.entries())
          chunk([{ index: i, delta: {}, logprobs: null, finish_reason: c.finishReason }]);
        if (body.stream_options?.include_usage) chunk([], { usage: usageOf(prompt.length, completions) });
        return completions;
      });
    const completions = await engine.complete([prompt], o);
    return c.json(
      envelope(completionId, "chat.completion", {
        choices: completions.map((c, i) => ({
          index: i,
          message: { role: "assistant", content: c.text, refusal: null },
          logprobs: logprobsOf(c),
          finish_reason: c.finishReason,
        })),
        usage: usageOf(prompt.length, completions),
      }),
    );
  }

  async function completions(c: Context) {
    const body = parse(CompletionRequest, await readJson(c));
    if (body.echo) throw new ApiError(400, "echo is not supported", "invalid_request_error", "echo");
    const texts = typeof body.prompt === "string" ? [body.prompt] : body.prompt;
    const prompts = texts.map((t) => [tok.special["<|bos|>"], ...tok.encode(t)]);
    const longest = Math.max(...prompts.map((p) => p.length));
    const o = options(body, longest, body.max_tokens ?? 16);
    o.topLogprobs = body.logprobs ?? 0;
    const completionId = `cmpl-${randomUUID()}`;
    const logprobsOf = (c: Completion) => {
      if (body.logprobs == null) return null;
      let offset = 0;
      const text_offset: number[] = [];
      for (const t of c.tokens) {
        text_offset.push(offset);
        offset += tokenText(t).length;
      }
      return {
        tokens: c.tokens.map(tokenText),
        token_logprobs: c.tokens.map((t) => t.logprob),
        top_logprobs: c.tokens.map((t) =>
          Object.fromEntries(t.top.map((x) => [tok.decode([x.id]), x.logprob])),
        ),
        text_offset,
      };
    };
    if (body.stream)
      return eventStream(c, completionId, "text_completion", async (chunk, signal) => {
        const result = await engine.complete(prompts, o, {
          signal,
          onToken: (row, _token, text) => {
            if (text) chunk([{ index: row, text, logprobs: null, finish_reason: null }]);
          },
        });
        for (const [i, c] of result.entries())
          chunk([{ index: i, text: "", logprobs: null, finish_reason: c.finishReason }]);
        return result;
      });
    const result = await engine.complete(prompts, o);
    return c.json(
      envelope(completionId, "text_completion", {
        choices: result.map((c, i) => ({
          index: i,
          text: c.text,
          logprobs: logprobsOf(c),
          finish_reason: c.finishReason,
        })),
        usage: usageOf(
          prompts.reduce((n, p) => n + p.length, 0),
          result,
        ),
      }),
    );
  }

  const urlError = (status: 404 | 405, code: string, message: string) =>
    new ApiError(status, message, "invalid_request_error", null, code);
  const notAllowed = (c: Context) => {
    throw urlError(405, "method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}`);
  };
  const app = new Hono({ strict: false })
    .use(async (c, next) => {
      const started = performance.now();
      await next();
      if (c.res.status < 400) served++;
      log(`${c.req.method} ${c.req.path} ${c.res.status} ${(performance.now() - started).toFixed(0)}ms`);
    })
    .get("/v1/models", (c) =>
      c.json({ object: "list", data: [{ id, object: "model", created, owned_by: "reasonlab" }] }),
    )
    .all("/v1/models", notAllowed)
    .post("/v1/chat/completions", chat)
    .all("/v1/chat/completions", notAllowed)
    .post("/v1/completions", completions)
    .all("/v1/completions", notAllowed)
    .notFound((c) =>
      errorResponse(c, urlError(404, "unknown_url", `Unknown request URL: ${c.req.method} ${c.req.path}`)),
    )
    .onError((error, c) => {
      if (error instanceof ApiError) return errorResponse(c, error);
      log(`error: ${error.stack}`);
      return errorResponse(
        c,
        new ApiError(500, "The server had an error while processing your request.", "server_error"),
      );
    });

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
    s.once("error", reject);
  }).catch(async (error) => {
    await engine.close(); // the port was taken: the engine threads go too
    throw error;
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}/v1`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
    },
    get served() {
      return served;
    },
    get peakRows() {
      return engine.load().peak;
    },
    engines: threads,
  };
}
