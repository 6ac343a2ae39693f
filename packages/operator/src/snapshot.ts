// What a text-only model sees: the page's visible text and its interactive elements, each with an
// index, role, accessible name, value and bounding box in viewport pixels (where the mouse goes).
import type { BrowserContext, Page } from "playwright";
import { z } from "zod";

export const SnapshotElement = z.object({
  index: z.number().int().min(1),
  role: z.string(),
  name: z.string(),
  value: z.string().optional(),
  checked: z.boolean().optional(),
  disabled: z.boolean().optional(),
  focused: z.boolean().optional(),
  /** A native select's options, in order: what `select [N] "option"` chooses from. */
  options: z.array(z.string()).optional(),
  /** How far the element's own content is scrolled (a textarea, a panel): `scroll [N] down` moves it. */
  scroll: z.object({ y: z.number(), maxY: z.number() }).optional(),
  /** Another element lies over its centre: a click there lands on that one (a dialog, a banner). */
  occluded: z.boolean().optional(),
  box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
  /** Where the element lies relative to the viewport: scroll before touching it. */
  position: z.enum(["visible", "above", "below", "left", "right"]),
});
export type SnapshotElement = z.infer<typeof SnapshotElement>;

export const Snapshot = z.object({
  url: z.string(),
  title: z.string(),
  text: z.string(),
  elements: z.array(SnapshotElement),
  scroll: z.object({ y: z.number(), maxY: z.number() }),
  /**
   * The line the selection is on, after `find`: its table row (after the table's header row, cells
   * tab-separated as in `text`), list item or paragraph. Absent with no selection.
   */
  found: z.string().optional(),
  /** The calculator beside the browser, after `calc`: its last expression and result. */
  calculator: z.object({ expression: z.string(), result: z.string() }).optional(),
  viewport: z.object({ width: z.number(), height: z.number() }),
});
export type Snapshot = z.infer<typeof Snapshot>;

/** Elements that say what they are: a person could act on each. Drop zones may say so with role=region + aria-label. */
const SEMANTIC = [
  "a[href]",
  "button",
  "input:not([type=hidden])",
  "select",
  "textarea",
  "summary",
  "[contenteditable=''],[contenteditable=true]",
  "[role=button],[role=link],[role=checkbox],[role=radio],[role=option],[role=combobox],[role=tab],[role=menuitem],[role=switch],[role=gridcell]",
  "[role=slider],[role=spinbutton],[role=scrollbar],[role=treeitem],[role=menuitemcheckbox],[role=menuitemradio],[role=searchbox],[role=textbox]",
  "[draggable=true],[data-draggable]",
  "[role=region][aria-label]",
].join(",");

/**
 * Installed before any page script runs (a context init script): remembers which elements the
 * page gave a click, mouse, pointer or drop listener. It wraps addEventListener in a Proxy that
 * calls the original with the same arguments and returns its result, so the page behaves as
 * before (the wrapper even prints as native code); the record sits under a symbol no page reads.
 */
export const LISTENER_TRACKER = `(() => {
  const KEY = Symbol.for("reasonlab.listeners");
  if (window[KEY]) return;
  const kinds = new WeakMap();
  Object.defineProperty(window, KEY, { value: kinds });
  const CLICK = new Set(["click", "dblclick", "auxclick", "mousedown", "mouseup", "pointerdown", "pointerup", "touchstart", "touchend"]);
  const DROP = new Set(["drop", "dragover", "dragenter"]);
  const proto = EventTarget.prototype;
  proto.addEventListener = new Proxy(proto.addEventListener, {
    apply(target, self, args) {
      const kind = CLICK.has(args[0]) ? "click" : DROP.has(args[0]) ? "drop" : null;
      if (kind && args[1] && self instanceof Element) {
        let set = kinds.get(self);
        if (!set) kinds.set(self, (set = new Set()));
        set.add(kind);
      }
      return Reflect.apply(target, self, args);
    },
  });
})();`;

/** Tracks listeners in every page of the context from now on (openSession does this). */
export async function trackListeners(context: BrowserContext): Promise<void> {
  await context.addInitScript(LISTENER_TRACKER);
}

