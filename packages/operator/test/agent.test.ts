// The agent loop end to end: real Chromium, a real HTTP server speaking the OpenAI protocol, the
// official `openai` client, the run directory read back through its schema.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRun, openRun, type RunWriter } from "@reasonlab/runs";
import type { Browser } from "playwright";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AgentModel } from "../src/agent.js";
import { launchChromium } from "../src/browser.js";
import { computerModel, openaiClient, textModel, toolsModel } from "../src/models.js";
import { type ConfirmRequest, createSupervisor } from "../src/supervisor.js";
import { createTaskEnv, runTask, type TaskEnv, type TaskRunOptions } from "../src/tasks/env.js";
import { startTaskServer, type TaskServer } from "../src/tasks/server.js";
import { type ExpertServer, startExpertServer } from "./support/expert-openai.js";

let browser: Browser;
let tasks: TaskServer;
let env: TaskEnv;
let model: ExpertServer | null = null;
let root: string;
let run: RunWriter;

beforeAll(async () => {
  browser = await launchChromium();
  tasks = await startTaskServer();
  env = await createTaskEnv({ browser, server: tasks });
  root = fs.mkdtempSync(path.join(os.tmpdir(), "operator-agent-"));
});
afterAll(async () => {
  await env?.close();
  await tasks?.close();
  await browser?.close();
  fs.rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  run = createRun({ root, name: "agent-test", kind: "operate" });
});
afterEach(async () => {
  run.finish();
  await model?.close();
  model = null;
});

async function episode(family: string, seed: number, agent: AgentModel, extra: TaskRunOptions = {}) {
  const { result, episode: id } = await runTask(env, family, seed, agent, { run, ...extra });
  const reader = openRun(run.dir);
  const steps = reader.episodeSteps(id!);
  expect(steps.problems).toEqual([]);
  const info = reader.episodes().find((e) => e.id === id)!;
  return { result, steps: steps.records, info, reader, id: id! };
}

