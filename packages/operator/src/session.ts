// A supervised browser session: one Chromium context whose network is limited to allowed origins
// (enforced in the request path, blocked requests recorded), a page, and its Computer.
import type { Browser, BrowserContext, Page } from "playwright";
import { launchChromium } from "./browser.js";
import { type Computer, createComputer, settle } from "./computer.js";
import { type Snapshot, takeSnapshot, trackListeners } from "./snapshot.js";

export interface BlockedRequest {
  t: number;
  url: string;
  method: string;
  resourceType: string;
}

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  computer: Computer;
  /** Requests refused because their origin is not allowed, oldest first. */
  blocked: BlockedRequest[];
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Reuse a browser (tests, batches of episodes); otherwise one is launched and owned. */
  browser?: Browser;
  headless?: boolean;
  viewport?: { width: number; height: number };
  /** Origins (scheme://host:port) the page may reach; undefined allows every origin. */
  allowedOrigins?: string[];
  onBlocked?: (request: BlockedRequest) => void;
}

export const DEFAULT_VIEWPORT = { width: 1024, height: 720 };

export function originAllowed(url: string, allowed: string[] | undefined): boolean {
  if (!allowed) return true;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === "data:" || u.protocol === "blob:" || u.href === "about:blank") return true;
  return allowed.some((o) => new URL(o).origin === u.origin);
}

export async function openSession(options: SessionOptions = {}): Promise<Session> {
  const owned = !options.browser;
  const browser = options.browser ?? (await launchChromium({ headless: options.headless ?? true }));
  const context = await browser.newContext({
    viewport: options.viewport ?? DEFAULT_VIEWPORT,
    deviceScaleFactor: 1,
  });
  await trackListeners(context);
  const blocked: BlockedRequest[] = [];
  // Every request of every page and frame in the context passes here, before it leaves Chromium.
  await context.route("**/*", async (route) => {
    const request = route.request();
    if (originAllowed(request.url(), options.allowedOrigins)) return route.continue();
    const record = {
      t: Date.now(),
      url: request.url(),
      method: request.method(),
      resourceType: request.resourceType(),
    };
    blocked.push(record);
    options.onBlocked?.(record);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    computer: createComputer(page),
    blocked,
    async close() {
      await context.close().catch(() => {});
      if (owned) await browser.close().catch(() => {});
    },
  };
}

/**
 * What the agent sees now: the page once it has settled, as a snapshot and a screenshot (empty
 * when `screenshot` is false: a text policy in training needs none, and it costs more than the rest).
 */
export async function observe(
  session: Pick<Session, "page" | "computer">,
  { screenshot = true } = {},
): Promise<{ snapshot: Snapshot; screenshot: Buffer }> {
  await settle(session.page);
  const snapshot = await takeSnapshot(session.page);
  const calculator = session.computer.calculator();
  if (calculator) snapshot.calculator = { ...calculator };
  return { snapshot, screenshot: screenshot ? await session.computer.screenshot() : Buffer.alloc(0) };
}
