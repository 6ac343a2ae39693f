// What a text-only model sees: the page's visible text and its interactive elements, each with an
// index, role, accessible name, value and bounding box in viewport pixels (where the mouse goes).
import type { Page } from "playwright";
import { z } from "zod";

export const SnapshotElement = z.object({
  index: z.number().int().min(1),
  role: z.string(),
  name: z.string(),
  value: z.string().optional(),
  checked: z.boolean().optional(),
  disabled: z.boolean().optional(),
  focused: z.boolean().optional(),
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
  viewport: z.object({ width: z.number(), height: z.number() }),
});
export type Snapshot = z.infer<typeof Snapshot>;

/** Elements a person could act on. Drop zones announce themselves with role=region + aria-label. */
const INTERACTIVE = [
  "a[href]",
  "button",
  "input:not([type=hidden])",
  "select",
  "textarea",
  "summary",
  "[contenteditable=''],[contenteditable=true]",
  "[role=button],[role=link],[role=checkbox],[role=radio],[role=option],[role=combobox],[role=tab],[role=menuitem],[role=switch],[role=gridcell]",
  "[draggable=true],[data-draggable]",
  "[role=region][aria-label]",
].join(",");

/**
 * Runs in the page: collects the interactive elements in document order. Kept as plain JavaScript
 * source, because a transpiled function would carry helper calls the page does not define.
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
  const nameOf = (el) => {
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
    const id = el.getAttribute("id");
    if (id) {
      const label = document.querySelector('label[for="' + CSS.escape(id) + '"]');
      if (label) return clean(label.textContent);
    }
    const wrapping = el.closest("label");
    if (wrapping && wrapping !== el) return clean(wrapping.textContent);
    const input = el;
    if (el.tagName === "INPUT" && (input.type === "submit" || input.type === "button")) return clean(input.value);
    const text = clean(el.innerText ?? el.textContent);
    return text || clean(el.getAttribute("placeholder") || el.getAttribute("title") || el.getAttribute("alt"));
  };
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  const out = [];
  for (const el of Array.from(document.querySelectorAll(selector))) {
    if (el.closest("[data-reasonlab-overlay]")) continue;
    const style = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (style.visibility === "hidden" || style.display === "none" || r.width <= 0 || r.height <= 0) continue;
    const position =
      r.bottom <= 0 ? "above" : r.top >= vh ? "below" : r.right <= 0 ? "left" : r.left >= vw ? "right" : "visible";
    const input = el;
    const tag = el.tagName;
    const role = implicitRole(el);
    const item = {
      role,
      name: nameOf(el),
      box: { x: r.left, y: r.top, width: r.width, height: r.height },
      position,
    };
    if (tag === "INPUT" && (input.type === "checkbox" || input.type === "radio")) item.checked = input.checked;
    else if (el.getAttribute("aria-checked")) item.checked = el.getAttribute("aria-checked") === "true";
    else if (tag === "INPUT" || tag === "TEXTAREA") item.value = input.type === "password" ? "•".repeat(input.value.length) : input.value;
    else if (tag === "SELECT") item.value = el.selectedOptions[0]?.textContent?.trim() ?? "";
    else if (role === "combobox") item.value = clean(el.textContent);
    if (el.disabled || el.getAttribute("aria-disabled") === "true") item.disabled = true;
    if (document.activeElement === el) item.focused = true;
    out.push(item);
  }
  const text = (document.body?.innerText ?? "").replace(/\n{3,}/g, "\n\n").trim();
  return {
    url: location.href,
    title: document.title,
    text,
    elements: out,
    scroll: {
      y: window.scrollY,
      maxY: Math.max(0, document.documentElement.scrollHeight - window.innerHeight),
    },
    viewport: { width: vw, height: vh },
  };
}`;

export async function takeSnapshot(page: Page, { maxText = 4000 } = {}): Promise<Snapshot> {
  const raw = (await page.evaluate(`(${COLLECT})(${JSON.stringify(INTERACTIVE)})`)) as {
    url: string;
    title: string;
    text: string;
    elements: object[];
    scroll: { y: number; maxY: number };
    viewport: { width: number; height: number };
  };
  const elements = raw.elements.map((e, i) => ({ ...e, index: i + 1 }));
  return Snapshot.parse({ ...raw, text: raw.text.slice(0, maxText), elements });
}

const r = Math.round;

/** The snapshot as text, the observation a text-only model reads. */
export function renderSnapshot(s: Snapshot): string {
  const lines = [`URL: ${s.url}`, `Title: ${s.title}`];
  const below = s.scroll.maxY - s.scroll.y;
  lines.push(
    `Viewport: ${s.viewport.width}x${s.viewport.height}, scrolled ${r(s.scroll.y)}px` +
      (below > 0 ? `, ${r(below)}px more below` : ", at the bottom"),
  );
  lines.push("", "Page text:", s.text || "(none)", "", "Interactive elements:");
  for (const e of s.elements) {
    const parts = [`[${e.index}]`, e.role, JSON.stringify(e.name)];
    if (e.value !== undefined) parts.push(`value=${JSON.stringify(e.value)}`);
    if (e.checked !== undefined) parts.push(e.checked ? "checked" : "unchecked");
    if (e.disabled) parts.push("disabled");
    if (e.focused) parts.push("focused");
    parts.push(
      e.position === "visible"
        ? `at (${r(e.box.x + e.box.width / 2)}, ${r(e.box.y + e.box.height / 2)})`
        : `(${e.position} the viewport)`,
    );
    lines.push(parts.join(" "));
  }
  if (s.elements.length === 0) lines.push("(none)");
  return lines.join("\n");
}

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