describe("the agent loop through the OpenAI protocol", () => {
  it("text mode: a reply without an action becomes an error step the model sees, then the task is solved", async () => {
    model = await startExpertServer({ env, garbageReplies: 1 });
    const agent = textModel({
      client: openaiClient({ baseURL: model.baseURL, apiKey: "test" }),
      model: "expert-text",
    });
    const { result, steps, info, reader, id } = await episode("fill-field", 1, agent);
    expect(result).toMatchObject({ status: "success", reward: 1 });
    expect(info).toMatchObject({ status: "success", reward: 1, task: "fill-field", seed: 1 });
    expect(steps[0]).toMatchObject({ action: null, error: expect.stringMatching(/no action found/) });
    expect(steps[1]!.action).toMatchObject({ type: "sequence" });
    expect(steps[1]!.points.length).toBeGreaterThan(0);
    // The second request carried the unusable reply's error, worded as in training observations
    // (`Last: ... failed: <error>`), and the indexed snapshot.
    const second = JSON.stringify(model.requests[1]!.body.messages);
    expect(second).toMatch(/\\nLast: [^\\]*failed: no action found/);
    expect(second).not.toContain("could not be used");
    expect(second).toMatch(/\[1\] textbox/);
    for (const s of steps) expect(reader.episodeFile(id, s.screenshot!)).not.toBeNull();
    expect(steps.at(-1)).toMatchObject({ action: null, reward: 1 });
  });

  it("tools mode: function calls with screenshots drive a real drag", async () => {
    model = await startExpertServer({ env });
    const agent = toolsModel({
      client: openaiClient({ baseURL: model.baseURL, apiKey: "test" }),
      model: "expert-vision",
    });
    const { result, steps } = await episode("drag-drop", 2, agent);
    expect(result).toMatchObject({ status: "success", reward: 1, steps: 1 });
    expect(steps[0]!.action).toMatchObject({ type: "drag" });
    expect(steps[0]!.points.length).toBe(3);
    const first = model.requests[0]!.body as { messages: { content: unknown }[]; tools: unknown[] };
    expect(JSON.stringify(first.messages)).toContain("data:image/png;base64,");
    expect(first.tools).toHaveLength(2);
  });

  it("computer mode: safety checks are shown to the user and acknowledged only on consent", async () => {
    model = await startExpertServer({ env, safetyCheck: (cmd) => cmd.verb === "type" });
    const asked: ConfirmRequest[] = [];
    const supervisor = createSupervisor({
      confirm: async (r) => {
        asked.push(r);
        return true;
      },
    });
    const agent = computerModel({
      client: openaiClient({ baseURL: model.baseURL, apiKey: "test" }),
      model: "expert-cua",
    });
    const { result } = await episode("login", 5, agent, { supervisor, maxSteps: 12 });
    expect(result).toMatchObject({ status: "success", reward: 1 });
    expect(asked.map((a) => a.kind)).toEqual(expect.arrayContaining(["safety-check", "sensitive-action"]));
    expect(asked.find((a) => a.kind === "sensitive-action")!.reason).toMatch(/password/);
    const bodies = model.requests.map((r) => r.body);
    expect(bodies[0]!.tools).toEqual([
      { type: "computer_use_preview", display_width: 1024, display_height: 720, environment: "browser" },
    ]);
    expect(bodies.slice(1).every((b) => typeof b.previous_response_id === "string")).toBe(true);
    expect(JSON.stringify(bodies)).toContain('"acknowledged_safety_checks":[{"id":"sc_');
  });

  it("computer mode: a declined safety check ends the episode without acting", async () => {
    model = await startExpertServer({ env, safetyCheck: () => true });
    const supervisor = createSupervisor({ confirm: async () => false });
    const agent = computerModel({
      client: openaiClient({ baseURL: model.baseURL, apiKey: "test" }),
      model: "expert-cua",
    });
    const { result, steps } = await episode("click-button", 1, agent, { supervisor });
    expect(result).toMatchObject({ status: "aborted", reward: 0 });
    expect(steps[0]!.error).toMatch(/safety check declined/);
    expect(await env.score()).toEqual({ reward: 0, done: false });
  });

  it("a declined sensitive action is not taken; the model is told, and the budget ends the episode", async () => {
    model = await startExpertServer({ env });
    const agent = textModel({
      client: openaiClient({ baseURL: model.baseURL, apiKey: "test" }),
      model: "expert-text",
    });
    const { result, steps } = await episode("login", 2, agent, {
      supervisor: createSupervisor(),
      maxSteps: 4,
    });
    expect(result).toMatchObject({ status: "failure", reward: 0, reason: "step budget of 4 spent" });
    expect(steps[2]!.error).toMatch(/declined.*password/);
    expect(JSON.stringify(model.requests[3]!.body.messages)).toContain("the user declined");
  });

  it("pauses for a human takeover, records it, then resumes", async () => {
    model = await startExpertServer({ env });
    const agent = textModel({
      client: openaiClient({ baseURL: model.baseURL, apiKey: "test" }),
      model: "expert-text",
    });
    const supervisor = createSupervisor();
    supervisor.pause();
    const running = episode("table-lookup", 3, agent, { supervisor });
    // The person types the answer themselves while the agent waits.
    await env.session.page.waitForSelector("#answer");
    await env.session.page.click("#answer");
    await env.session.page.keyboard.type("wrong");
    supervisor.resume();
    const { result, steps } = await running;
    expect(steps[0]).toMatchObject({ action: { type: "takeover" } });
    // The agent saw the changed field and corrected it.
    expect(result).toMatchObject({ status: "success", reward: 1 });
  });

  it("stops at a budget of wall-clock time and when the user stops it", async () => {
    let t = 0;
    const slow: AgentModel = {
      name: "slow",
      decide: async () => {
        t += 40_000;
        return { output: "wait", actions: [{ type: "wait", ms: 1 }] };
      },
    };
    const timed = await episode("click-link", 0, slow, { maxSeconds: 60, clock: () => t });
    expect(timed.result).toMatchObject({ status: "failure", reason: "time budget of 60s spent", steps: 2 });
    const supervisor = createSupervisor();
    supervisor.stop();
    const stopped = await episode("click-link", 0, slow, { supervisor });
    expect(stopped.result).toMatchObject({ status: "aborted", steps: 0 });
  });
});
