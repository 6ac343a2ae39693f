// Relabelled demonstrations: the same episode with made-up labels, consistent across the goal,
// the page text, the element lines and the action, so the action still acts on the same element.
import { describe, expect, it } from "vitest";
import { type Demonstration, readDemonstrations, relabelled } from "../src/demos.js";
import { parseCommand } from "../src/grammar.js";

const step = (i: number, observation: string, action: string): Demonstration => ({
  family: "fill-field",
  seed: 100_003,
  step: i,
  goal: 'Enter "Ada-Lima" into the "Nickname" field and press Submit.',
  observation,
  action,
  reward: 1,
  messages: [
    { role: "user", content: observation },
    { role: "assistant", content: action },
  ],
});
const episode = [
  step(
    0,
    'Goal: Enter "Ada-Lima" into the "Nickname" field and press Submit.\nPage: Form\nText: Profile Nickname City Submit\n[1] textbox "Nickname" = ""\n[2] textbox "City" = ""\n[3] button "Submit"',
    'type "Nickname" "Ada-Lima"',
  ),
  step(
    1,
    'Goal: Enter "Ada-Lima" into the "Nickname" field and press Submit.\nPage: Form\nText: Profile Nickname City Submit\nLast: type "Nickname" "Ada-Lima"\n[1] textbox "Nickname" = "Ada-Lima" focused\n[2] textbox "City" = ""\n[3] button "Submit"',
    'click "Submit"',
  ),
];

describe("relabelled demonstrations", () => {
  it("replaces every label consistently, so each action still names the element it named", () => {
    const [a, b] = relabelled(episode, 1, 7);
    const typed = parseCommand(a!.action) as { target: string; text: string };
    const clicked = parseCommand(b!.action) as { target: string };
    // new words, the same shapes: capitalised, hyphenated, of the same lengths
    expect(typed.target).toMatch(/^[A-Z][a-z]{7}$/);
    expect(typed.text).toMatch(/^[A-Z][a-z]{2}-[A-Z][a-z]{3}$/);
    expect(typed.target).not.toBe("Nickname");
    expect(a!.goal).toBe(
      `Enter "${typed.text}" into the "${typed.target}" field and press ${clicked.target}.`,
    );
    expect(a!.observation).toContain(`[1] textbox "${typed.target}" = ""`);
    expect(b!.observation).toContain(`Last: type "${typed.target}" "${typed.text}"`);
    expect(b!.observation).toContain(`[3] button "${clicked.target}"`);
    expect(b!.observation).toMatch(/^Goal: .*\nPage: Form\nText: Profile /); // the format's words stay
    expect(a!.messages).toEqual([
      { role: "user", content: a!.observation },
      { role: "assistant", content: a!.action },
    ]);
    expect(a!.relabelled).toBe(1);
    // a seed and copy number fix the labels; another copy gets others
    expect(relabelled(episode, 1, 7)).toEqual([a, b]);
    expect(relabelled(episode, 2, 7)[0]!.action).not.toBe(a!.action);
  });

  it("renames every row of a table, not only the one the goal names", () => {
    const goal = 'Find the age of "Niklaus" in the table, enter it in the Answer field and press Submit.';
    const observation = `Goal: ${goal}\nPage: Table\nText: Members Name: "Sophie" Age "66" City "Tunis" "Barbara" Age "85" City "Perth" "Niklaus" Age "76" City "Osaka" Answer Submit\n[1] textbox "Answer" = ""\n[2] button "Submit"`;
    const table: Demonstration = {
      ...step(0, `${observation}\nFound: Name: "Niklaus" Age "76" City "Osaka"`, 'type "Answer" "76"'),
      family: "table-lookup",
      goal,
    };
    const [copy] = relabelled([table], 1, 7);
    const text = copy!.observation.split("\n")[2]!;
    for (const word of ["Sophie", "Barbara", "Niklaus", "Tunis", "Perth", "Osaka"])
      expect(text).not.toContain(word);
    // the header words stay, the ages are other two-digit numbers (a page's copies would otherwise
    // share its answer), and the asked row still holds the typed value
    const asked = /the age of "([^"]+)"/.exec(copy!.goal)![1]!;
    const rows = [...text.matchAll(/"([A-Za-z]+)" Age "(\d+)" City "[A-Za-z]+"/g)].map((m) => [m[1], m[2]]);
    expect(rows).toHaveLength(3);
    expect(rows.map(([, age]) => age)).not.toEqual(["66", "85", "76"]);
    for (const [, age] of rows) expect(age).toMatch(/^[1-9]\d$/);
    const typed = rows.find(([name]) => name === asked)![1];
    expect(copy!.action).toMatch(new RegExp(`^type "[A-Z][a-z]{5}" "${typed}"$`));
    // the Found line reads the same row in the same made-up words as the page
    const found = /^Found: Name: (.*)$/m.exec(copy!.observation)![1]!;
    expect(found).toMatch(new RegExp(`^"${asked}" Age "${typed}" City "[A-Z][a-z]{4}"$`));
    expect(text).toContain(` ${found} `);
    expect(text).toMatch(
      /^Text: Members Name: "[A-Z][a-z]{5}" Age "\d\d" City "[A-Z][a-z]{4}" "[A-Z][a-z]{6}" Age/,
    );
  });

  it("leaves families whose labels mean something alone, and reads episodes back from JSONL", () => {
    expect(
      relabelled(
        episode.map((d) => ({ ...d, family: "date-picker" })),
        1,
        7,
      ),
    ).toEqual([]);
    const text = [...episode, { ...episode[0]!, seed: 5 }].map((d) => JSON.stringify(d)).join("\n");
    expect(readDemonstrations(text).map((e) => e.length)).toEqual([2, 1]);
    expect(() => readDemonstrations('{"family": "x"}', "d.jsonl")).toThrow(/^d.jsonl:1: seed: /);
  });
});
