// The observation a text policy reads each step: the goal, the page in a few lines, what became
// of the last action, and the interactive elements by index. Compact enough for a small model's
// context (see OBSERVATION_BUDGET), and complete: an episode needs no earlier turn to go on, so
// the same text serves the demonstrations, SFT, RL, eval and the `text` model mode.
import type { Snapshot, SnapshotElement } from "./snapshot.js";

export interface ObservationOptions {
  /** Characters of page text kept (after the goal's own line is dropped). */
  maxText?: number;
  /** Elements listed; the rest are counted. */
  maxElements?: number;
  /**
   * Everything, for the record an episode keeps: all the page text, every element, and the
   * centre of every element in view (a model is shown the budgeted form).
   */
  full?: boolean;
}

/**
 * The defaults, and what they cost: on the task suite's pages an observation is at most about
 * 600 characters (a checkbox list), most 200-400; with the operator config's tokenizer that is at
 * most about 200 tokens of the policy's 256 (the date picker's days fold into one line).
 */
export const OBSERVATION_BUDGET = { maxText: 240, maxElements: 40 } as const;

/**
 * Tokens a trained policy may write for one reply: its thought (the date-picker's month shown
 * against the month wanted, about 15-20 tokens) and then its grammar line.
 */
export const POLICY_REPLY_TOKENS = 64;

/** Where a drag goes: these elements show their centre, so `drag [N] to (X, Y)` can aim. */
const AIMED = new Set(["draggable", "drop-target", "region", "focusable", "resize-handle", "slider"]);

const alnum = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
const r = Math.round;

function elementLine(e: SnapshotElement, full: boolean): string {
  const parts = [`[${e.index}] ${e.role} ${JSON.stringify(e.name)}`];
  if (e.value !== undefined) parts.push(`= ${JSON.stringify(e.value)}`);
  if (e.options) parts.push(`options: ${e.options.join(" | ")}`);
  if (e.checked !== undefined) parts.push(e.checked ? "checked" : "unchecked");
  if (e.disabled) parts.push("disabled");
  if (e.focused) parts.push("focused");
  if (e.occluded) parts.push("occluded");
  if (e.scroll) parts.push(`scrolled ${r(e.scroll.y)}/${r(e.scroll.maxY)}`);
  if (e.position !== "visible") parts.push(e.position);
  else if (full || AIMED.has(e.role))
    parts.push(`at (${r(e.box.x + e.box.width / 2)}, ${r(e.box.y + e.box.height / 2)})`);
  return parts.join(" ");
}

/** Runs of at least this many plain elements named by a counting number are one line. */
const FOLD_RUN = 4;

/**
 * Whether `b` follows `a` in a run: the same role and place, no state of its own, and a name that
 * differs from `a`'s only in one number, one higher ("October 7, 2024" after "October 6, 2024").
 */
function follows(a: SnapshotElement, b: SnapshotElement): boolean {
  const plain = (e: SnapshotElement) =>
    e.value === undefined &&
    !e.options &&
    e.checked === undefined &&
    !e.disabled &&
    !e.focused &&
    !e.occluded &&
    !e.scroll &&
    !AIMED.has(e.role);
  if (a.role !== b.role || a.position !== b.position || b.index !== a.index + 1 || !plain(a) || !plain(b))
    return false;
  const pa = a.name.split(/(\d+)/);
  const pb = b.name.split(/(\d+)/);
  if (pa.length !== pb.length) return false;
  const differ = pa.flatMap((p, i) => (p === pb[i] ? [] : [i]));
  return differ.length === 1 && Number(pb[differ[0]!]) === Number(pa[differ[0]!]) + 1;
}

/**
 * Element lines, with a run of numbered elements (a calendar's days) folded into one line that
 * names its first and last: a month of day buttons is 31 lines and about 370 tokens, more than a
 * small policy's whole context, and the names in between follow from the two ends.
 */
function elementLines(elements: readonly SnapshotElement[], full: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < elements.length; ) {
    let j = i;
    while (!full && j + 1 < elements.length && follows(elements[j]!, elements[j + 1]!)) j++;
    const [a, z] = [elements[i]!, elements[j]!];
    if (j - i + 1 >= FOLD_RUN) {
      const where = a.position === "visible" ? "" : ` ${a.position}`;
      out.push(
        `[${a.index}-${z.index}] ${a.role} ${JSON.stringify(a.name)} to ${JSON.stringify(z.name)}${where}`,
      );
    } else for (const e of elements.slice(i, j + 1)) out.push(elementLine(e, full)); // too short to fold
    i = j + 1;
  }
  return out;
}

