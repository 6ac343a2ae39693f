// The grammar's element-scoped verbs end as real input in Chromium: `scroll [N]` turns the wheel
// over the element, `drag [N] to/by` moves the mouse with the button held, `select [N]` opens the
// native select and walks it with the keys. The page checks event.isTrusted for each.
import { describe, expect, it } from "vitest";
import { ActionError } from "../src/computer.js";
import { parseCommand, resolveCommand } from "../src/grammar.js";
import { takeSnapshot } from "../src/snapshot.js";
import { onFixturePage } from "./support/fixture-server.js";

const page = `<!doctype html><html><body style="margin:0;font:14px sans-serif;height:2000px">
<div id="panel" aria-label="Panel" style="position:absolute;left:20px;top:20px;height:100px;width:200px;overflow:auto"><p style="height:900px">top</p></div>
<div id="box" style="position:absolute;left:300px;top:40px;width:40px;height:40px;background:teal;cursor:move" title="Box"></div>
<label for="sel" style="position:absolute;left:20px;top:200px">Colour</label>
<select id="sel" style="position:absolute;left:80px;top:200px"><option>Red</option><option>Green</option><option>Blue</option><option>Teal</option></select>
<script>
  window.log = [];
  const trusted = (e) => e.isTrusted;
  document.getElementById("panel").addEventListener("wheel", (e) => trusted(e) && log.push("wheel:panel"));
  const box = document.getElementById("box");
  let held = null;
  box.addEventListener("pointerdown", (e) => { if (trusted(e)) held = { dx: e.clientX - box.offsetLeft, dy: e.clientY - box.offsetTop }; });
  document.addEventListener("pointermove", (e) => { if (held && trusted(e)) { box.style.left = e.clientX - held.dx + "px"; box.style.top = e.clientY - held.dy + "px"; } });
  document.addEventListener("pointerup", (e) => { if (held && trusted(e)) log.push("drop:" + e.clientX + "," + e.clientY); held = null; });
  document.getElementById("sel").addEventListener("change", (e) => log.push("change:" + e.target.value + ":" + e.isTrusted));
</script></body></html>`;

const fixture = onFixturePage(page);

/** Parses a grammar line against a fresh snapshot and performs it with the Computer. */
async function act(line: string) {
  const snapshot = await takeSnapshot(fixture.session.page);
  for (const action of resolveCommand(parseCommand(line), snapshot))
    await fixture.session.computer.perform(action);
}
const index = async (name: string) =>
  (await takeSnapshot(fixture.session.page)).elements.find((e) => e.name === name)!.index;
const read = () =>
  fixture.session.page.evaluate(() => {
    const box = document.getElementById("box")!.getBoundingClientRect();
    return {
      log: (window as unknown as { log: string[] }).log,
      panel: document.getElementById("panel")!.scrollTop,
      page: window.scrollY,
      box: { x: box.left + box.width / 2, y: box.top + box.height / 2 },
      value: (document.getElementById("sel") as HTMLSelectElement).value,
    };
  });

describe("element-scoped verbs", () => {
  it("scroll [N] down turns the wheel over the element: it scrolls, the page does not", async () => {
    await act(`scroll [${await index("Panel")}] down`);
    const r = await read();
    expect(r.log).toEqual(["wheel:panel"]);
    expect(r.panel).toBeGreaterThan(0);
    expect(r.page).toBe(0);
    const after = (await takeSnapshot(fixture.session.page)).elements.find((e) => e.name === "Panel")!;
    expect(after.scroll!.y).toBe(r.panel);
  });

  it("drag [N] to (X, Y) and drag [N] by (DX, DY) move the element with real pointer events", async () => {
    await act(`drag [${await index("Box")}] to (500, 300)`);
    let r = await read();
    expect(r.log).toEqual(["drop:500,300"]);
    expect(r.box).toEqual({ x: 500, y: 300 });
    await act(`drag [${await index("Box")}] by (-120, 45)`);
    r = await read();
    expect(r.log).toEqual(["drop:500,300", "drop:380,345"]);
    expect(r.box).toEqual({ x: 380, y: 345 });
  });

  it('select [N] "option" chooses it with real clicks and keys: one trusted change event', async () => {
    await act(`select [${await index("Colour")}] "Teal"`);
    expect(await read()).toMatchObject({ value: "Teal", log: ["change:Teal:true"] });
    await act(`select [${await index("Colour")}] "green"`);
    expect(await read()).toMatchObject({ value: "Green", log: ["change:Teal:true", "change:Green:true"] });
  });

  it("refuses a select on what is not a select, or an option it does not have, naming the options", async () => {
    const snapshot = await takeSnapshot(fixture.session.page);
    const sel = snapshot.elements.find((e) => e.name === "Colour")!.index;
    const box = snapshot.elements.find((e) => e.name === "Box")!.index;
    expect(() => resolveCommand(parseCommand(`select [${sel}] "Mauve"`), snapshot)).toThrow(
      'select [3] has no option "Mauve"; its options are ["Red","Green","Blue","Teal"]',
    );
    expect(() => resolveCommand(parseCommand(`select [${box}] "Red"`), snapshot)).toThrow(ActionError);
  });
});