/**
 * Runs in the page: collects the interactive elements in document order. Kept as plain JavaScript
 * source, because a transpiled function would carry helper calls the page does not define.
 *
 * Beyond the semantic elements, an element is listed when real pages make it interactive by other
 * means (the rules browser agents on the open web use):
 *   - its cursor is pointer, move, grab or a resize arrow and its parent's is not (a child that
 *     merely inherits the cursor is part of its parent), and it is the topmost element at its
 *     centre: role clickable, draggable or resize-handle;
 *   - the page registered a click/mouse/pointer listener on it (or an on* attribute): clickable;
 *     drop listeners only: drop-target;
 *   - tabindex >= 0 (slider handles, custom widgets): focusable;
 *   - its content scrolls (overflow auto or scroll, and more content than room): scrollable.
 * An element found only by these rules (not scrollable) that holds a listed element is left out:
 * the inner one is the precise target (a wrapper with a handler around a button is the button).
 * Every listed element in view is hit-tested at its centre, and marked occluded when something
 * else (a dialog, a banner) lies there.
 */
const COLLECT = String.raw`(selector) => {
  const implicitRole = (el) => {
    const explicit = el.getAttribute("role");
    if (explicit) return explicit;
    const tag = el.tagName.toLowerCase();
    if (tag === "a") return "link";
    if (tag === "button" || tag === "summary") return "button";
    if (tag === "select") return "combobox";
    if (tag === "textarea") return "textbox";
    if (el.hasAttribute("draggable") || el.hasAttribute("data-draggable")) return "draggable";
    if (tag === "input") {
      const type = el.type;
      if (type === "checkbox" || type === "radio") return type;
      if (type === "submit" || type === "button" || type === "reset") return "button";
      if (type === "range") return "slider";
      return type === "password" ? "password" : "textbox";
    }
    return el.isContentEditable ? "textbox" : tag;
  };
  const clean = (s) => (s ?? "").replace(/\s+/g, " ").trim().slice(0, 80);
  const labelOf = (el) => {
    const aria = el.getAttribute("aria-label");
    if (aria) return clean(aria);
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const text = by
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent ?? "")
        .join(" ");
      if (clean(text)) return clean(text);
    }
    return "";
  };
  const nameOf = (el) => {
    const label = labelOf(el);
    if (label) return label;
    const id = el.getAttribute("id");
    if (id) {
      const forLabel = document.querySelector('label[for="' + CSS.escape(id) + '"]');
      if (forLabel) return clean(forLabel.textContent);
    }
    const wrapping = el.closest("label");
    if (wrapping && wrapping !== el) return clean(wrapping.textContent);
    const input = el;
    if (el.tagName === "INPUT" && (input.type === "submit" || input.type === "button")) return clean(input.value);
    const text = clean(el.innerText ?? el.textContent);
    const title = clean(el.getAttribute("title"));
    // A glyph such as "×" says less than the title beside it.
    if (text && (/[\p{L}\p{N}]/u.test(text) || !title)) return text;
    if (title) return title;
    const other = clean(el.getAttribute("placeholder") || el.getAttribute("alt"));
    if (other) return other;
    // A nameless part of a widget (a slider's handle) goes by the widget's label.
    for (let up = el.parentElement, i = 0; up && i < 3; up = up.parentElement, i++) {
      const widget = labelOf(up);
      if (widget) return widget;
    }
    return "";
  };
  const POINTING = /^(pointer|move|grab|grabbing|[nesw]{1,2}-resize|col-resize|row-resize|ew-resize|ns-resize|nesw-resize|nwse-resize)$/;
  const cursorRole = (c) => (c === "pointer" ? "clickable" : c.endsWith("resize") ? "resize-handle" : "draggable");
  const SKIP = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "OPTION", "OPTGROUP", "BR", "HTML", "BODY"]);
  const listeners = window[Symbol.for("reasonlab.listeners")];
  const semantic = new Set(document.querySelectorAll(selector));
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  const center = (r) => {
    const x0 = Math.max(0, r.left), y0 = Math.max(0, r.top);
    const x1 = Math.min(vw, r.right), y1 = Math.min(vh, r.bottom);
    return x1 - x0 < 1 || y1 - y0 < 1 ? null : { x: (x0 + x1) / 2, y: (y0 + y1) / 2 };
  };
  const covers = (el, hit) => !hit || hit === el || el.contains(hit) || (hit.closest("label") !== null && hit.closest("label") === el.closest("label"));
  const scrolls = (el, style) =>
    ((style.overflowY === "auto" || style.overflowY === "scroll") && el.scrollHeight > el.clientHeight + 1) ||
    ((style.overflowX === "auto" || style.overflowX === "scroll") && el.scrollWidth > el.clientWidth + 1);

  // One pass in document order: a parent's cursor is known before its children's. (The set-of-marks
  // overlay hangs off <html>, outside <body>, so it is never listed.)
  const cursors = new Map();
  const found = [];
  for (const el of document.body ? document.body.getElementsByTagName("*") : []) {
    if (SKIP.has(el.tagName)) continue;
    const style = getComputedStyle(el);
    const cursor = style.cursor;
    cursors.set(el, cursor);
    if (style.display === "none") continue;
    const isSemantic = semantic.has(el);
    let role = null;
    let rule = null;
    if (!isSemantic) {
      const parentCursor = cursors.get(el.parentElement) ?? "auto";
      const own = listeners?.get(el);
      const attr = el.hasAttribute("onclick") || el.hasAttribute("onmousedown") || el.hasAttribute("onpointerdown");
      if (POINTING.test(cursor) && cursor !== parentCursor) [role, rule] = [cursorRole(cursor), "cursor"];
      else if (attr || own?.has("click")) [role, rule] = ["clickable", "listener"];
      else if (own?.has("drop")) [role, rule] = ["drop-target", "listener"];
      else if (scrolls(el, style)) [role, rule] = ["scrollable", "scroll"];
      else if (el.hasAttribute("tabindex") && el.tabIndex >= 0) [role, rule] = ["focusable", "tabindex"];
      else continue;
      if (rule !== "scroll" && rule !== "cursor" && scrolls(el, style)) rule = "scroll";
    }
    const r = el.getBoundingClientRect();
    if (style.visibility === "hidden" || r.width <= 0 || r.height <= 0) continue;
    found.push({ el, style, r, role: el.getAttribute("role") || role || implicitRole(el), rule });
  }

  // Wrappers found only by the rules above give way to the listed elements inside them.
  const holds = new Set();
  const byEl = new Set(found.map((f) => f.el));
  for (const f of found) {
    for (let up = f.el.parentElement; up && up !== document.body; up = up.parentElement) if (byEl.has(up)) holds.add(up);
  }
  const out = [];
  for (const { el, style, r, role, rule } of found) {
    if (rule && rule !== "scroll" && holds.has(el)) continue;
    const position =
      r.bottom <= 0 ? "above" : r.top >= vh ? "below" : r.right <= 0 ? "left" : r.left >= vw ? "right" : "visible";
    let occluded = false;
    const c = position === "visible" ? center(r) : null;
    if (c) {
      occluded = !covers(el, document.elementFromPoint(c.x, c.y));
      // A cursor alone is a weak sign: count it only where the element is what a click would hit.
      if (occluded && rule === "cursor") continue;
    }
    const input = el;
    const tag = el.tagName;
    const item = {
      role,
      name: nameOf(el),
      box: { x: r.left, y: r.top, width: r.width, height: r.height },
      position,
    };
    if (tag === "INPUT" && (input.type === "checkbox" || input.type === "radio")) item.checked = input.checked;
    else if (el.getAttribute("aria-checked")) item.checked = el.getAttribute("aria-checked") === "true";
    else if (tag === "INPUT" || tag === "TEXTAREA") item.value = input.type === "password" ? "•".repeat(input.value.length) : input.value;
    else if (tag === "SELECT") {
      item.value = el.selectedOptions[0]?.textContent?.trim() ?? "";
      item.options = Array.from(el.options, (o) => clean(o.textContent)).slice(0, 50);
    } else if (role === "combobox") item.value = clean(el.textContent);
    else if (el.hasAttribute("aria-valuetext") || el.hasAttribute("aria-valuenow"))
      item.value = el.getAttribute("aria-valuetext") ?? el.getAttribute("aria-valuenow");
    if (el.disabled || el.getAttribute("aria-disabled") === "true") item.disabled = true;
    if (document.activeElement === el) item.focused = true;
    if (rule === "scroll" || (tag === "TEXTAREA" && el.scrollHeight > el.clientHeight + 1))
      item.scroll = { y: el.scrollTop, maxY: Math.max(0, el.scrollHeight - el.clientHeight) };
    if (occluded) item.occluded = true;
    out.push(item);
  }
  const text = (document.body?.innerText ?? "").replace(/\n{3,}/g, "\n\n").trim();
  const sel = getSelection();
  const at = sel && !sel.isCollapsed && sel.anchorNode ? sel.anchorNode.parentElement : null;
  const line = at?.closest("tr, li, p, h1, h2, h3, h4, h5, h6, label, dt, dd, td, th, div");
  const row = line?.closest("tr");
  const header = row?.closest("table")?.rows[0];
  const foundLine = row
    ? (header && header !== row ? header.innerText + "\n" : "") + row.innerText
    : line
      ? clean(line.innerText)
      : "";
  return {
    url: location.href,
    title: document.title,
    text,
    ...(foundLine ? { found: foundLine } : {}),
    elements: out,
    scroll: {
      y: window.scrollY,
      maxY: Math.max(0, document.documentElement.scrollHeight - window.innerHeight),
    },
    viewport: { width: vw, height: vh },
  };
}`;

