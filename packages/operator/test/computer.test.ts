// Each Computer action, through real input events in Debian's Chromium, on a fixture page that
// records what it received.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { playwrightKey } from "../src/actions.js";
import { launchChromium } from "../src/browser.js";
import { ActionError, type Computer, createComputer } from "../src/computer.js";

const fixture = `<!doctype html><html><body style="margin:0;font:14px sans-serif">
<button id="btn" style="position:absolute;left:20px;top:20px;width:100px;height:30px">Button</button>
<div id="hover" style="position:absolute;left:140px;top:20px;width:80px;height:30px;background:#ddd">hover</div>
<input id="field" style="position:absolute;left:20px;top:70px;width:200px;height:24px">
<div id="box" style="position:absolute;left:20px;top:120px;width:40px;height:40px;background:teal"></div>
<div id="far" style="position:absolute;left:20px;top:1500px">far below</div>
<a id="link" href="/second" style="position:absolute;left:260px;top:20px">second page</a>
<script>
  const log = [];
  window.log = log;
  const note = (e) => e.isTrusted && log.push(e.type + ":" + (e.target.id || e.target.tagName) + (e.button ? ":b" + e.button : ""));
  for (const t of ["click", "dblclick", "contextmenu", "mouseover"]) document.addEventListener(t, note);
  document.addEventListener("keydown", (e) => {
    if (e.isTrusted && e.ctrlKey && e.key === "k") { e.preventDefault(); log.push("chord:ctrl+k"); }
    if (e.isTrusted && e.key === "Escape") log.push("key:Escape");
  });
  const box = document.getElementById("box");
  let held = null;
  box.addEventListener("mousedown", (e) => { held = { dx: e.clientX - box.offsetLeft, dy: e.clientY - box.offsetTop }; });
  document.addEventListener("mousemove", (e) => { if (held) { box.style.left = e.clientX - held.dx + "px"; box.style.top = e.clientY - held.dy + "px"; } });
  document.addEventListener("mouseup", () => { held = null; });
</script></body></html>`;

let server: http.Server;
let base: string;
let browser: Browser;
let page: Page;
let computer: Computer;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(req.url === "/second" ? "<!doctype html><title>second</title><p>second page</p>" : fixture);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server.close(r));
});
beforeEach(async () => {
  await page?.close();
  page = await browser.newPage({ viewport: { width: 640, height: 400 } });
  await page.goto(`${base}/`);
  computer = createComputer(page);
});

const log = () => page.evaluate(() => (window as unknown as { log: string[] }).log);

describe("Computer actions reach the page as trusted input", () => {
  it("click, right click and double click land on the element under the point", async () => {
    const { points } = await computer.perform({ type: "click", x: 70, y: 35 });
    expect(points).toEqual([{ x: 70, y: 35 }]);
    await computer.perform({ type: "click", x: 70, y: 35, button: "right" });
    await computer.perform({ type: "double_click", x: 70, y: 35 });
    const events = await log();
    expect(events.filter((e) => e.startsWith("click:btn"))).toHaveLength(3);
    expect(events).toContain("contextmenu:btn:b2");
    expect(events).toContain("dblclick:btn");
  });

  it("move hovers", async () => {
    await computer.perform({ type: "move", x: 180, y: 35 });
    expect(await log()).toContain("mouseover:hover");
  });

  it("typing lands in the focused field", async () => {
    await computer.perform({ type: "click", x: 100, y: 82 });
    const { points } = await computer.perform({ type: "type", text: "héllo wörld" });
    expect(await page.inputValue("#field")).toBe("héllo wörld");
    const box = (await page.locator("#field").boundingBox())!;
    expect(points).toEqual([{ x: box.x + box.width / 2, y: box.y + box.height / 2 }]);
  });

  it("a key chord fires its handler; model key names are mapped", async () => {
    await computer.perform({ type: "keypress", keys: ["CTRL", "K"] });
    await computer.perform({ type: "keypress", keys: ["ESC"] });
    expect(await log()).toEqual(expect.arrayContaining(["chord:ctrl+k", "key:Escape"]));
    expect(["ENTER", "ARROWLEFT", "PAGE_DOWN", "a", "F5"].map(playwrightKey)).toEqual([
      "Enter",
      "ArrowLeft",
      "PageDown",
      "a",
      "F5",
    ]);
  });

  it("drag moves an element along the path", async () => {
    const before = await page.locator("#box").boundingBox();
    await computer.perform({
      type: "drag",
      path: [
        { x: 40, y: 140 },
        { x: 200, y: 200 },
        { x: 340, y: 260 },
      ],
    });
    const after = await page.locator("#box").boundingBox();
    expect(after!.x - before!.x).toBeCloseTo(300, 0);
    expect(after!.y - before!.y).toBeCloseTo(120, 0);
  });

  it("scroll reveals content below the fold", async () => {
    const visible = () =>
      page.evaluate(() => {
        const r = document.getElementById("far")!.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= innerHeight;
      });
    expect(await visible()).toBe(false);
    await computer.perform({ type: "scroll", x: 320, y: 200, scroll_x: 0, scroll_y: 1300 });
    await page.waitForFunction(() => window.scrollY > 1000);
    expect(await visible()).toBe(true);
  });

  it("goto and back navigate", async () => {
    await computer.perform({ type: "goto", url: "/second" });
    expect(await page.title()).toBe("second");
    await computer.perform({ type: "back" });
    expect(page.url()).toBe(`${base}/`);
  });

  it("rejects coordinates outside the viewport and malformed actions, naming the problem", async () => {
    await expect(computer.perform({ type: "click", x: 640, y: 10 })).rejects.toThrow(ActionError);
    await expect(computer.perform({ type: "click", x: 10, y: -1 })).rejects.toThrow(
      /outside the 640x400 viewport/,
    );
    await expect(computer.perform({ type: "drag", path: [{ x: 1, y: 1 }] })).rejects.toThrow(
      /path: a drag needs/,
    );
    await expect(computer.perform({ type: "teleport" } as never)).rejects.toThrow(/invalid action/);
    expect(await log()).toEqual([]);
  });
});
