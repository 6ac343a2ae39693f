// A small OpenAI-compatible server whose "model" is the task's expert: it answers Chat Completions
// (text replies or function calls) and Responses (computer_call items) through the real protocol,
// so the agent and the official `openai` client are tested end to end.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ComputerActionInput } from "../../src/actions.js";
import { type Command, formatCommand, resolveCommand } from "../../src/grammar.js";
import { takeSnapshot } from "../../src/snapshot.js";
import type { TaskEnv } from "../../src/tasks/env.js";

export interface ExpertServer {
  baseURL: string;
  requests: { path: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function startExpertServer({
  env,
  garbageReplies = 0,
  safetyCheck,
}: {
  env: TaskEnv;
  /** Replies that hold no usable action before the expert answers. */
  garbageReplies?: number;
  /** Attach a pending safety check to the computer_call made for this command. */
  safetyCheck?: (cmd: Command) => boolean;
}): Promise<ExpertServer> {
  const requests: ExpertServer["requests"] = [];
  let garbage = garbageReplies;
  let queue: { action: ComputerActionInput; check: boolean }[] = [];
  let n = 0;

  const nextCommand = async () => {
    const snapshot = await takeSnapshot(env.session.page);
    return { cmd: env.task().expert(snapshot), snapshot };
  };
  const nextAction = async () => {
    if (queue.length === 0) {
      const { cmd, snapshot } = await nextCommand();
      const check = safetyCheck?.(cmd) ?? false;
      queue = resolveCommand(cmd, snapshot).map((action) => ({ action, check }));
    }
    return queue.shift()!;
  };

  const chat = async (body: Record<string, unknown>) => {
    const id = `chatcmpl-${++n}`;
    const base = { id, object: "chat.completion", created: Math.floor(Date.now() / 1000), model: body.model };
    const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    if (garbage > 0) {
      garbage--;
      return {
        ...base,
        usage,
        choices: [
          {
            index: 0,
            finish_reason: "stop",
            message: { role: "assistant", content: "Hmm, I am not sure what to do here." },
          },
        ],
      };
    }
    if (!body.tools) {
      const { cmd } = await nextCommand();
      const content = `The page shows the form; next I act.\n${formatCommand(cmd)}`;
      return {
        ...base,
        usage,
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
      };
    }
    const { action } = await nextAction();
    const call = {
      id: `call_${n}`,
      type: "function",
      function: { name: "computer", arguments: JSON.stringify(action) },
    };
    return {
      ...base,
      usage,
      choices: [
        {
          index: 0,
          finish_reason: "tool_calls",
          message: { role: "assistant", content: null, tool_calls: [call] },
        },
      ],
    };
  };

  const responses = async (body: Record<string, unknown>) => {
    const id = `resp_${++n}`;
    const { action, check } = await nextAction();
    return {
      id,
      object: "response",
      created_at: Math.floor(Date.now() / 1000),
      status: "completed",
      model: body.model,
      output: [
        {
          type: "computer_call",
          id: `cu_${n}`,
          call_id: `call_${n}`,
          status: "completed",
          action,
          pending_safety_checks: check
            ? [{ id: `sc_${n}`, code: "sensitive_domain", message: "The agent is about to sign in." }]
            : [],
        },
      ],
      usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 },
    };
  };

  const server = http.createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push({ path, body });
    try {
      const reply =
        path === "/v1/chat/completions"
          ? await chat(body)
          : path === "/v1/responses"
            ? await responses(body)
            : null;
      if (!reply) {
        res
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ error: { message: "not found", type: "invalid_request_error" } }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
    } catch (e) {
      res
        .writeHead(500, { "content-type": "application/json" })
        .end(JSON.stringify({ error: { message: String(e), type: "server_error" } }));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
