// A fixture page served over loopback HTTP, so it loads as a real document (context init scripts
// run on it, as on any page the agent opens), and a fresh session on it before each test.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { launchChromium } from "../../src/browser.js";
import { openSession, type Session } from "../../src/session.js";

export interface FixtureServer {
  url: string;
  close(): Promise<void>;
}

export async function serveFixtures(pages: Record<string, string>): Promise<FixtureServer> {
  const server = http.createServer((req, res) => {
    const page = pages[req.url ?? "/"];
    res.writeHead(page === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8" });
    res.end(page ?? "not found");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * Registers the hooks: one server and browser for the file, a new session (800x600) opened on
 * the page before each test. Read `.session` inside tests.
 */
export function onFixturePage(html: string) {
  const state = {} as { server: FixtureServer; browser: Browser; session: Session };
  beforeAll(async () => {
    state.server = await serveFixtures({ "/": html });
    state.browser = await launchChromium();
  });
  afterAll(async () => {
    await state.session?.close();
    await state.browser?.close();
    await state.server?.close();
  });
  beforeEach(async () => {
    await state.session?.close();
    state.session = await openSession({ browser: state.browser, viewport: { width: 800, height: 600 } });
    await state.session.page.goto(`${state.server.url}/`);
  });
  return state;
}
