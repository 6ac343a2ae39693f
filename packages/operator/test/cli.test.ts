// `reasonlab operate` as a user runs it: a real process, a task from the suite with the expert,
// and a free goal on a URL behind a model served over the OpenAI protocol.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { listRuns, openRun } from "@reasonlab/runs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskInstance } from "../src/tasks/families.js";
import { startTaskServer, type TaskServer } from "../src/tasks/server.js";

const BIN = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "cli",
  "bin",
  "reasonlab.mjs",
);
let root: string;
let tasks: TaskServer;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "operate-cli-"));
  tasks = await startTaskServer();
});
afterAll(async () => {
  await tasks.close();
  fs.rmSync(root, { recursive: true, force: true });
});

function reasonlab(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

/**
 * A chat model over the OpenAI protocol on a local port, whose reply to request k (its JSON body)
 * is `reply(body, k)`. Closed by `close()`.
 */
async function chatModel(reply: (body: string, k: number) => string) {
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const c of req) body += c;
    requests.push(body);
    const content = reply(body, requests.length - 1);
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        id: "x",
        object: "chat.completion",
        created: 0,
        model: "m",
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe("reasonlab operate", () => {
  it("solves suite tasks with the expert, printing each step, and records the episodes", async () => {
    const runs = path.join(root, "tasks");
    const { code, out } = await reasonlab([
      "operate",
      "--task",
      "checkboxes",
      "--seed",
      "4",
      "--episodes",
      "2",
      "--runs",
      runs,
    ]);
    expect(code, out).toBe(0);
    expect(out).toMatch(/checkboxes\/4: Tick/);
    expect(out).toMatch(/step {2}1 {2}click \(\d+, \d+\)/);
    expect(out).toContain("solved 2/2");
    const [run] = listRuns(runs);
    expect(run!.info).toMatchObject({ kind: "operate", status: "finished" });
    expect(
      openRun(run!.dir)
        .episodes()
        .map((e) => [e.seed, e.status]),
    ).toEqual([
      [4, "success"],
      [5, "success"],
    ]);
  });

  it("pursues a free goal on a URL with a model over the OpenAI protocol, within the allowed origin", async () => {
    const replies = ["I see the links.\nclick [2]", 'The page is open.\ndone "found it"'];
    const model = await chatModel((_, k) => replies[Math.min(k, replies.length - 1)]!);
    const { requests } = model;
    try {
      const base = model.base;
      const runs = path.join(root, "free");
      const { code, out } = await reasonlab([
        "operate",
        "--url",
        tasks.taskUrl("click-link", 2),
        "--goal",
        "open any link",
        "--model",
        "m",
        "--base-url",
        base,
        "--runs",
        runs,
      ]);
      expect(code, out).toBe(0);
      expect(out).toMatch(/-> success in 2 steps \(the model declared the goal reached\): found it/);
      expect(requests[0]).toContain("open any link");
      const [run] = listRuns(runs);
      const [episode] = openRun(run!.dir).episodes();
      expect(episode).toMatchObject({ task: "free", status: "success", goal: "open any link" });
    } finally {
      await model.close();
    }
  });

  it("web-tasks demos: from --first-seed, and with a learner over the OpenAI protocol (DAgger)", async () => {
    // the learner clicks the goal's button at once, which fails while it is below the viewport
    const model = await chatModel((body) => {
      const goal = JSON.parse(body).messages[0].content as string;
      return `click "${/Find the button "([^"]+)"/.exec(goal)![1]}"`;
    });
    try {
      const base = model.base;
      const out = path.join(root, "dagger.jsonl");
      const args = ["web-tasks", "demos", "--family", "scroll-find", "--seeds", "2", "--first-seed", "7"];
      const r = await reasonlab([...args, "--model", "m", "--base-url", base, "--out", out]);
      expect(r.code, r.out).toBe(0);
      const steps = fs
        .readFileSync(out, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect([...new Set(steps.map((s) => s.seed))]).toEqual([7, 8]);
      // two episodes that spend their step budgets
      expect(steps).toHaveLength(
        taskInstance("scroll-find", 7).maxSteps + taskInstance("scroll-find", 8).maxSteps,
      );
      for (const s of steps) {
        expect(s.action).toBe("scroll down");
        expect(s.executed).toMatch(/^click "/);
      }
      // the learner read each state as it was labelled, alone and greedily, as RL showed it
      const requests = model.requests.map((r) => JSON.parse(r)) as {
        messages: { role: string; content: string }[];
        temperature: number;
      }[];
      // (two pages work at once, so in any order)
      const asked = requests.map((q) => JSON.stringify(q.messages)).sort();
      expect(asked).toEqual(
        steps.map((s) => JSON.stringify([{ role: "user", content: s.observation }])).sort(),
      );
      expect(requests.every((q) => q.temperature === 0)).toBe(true);
    } finally {
      await model.close();
    }
  });

  it("refuses bad flags by name", async () => {
    const a = await reasonlab(["operate", "--url", "http://127.0.0.1:1/", "--goal", "x"]);
    expect(a.code).toBe(2);
    expect(a.out).toMatch(/--model: a free goal needs a real model/);
    const b = await reasonlab(["operate"]);
    expect(b.out).toMatch(/--task: give either --task FAMILY or --url URL --goal TEXT/);
  });
});
