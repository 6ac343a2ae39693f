// Models behind the agent, all through the `openai` client so any OpenAI-compatible server works:
//   computer - the Responses API computer-use tool (computer_call / computer_call_output)
//   tools    - Chat Completions with function tools and screenshots, for vision models
//   text     - Chat Completions, text only: the indexed snapshot in, one grammar line out
import OpenAI from "openai";
import { z } from "zod";
import { ComputerAction, type ComputerActionInput, computerToolParameters } from "./actions.js";
import { type AgentInput, type AgentModel, type Decision, ModelOutputError } from "./agent.js";
import { formatCommand, GRAMMAR_HELP, parseCommand, replyLine, resolveCommand } from "./grammar.js";
import { renderObservation } from "./observation.js";
import type { TaskInstance } from "./tasks/task.js";

export const ModelMode = z.enum(["computer", "tools", "text"]);
export type ModelMode = z.infer<typeof ModelMode>;

export interface ModelOptions {
  client: OpenAI;
  model: string;
  temperature?: number;
  maxTokens?: number;
  /** How many past turns a chat model keeps (screenshots are large). */
  historyTurns?: number;
  /**
   * text mode: send the system prompt with the grammar (default). Off for a policy trained on the
   * observations alone (this project's, with historyTurns 1): it sees exactly what RL showed it.
   */
  system?: boolean;
}

const png = (b: Buffer) => `data:image/png;base64,${b.toString("base64")}`;
const SYSTEM = (goal: string) =>
  `You operate a web browser for the user. Goal: ${goal}\nAct one step at a time. When the goal is reached, say done.`;

/** The text model's instructions: the goal, then the action grammar. Demonstrations use it too. */
export const textSystemPrompt = (goal: string) => `${SYSTEM(goal)}\n\n${GRAMMAR_HELP}`;

/** Text-only models: the project's own policy, or any chat model without vision. */
export function textModel({
  client,
  model,
  temperature = 0,
  maxTokens = 200,
  historyTurns = 4,
  system = true,
}: ModelOptions): AgentModel {
  const turns: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  let last: string | undefined;
  return {
    name: `${model} (text)`,
    async decide(input) {
      turns.push({
        role: "user",
        content: renderObservation(input.snapshot, input.goal, {
          ...(last ? { last } : {}),
          // the error as training observations word it; other notes (a pause) as they come
          ...(input.error || input.feedback ? { error: input.error ?? input.feedback } : {}),
        }),
      });
      const completion = await client.chat.completions.create({
        model,
        messages: [
          ...(system ? [{ role: "system" as const, content: textSystemPrompt(input.goal) }] : []),
          ...turns.slice(-(2 * historyTurns - 1)),
        ],
        temperature,
        max_tokens: maxTokens,
      });
      const output = completion.choices[0]?.message?.content ?? "";
      turns.push({ role: "assistant", content: output });
      last = replyLine(output);
      return commandDecision(output, input);
    },
  };
}

function commandDecision(output: string, input: AgentInput): Decision {
  try {
    const cmd = parseCommand(output);
    if (cmd.verb === "done")
      return { output, actions: [], done: true, ...(cmd.answer !== undefined ? { answer: cmd.answer } : {}) };
    return { output, actions: resolveCommand(cmd, input.snapshot) };
  } catch (e) {
    throw new ModelOutputError(e instanceof Error ? e.message : String(e), output);
  }
}

/** The function tools a vision chat model calls: one computer action per call, or done. */
const TOOLS: OpenAI.Chat.ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "computer",
      description: "Perform one mouse or keyboard action on the browser. Coordinates are screenshot pixels.",
      parameters: computerToolParameters(),
    },
  },
  {
    type: "function",
    function: {
      name: "done",
      description: "Call when the goal is reached, with the answer if the goal asked a question.",
      parameters: { type: "object", properties: { answer: { type: "string" } } },
    },
  },
];

