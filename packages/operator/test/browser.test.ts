import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../src/browser.js";

const page = `<!doctype html><html><body style="margin:0">
<button id="go" style="position:absolute;left:100px;top:80px;width:120px;height:40px">Go</button>
<p id="out">waiting</p>
<script>
  document.getElementById("go").addEventListener("click", (e) => {
    document.getElementById("out").textContent = "clicked at " + e.clientX + "," + e.clientY + " trusted=" + e.isTrusted;
  });
</script></body></html>`;

let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end(page));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe("Debian Chromium through Playwright", () => {
  it("receives a real (trusted) mouse click at page coordinates", async () => {
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage({ viewport: { width: 640, height: 480 } });
      await tab.goto(url);
      await tab.mouse.click(160, 100);
      await tab.waitForFunction(() => document.getElementById("out")?.textContent !== "waiting");
      expect(await tab.textContent("#out")).toBe("clicked at 160,100 trusted=true");
      const png = await tab.screenshot();
      expect(png.subarray(1, 4).toString()).toBe("PNG");
    } finally {
      await browser.close();
    }
  });
});
