// An OpenAI-compatible HTTP server for a policy checkpoint: /v1/models, /v1/chat/completions and
// /v1/completions, streaming over SSE. Requests are validated with zod and answered with the
// OpenAI error shape; generations run one at a time, in arrival order, so they never interleave.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { type ChatMessage, renderChat } from "./chat.js";
import type { Model } from "./model.js";
import { type Completion, type SampleOptionsInput, sample, type TokenChoice } from "./sample.js";
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
    readonly status: number,
    message: string,
    readonly type = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

function sendError(res: http.ServerResponse, e: ApiError) {
  if (res.headersSent) {
    res.end();
    return;
  }
  res
    .writeHead(e.status, { "content-type": "application/json" })
    .end(JSON.stringify({ error: { message: e.message, type: e.type, param: e.param, code: e.code } }));
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const param = issue.path.map(String).join(".") || null;
  throw new ApiError(400, `${param ? `${param}: ` : ""}${issue.message}`, "invalid_request_error", param);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
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
}

export async function startServer(
  policy: Policy,
  { host = "127.0.0.1", port = 8000, log = (_: string) => {} } = {},
): Promise<ServerHandle> {
  const { model, tokenizer: tok, id } = policy;
  const created = Math.floor(Date.now() / 1000);
  let queue: Promise<unknown> = Promise.resolve();
  let served = 0;
  /** Runs jobs one at a time, in arrival order. */
  const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job, job);
    queue = run.catch(() => {});
    return run;
  };

  /** Starts a server-sent event stream; each chunk carries the completion's id, type, time and model. */
  const eventStream = (res: http.ServerResponse, completionId: string, object: string) => {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    return (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(
        `data: ${JSON.stringify({ id: completionId, object, created: Math.floor(Date.now() / 1000), model: id, choices, ...extra })}\n\n`,
      );
  };

  const tokenText = (t: TokenChoice) => (t.id === tok.special["<|end|>"] ? "" : tok.decode([t.id]));
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
    const o: SampleOptionsInput = {
      maxTokens: Math.min(maxTokens ?? room, room),
      temperature: body.temperature ?? 1,
      topP: body.top_p ?? 1,
      n: body.n ?? 1,
      seed: body.seed ?? Math.floor(Math.random() * 2 ** 31),
      stop: body.stop == null ? [] : typeof body.stop === "string" ? [body.stop] : body.stop,
    };
    return o;
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

  async function chat(req: http.IncomingMessage, res: http.ServerResponse) {
    const body = parse(ChatCompletionRequest, await readJson(req));
    const prompt = renderChat(tok, chatMessages(body), { generation: true }).ids;
    const o = options(body, prompt.length, body.max_completion_tokens ?? body.max_tokens);
    o.topLogprobs = body.logprobs ? (body.top_logprobs ?? 0) : 0;
    const completionId = `chatcmpl-${randomUUID()}`;
    const logprobsOf = (c: Completion) =>
      body.logprobs
        ? {
            content: c.tokens.map((t) => ({
              token: tokenText(t),
              logprob: t.logprob,
              bytes: [...tok.tokenBytes(t.id)],
              top_logprobs: t.top.map((x) => ({
                token: tok.decode([x.id]),
                logprob: x.logprob,
                bytes: [...tok.tokenBytes(x.id)],
              })),
            })),
            refusal: null,
          }
        : null;
    if (body.stream) {
      const chunk = eventStream(res, completionId, "chat.completion.chunk");
      for (let i = 0; i < (o.n ?? 1); i++)
        chunk([{ index: i, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
      const completions = await enqueue(() =>
        sample(model, tok, [prompt], o, {
          onToken: (row, token, text) => {
            if (text || body.logprobs)
              chunk([
                {
                  index: row,
                  delta: { content: text },
                  logprobs: body.logprobs
                    ? {
                        content: [
                          {
                            token: tokenText(token),
                            logprob: token.logprob,
                            bytes: [...tok.tokenBytes(token.id)],
                            top_logprobs: [],
                          },
                        ],
                      }
                    : null,
                  finish_reason: null,
                },
              ]);
          },
        }),
      );
      for (const [i, c] of completions.entries())
        chunk([{ index: i, delta: {}, logprobs: null, finish_reason: c.finishReason }]);
      if (body.stream_options?.include_usage) chunk([], { usage: usageOf(prompt.length, completions) });
      res.end("data: [DONE]\n\n");
      return;
    }
    const completions = await enqueue(() => sample(model, tok, [prompt], o));
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        id: completionId,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: id,
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

  async function completions(req: http.IncomingMessage, res: http.ServerResponse) {
    const body = parse(CompletionRequest, await readJson(req));
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
    if (body.stream) {
      const chunk = eventStream(res, completionId, "text_completion");
      const result = await enqueue(() =>
        sample(model, tok, prompts, o, {
          onToken: (row, _token, text) => {
            if (text) chunk([{ index: row, text, logprobs: null, finish_reason: null }]);
          },
        }),
      );
      for (const [i, c] of result.entries())
        chunk([{ index: i, text: "", logprobs: null, finish_reason: c.finishReason }]);
      res.end("data: [DONE]\n\n");
      return;
    }
    const result = await enqueue(() => sample(model, tok, prompts, o));
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        id: completionId,
        object: "text_completion",
        created: Math.floor(Date.now() / 1000),
        model: id,
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

  const routes: Record<
    string,
    Partial<Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>>>
  > = {
    "/v1/models": {
      GET: async (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            object: "list",
            data: [{ id, object: "model", created, owned_by: "reasonlab" }],
          }),
        );
      },
    },
    "/v1/chat/completions": { POST: chat },
    "/v1/completions": { POST: completions },
  };

  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://server").pathname.replace(/\/+$/, "");
    const started = performance.now();
    try {
      const route = routes[path];
      if (!route)
        throw new ApiError(
          404,
          `Unknown request URL: ${req.method} ${path}`,
          "invalid_request_error",
          null,
          "unknown_url",
        );
      const handler = route[req.method ?? "GET"];
      if (!handler)
        throw new ApiError(
          405,
          `${req.method} is not allowed on ${path}`,
          "invalid_request_error",
          null,
          "method_not_allowed",
        );
      await handler(req, res);
      served++;
    } catch (error) {
      if (error instanceof ApiError) sendError(res, error);
      else {
        log(`error: ${(error as Error).stack}`);
        sendError(
          res,
          new ApiError(500, "The server had an error while processing your request.", "server_error"),
        );
      }
    } finally {
      log(`${req.method} ${path} ${res.statusCode} ${(performance.now() - started).toFixed(0)}ms`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    get served() {
      return served;
    },
  };
}