/** "1 2 3 … 31" (a calendar's day numbers, a pager) as "1 … 31", as element runs fold. */
function foldCounts(text: string): string {
  return text.replace(/(?<![\p{L}\p{N}.,])\d+(?: \d+){3,}(?![\p{L}\p{N}.,])/gu, (run) => {
    const n = run.split(" ").map(Number);
    return n.every((x, i) => i === 0 || x === n[i - 1]! + 1) ? `${n[0]} … ${n.at(-1)}` : run;
  });
}

/**
 * A table's rows (cells tab-separated in the page's text) as a screen reader reads them: each cell
 * quoted, as element names are, and each but a row's first (its key) after its column's header,
 * `"Niklaus" Age "76" City "Osaka"`. A value is then found by what it is, the header after the
 * row's key, rather than by counting cells; and a quoted cell reads as the same tokens as the
 * value typed from it. A table's first row is its header: it is not repeated on a line of its
 * own, but for the first column's name (`Name: "Sophie" Age "66" ...`).
 */
function tableRows(lines: readonly string[]): string[] {
  const cells = (line: string) => line.split("\t").map((c) => c.trim());
  const quoted = (row: string[], labels?: string[]) =>
    row.map((c, k) => (k > 0 && labels?.[k] ? `${labels[k]} ` : "") + JSON.stringify(c)).join(" ");
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    if (!lines[i]!.includes("\t")) {
      out.push(lines[i++]!);
      continue;
    }
    const header = cells(lines[i]!);
    const rows: string[][] = [];
    for (i++; i < lines.length && lines[i]!.includes("\t"); i++) {
      const row = cells(lines[i]!);
      if (row.length !== header.length) break;
      rows.push(row);
    }
    if (rows.length === 0) out.push(quoted(header));
    else out.push(`${header[0] ? `${header[0]}: ` : ""}${rows.map((r) => quoted(r, header)).join(" ")}`);
  }
  return out;
}

/** The observation text. `last` is the previous action line and its error, if it failed. */
export function renderObservation(
  s: Snapshot,
  goal: string,
  { last, error, full = false, ...options }: ObservationOptions & { last?: string; error?: string } = {},
): string {
  const { maxText, maxElements } = full
    ? { maxText: Number.POSITIVE_INFINITY, maxElements: Number.POSITIVE_INFINITY }
    : { ...OBSERVATION_BUDGET, ...options };
  // the page repeats the goal in its instruction bar: once is enough
  const lines = tableRows(s.text.split("\n").filter((l) => alnum(l) !== alnum(goal)));
  let text = lines.join(" ").replace(/\s+/g, " ").trim();
  if (!full) text = foldCounts(text);
  if (text.length > maxText) text = `${text.slice(0, maxText)}…`;
  const below = s.scroll.maxY - s.scroll.y;
  const out = [
    `Goal: ${goal}`,
    `Page: ${s.title || new URL(s.url).pathname}${below > 0 ? ` (${r(below)}px more below)` : ""}${s.scroll.y > 0 ? ` (scrolled ${r(s.scroll.y)}px)` : ""}`,
    `Text: ${text || "(none)"}`,
  ];
  // what `find` selected, on a line of its own: one row to read instead of a table to search
  if (s.found) {
    const found = tableRows(s.found.split("\n")).join(" ").replace(/\s+/g, " ").trim();
    out.push(`Found: ${full || found.length <= maxText ? found : `${found.slice(0, maxText)}…`}`);
  }
  // the calculator's display, its result quoted as the reply will type it
  if (s.calculator)
    out.push(`Calculator: ${s.calculator.expression} = ${JSON.stringify(s.calculator.result)}`);
  if (last) out.push(`Last: ${last}${error ? ` failed: ${error}` : ""}`);
  const shown = s.elements.slice(0, maxElements);
  out.push(...elementLines(shown, full));
  if (s.elements.length > shown.length) out.push(`(${s.elements.length - shown.length} more elements)`);
  if (s.elements.length === 0) out.push("(no interactive elements)");
  return out.join("\n");
}
