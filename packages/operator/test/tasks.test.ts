// The task suite in real Chromium: every family's expert solves several seeds through the
// Computer's real input; a wrong sequence does not; pages are pure functions of the seed.
import type { Browser } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../src/browser.js";
import { type Demonstration, demonstrations } from "../src/demos.js";
import { type Command, elementOf, formatCommand, replyLine } from "../src/grammar.js";
import { renderObservation } from "../src/observation.js";
import { markedScreenshot, type Snapshot, takeSnapshot } from "../src/snapshot.js";
import { createTaskEnv, type TaskEnv } from "../src/tasks/env.js";
import { TASK_FAMILIES, taskInstance } from "../src/tasks/families.js";
import { startTaskServer, type TaskServer } from "../src/tasks/server.js";

let browser: Browser;
let server: TaskServer;
let env: TaskEnv;

beforeAll(async () => {
  browser = await launchChromium();
  server = await startTaskServer();
  env = await createTaskEnv({ browser, server });
});
afterAll(async () => {
  await env?.close();
  await server?.close();
  await browser?.close();
});

/** The one episode a demonstrations generator yields for one (family, seed). */
async function episodeOf(gen: AsyncGenerator<Demonstration[]>): Promise<Demonstration[]> {
  const episodes: Demonstration[][] = [];
  for await (const steps of gen) episodes.push(steps);
  expect(episodes.length).toBe(1);
  return episodes[0]!;
}

/** A plausible but wrong move: the expert's command aimed at the wrong thing. */
function wrong(cmd: Command, s: Snapshot): Command {
  const other = (not: number) => s.elements.find((e) => e.index !== not && e.position === "visible");
  switch (cmd.verb) {
    case "click": {
      const e = other(elementOf(s, cmd.target).index);
      return e ? { verb: "click", target: e.index } : { verb: "key", keys: ["CTRL", "Q"] };
    }
    case "type":
      return { ...cmd, text: `${cmd.text}x` };
    case "select": {
      const options = s.elements.find((e) => e.index === cmd.target)!.options!;
      return { ...cmd, option: options.find((o) => o !== cmd.option && o !== "Choose…")! };
    }
    case "drag": {
      if ("by" in cmd) return { ...cmd, by: { x: -cmd.by.x, y: -cmd.by.y } };
      if ("at" in cmd) {
        // The same distance the other way from where the drag starts.
        const from = s.elements.find((e) => e.index === cmd.target)!.box;
        const mirror = (c: number, p: number, max: number) => Math.min(max - 1, Math.max(1, 2 * c - p));
        return {
          ...cmd,
          at: {
            x: mirror(from.x + from.width / 2, cmd.at.x, s.viewport.width),
            y: mirror(from.y + from.height / 2, cmd.at.y, s.viewport.height),
          },
        };
      }
      const zone = s.elements.find((e) => e.role === "region" && e.index !== cmd.to);
      return { ...cmd, to: zone!.index };
    }
    case "key":
      return { verb: "key", keys: ["CTRL", "Q"] };
    default: {
      const button = s.elements.find((e) => e.role === "button" && e.position === "visible");
      return button ? { verb: "click", target: button.index } : { verb: "wait", ms: 10 };
    }
  }
}

