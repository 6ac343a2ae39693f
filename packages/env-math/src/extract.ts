// Finding the final answer in free model text. Only linear scans (indexOf, bounded slices, and
// regexes without nested quantifiers), so any input finishes quickly.

export const ANSWER_FORMATS = ["answer-tag", "boxed", "hash", "phrase", "last-number"] as const;
export type AnswerFormat = (typeof ANSWER_FORMATS)[number];

export interface ExtractOptions {
  /** Formats to look for, in priority order. Strict (format-reward) mode is ["answer-tag"]. */
  formats?: readonly AnswerFormat[];
  /** Tag name for "answer-tag": <answer>...</answer>. */
  tag?: string;
}

export const STRICT: ExtractOptions = { formats: ["answer-tag"] };

export interface Extracted {
  answer: string;
  format: AnswerFormat;
}

const MAX_ANSWER = 1000;

/** The content of the last \boxed{...} (or \fbox), braces balanced; \boxed 5 takes the next token. */
export function lastBoxed(text: string): string | null {
  let at = text.lastIndexOf("\\boxed");
  let skip = 6;
  const fbox = text.lastIndexOf("\\fbox");
  if (fbox > at) {
    at = fbox;
    skip = 5;
  }
  if (at < 0) return null;
  let i = at + skip;
  while (text[i] === " ") i++;
  if (text[i] !== "{") {
    const m = /^\S+/.exec(text.slice(i, i + MAX_ANSWER));
    return m ? m[0].replace(/\$+$/, "") : null;
  }
  let depth = 0;
  const end = Math.min(text.length, i + MAX_ANSWER * 4);
  for (let j = i; j < end; j++) {
    const c = text[j];
    if (c === "\\") {
      j++; // an escaped brace does not count
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return text.slice(i + 1, j);
  }
  return null;
}

function lastTag(text: string, tag: string): string | null {
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  const lower = text.length > 200_000 ? text.slice(-200_000) : text;
  const end = lower.lastIndexOf(close);
  if (end < 0) return null;
  const start = lower.lastIndexOf(open, end);
  if (start < 0) return null;
  return lower.slice(start + open.length, end);
}

function afterHashes(text: string): string | null {
  const at = text.lastIndexOf("####");
  if (at < 0) return null;
  const rest = text.slice(at + 4, at + 4 + MAX_ANSWER);
  const line = rest.split("\n", 1)[0]!.trim();
  return line || null;
}

const PHRASES = ["the final answer is", "final answer:", "the answer is", "answer:"];

function afterPhrase(text: string): string | null {
  const tail = text.slice(-20_000).toLowerCase();
  let best = -1;
  let phrase = "";
  for (const p of PHRASES) {
    const at = tail.lastIndexOf(p);
    if (at > best) {
      best = at;
      phrase = p;
    }
  }
  if (best < 0) return null;
  const original = text.slice(-20_000);
  let rest = original.slice(best + phrase.length, best + phrase.length + MAX_ANSWER).split("\n", 1)[0]!;
  rest = rest.replace(/^[\s:*]+/, "");
  // a sentence ends at ". " or a final "." that is not a decimal point
  const stop = /\.(\s|$)/.exec(rest);
  if (stop) rest = rest.slice(0, stop.index);
  const boxed = lastBoxed(rest);
  return (boxed ?? rest).replace(/[*\s]+$/, "").trim() || null;
}

const NUMBER = /[-−]?\d[\d,]*(?:\.\d+)?(?:\s*\/\s*\d+)?/g;

function lastNumber(text: string): string | null {
  const tail = text.slice(-2000);
  let last: string | null = null;
  for (const m of tail.matchAll(NUMBER)) last = m[0];
  return last ? last.replace(/,$/, "") : null;
}

export function extractAnswer(text: string, options: ExtractOptions = {}): Extracted | null {
  if (typeof text !== "string" || text.length === 0) return null;
  const formats = options.formats ?? ANSWER_FORMATS;
  for (const format of formats) {
    let found: string | null = null;
    if (format === "answer-tag") found = lastTag(text, options.tag ?? "answer");
    else if (format === "boxed") found = lastBoxed(text);
    else if (format === "hash") found = afterHashes(text);
    else if (format === "phrase") found = afterPhrase(text);
    else found = lastNumber(text);
    if (found !== null) {
      const answer = found.trim().slice(0, MAX_ANSWER);
      if (answer) return { answer, format };
    }
  }
  return null;
}
