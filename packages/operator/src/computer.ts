// The Computer: a Playwright page driven only through page.mouse and page.keyboard, so every action
// reaches the page as real, trusted input events, exactly as a person's would.
import { calculate } from "@reasonlab/env-math";
import type { Page } from "playwright";
import { ComputerAction, type ComputerActionInput, isModifier, playwrightKey } from "./actions.js";

export interface Point {
  x: number;
  y: number;
}

/** An action the page cannot take (outside the viewport, no page to go back to...). The model sees it. */
export class ActionError extends Error {
  override name = "ActionError";
}

export interface Computer {
  readonly page: Page;
  viewport(): { width: number; height: number };
  screenshot(): Promise<Buffer>;
  /** Performs one action and waits for the page to settle; returns where it touched the page. */
  perform(action: ComputerActionInput): Promise<{ action: ComputerAction; points: Point[] }>;
  /** What the calculator shows: the last `calc` and its result (observations carry it). */
  calculator(): Calculation | undefined;
  /** Clears the calculator, for a new task. */
  clearCalculator(): void;
}

export interface Calculation {
  expression: string;
  result: string;
}

export function createComputer(page: Page): Computer {
  let calculation: Calculation | undefined;
  const viewport = () => {
    const v = page.viewportSize();
    if (!v) throw new Error("the page has no fixed viewport; create it with a viewport size");
    return v;
  };

  const inside = (p: Point, what = "point") => {
    const { width, height } = viewport();
    if (!(p.x >= 0 && p.x < width && p.y >= 0 && p.y < height)) {
      throw new ActionError(
        `${what} (${p.x}, ${p.y}) is outside the ${width}x${height} viewport: x must be in [0, ${width}), y in [0, ${height})`,
      );
    }
    return p;
  };

  const focusedPoint = async (): Promise<Point[]> => {
    const box = await page
      .evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const r = el.getBoundingClientRect();
        return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
      })
      .catch(() => null);
    return box ? [box] : [];
  };

  async function perform(input: ComputerActionInput) {
    const parsed = ComputerAction.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ActionError(`invalid action: ${issue.path.join(".") || "action"}: ${issue.message}`);
    }
    const action = parsed.data;
    let points: Point[] = [];
    switch (action.type) {
      case "screenshot":
        break;
      case "calc": {
        // env-math's calculator (exact rationals, shown as a decimal) beside the browser, as a
        // person keeps one on the desk: the page sees nothing, so there is nothing to settle
        const result = calculate(action.expression);
        if (result.startsWith("error:")) throw new ActionError(`calc: ${result.slice(6).trim()}`);
        calculation = { expression: action.expression, result };
        return { action, points };
      }
      case "click": {
        const p = inside(action);
        if (action.button === "back" || action.button === "forward") {
          await (action.button === "back" ? page.goBack() : page.goForward());
        } else {
          await page.mouse.click(p.x, p.y, { button: action.button === "wheel" ? "middle" : action.button });
        }
        points = [{ x: p.x, y: p.y }];
        break;
      }
      case "double_click":
        await page.mouse.dblclick(inside(action).x, action.y);
        points = [{ x: action.x, y: action.y }];
        break;
      case "move":
        await page.mouse.move(inside(action).x, action.y);
        points = [{ x: action.x, y: action.y }];
        break;
      case "drag": {
        for (const [i, p] of action.path.entries()) inside(p, `drag point ${i}`);
        const [first, ...rest] = action.path;
        await page.mouse.move(first!.x, first!.y);
        await page.mouse.down();
        // Intermediate moves, so pages that track pointermove see a real drag, not a teleport.
        for (const p of rest) await page.mouse.move(p.x, p.y, { steps: 8 });
        await page.mouse.up();
        points = action.path;
        break;
      }
      case "scroll":
        await page.mouse.move(inside(action).x, action.y);
        await page.mouse.wheel(action.scroll_x, action.scroll_y);
        points = [{ x: action.x, y: action.y }];
        break;
      case "type":
        await page.keyboard.type(action.text);
        points = await focusedPoint();
        break;
      case "keypress": {
        const named = action.keys.map(playwrightKey);
        // Models write chords in capitals ("CTRL", "A"); without Shift the page should see "a".
        const keys = named.includes("Shift")
          ? named
          : named.map((k) => (/^[A-Z]$/.test(k) ? k.toLowerCase() : k));
        const mods = keys.filter(isModifier);
        const rest = keys.filter((k) => !isModifier(k));
        for (const m of mods) await page.keyboard.down(m);
        try {
          if (rest.length === 0) {
            // A lone modifier press ("SHIFT"): press and release it.
          } else for (const k of rest) await page.keyboard.press(k);
        } finally {
          for (const m of mods.reverse()) await page.keyboard.up(m);
        }
        points = await focusedPoint();
        break;
      }
      case "find": {
        // The browser's find bar, not page input (the page sees no event, as with Ctrl+F in a
        // browser's own UI). Chromium's window.find(string, caseSensitive, backwards, wrapAround)
        // selects the next match after the current selection (finding again moves on, as Enter
        // does) and scrolls it into view; the next snapshot reports the line it is on.
        const hit = await page.evaluate(
          (text) => (window as unknown as { find(...a: unknown[]): boolean }).find(text, false, false, true),
          action.text,
        );
        if (!hit) throw new ActionError(`find: ${JSON.stringify(action.text)} is not on the page`);
        break;
      }
      case "wait":
        // The model asked for time to pass (an animation, a slow page): waiting is the action.
        await page.waitForTimeout(action.ms);
        break;
      case "goto": {
        let url: URL;
        try {
          url = new URL(action.url, page.url());
        } catch {
          throw new ActionError(`goto: not a URL: ${action.url}`);
        }
        await page.goto(url.href).catch((e: Error) => {
          throw new ActionError(`goto ${url.href} failed: ${e.message.split("\n")[0]}`);
        });
        break;
      }
      case "back": {
        const response = await page.goBack();
        if (response === null && page.url() === "about:blank")
          throw new ActionError("back: no previous page");
        break;
      }
    }
    await settle(page);
    return { action, points };
  }

  return {
    page,
    viewport,
    screenshot: () => page.screenshot({ type: "png" }),
    perform,
    calculator: () => calculation,
    clearCalculator: () => {
      calculation = undefined;
    },
  };
}

/**
 * Waits until the page has loaded and painted the effect of the last input: two animation frames
 * after DOMContentLoaded. A click that navigates destroys the context mid-wait; then wait again.
 */
export async function settle(page: Page): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await page.waitForLoadState("domcontentloaded");
      await page.evaluate(
        () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))),
      );
      return;
    } catch (e) {
      if (!/context was destroyed|navigat/i.test(String(e))) throw e;
    }
  }
}
