// The snapshot's detection rules on a fixture page in real Chromium: what real pages make
// interactive without semantic HTML is listed, what is not interactive is not, and taking a
// snapshot leaves the page exactly as it was.
import { beforeEach, describe, expect, it } from "vitest";
import { renderObservation } from "../src/observation.js";
import { type Snapshot, takeSnapshot } from "../src/snapshot.js";
import { onFixturePage } from "./support/fixture-server.js";

const page = `<!doctype html><html><body style="margin:0;font:14px sans-serif">
<p>Plain text with a <span>plain span</span>, <u>underlined words</u> and <b>bold</b>.</p>
<div class="row"><span id="ptr" style="cursor:pointer">Pointer span <b>inner words</b></span></div>
<span id="lst">Listener span</span>
<span onclick="window.clicked = (window.clicked || 0) + 1">Attribute span</span>
<span id="keys">Key listener only</span>
<span id="down">Pointerdown span</span>
<div id="drop" style="width:120px;height:30px;border:1px dashed">Drop here</div>
<span tabindex="0" style="display:inline-block;width:16px;height:16px;background:teal" aria-label="Knob"></span>
<span tabindex="-1">Tabindex minus one</span>
<div id="panel" aria-label="Long panel" style="height:60px;overflow:auto;width:200px"><p style="height:300px">long text</p></div>
<div aria-label="Roomy panel" style="height:60px;overflow:auto;width:200px">short text</div>
<div id="wrapper" style="cursor:pointer;padding:4px"><button>Wrapped button</button></div>
<div id="wrapper2" style="padding:4px"><a href="#x">Wrapped link</a></div>
<div style="cursor:move;width:90px">Move me</div>
<div style="cursor:se-resize;width:12px;height:12px;background:#999" title="Resize corner"></div>
<select id="sel"><option>Red</option><option selected>Green</option><option>Blue</option></select>
<button style="position:absolute;left:500px;top:40px">Under a banner</button>
<span style="cursor:pointer;position:absolute;left:500px;top:120px">Pointer under a banner</span>
<div style="position:absolute;left:480px;top:20px;width:240px;height:140px;background:#0002">Banner</div>
<button style="position:absolute;left:500px;top:200px">In the clear</button>
<table><thead><tr><th>Name</th><th>Age</th><th>City</th></tr></thead>
<tbody><tr><td>Ada</td><td>57</td><td>Osaka</td></tr><tr><td>Ken</td><td>25</td><td>New York</td></tr></tbody></table>
<script>
  window.log = [];
  document.getElementById("lst").addEventListener("click", (e) => log.push("lst:" + e.isTrusted));
  document.getElementById("keys").addEventListener("keydown", () => {});
  document.getElementById("down").addEventListener("pointerdown", () => {});
  document.getElementById("drop").addEventListener("dragover", (e) => e.preventDefault());
  document.getElementById("wrapper2").addEventListener("click", () => log.push("wrapper2"));
  document.addEventListener("click", () => log.push("document"));
</script></body></html>`;

const fixture = onFixturePage(page);
let snap: Snapshot;

beforeEach(async () => {
  snap = await takeSnapshot(fixture.session.page);
});

const named = (name: string) => snap.elements.find((e) => e.name === name);
const roleOf = (name: string) => named(name)?.role;

