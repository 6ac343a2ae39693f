// `find "text"` is the browser's find bar: the match becomes the selection and is scrolled into
// view, finding again moves to the next match, and the observation shows the line the match is on
// (a table row after its header), so a policy reads one row instead of searching a table.
import { describe, expect, it } from "vitest";
import { ActionError } from "../src/computer.js";
import { parseCommand, resolveCommand } from "../src/grammar.js";
import { renderObservation } from "../src/observation.js";
import { takeSnapshot } from "../src/snapshot.js";
import { onFixturePage } from "./support/fixture-server.js";

const page = `<!doctype html><html><body style="margin:0;font:14px sans-serif">
<p>Find the age of "Ken" in the table.</p>
<div style="height:1500px"></div>
<table><thead><tr><th>Name</th><th>Age</th><th>City</th></tr></thead>
<tbody><tr><td>Ada</td><td>57</td><td>Osaka</td></tr><tr><td>Ken</td><td>38</td><td>Perth</td></tr></tbody></table>
<script>window.keys = 0; addEventListener("keydown", () => keys++);</script></body></html>`;

const fixture = onFixturePage(page);

async function find(line: string) {
  const snapshot = await takeSnapshot(fixture.session.page);
  for (const action of resolveCommand(parseCommand(line), snapshot))
    await fixture.session.computer.perform(action);
  return takeSnapshot(fixture.session.page);
}

describe("find", () => {
  it("selects the first match, then the next, and shows the line each is on", async () => {
    const first = await find('find "Ken"');
    expect(first.found).toBe('Find the age of "Ken" in the table.');
    expect(first.scroll.y).toBe(0);
    const second = await find('find "Ken"');
    expect(second.found).toBe("Name\tAge\tCity\nKen\t38\tPerth");
    expect(second.scroll.y).toBeGreaterThan(1000); // scrolled to the row
    const text = renderObservation(second, 'Find the age of "Ken" in the table.', { last: 'find "Ken"' });
    expect(text).toContain('\nFound: Name: "Ken" Age "38" City "Perth"\nLast: find "Ken"\n');
    // wraps around to the top, as a find bar does; the page saw no key press
    expect((await find('find "Ken"')).found).toBe(first.found);
    expect(await fixture.session.page.evaluate(() => (window as unknown as { keys: number }).keys)).toBe(0);
  });

  it("says when the text is not on the page", async () => {
    const snapshot = await takeSnapshot(fixture.session.page);
    const [action] = resolveCommand(parseCommand('find "Zora"'), snapshot);
    await expect(fixture.session.computer.perform(action!)).rejects.toThrow(ActionError);
    await expect(fixture.session.computer.perform(action!)).rejects.toThrow(/"Zora" is not on the page/);
  });
});
