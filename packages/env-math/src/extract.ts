// Finding the final answer in free model text. Only linear scans (indexOf, bounded slices, and
// regexes without nested quantifiers), so any input finishes quickly.

export const ANSWER_FORMATS = ["answer-tag", "boxed", "hash", "phrase", "math-span", "last-number"] as const;
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

const PHRASES = ["the final answer is", "final answer is", "final answer:", "the answer is", "answer:"];

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
  // "The final answer is $3$ hours ago": a math span right after the phrase is the answer.
  const span = /^(?:\$([^$]{1,400})\$|\\\((.{1,400}?)\\\))/.exec(rest);
  if (span) return (span[1] ?? span[2]!).trim() || null;
  // a sentence ends at ". " or a final "." that is not a decimal point
  const stop = /\.(\s|$)/.exec(rest);
  if (stop) rest = rest.slice(0, stop.index);
  const boxed = lastBoxed(rest);
  return (boxed ?? rest).replace(/[*\s]+$/, "").trim() || null;
}

/**
 * The last math span: $...$, $$...$$, \(...\) or \[...\]. Scanned from the end with indexOf,
 * so it is linear; a span longer than an answer is not one.
 */
function lastMathSpan(text: string): string | null {
  const tail = text.slice(-4000);
  let best: { at: number; body: string } | null = null;
  for (const [open, close] of [
    ["\\(", "\\)"],
    ["\\[", "\\]"],
  ] as const) {
    const end = tail.lastIndexOf(close);
    const start = end < 0 ? -1 : tail.lastIndexOf(open, end);
    if (start >= 0 && (!best || end > best.at))
      best = { at: end, body: tail.slice(start + open.length, end) };
  }
  const dollar = tail.lastIndexOf("$");
  if (dollar > 0 && (!best || dollar > best.at)) {
    const double = tail[dollar - 1] === "$";
    const open = double ? tail.lastIndexOf("$$", dollar - 2) : tail.lastIndexOf("$", dollar - 1);
    // A currency sign ("costs $5 and $7") has no closing partner right after a number: keep
    // only spans that do not start with a digit followed by words.
    if (open >= 0) {
      const body = tail.slice(open + (double ? 2 : 1), double ? dollar - 1 : dollar);
      if (!/^\d[\d.,]*\s+[a-z]/i.test(body)) best = { at: dollar, body };
    }
  }
  const body = best?.body.trim();
  return body && body.length <= MAX_ANSWER ? body : null;
}

/**
 * Numbers as prose writes them: 1,234 or 1 234 grouped, a decimal part, a fraction, units
 * after it (12km). A digit that follows letters (AZYUK2A, x2) is not a number.
 */
const NUMBER =
  /(?<![A-Za-z\d])[-−]?\d{1,3}(?:[ \u2009\u202f]\d{3})+(?:\.\d+)?(?![\d])|(?<![A-Za-z\d.])[-−]?\d[\d,]*(?:\.\d+)?(?:\s*\/\s*\d+)?/g;

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
    else if (format === "math-span") found = lastMathSpan(text);
    else found = lastNumber(text);
    if (found !== null) {
      const answer = found.trim().slice(0, MAX_ANSWER);
      if (answer) return { answer, format };
    }
  }
  return null;
}
