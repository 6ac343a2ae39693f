// Text for the policy: a pretraining corpus of problems with worked solutions, and SFT chats.
import { CALCULATOR_PROMPT, type ChatMessage, calculate, SYSTEM_PROMPT } from "./episode.js";
import type { Problem } from "./problem.js";

/** One pretraining document: the problem, then its worked solution. */
export function pretrainDocument(p: Problem): string {
  return `${documentPrompt(p)}${p.solution}\n`;
}

/** The start of a pretraining document, up to where the solution begins: a base model's prompt. */
export function documentPrompt(p: Problem): string {
  return `Problem: ${p.prompt}\nSolution:\n`;
}

export interface Conversation {
  id: string;
  messages: ChatMessage[];
}

/** A chat whose assistant turn is the worked solution: what SFT imitates. */
export function sftConversation(p: Problem, { system = true } = {}): Conversation {
  return {
    id: p.id,
    messages: [
      ...(system ? [{ role: "system" as const, content: SYSTEM_PROMPT }] : []),
      { role: "user", content: p.prompt },
      { role: "assistant", content: p.solution },
    ],
  };
}

/**
 * A chat that uses the calculator instead of mental arithmetic, for problems that carry their
 * expression; null for the others.
 */
export function calculatorConversation(p: Problem): Conversation | null {
  const expression = p.metadata.expression;
  if (typeof expression !== "string") return null;
  const value = calculate(expression);
  return {
    id: `${p.id}/calc`,
    messages: [
      { role: "system", content: CALCULATOR_PROMPT },
      { role: "user", content: p.prompt },
      { role: "assistant", content: `<calc>${expression}</calc>` },
      { role: "tool", content: `<result>${value}</result>` },
      { role: "assistant", content: `The calculator gives ${value}.\n<answer>${p.answer}</answer>` },
    ],
  };
}
