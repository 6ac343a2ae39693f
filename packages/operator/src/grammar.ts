// The action grammar for text-only models: one short line naming an element of the last snapshot
// by its index ([3]) or by its name ("Export"), as a person says "click Export". The agent turns
// it into real mouse and keyboard actions at the element's position. Naming by name lets a small
// policy copy what the goal says instead of looking an index up; an ambiguous name is an error
// that lists the indices to choose from.
import type { ComputerActionInput } from "./actions.js";
import { ActionError, type Point } from "./computer.js";
import { elementCenter, type Snapshot, type SnapshotElement } from "./snapshot.js";

export const GRAMMAR_HELP = `Reply with your reasoning, if any, then exactly one action on the last line.
An element is [N], its index, or "name", its exact name when no other element has it.
  click [N]              click element N
  double_click [N]       double-click element N
  hover [N]              move the mouse over element N
  type [N] "text"        click field N, replace its content with text
  type "text"            type into the focused element
  key KEY[+KEY]          press keys, e.g. key ENTER, key CTRL+A, key TAB
  select [N] "option"    choose an option of the select box N
  scroll down|up [PX]    scroll the page (default: most of a screen)
  scroll [N] down|up [PX]  scroll inside element N (a text box, a panel)
  drag [N] [M]           drag element N and drop it on element M
  drag [N] to (X, Y)     drag element N to the point X, Y of the viewport
  drag [N] by (DX, DY)   drag element N by DX pixels right and DY down (negative: left, up)
  find "text"            find text on the page (Ctrl+F): the next observation shows the line it is on
  calc "expression"      a calculator (+ - * / ^ and brackets): the next observation shows the result
  goto URL               open a URL
  back                   go back one page
  wait [MS]              wait for the page
  done ["answer"]        the goal is reached (with the answer, if one was asked for)`;

/** An element of the snapshot: its index, or its name. */
export type Target = number | string;

export type Command =
  | { verb: "click" | "double_click" | "hover"; target: Target }
  | { verb: "type"; target?: Target; text: string }
  | { verb: "key"; keys: string[] }
  | { verb: "scroll"; direction: "up" | "down"; pixels?: number; target?: Target }
  | { verb: "select"; target: Target; option: string }
  // A drag goes onto another element (to), to a point of the viewport (at) or by an offset (by).
  | { verb: "drag"; target: Target; to: Target }
  | { verb: "drag"; target: Target; at: Point }
  | { verb: "drag"; target: Target; by: Point }
  | { verb: "find"; text: string }
  | { verb: "calc"; expression: string }
  | { verb: "goto"; url: string }
  | { verb: "back" }
  | { verb: "wait"; ms?: number }
  | { verb: "done"; answer?: string };

/** A model reply that holds no action the grammar knows. */
export class GrammarError extends Error {
  override name = "GrammarError";
}

const quoted = String.raw`"((?:[^"\\]|\\.)*)"`;
// an element: [N] (group 1) or "name" (group 2); `target` reads the two groups back
const idx = String.raw`(?:\[(\d+)\]|${quoted})`;
const target = (m: RegExpMatchArray, at: number): Target =>
  m[at] !== undefined ? Number(m[at]) : unquote(m[at + 1]!);
const point = String.raw`\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)`;
const PATTERNS: [RegExp, (m: RegExpMatchArray) => Command][] = [
  [
    new RegExp(`^(click|double_click|dblclick|hover)\\s+${idx}$`, "i"),
    (m) => ({
      verb: m[1]!.toLowerCase() === "dblclick" ? "double_click" : (m[1]!.toLowerCase() as "click"),
      target: target(m, 2),
    }),
  ],
  [
    new RegExp(`^type\\s+${idx}\\s+${quoted}$`, "i"),
    (m) => ({ verb: "type", target: target(m, 1), text: unquote(m[3]!) }),
  ],
  [new RegExp(`^type\\s+${quoted}$`, "i"), (m) => ({ verb: "type", text: unquote(m[1]!) })],
  [
    /^(?:key|press|keypress)\s+([A-Za-z0-9_+\- ]+)$/i,
    (m) => ({ verb: "key", keys: m[1]!.trim().split(/\s*\+\s*|\s+/) }),
  ],
  [
    new RegExp(`^scroll(?:\\s+${idx})?\\s+(up|down)(?:\\s+(\\d+))?$`, "i"),
    (m) => ({
      verb: "scroll",
      direction: m[3]!.toLowerCase() as "up" | "down",
      ...(m[1] !== undefined || m[2] !== undefined ? { target: target(m, 1) } : {}),
      ...(m[4] ? { pixels: Number(m[4]) } : {}),
    }),
  ],
  [
    new RegExp(`^drag\\s+${idx}\\s+(?:to\\s+|onto\\s+)?${idx}$`, "i"),
    (m) => ({ verb: "drag", target: target(m, 1), to: target(m, 3) }),
  ],
  [
    new RegExp(`^drag\\s+${idx}\\s+(to|by)\\s+${point}$`, "i"),
    (m) => {
      const p = { x: Number(m[4]), y: Number(m[5]) };
      return m[3]!.toLowerCase() === "by"
        ? { verb: "drag", target: target(m, 1), by: p }
        : { verb: "drag", target: target(m, 1), at: p };
    },
  ],
  [
    new RegExp(`^select\\s+${idx}\\s+${quoted}$`, "i"),
    (m) => ({ verb: "select", target: target(m, 1), option: unquote(m[3]!) }),
  ],
  [new RegExp(`^find\\s+${quoted}$`, "i"), (m) => ({ verb: "find", text: unquote(m[1]!) })],
  [new RegExp(`^calc\\s+${quoted}$`, "i"), (m) => ({ verb: "calc", expression: unquote(m[1]!) })],
  [/^goto\s+(\S+)$/i, (m) => ({ verb: "goto", url: m[1]! })],
  [/^back$/i, () => ({ verb: "back" })],
  [/^wait(?:\s+(\d+))?$/i, (m) => ({ verb: "wait", ...(m[1] ? { ms: Number(m[1]) } : {}) })],
  [
    new RegExp(`^done(?:\\s+${quoted})?$`, "i"),
    (m) => ({ verb: "done", ...(m[1] !== undefined ? { answer: unquote(m[1]) } : {}) }),
  ],
];