export async function takeSnapshot(page: Page, { maxText = 4000 } = {}): Promise<Snapshot> {
  const raw = (await page.evaluate(`(${COLLECT})(${JSON.stringify(SEMANTIC)})`)) as {
    url: string;
    title: string;
    text: string;
    elements: object[];
    scroll: { y: number; maxY: number };
    found?: string;
    viewport: { width: number; height: number };
  };
  const elements = raw.elements.map((e, i) => ({ ...e, index: i + 1 }));
  return Snapshot.parse({ ...raw, text: raw.text.slice(0, maxText), elements });
}

const r = Math.round;

/** The visible centre of an element, where a click lands; null when it is out of view. */
export function elementCenter(e: SnapshotElement, viewport: { width: number; height: number }) {
  const x0 = Math.max(0, e.box.x);
  const y0 = Math.max(0, e.box.y);
  const x1 = Math.min(viewport.width, e.box.x + e.box.width);
  const y1 = Math.min(viewport.height, e.box.y + e.box.height);
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  return { x: r((x0 + x1) / 2), y: r((y0 + y1) / 2) };
}

/**
 * A set-of-marks screenshot: each visible element outlined and labelled with its index, drawn by
 * an overlay added for the screenshot and removed right after, so the page itself is unchanged.
 */
export async function markedScreenshot(page: Page, snapshot: Snapshot): Promise<Buffer> {
  const marks = snapshot.elements
    .filter((e) => e.position === "visible")
    .map((e) => ({ i: e.index, ...e.box }));
  await page.evaluate((marks) => {
    const layer = document.createElement("div");
    layer.setAttribute("data-reasonlab-overlay", "");
    layer.style.cssText = "position:fixed;inset:0;pointer-events:none;z-index:2147483647";
    const colors = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#008080", "#9a6324"];
    for (const m of marks) {
      const color = colors[m.i % colors.length];
      const box = document.createElement("div");
      box.style.cssText = `position:fixed;left:${m.x}px;top:${m.y}px;width:${m.width}px;height:${m.height}px;outline:2px solid ${color};`;
      const tag = document.createElement("div");
      tag.textContent = String(m.i);
      tag.style.cssText = `position:fixed;left:${Math.max(0, m.x - 2)}px;top:${Math.max(0, m.y - 14)}px;background:${color};color:#fff;font:bold 11px/13px monospace;padding:0 3px;border-radius:2px;`;
      layer.append(box, tag);
    }
    document.documentElement.append(layer);
  }, marks);
  try {
    return await page.screenshot({ type: "png" });
  } finally {
    await page.evaluate(() => {
      for (const el of Array.from(document.querySelectorAll("[data-reasonlab-overlay]"))) el.remove();
    });
  }
}