describe("what the snapshot lists", () => {
  it("lists an element whose own cursor is a pointer, not its children or plain text", () => {
    expect(roleOf("Pointer span inner words")).toBe("clickable");
    expect(named("inner words")).toBeUndefined();
    expect(named("plain span")).toBeUndefined();
    expect(named("underlined words")).toBeUndefined();
  });

  it("lists elements the page gave a click, pointer or drop listener, not a key listener", () => {
    expect(roleOf("Listener span")).toBe("clickable");
    expect(roleOf("Attribute span")).toBe("clickable");
    expect(roleOf("Pointerdown span")).toBe("clickable");
    expect(roleOf("Drop here")).toBe("drop-target");
    expect(named("Key listener only")).toBeUndefined();
  });

  it("lists tabindex >= 0 and scrollable panels with their scroll state, not tabindex -1 or a panel with room", () => {
    expect(roleOf("Knob")).toBe("focusable");
    expect(named("Tabindex minus one")).toBeUndefined();
    const panel = named("Long panel")!;
    expect(panel.role).toBe("scrollable");
    expect(panel.scroll).toEqual({ y: 0, maxY: expect.any(Number) });
    expect(panel.scroll!.maxY).toBeGreaterThan(200);
    expect(named("Roomy panel")).toBeUndefined();
  });

  it("names a widget part by its cursor: draggable, resize-handle", () => {
    expect(roleOf("Move me")).toBe("draggable");
    expect(roleOf("Resize corner")).toBe("resize-handle");
  });

  it("lists the inner element alone when a wrapper found by these rules holds it", () => {
    expect(roleOf("Wrapped button")).toBe("button");
    expect(roleOf("Wrapped link")).toBe("link");
    expect(snap.elements.filter((e) => e.name.includes("Wrapped"))).toHaveLength(2);
  });

  it("marks what lies under another element as occluded, and drops a pointer cursor nobody can reach", () => {
    expect(named("Under a banner")!.occluded).toBe(true);
    expect(named("In the clear")!.occluded).toBeUndefined();
    expect(named("Pointer under a banner")).toBeUndefined();
    expect(named("Banner")).toBeUndefined();
    const text = renderObservation(snap, "", { full: true });
    expect(text).toMatch(/button "Under a banner" occluded at \(\d+, \d+\)/);
  });

  it("reads a table's rows as a screen reader does: each value after its column's header", () => {
    const text = renderObservation(snap, "", { full: true });
    expect(text).toContain('Name: "Ada" Age "57" City "Osaka" "Ken" Age "25" City "New York"');
    expect(text).not.toContain('"Name"');
  });

  it("gives a native select its options and chosen value", () => {
    const sel = snap.elements.find((e) => e.role === "combobox")!;
    expect(sel).toMatchObject({ value: "Green", options: ["Red", "Green", "Blue"] });
    expect(renderObservation(snap, "")).toContain('= "Green" options: Red | Green | Blue');
  });
});

describe("taking a snapshot", () => {
  it("changes nothing on the page: DOM, scroll, focus, and the page's own listeners", async () => {
    const state = () =>
      fixture.session.page.evaluate(() => ({
        html: document.documentElement.outerHTML,
        scroll: [window.scrollX, window.scrollY, document.getElementById("panel")!.scrollTop],
        focus: document.activeElement?.tagName,
        keys: Object.keys(window).length,
        add: [EventTarget.prototype.addEventListener.name, String(EventTarget.prototype.addEventListener)],
      }));
    const before = await state();
    await takeSnapshot(fixture.session.page);
    const after = await state();
    expect(after).toEqual(before);
    // The wrapped addEventListener still prints as native code and still adds listeners.
    expect(after.add[0]).toBe("addEventListener");
    expect(after.add[1]).toContain("[native code]");
    const lst = named("Listener span")!;
    await fixture.session.page.mouse.click(lst.box.x + lst.box.width / 2, lst.box.y + lst.box.height / 2);
    expect(await fixture.session.page.evaluate(() => (window as unknown as { log: string[] }).log)).toEqual([
      "lst:true",
      "document",
    ]);
  });

  it("finds listeners only where the context tracks them, and lists the rest without them", async () => {
    const bare = await fixture.browser.newPage({ viewport: { width: 800, height: 600 } });
    try {
      await bare.goto(`${fixture.server.url}/`);
      const plain = await takeSnapshot(bare);
      expect(plain.elements.find((e) => e.name === "Listener span")).toBeUndefined();
      expect(plain.elements.find((e) => e.name === "Attribute span")?.role).toBe("clickable");
      expect(plain.elements.find((e) => e.name === "Pointer span inner words")?.role).toBe("clickable");
    } finally {
      await bare.close();
    }
  });
});
