// The action grammar for text-only models: one short line naming an element of the last snapshot
// by its index. The agent turns it into real mouse and keyboard actions at the element's position.
import type { ComputerActionInput } from "./actions.js";
import { ActionError, type Point } from "./computer.js";
import { elementCenter, type Snapshot, type SnapshotElement } from "./snapshot.js";

export const GRAMMAR_HELP = `Reply with your reasoning, if any, then exactly one action on the last line:
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
  goto URL               open a URL
  back                   go back one page
  wait [MS]              wait for the page
  done ["answer"]        the goal is reached (with the answer, if one was asked for)`;

export type Command =
  | { verb: "click" | "double_click" | "hover"; target: number }
  | { verb: "type"; target?: number; text: string }
  | { verb: "key"; keys: string[] }
  | { verb: "scroll"; direction: "up" | "down"; pixels?: number; target?: number }
  | { verb: "select"; target: number; option: string }
  // A drag goes onto another element (to), to a point of the viewport (at) or by an offset (by).
  | { verb: "drag"; target: number; to: number }
  | { verb: "drag"; target: number; at: Point }
  | { verb: "drag"; target: number; by: Point }
  | { verb: "goto"; url: string }
  | { verb: "back" }
  | { verb: "wait"; ms?: number }
  | { verb: "done"; answer?: string };

/** A model reply that holds no action the grammar knows. */
export class GrammarError extends Error {
  override name = "GrammarError";
}

const quoted = String.raw`"((?:[^"\\]|\\.)*)"`;
const idx = String.raw`\[(\d+)\]`;
const point = String.raw`\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)`;
const PATTERNS: [RegExp, (m: RegExpMatchArray) => Command][] = [
  [
    new RegExp(`^(click|double_click|dblclick|hover)\\s+${idx}$`, "i"),
    (m) => ({
      verb: m[1]!.toLowerCase() === "dblclick" ? "double_click" : (m[1]!.toLowerCase() as "click"),
      target: Number(m[2]),
    }),
  ],
  [
    new RegExp(`^type\\s+${idx}\\s+${quoted}$`, "i"),
    (m) => ({ verb: "type", target: Number(m[1]), text: unquote(m[2]!) }),
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
      direction: m[2]!.toLowerCase() as "up" | "down",
      ...(m[1] ? { target: Number(m[1]) } : {}),
      ...(m[3] ? { pixels: Number(m[3]) } : {}),
    }),
  ],
  [
    new RegExp(`^drag\\s+${idx}\\s+(?:to\\s+|onto\\s+)?${idx}$`, "i"),
    (m) => ({ verb: "drag", target: Number(m[1]), to: Number(m[2]) }),
  ],
  [
    new RegExp(`^drag\\s+${idx}\\s+(to|by)\\s+${point}$`, "i"),
    (m) => {
      const p = { x: Number(m[3]), y: Number(m[4]) };
      return m[2]!.toLowerCase() === "by"
        ? { verb: "drag", target: Number(m[1]), by: p }
        : { verb: "drag", target: Number(m[1]), at: p };
    },
  ],
  [
    new RegExp(`^select\\s+${idx}\\s+${quoted}$`, "i"),
    (m) => ({ verb: "select", target: Number(m[1]), option: unquote(m[2]!) }),
  ],
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

/** Turns a command into Computer actions against the snapshot it was chosen from. */
export function resolveCommand(cmd: Command, snapshot: Snapshot): ComputerActionInput[] {
  const vp = snapshot.viewport;
  const element = (index: number) => {
    const el = snapshot.elements.find((e) => e.index === index);
    if (!el) {
      throw new ActionError(
        `there is no element [${index}]; the page has ${snapshot.elements.length} (1..${snapshot.elements.length})`,
      );
    }
    return el;
  };
  const at = (index: number) => {
    const el = element(index);
    const c = elementCenter(el, vp);
    if (!c) throw new ActionError(`element [${index}] is ${el.position} the viewport; scroll to it first`);
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

/** The command as one grammar line: what experts emit and demonstrations record. */
export function formatCommand(cmd: Command): string {
  switch (cmd.verb) {
    case "click":
    case "double_click":
    case "hover":
      return `${cmd.verb} [${cmd.target}]`;
    case "type":
      return cmd.target === undefined
        ? `type ${JSON.stringify(cmd.text)}`
        : `type [${cmd.target}] ${JSON.stringify(cmd.text)}`;
    case "key":
      return `key ${cmd.keys.join("+")}`;
    case "scroll":
      return `scroll${cmd.target === undefined ? "" : ` [${cmd.target}]`} ${cmd.direction}${cmd.pixels ? ` ${cmd.pixels}` : ""}`;
    case "select":
      return `select [${cmd.target}] ${JSON.stringify(cmd.option)}`;
    case "drag":
      if ("to" in cmd) return `drag [${cmd.target}] [${cmd.to}]`;
      return "at" in cmd
        ? `drag [${cmd.target}] to (${cmd.at.x}, ${cmd.at.y})`
        : `drag [${cmd.target}] by (${cmd.by.x}, ${cmd.by.y})`;
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