function unquote(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

/** The line of a reply that is acted on and shown as `Last:` next step: its last line. */
export const replyLine = (reply: string): string => reply.trim().split("\n").at(-1) ?? "";

/** The last line of a reply that is an action; surrounding markup ("Action:", backticks) is ignored. */
export function parseCommand(reply: string): Command {
  const lines = reply.split("\n").map((l) =>
    l
      .trim()
      .replace(/^(?:[-*>]\s*)?(?:action\s*:\s*)?/i, "")
      .replace(/^`+|`+$/g, "")
      .trim(),
  );
  for (const line of lines.reverse()) {
    for (const [re, build] of PATTERNS) {
      const m = line.match(re);
      if (m) return build(m);
    }
  }
  const shown = reply.trim().slice(-120);
  throw new GrammarError(
    `no action found in the reply${shown ? ` (ends with ${JSON.stringify(shown)})` : " (empty)"}; the last line must be an action such as: click [3]`,
  );
}

const sameName = (a: string, b: string) =>
  a.trim().replace(/\s+/g, " ").toLowerCase() === b.trim().replace(/\s+/g, " ").toLowerCase();

/**
 * The element a target names: by index, or by name (exactly, else ignoring case and spacing).
 * A name that several elements share is an error listing them, so the model can pick an index.
 */
export function elementOf(snapshot: Snapshot, t: Target): SnapshotElement {
  const all = snapshot.elements;
  if (typeof t === "number") {
    const el = all.find((e) => e.index === t);
    if (!el)
      throw new ActionError(`there is no element [${t}]; the page has ${all.length} (1..${all.length})`);
    return el;
  }
  let found = all.filter((e) => e.name === t);
  if (found.length === 0) found = all.filter((e) => sameName(e.name, t));
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new ActionError(`no element is named ${JSON.stringify(t)}`);
  throw new ActionError(
    `${found.length} elements are named ${JSON.stringify(t)}: ${found.map((e) => `[${e.index}] ${e.role}`).join(", ")}; use the index`,
  );
}

/**
 * The command with each element named by its name where that name is unique on the page (and by
 * index where it is not): how demonstrations write actions, the form a small policy learns best.
 */
export function namedCommand(cmd: Command, snapshot: Snapshot): Command {
  const name = (t: Target): Target => {
    if (typeof t === "string") return t;
    const el = snapshot.elements.find((e) => e.index === t);
    if (!el?.name.trim() || el.name.length > 60) return t;
    return snapshot.elements.filter((e) => sameName(e.name, el.name)).length === 1 ? el.name : t;
  };
  const out = { ...cmd } as Command & { target?: Target; to?: Target };
  if (out.target !== undefined) out.target = name(out.target);
  if ("to" in out && out.to !== undefined) out.to = name(out.to);
  return out as Command;
}

/** Turns a command into Computer actions against the snapshot it was chosen from. */
export function resolveCommand(cmd: Command, snapshot: Snapshot): ComputerActionInput[] {
  const vp = snapshot.viewport;
  const element = (t: Target) => elementOf(snapshot, t);
  const at = (t: Target) => {
    const el = element(t);
    const c = elementCenter(el, vp);
    if (!c) throw new ActionError(`element [${el.index}] is ${el.position} the viewport; scroll to it first`);
    return c;
  };
  const center = { x: Math.round(vp.width / 2), y: Math.round(vp.height / 2) };
  switch (cmd.verb) {
    case "click":
      return [{ type: "click", ...at(cmd.target), button: "left" }];
    case "double_click":
      return [{ type: "double_click", ...at(cmd.target) }];
    case "hover":
      return [{ type: "move", ...at(cmd.target) }];
    case "type":
      if (cmd.target === undefined) return [{ type: "type", text: cmd.text }];
      return [
        { type: "click", ...at(cmd.target), button: "left" },
        { type: "keypress", keys: ["CTRL", "A"] },
        { type: "keypress", keys: ["BACKSPACE"] },
        ...(cmd.text ? [{ type: "type" as const, text: cmd.text }] : []),
      ];
    case "select":
      return selectOption(element(cmd.target), cmd.option, at(cmd.target));
    case "key":
      return [{ type: "keypress", keys: cmd.keys }];
    case "scroll": {
      // The wheel turns over what it points at: the page, or the element's visible middle.
      const over = cmd.target === undefined ? null : element(cmd.target);
      const p = over ? at(over.index) : center;
      const room = over ? Math.min(over.box.height, vp.height) : vp.height;
      const dy = (cmd.pixels ?? Math.max(1, Math.round(room * 0.8))) * (cmd.direction === "down" ? 1 : -1);
      return [{ type: "scroll", ...p, scroll_x: 0, scroll_y: dy }];
    }
    case "drag": {
      const from = at(cmd.target);
      const to =
        "to" in cmd ? at(cmd.to) : "at" in cmd ? cmd.at : { x: from.x + cmd.by.x, y: from.y + cmd.by.y };
      return [{ type: "drag", path: [from, { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 }, to] }];
    }
    case "find":
      return [{ type: "find", text: cmd.text }];
    case "calc":
      return [{ type: "calc", expression: cmd.expression }];
    case "goto":
      return [{ type: "goto", url: cmd.url }];
    case "back":
      return [{ type: "back" }];
    case "wait":
      return [{ type: "wait", ms: cmd.ms ?? 1000 }];
    case "done":
      return [];
  }
}

/**
 * A native select, chosen as a person would with the keyboard: a click opens it, the arrow keys
 * walk from the chosen option to the wanted one, Enter takes it (the page sees real input and one
 * change event). Options the page disabled are skipped by the browser and not counted here.
 */
function selectOption(el: SnapshotElement, option: string, p: Point): ComputerActionInput[] {
  if (!el.options) {
    throw new ActionError(`element [${el.index}] is a ${el.role}, not a select box; click it instead`);
  }
  const norm = (s: string) => s.trim().toLowerCase();
  let want = el.options.indexOf(option);
  if (want < 0) want = el.options.findIndex((o) => norm(o) === norm(option));
  if (want < 0) {
    throw new ActionError(
      `select [${el.index}] has no option ${JSON.stringify(option)}; its options are ${JSON.stringify(el.options)}`,
    );
  }
  const now = el.value === undefined ? -1 : el.options.indexOf(el.value);
  const keys: ComputerActionInput[] =
    now < 0
      ? [{ type: "keypress", keys: ["HOME"] }, ...arrows("DOWN", want)]
      : arrows(want > now ? "DOWN" : "UP", Math.abs(want - now));
  return [{ type: "click", ...p, button: "left" }, ...keys, { type: "keypress", keys: ["ENTER"] }];
}

const arrows = (key: "UP" | "DOWN", n: number): ComputerActionInput[] =>
  Array.from({ length: n }, () => ({ type: "keypress", keys: [key] }));

const show = (t: Target) => (typeof t === "number" ? `[${t}]` : JSON.stringify(t));

/** The command as one grammar line: what experts emit and demonstrations record. */
export function formatCommand(cmd: Command): string {
  switch (cmd.verb) {
    case "click":
    case "double_click":
    case "hover":
      return `${cmd.verb} ${show(cmd.target)}`;
    case "type":
      return cmd.target === undefined
        ? `type ${JSON.stringify(cmd.text)}`
        : `type ${show(cmd.target)} ${JSON.stringify(cmd.text)}`;
    case "key":
      return `key ${cmd.keys.join("+")}`;
    case "scroll":
      return `scroll${cmd.target === undefined ? "" : ` ${show(cmd.target)}`} ${cmd.direction}${cmd.pixels ? ` ${cmd.pixels}` : ""}`;
    case "select":
      return `select ${show(cmd.target)} ${JSON.stringify(cmd.option)}`;
    case "drag":
      if ("to" in cmd) return `drag ${show(cmd.target)} ${show(cmd.to)}`;
      return "at" in cmd
        ? `drag ${show(cmd.target)} to (${cmd.at.x}, ${cmd.at.y})`
        : `drag ${show(cmd.target)} by (${cmd.by.x}, ${cmd.by.y})`;
    case "find":
      return `find ${JSON.stringify(cmd.text)}`;
    case "calc":
      return `calc ${JSON.stringify(cmd.expression)}`;
    case "goto":
      return `goto ${cmd.url}`;
    case "back":
      return "back";
    case "wait":
      return cmd.ms === undefined ? "wait" : `wait ${cmd.ms}`;
    case "done":
      return cmd.answer === undefined ? "done" : `done ${JSON.stringify(cmd.answer)}`;
  }
}
