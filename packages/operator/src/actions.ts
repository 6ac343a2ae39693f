// The Computer's actions, in the shape OpenAI's computer-use tool emits them, so a model's action
// passes through unchanged. One zod schema is the source of truth for models, grammar and replay.
import { z } from "zod";

const coord = z.number().finite();
const button = z.enum(["left", "right", "middle", "wheel", "back", "forward"]).default("left");

export const ComputerAction = z.discriminatedUnion("type", [
  z.object({ type: z.literal("screenshot") }),
  z.object({ type: z.literal("click"), x: coord, y: coord, button }),
  z.object({ type: z.literal("double_click"), x: coord, y: coord }),
  z.object({ type: z.literal("move"), x: coord, y: coord }),
  z.object({
    type: z.literal("drag"),
    path: z.array(z.object({ x: coord, y: coord })).min(2, "a drag needs at least two points"),
  }),
  z.object({
    type: z.literal("scroll"),
    x: coord,
    y: coord,
    scroll_x: z.number().finite().default(0),
    scroll_y: z.number().finite().default(0),
  }),
  z.object({ type: z.literal("type"), text: z.string().max(10_000) }),
  z.object({
    type: z.literal("keypress"),
    keys: z.array(z.string().min(1)).min(1).describe('e.g. ["CTRL", "A"] or ["ENTER"]'),
  }),
  z.object({ type: z.literal("wait"), ms: z.number().int().min(0).max(10_000).default(1000) }),
  z.object({ type: z.literal("goto"), url: z.string().min(1) }),
  z.object({ type: z.literal("back") }),
  // the browser's find bar (Ctrl+F): selects the text's first match and scrolls it into view
  z.object({ type: z.literal("find"), text: z.string().min(1).max(200) }),
  // a calculator beside the browser: the page sees nothing; the result comes back to the model
  z.object({ type: z.literal("calc"), expression: z.string().min(1).max(200) }),
]);
export type ComputerAction = z.infer<typeof ComputerAction>;
export type ComputerActionInput = z.input<typeof ComputerAction>;

/**
 * The parameters of a function-calling model's `computer` tool, derived from ComputerAction: one
 * flat object whose `type` names the action, with every action's fields beside it (function
 * parameters must be an object at the top, so a union cannot stand there). Actions that share a
 * field (x, y) share its schema. `screenshot` is left out: the agent sends one every step; so is
 * `calc`, whose result reaches text models through the observation, which a vision model is not sent.
 */
export function computerToolParameters(omit: readonly string[] = ["screenshot", "calc"]) {
  const types: string[] = [];
  const fields: Record<string, unknown> = {};
  for (const option of ComputerAction.options) {
    const { properties } = z.toJSONSchema(option, { io: "input" }) as unknown as {
      properties: { type: { const: string } } & Record<string, unknown>;
    };
    const { type, ...rest } = properties;
    if (omit.includes(type.const)) continue;
    types.push(type.const);
    Object.assign(fields, rest);
  }
  return {
    type: "object",
    properties: { type: { type: "string", enum: types }, ...fields },
    required: ["type"],
  };
}

/**
 * Key names as computer-use models write them (CTRL, ENTER, ESC, arrows...) mapped to the names
 * Playwright's keyboard understands. Unknown names pass through: Playwright knows "a", "F5", "Tab".
 */
const KEY_NAMES: Record<string, string> = {
  CTRL: "Control",
  CONTROL: "Control",
  CMD: "Meta",
  COMMAND: "Meta",
  META: "Meta",
  SUPER: "Meta",
  WIN: "Meta",
  ALT: "Alt",
  OPTION: "Alt",
  SHIFT: "Shift",
  ENTER: "Enter",
  RETURN: "Enter",
  ESC: "Escape",
  ESCAPE: "Escape",
  TAB: "Tab",
  SPACE: " ",
  BACKSPACE: "Backspace",
  DELETE: "Delete",
  DEL: "Delete",
  HOME: "Home",
  END: "End",
  PAGEUP: "PageUp",
  PAGEDOWN: "PageDown",
  PAGE_UP: "PageUp",
  PAGE_DOWN: "PageDown",
  UP: "ArrowUp",
  DOWN: "ArrowDown",
  LEFT: "ArrowLeft",
  RIGHT: "ArrowRight",
  ARROWUP: "ArrowUp",
  ARROWDOWN: "ArrowDown",
  ARROWLEFT: "ArrowLeft",
  ARROWRIGHT: "ArrowRight",
  INSERT: "Insert",
  CAPSLOCK: "CapsLock",
};

export function playwrightKey(name: string): string {
  const upper = name.toUpperCase();
  if (KEY_NAMES[upper]) return KEY_NAMES[upper];
  if (/^F([1-9]|1[0-2])$/.test(upper)) return upper;
  return name.length === 1 ? name : name[0]!.toUpperCase() + name.slice(1);
}

const MODIFIERS = new Set(["Control", "Meta", "Alt", "Shift"]);
export const isModifier = (key: string) => MODIFIERS.has(key);

/** A short human-readable form of an action, for progress lines and replay captions. */
export function describeAction(a: ComputerAction): string {
  switch (a.type) {
    case "click":
      return `click ${a.button === "left" ? "" : `${a.button} `}(${Math.round(a.x)}, ${Math.round(a.y)})`;
    case "double_click":
    case "move":
      return `${a.type} (${Math.round(a.x)}, ${Math.round(a.y)})`;
    case "drag": {
      const first = a.path[0]!;
      const last = a.path[a.path.length - 1]!;
      return `drag (${Math.round(first.x)}, ${Math.round(first.y)}) -> (${Math.round(last.x)}, ${Math.round(last.y)})`;
    }
    case "scroll":
      return `scroll (${a.scroll_x}, ${a.scroll_y}) at (${Math.round(a.x)}, ${Math.round(a.y)})`;
    case "type":
      return `type ${JSON.stringify(a.text.length > 40 ? `${a.text.slice(0, 40)}…` : a.text)}`;
    case "keypress":
      return `keypress ${a.keys.join("+")}`;
    case "wait":
      return `wait ${a.ms} ms`;
    case "goto":
      return `goto ${a.url}`;
    case "find":
      return `find ${JSON.stringify(a.text)}`;
    case "calc":
      return `calc ${JSON.stringify(a.expression)}`;
    default:
      return a.type;
  }
}
