// Held-out accuracy, greedy: how every stage is measured between and after its steps.
import { documentPrompt, type Problem, sftConversation, verify } from "@reasonlab/env-math";
import { renderChat } from "./chat.js";
import type { Model } from "./model.js";
import { sample } from "./sample.js";
import type { Tokenizer } from "./tokenizer.js";

export interface AccuracyResult {
  accuracy: number;
  correct: number;
  total: number;
  samples: { problem: Problem; completion: string; extracted: string | null; correct: boolean }[];
}

/**
 * Greedy exact-match accuracy with env-math's verifier. `chat` prompts as SFT does; `document`
 * prompts as pretraining does (<|bos|>, the problem, then "Solution:"), to measure a base model,
 * which reads as far as its first closing </answer>: a base model runs on into a next document.
 */
export async function greedyAccuracy(
  model: Model,
  tok: Tokenizer,
  problems: Problem[],
  { system = false, batchSize = 64, maxTokens = 160, format = "chat" as "chat" | "document" } = {},
): Promise<AccuracyResult> {
  const samples: AccuracyResult["samples"] = [];
  const stop = format === "document" ? ["</answer>"] : [];
  for (let i = 0; i < problems.length; i += batchSize) {
    const batch = problems.slice(i, i + batchSize);
    const prompts = batch.map((p) => {
      if (format === "document") return [tok.special["<|bos|>"], ...tok.encode(documentPrompt(p))];
      const messages = sftConversation(p, { system }).messages.slice(0, -1);
      return renderChat(tok, messages, { generation: true }).ids;
    });
    const completions = await sample(model, tok, prompts, { temperature: 0, maxTokens, stop });
    for (const [j, c] of completions.entries()) {
      const text = format === "document" && c.finishReason === "stop" ? `${c.text}</answer>` : c.text;
      const v = verify(batch[j]!, text);
      samples.push({ problem: batch[j]!, completion: text, extracted: v.extracted, correct: v.correct });
    }
  }
  const correct = samples.filter((s) => s.correct).length;
  return {
    accuracy: problems.length ? correct / problems.length : 0,
    correct,
    total: problems.length,
    samples,
  };
}
