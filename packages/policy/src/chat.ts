// The chat format: <|bos|><|user|>...<|end|><|assistant|>...<|end|>. Roles are special tokens,
// which text can never spell, so a prompt cannot forge a turn.
import type { ChatMessage } from "@reasonlab/env-math";
import type { Tokenizer } from "./tokenizer.js";

export type { ChatMessage };

export interface RenderedChat {
  ids: number[];
  /** 1 for tokens the model is trained to produce (assistant text and its <|end|>), else 0. */
  trainable: number[];
}

/** The tokens one message adds to a conversation: its role, its content, <|end|>. */
export function messageIds(tok: Tokenizer, m: ChatMessage): number[] {
  return [tok.special[`<|${m.role}|>`], ...tok.encode(m.content), tok.special["<|end|>"]];
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
    const train = m.role === "assistant" ? 1 : 0;
    // one push per token: spreading a message's ids as arguments overflows the stack for a long
    // message (a 900 kB request body did)
    for (const [i, id] of messageIds(tok, m).entries()) {
      ids.push(id);
      // the role token is never a target; the content and its <|end|> are for the assistant's
      trainable.push(i === 0 ? 0 : train);
    }
  }
  if (generation) {
    ids.push(tok.special["<|assistant|>"]);
    trainable.push(0);
  }
  return { ids, trainable };
}
