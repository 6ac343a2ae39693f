// A fresh clone has no dist/: `reasonlab dashboard` builds the web app before serving it, and
// builds again when a source under web/ is newer than the build.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureWebApp, WEB_SRC, webAppStale } from "../src/build.js";
import { startDashboard } from "../src/server.js";

// inside the app, so that the copied sources resolve their imports (uplot) from node_modules
const scratch = path.join(WEB_SRC, "..", "node_modules", ".cache");
fs.mkdirSync(scratch, { recursive: true });
const root = fs.mkdtempSync(path.join(scratch, "webapp-test-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("the web app build", () => {
  it("builds a missing web app, serves it, and rebuilds only when web/ changes", async () => {
    const src = path.join(root, "web");
    const dist = path.join(root, "dist");
    fs.cpSync(WEB_SRC, src, { recursive: true });
    const runs = path.join(root, "runs");
    fs.mkdirSync(runs);

    const before = await startDashboard({ runsRoot: runs, port: 0, webDist: dist });
    expect((await fetch(before.url)).status).toBe(503);
    await before.close();

    expect(webAppStale(src, dist)).toBe(true);
    expect(await ensureWebApp({ src, dist, log: () => {} })).toBe(true);
    expect(webAppStale(src, dist)).toBe(false);
    expect(await ensureWebApp({ src, dist, log: () => {} })).toBe(false);

    const after = await startDashboard({ runsRoot: runs, port: 0, webDist: dist });
    const page = await fetch(after.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script type="module"[^>]+src="\/assets\/[^"]+\.js"/);
    await after.close();

    const future = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(src, "style.css"), future, future);
    expect(webAppStale(src, dist)).toBe(true);
  });
});
