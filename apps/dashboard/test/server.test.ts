import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { launchChromium } from "@reasonlab/operator";
import { createRun } from "@reasonlab/runs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../src/server.js";

let root: string;
let dashboard: Awaited<ReturnType<typeof startDashboard>>;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "reasonlab-dash-"));
  createRun({ root, name: "sft-addition", kind: "sft", backend: "wasm" }).finish();
  createRun({ root, name: "rl-countdown", kind: "rl", backend: "webgpu" }).fail(new Error("out of memory"));
  dashboard = await startDashboard({ runsRoot: root, port: 0 });
});
afterAll(async () => {
  await dashboard.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("dashboard server", () => {
  it("lists runs with their status on loopback", async () => {
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const runs = await (await fetch(`${dashboard.url}api/runs`)).json();
    expect(runs.map((r: { name: string; status: string }) => [r.name, r.status])).toEqual([
      ["sft-addition", "finished"],
      ["rl-countdown", "failed"],
    ]);
  });

  it("rejects paths that escape its folders", async () => {
    for (const bad of ["..%2f..%2fpackage.json", "%2e%2e/%2e%2e/package.json", "..%5c..%5cpackage.json"]) {
      const res = await fetch(`${dashboard.url}${bad}`);
      expect([400, 404]).toContain(res.status);
      expect(await res.text()).not.toContain("@reasonlab/dashboard");
    }
  });

  it("renders the runs list in Chromium", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(dashboard.url);
      await page.locator("#runs tbody tr").nth(1).waitFor();
      expect(await page.locator("#runs tbody tr").allTextContents()).toEqual([
        expect.stringMatching(/^rl-countdownrl.*failed.*webgpu/),
        expect.stringMatching(/^sft-additionsft.*finished.*wasm/),
      ]);
      expect(await page.textContent("#summary")).toBe("2 runs");
    } finally {
      await browser.close();
    }
  });
});
