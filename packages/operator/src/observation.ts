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
 * 900 characters (a date picker's month of day buttons), most 200-400.
 */
export const OBSERVATION_BUDGET = { maxText: 240, maxElements: 40 } as const;

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
  const lines = s.text.split("\n").filter((l) => alnum(l) !== alnum(goal));
  let text = lines.join(" ").replace(/\s+/g, " ").trim();
  if (text.length > maxText) text = `${text.slice(0, maxText)}…`;
  const below = s.scroll.maxY - s.scroll.y;
  const out = [
    `Goal: ${goal}`,
    `Page: ${s.title || new URL(s.url).pathname}${below > 0 ? ` (${r(below)}px more below)` : ""}${s.scroll.y > 0 ? ` (scrolled ${r(s.scroll.y)}px)` : ""}`,
    `Text: ${text || "(none)"}`,
  ];
  if (last) out.push(`Last: ${last}${error ? ` failed: ${error}` : ""}`);
  const shown = s.elements.slice(0, maxElements);
  out.push(...shown.map((e) => elementLine(e, full)));
  if (s.elements.length > shown.length) out.push(`(${s.elements.length - shown.length} more elements)`);
  if (s.elements.length === 0) out.push("(no interactive elements)");
  return out.join("\n");
}
