// The chat pieces of the math environments (environment.ts): the prompts, and the calculator tool.
// A completion that ends in <calc>...</calc> gets the result and another turn: tools fill the holes
// that mental arithmetic leaves.
import { z } from "zod";
import { evaluateExpression } from "./expr.js";
import { formatRational } from "./rational.js";

/** One turn of a chat: what chats files, rollout transcripts and eval jobs carry. */
export const ChatMessage = z.object({
  role: z.enum(["system", "user", "assistant", "tool"]),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const CALC_OPEN = "<calc>";
export const CALC_CLOSE = "</calc>";

export const SYSTEM_PROMPT = "Solve the problem step by step. Put the final answer inside <answer></answer>.";
export const CALCULATOR_PROMPT = `${SYSTEM_PROMPT} You may use a calculator: write ${CALC_OPEN}expression${CALC_CLOSE} and stop; the result comes back as <result>value</result>.`;

/** The expression of a trailing calculator call, if the completion ends with one. */
export function pendingCalculatorCall(completion: string): string | null {
  const text = completion.trimEnd();
  if (!text.endsWith(CALC_CLOSE)) return null;
  const start = text.lastIndexOf(CALC_OPEN);
  if (start < 0) return null;
  return text.slice(start + CALC_OPEN.length, text.length - CALC_CLOSE.length);
}

export function calculate(expression: string): string {
  const result = evaluateExpression(expression);
  return result.ok ? formatRational(result.value, "decimal") : `error: ${result.error}`;
}
