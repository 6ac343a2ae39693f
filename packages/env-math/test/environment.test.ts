// The environment interface's contract, on the math environments: tasks come from the source in
// order and reset to the same start, a reply is scored once the episode is done, the calculator
// answers a trailing <calc> call with another turn, and the turn budget ends an episode.
import { describe, expect, it } from "vitest";
import {
  CALCULATOR_PROMPT,
  DEFAULT_REWARDS,
  type Environment,
  generate,
  mathEnvironment,
  mathTask,
  type Problem,
  STRICT,
} from "../src/index.js";

/** A source that hands out add/1 problems by a counter, and remembers what it heard. */
function counterSource() {
  let drawn = 0;
  const heard: [string, boolean][] = [];
  return {
    heard,
    next: (): Problem => generate("add", 1, drawn++),
    record: (p: Problem, correct: boolean) => heard.push([p.id, correct]),
    state: () => ({ drawn }),
  };
}

const info = { tokens: 5, truncated: false };

describe("math environments", () => {
  it("draws tasks in order, resets each to the same conversation, and scores the one reply", async () => {
    const source = counterSource();
    const env: Environment = mathEnvironment({ source, rewards: DEFAULT_REWARDS, extract: STRICT });
    expect(env).toMatchObject({ name: "math", stop: [], maxTurns: 1 });
    const task = env.nextTask();
    expect(task).toMatchObject({ id: "add/1/0", family: "add", seed: 0, difficulty: 1 });
    expect(env.state()).toEqual({ drawn: 1 });
    const a = await env.reset(task);
    const b = await env.reset(task);
    expect(a.messages).toEqual([{ role: "user", content: task.prompt }]);
    expect(b.messages).toEqual(a.messages);

    const right = await a.step(`<answer>${task.expected}</answer>`, info);
    expect(right).toEqual({ messages: [], reward: 1.1, done: true, correct: true });
    const wrong = await b.step(`${task.expected}`, info); // right number, outside the tag: STRICT
    expect(wrong).toMatchObject({ done: true, correct: false });
    env.record(task, true);
    expect(source.heard).toEqual([["add/1/0", true]]);
  });

  it("resets to a held-out problem given as a task, and refuses a task without one", async () => {
    const env = mathEnvironment({ source: counterSource(), rewards: DEFAULT_REWARDS, system: true });
    const p = generate("sub", 2, 9);
    const episode = await env.reset(mathTask(p));
    expect(episode.messages.map((m) => m.role)).toEqual(["system", "user"]);
    await expect(env.reset({ id: "x", family: "add", seed: 0, prompt: "?" })).rejects.toThrow(
      /task x carries no problem/,
    );
  });

  it("with the calculator: a trailing <calc> call gets <result> and another turn, until the answer or the budget", async () => {
    const env = mathEnvironment({
      source: counterSource(),
      rewards: DEFAULT_REWARDS,
      calculator: true,
      maxTurns: 3,
    });
    expect(env).toMatchObject({ name: "math-calculator", stop: ["</calc>"], maxTurns: 3 });
    const task = env.nextTask();
    const episode = await env.reset(task);
    expect(episode.messages[0]).toEqual({ role: "system", content: CALCULATOR_PROMPT });
    const tool = await episode.step("I will compute <calc>17 * 3</calc>", info);
    expect(tool).toEqual({
      messages: [{ role: "tool", content: "<result>51</result>" }],
      reward: 0,
      done: false,
      correct: false,
    });
    const answered = await episode.step(`<answer>${task.expected}</answer>`, info);
    expect(answered).toMatchObject({ done: true, correct: true });

    // out of turns: the third reply is scored even if it calls the calculator again
    const greedy = await env.reset(task);
    await greedy.step("<calc>1+1</calc>", info);
    await greedy.step("<calc>2+2</calc>", info);
    expect(await greedy.step("<calc>3+3</calc>", info)).toMatchObject({ done: true, correct: false });
  });

  it("answers a generator's own expression with the calculator, and shows a bad call's error to the model", async () => {
    const p = generate("mul", 4, 3);
    const env = mathEnvironment({ source: counterSource(), rewards: DEFAULT_REWARDS, calculator: true });
    const episode = await env.reset(mathTask(p));
    const tool = await episode.step(`I will use the calculator. <calc>${p.metadata.expression}</calc>`, info);
    expect(tool.messages).toEqual([{ role: "tool", content: `<result>${p.answer}</result>` }]);
    expect(await episode.step(`<answer>${p.answer}</answer>`, info)).toMatchObject({
      done: true,
      reward: 1.1,
    });
    const bad = await (await env.reset(mathTask(p))).step("<calc>2 +* 2</calc>", info);
    expect(bad.messages[0]!.content).toMatch(/^<result>error: /);
  });
});
