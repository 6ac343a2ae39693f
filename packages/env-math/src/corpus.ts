// Text for the policy: a pretraining corpus of problems with worked solutions, and SFT chats.
import { CALCULATOR_PROMPT, type ChatMessage, calculate, SYSTEM_PROMPT } from "./episode.js";
import type { Problem } from "./problem.js";
import { hash32 } from "./rng.js";

/**
 * The ways a problem and its worked solution are written in the pretraining corpus. Text on the
 * web is not in one template, and a corpus in one template teaches a small model to read the
 * problem at fixed distances from "Solution:" rather than by what the tokens are, a skill that
 * then fails to carry over to the chat format SFT uses (measured: a base at 49% on 3-digit
 * addition in its document format scored 0% in chat after SFT on 1-2 digit chats).
 */
export const DOCUMENT_TEMPLATES: readonly ((prompt: string, solution: string) => string)[] = [
  (q, a) => `Problem: ${q}\nSolution:\n${a}\n`,
  (q, a) => `Q: ${q}\nA: ${a}\n`,
  (q, a) => `${q}\n${a}\n`,
  (q, a) => `Question: ${q}\n\nWorked answer:\n${a}\n`,
  (q, a) => `User: ${q}\nAssistant: ${a}\n`,
  (q, a) => `Exercise. ${q} Show your work.\n${a}\n`,
  (q, a) => `## ${q}\n\n${a}\n`,
];

/**
 * The problem as a crowd of demonstrators would write it, a `rate` fraction of whom hold the
 * family's misconception: for those (picked by a hash of the id and seed) the worked solution is
 * the misconception's. Imitation of such data is how a model comes to say 9.11 > 9.9; a verifier's
 * reward is what can take it back out. Problems without a misconception are returned as they are.
 */
export function demonstrated(p: Problem, rate: number, seed = 0): Problem {
  if (!p.misconception || rate <= 0) return p;
  const held = hash32(`misconception:${seed}:${p.id}`) / 2 ** 32 < rate;
  return held ? { ...p, solution: p.misconception.solution } : p;
}

/** One pretraining document: the problem, then its worked solution, in a template picked by its id. */
export function pretrainDocument(p: Problem): string {
  const template = DOCUMENT_TEMPLATES[hash32(`document:${p.id}`) % DOCUMENT_TEMPLATES.length]!;
  return template(p.prompt, p.solution);
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