/** Vision chat models with function calling (any OpenAI-compatible server). */
export function toolsModel({
  client,
  model,
  temperature = 0,
  maxTokens = 400,
  historyTurns = 3,
}: ModelOptions): AgentModel {
  let history: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  let pendingCall: string | null = null;
  return {
    name: `${model} (tools)`,
    async decide(input) {
      if (pendingCall) {
        history.push({ role: "tool", tool_call_id: pendingCall, content: input.feedback ?? "ok" });
        pendingCall = null;
      }
      history.push({
        role: "user",
        content: [
          {
            type: "text",
            text: `Step ${input.step + 1}. URL: ${input.url}. Viewport ${input.snapshot.viewport.width}x${input.snapshot.viewport.height}.${input.feedback ? ` Note: ${input.feedback}` : ""}`,
          },
          { type: "image_url", image_url: { url: png(input.screenshot) } },
        ],
      });
      // Keep whole turns: a tool result must follow the assistant message that called it.
      while (history.length > 3 * historyTurns && history[0]) {
        history = history.slice(1);
        while (history[0] && history[0].role !== "user") history = history.slice(1);
      }
      const completion = await client.chat.completions.create({
        model,
        messages: [{ role: "system", content: SYSTEM(input.goal) }, ...history],
        tools: TOOLS,
        tool_choice: "required",
        temperature,
        max_tokens: maxTokens,
      });
      const message = completion.choices[0]?.message;
      const call = message?.tool_calls?.find((c) => c.type === "function");
      const output = JSON.stringify(call && "function" in call ? call.function : (message?.content ?? ""));
      if (!message || !call || !("function" in call))
        throw new ModelOutputError("the reply called no tool", output);
      history.push({ role: "assistant", content: message.content ?? null, tool_calls: [call] });
      pendingCall = call.id;
      let args: unknown;
      try {
        args = JSON.parse(call.function.arguments || "{}");
      } catch {
        throw new ModelOutputError(`${call.function.name}: arguments are not JSON`, output);
      }
      if (call.function.name === "done") {
        const answer = z.object({ answer: z.string().optional() }).safeParse(args);
        return {
          output,
          actions: [],
          done: true,
          ...(answer.success && answer.data.answer !== undefined ? { answer: answer.data.answer } : {}),
        };
      }
      if (call.function.name !== "computer")
        throw new ModelOutputError(`unknown tool ${call.function.name}`, output);
      return { output, actions: [parseAction(args, output)] };
    },
  };
}

function parseAction(raw: unknown, output: string): ComputerActionInput {
  const parsed = ComputerAction.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ModelOutputError(`invalid action: ${issue.path.join(".") || "type"}: ${issue.message}`, output);
  }
  return parsed.data;
}

/** OpenAI's computer-use tool through the Responses API, chained by previous_response_id. */
export function computerModel({
  client,
  model,
  tool = "computer_use_preview",
}: ModelOptions & { tool?: "computer_use_preview" | "computer" }): AgentModel {
  let previous: string | null = null;
  let pendingCall: string | null = null;
  return {
    name: `${model} (computer)`,
    async decide(input) {
      const { width, height } = input.snapshot.viewport;
      let items: OpenAI.Responses.ResponseInput;
      if (pendingCall) {
        items = [
          {
            type: "computer_call_output",
            call_id: pendingCall,
            output: { type: "computer_screenshot", image_url: png(input.screenshot) },
            ...(input.acknowledged?.length
              ? {
                  acknowledged_safety_checks: input.acknowledged.map((c) => ({
                    id: c.id,
                    code: c.code ?? null,
                    message: c.message ?? null,
                  })),
                }
              : {}),
          },
        ];
        if (input.feedback) items.push({ role: "user", content: input.feedback });
      } else {
        items = [
          {
            role: "user",
            content: [
              { type: "input_text", text: input.goal },
              { type: "input_image", image_url: png(input.screenshot), detail: "auto" },
            ],
          },
        ];
      }
      const response = await client.responses.create({
        model,
        tools: [
          tool === "computer"
            ? { type: "computer" }
            : {
                type: "computer_use_preview",
                display_width: width,
                display_height: height,
                environment: "browser",
              },
        ],
        input: items,
        truncation: "auto",
        ...(previous ? { previous_response_id: previous } : {}),
      });
      previous = response.id;
      const text = response.output
        .filter((o) => o.type === "message")
        .flatMap((o) => o.content.map((c) => ("text" in c ? c.text : "")))
        .join("\n");
      const call = response.output.find((o) => o.type === "computer_call");
      if (!call) {
        pendingCall = null;
        return { output: text || "(no action)", actions: [], done: true };
      }
      pendingCall = call.call_id;
      const raw = call.actions?.length ? call.actions : call.action ? [call.action] : [];
      const output = [text, JSON.stringify(raw)].filter(Boolean).join("\n");
      // The screenshot action asks only for a fresh look, which the next turn sends anyway.
      const actions = raw.filter((a) => a.type !== "screenshot").map((a) => parseAction(a, output));
      return {
        output,
        actions,
        ...(call.pending_safety_checks.length
          ? {
              safetyChecks: call.pending_safety_checks.map((c) => ({
                id: c.id,
                code: c.code ?? null,
                message: c.message ?? null,
              })),
            }
          : {}),
      };
    },
  };
}

/** The task's expert as a model, in-process: the upper-bound baseline and the demonstrator. */
export function expertModel(task: () => TaskInstance): AgentModel {
  return {
    name: "expert",
    async decide(input) {
      return commandDecision(formatCommand(task().expert(input.snapshot)), input);
    },
  };
}

export function createModel(mode: ModelMode, options: ModelOptions): AgentModel {
  if (mode === "computer") return computerModel(options);
  if (mode === "tools") return toolsModel(options);
  return textModel(options);
}

/** An `openai` client from flags or the usual environment variables. */
export function openaiClient({ baseURL, apiKey }: { baseURL?: string; apiKey?: string } = {}): OpenAI {
  return new OpenAI({
    baseURL: baseURL ?? process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
    // Local OpenAI-compatible servers (reasonlab serve) need no key; the client insists on one.
    apiKey: apiKey ?? process.env.OPENAI_API_KEY ?? "none",
    maxRetries: 1,
    timeout: 120_000,
  });
}
