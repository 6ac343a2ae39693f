// The chat format: <|bos|><|user|>...<|end|><|assistant|>...<|end|>. Roles are special tokens,
// which text can never spell, so a prompt cannot forge a turn.
import type { Tokenizer } from "./tokenizer.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
}

export interface RenderedChat {
  ids: number[];
  /** 1 for tokens the model is trained to produce (assistant text and its <|end|>), else 0. */
  trainable: number[];
}

/** Renders messages; with `generation`, ends with an open assistant turn for the model to fill. */
export function renderChat(
  tok: Tokenizer,
  messages: readonly ChatMessage[],
  { generation = false } = {},
): RenderedChat {
  const ids = [tok.special["<|bos|>"]];
  const trainable = [0];
  for (const m of messages) {
    const content = tok.encode(m.content);
    const train = m.role === "assistant" ? 1 : 0;
    ids.push(tok.special[`<|${m.role}|>`], ...content, tok.special["<|end|>"]);
    trainable.push(0, ...content.map(() => train), train);
  }
  if (generation) {
    ids.push(tok.special["<|assistant|>"]);
    trainable.push(0);
  }
  return { ids, trainable };
}