describe("browser task families", () => {
  it("has at least 12 families with distinct names", () => {
    expect(TASK_FAMILIES.length).toBeGreaterThanOrEqual(12);
    expect(new Set(TASK_FAMILIES.map((f) => f.name)).size).toBe(TASK_FAMILIES.length);
  });

  it("generates each instance from its seed alone", () => {
    for (const f of TASK_FAMILIES) {
      const a = taskInstance(f.name, 7);
      const b = taskInstance(f.name, 7);
      expect(a.instruction).toBe(b.instruction);
      expect(a.pages).toEqual(b.pages);
      const seeds = new Set([0, 1, 2, 3, 4, 5].map((s) => JSON.stringify(taskInstance(f.name, s).pages)));
      expect(seeds.size, f.name).toBeGreaterThan(1);
    }
  });

  for (const family of TASK_FAMILIES) {
    it(`${family.name}: the expert reaches reward 1; a wrong sequence does not`, async () => {
      for (const seed of [0, 1, 2]) {
        let obs = await env.reset(family.name, seed);
        let result = { reward: 0, done: false };
        const trace: string[] = [];
        for (let i = 0; i < env.task().maxSteps && !result.done; i++) {
          const line = formatCommand(env.task().expert(obs.snapshot));
          trace.push(line);
          const step = await env.step(line);
          expect(step.error, `${family.name}/${seed} ${trace.join(" | ")}`).toBeUndefined();
          obs = step.observation;
          result = step;
        }
        expect(result, `${family.name}/${seed}: ${trace.join(" | ")}`).toEqual({
          ...result,
          reward: 1,
          done: true,
        });

        obs = await env.reset(family.name, seed);
        let reward = 0;
        for (let i = 0; i < Math.min(6, env.task().maxSteps); i++) {
          const step = await env.step(formatCommand(wrong(env.task().expert(obs.snapshot), obs.snapshot)));
          obs = step.observation;
          reward = step.reward;
          if (step.done) break;
        }
        expect(reward, `${family.name}/${seed} wrong sequence`).toBeLessThan(1);
      }
    });
  }

  it("observes with an indexed snapshot and a set-of-marks screenshot that leaves the page as it was", async () => {
    const obs = await env.reset("login", 4);
    const text = renderObservation(obs.snapshot, obs.goal, { full: true });
    expect(text).toContain('textbox "Username" = ""');
    expect(text).toMatch(/\[2\] password "Password" = "" at \(\d+, \d+\)/);
    expect(text).toContain('button "Sign in"');
    expect(text).toContain("Log in with username");
    const marked = await markedScreenshot(env.session.page, obs.snapshot);
    expect(marked.equals(obs.screenshot)).toBe(false);
    const again = await takeSnapshot(env.session.page);
    expect(again.elements).toEqual(obs.snapshot.elements);
    expect((await env.session.computer.screenshot()).equals(obs.screenshot)).toBe(true);
  });

  it("does not count script-made events: only real input scores", async () => {
    await env.reset("click-button", 3);
    const target = env.task().instruction.match(/"(.+)"/)![1]!;
    await env.session.page.evaluate((label) => {
      for (const b of Array.from(document.querySelectorAll("button"))) if (b.textContent === label) b.click();
    }, target);
    expect(await env.score()).toEqual({ reward: 0, done: false });
  });

  it("refuses requests to other origins at the network layer", async () => {
    await env.reset("click-link", 0);
    const status = await env.session.page.evaluate(() =>
      fetch("http://example.invalid/x").then(
        (r) => r.status,
        (e: Error) => e.message,
      ),
    );
    expect(status).toMatch(/Failed to fetch/);
    expect(env.session.blocked.map((b) => b.url)).toContain("http://example.invalid/x");
  });

  it("keeps a calculator beside the browser: the page never sees it, a new task clears it", async () => {
    await env.reset("arithmetic", 0);
    const step = await env.step('calc "48 x (9 + 1)"');
    expect(step.error).toBeUndefined();
    expect(step.observation.snapshot.calculator).toEqual({ expression: "48 x (9 + 1)", result: "480" });
    const text = renderObservation(step.observation.snapshot, env.task().instruction, {
      last: 'calc "48 x (9 + 1)"',
    });
    expect(text).toContain('\nCalculator: 48 x (9 + 1) = "480"\nLast: calc "48 x (9 + 1)"\n');
    // a bad expression is an error the model sees; the display keeps the last result
    const bad = await env.step('calc "48 x"');
    expect(bad.error).toMatch(/^calc: /);
    expect(bad.observation.snapshot.calculator?.result).toBe("480");
    expect(await env.score()).toEqual({ reward: 0, done: false }); // the page recorded nothing
    expect((await env.reset("arithmetic", 0)).snapshot.calculator).toBeUndefined();
  });

  it("works arithmetic on the calculator: the question as written, or a subtraction whose sign picks the larger", async () => {
    const kinds = new Set<string>();
    for await (const steps of demonstrations(env, ["arithmetic"], [0, 1, 2, 3, 4, 5, 6, 7])) {
      expect(steps.map((d) => d.action.split(" ")[0])).toEqual(["calc", "type", "click"]);
      const question = /Question (.+\?) Answer/.exec(steps[0]!.observation)![1]!;
      const shown = /^Calculator: (.+) = "(.+)"$/m.exec(steps[1]!.observation)!;
      expect(steps[0]!.action).toBe(`calc ${JSON.stringify(shown[1])}`);
      const compare = /^Which is larger, (\S+) or (\S+)\?$/.exec(question);
      kinds.add(compare ? "compare" : "operation");
      if (!compare) {
        expect(`What is ${shown[1]}?`).toBe(question);
        expect(steps[1]!.action).toBe(`type "Answer" "${shown[2]}"`);
      } else {
        const [a, b] = [compare[1]!, compare[2]!];
        expect(shown[1]).toBe(`${a} - ${b}`);
        expect(steps[1]!.action).toBe(`type "Answer" "${Number(a) > Number(b) ? a : b}"`);
      }
    }
    expect(kinds).toEqual(new Set(["compare", "operation"]));
  });

  it("exports expert demonstrations as observation -> action chats", async () => {
    const all: Demonstration[] = [];
    for await (const steps of demonstrations(env, ["checkboxes", "date-picker", "table-lookup"], [0, 1]))
      all.push(...steps);
    expect(new Set(all.map((d) => `${d.family}/${d.seed}`)).size).toBe(6);
    for (const d of all) {
      expect(d.reward).toBe(1);
      expect(d.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
      expect(d.messages[1]!.content).toBe(d.action);
      // The observation the RL environment and the text model mode give, goal first.
      expect(d.messages[0]!.content).toBe(d.observation);
      expect(d.observation.startsWith(`Goal: ${d.goal}\n`)).toBe(true);
      // the action line of the previous step (not its thought), elements named by their unique names
      const before = all[all.indexOf(d) - 1];
      if (d.step > 0) expect(d.observation).toContain(`\nLast: ${replyLine(before!.action)}\n`);
      expect(replyLine(d.action)).toMatch(/^(click|type|find|calc) "[^"]+"( "[^"]+")?$/);
    }
    // table-lookup finds the goal's name (again, past the instruction bar that quotes it) and
    // types the cell from the Found line, the one row the observation shows after it
    for (const seed of [0, 1]) {
      const steps = all.filter((d) => d.family === "table-lookup" && d.seed === seed);
      const who = /of "([^"]+)"/.exec(steps[0]!.goal)![1]!;
      expect(steps.map((d) => d.action.split(" ")[0])).toEqual(["find", "find", "type", "click"]);
      expect(steps[0]!.action).toBe(`find "${who}"`);
      const row = new RegExp(`^Found: Name: "${who}" Age ("\\d+") City ("[^"]+")$`, "m").exec(
        steps[2]!.observation,
      )!;
      expect(steps[2]!.action).toBe(
        `type "Answer" ${/^Find the age/.test(steps[0]!.goal) ? row[1] : row[2]}`,
      );
    }
    // The thoughts: the month shown against the month wanted, and the move that follows from which
    // way it lies.
    const months = all.filter((d) => d.family === "date-picker" && d.action.includes("\n"));
    expect(months.length).toBeGreaterThan(2);
    for (const d of months) {
      const [thought, action] = d.action.split("\n");
      const m = /^Shown: (\w+ \d{4})\. Wanted: (\w+ \d{4}), (later|earlier|this month)\.$/.exec(thought!)!;
      expect(d.observation).toContain(m[1]);
      expect(d.goal).toMatch(new RegExp(`^Pick ${m[2]!.replace(" ", " \\d+, ")} `));
      expect(m[3] === "this month").toBe(m[1] === m[2]);
      expect(action).toBe(
        { later: 'click "Next month"', earlier: 'click "Previous month"' }[m[3]!] ??
          `click "${/^Pick (.+) in the calendar/.exec(d.goal)![1]}"`,
      );
    }
    expect(all.filter((d) => d.family === "checkboxes").at(-1)!.action).toBe('click "Submit"');
    // boxes are ticked in the order the goal names them (quoted, as on the element lines)
    for (const seed of [0, 1]) {
      const steps = all.filter((d) => d.family === "checkboxes" && d.seed === seed);
      const named = [...steps[0]!.goal.matchAll(/"([^"]+)"/g)].map((m) => `click "${m[1]}"`);
      expect(steps.map((d) => d.action)).toEqual([...named, 'click "Submit"']);
    }
    // a month of day buttons is one line, which keeps the observation inside a small context
    const calendar = all.find((d) => d.family === "date-picker")!.observation;
    expect(calendar).toMatch(/^\[\d+-\d+\] button "\w+ 1, \d{4}" to "\w+ (28|29|30|31), \d{4}"$/m);
    expect(calendar.split("\n").length).toBeLessThan(12);
    expect(calendar).toMatch(/› 1 … (28|29|30|31) Submit$/m); // and so are its day numbers in the text
    // a day with a state of its own (the one just picked, focused) keeps its line between two runs
    const submit = all.find((d) => d.family === "date-picker" && d.action === 'click "Submit"')!;
    const day = /^Pick (.+) in the calendar/.exec(submit.goal)![1]!;
    expect(submit.observation).toMatch(new RegExp(`^\\[\\d+\\] button "${day}" focused$`, "m"));
  });

  it("labels the states a learner reaches with the expert's move (DAgger)", async () => {
    // The mistake a policy trained on expert episodes makes on scroll-find: it clicks the target
    // while it is still below the viewport, and again after the click failed.
    const target = (obs: string) => /^Goal: Find the button "([^"]+)"/.exec(obs)![1]!;
    const asked: string[] = [];
    const learner = async (obs: string) => {
      asked.push(obs);
      return `click "${target(obs)}"`;
    };
    const steps = await episodeOf(demonstrations(env, ["scroll-find"], [3], learner));
    expect(steps.map((d) => d.observation)).toEqual(asked); // the learner read each labelled state
    expect(steps.length).toBe(env.task().maxSteps); // it never got there: the budget ran out
    for (const d of steps) {
      expect(d.action).toBe("scroll down"); // the expert's way out, from every state
      expect(d.executed).toBe(`click "${target(d.observation)}"`);
      expect(d.messages[1]!.content).toBe(d.action);
      expect(d.reward).toBe(0);
    }
    expect(steps[1]!.observation).toContain(`\nLast: ${steps[0]!.executed} failed: `);
    // a learner that scrolls while its target's line says below solves it, and no label differs
    const solved = await episodeOf(
      demonstrations(env, ["scroll-find"], [3], async (obs) => {
        const line = obs.split("\n").find((l) => l.startsWith("[") && l.includes(`"${target(obs)}"`))!;
        return line.endsWith(" below") ? "scroll down" : `click "${target(obs)}"`;
      }),
    );
    expect(solved.at(-1)!.reward).toBe(1);
    expect(solved.every((d) => d.executed === undefined)).toBe(true);
  });
});
