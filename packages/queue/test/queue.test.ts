// The queue's guarantees, with real worker processes against a real redis-server of the test's own.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type QueueClient, queueClient, type RedisServer, startRedisServer } from "../src/index.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "queue-test-"));
let redis: RedisServer;
let client: QueueClient;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  client = queueClient(redis.url);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await client.close();
  await redis.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A worker process; resolves once it is listening. */
async function worker(ranFile: string): Promise<ChildProcess> {
  const p = spawn(
    process.execPath,
    ["--import", "tsx", path.join(here, "support/echo-worker.ts"), redis.url, ranFile],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.push(p);
  await new Promise<void>((resolve, reject) => {
    p.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolve();
    });
    p.once("exit", (code) => reject(new Error(`worker exited (${code})`)));
  });
  return p;
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : []);
const until = async (check: () => boolean, ms = 20_000) => {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
};
const exited = (p: ChildProcess) =>
  new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once("exit", (c) => r(c))));

describe("jobs on a real redis-server with worker processes", () => {
  it("returns each job's result, and exits cleanly on SIGTERM after finishing its job", async () => {
    const ran = path.join(tmp, "roundtrip.txt");
    const w = await worker(ran);
    const results = await Promise.all(
      [1, 2, 3].map((v) => client.submit("eval", "echo", { value: v, ms: 10 }, { jobId: `rt-${v}` })),
    );
    expect(results.map((r) => (r as { value: number }).value)).toEqual([2, 4, 6]);
    expect(await client.workers("eval")).toBe(1);

    const slow = client.submit("eval", "echo", { value: 5, ms: 800 }, { jobId: "rt-slow" });
    await until(() => lines(ran).includes(`start rt-slow ${w.pid}`));
    w.kill("SIGTERM");
    expect(await exited(w)).toBe(0);
    expect(lines(ran)).toContain(`end rt-slow ${w.pid}`);
    expect(await slow).toMatchObject({ value: 10 });
  });

  it("fails an unknown or malformed job after its attempts with an error naming it, without blocking the queue", async () => {
    const ran = path.join(tmp, "bad.txt");
    const w = await worker(ran);
    const unknown = client.submit("eval", "nope", {}, { jobId: "bad-kind", attempts: 2 });
    const malformed = client.submit(
      "eval",
      "echo",
      { value: "x", ms: 1 },
      { jobId: "bad-payload", attempts: 2 },
    );
    const good = client.submit("eval", "echo", { value: 21, ms: 1 }, { jobId: "good-after-bad" });
    await expect(unknown).rejects.toThrow(
      /failed after 2 attempts: unknown job kind "nope" on queue "eval"; this worker knows: echo/,
    );
    await expect(malformed).rejects.toThrow(/invalid payload: value: .*number/);
    expect(await good).toMatchObject({ value: 42 });
    // recorded: the failed set keeps them with their reasons
    const stats = await client.stats();
    expect(stats.find((s) => s.queue === "eval")!.failed).toBeGreaterThanOrEqual(2);
    w.kill("SIGTERM");
    await exited(w);
  });

  it("hands a job whose worker was SIGKILLed mid-job to another worker, and returns its result once", async () => {
    const ran = path.join(tmp, "kill.txt");
    const a = await worker(ran);
    const result = client.submit("eval", "echo", { value: 7, ms: 1500 }, { jobId: "killed" });
    await until(() => lines(ran).includes(`start killed ${a.pid}`));
    a.kill("SIGKILL");
    await exited(a);
    const b = await worker(ran);
    expect(await result).toMatchObject({ value: 14, pid: b.pid });
    expect(lines(ran).filter((l) => l.startsWith("start killed"))).toHaveLength(2);
    expect(lines(ran).filter((l) => l.startsWith("end killed"))).toEqual([`end killed ${b.pid}`]);
    b.kill("SIGTERM");
    await exited(b);
  });

  it("goes on when Redis restarts while a job runs: submitter and worker reconnect", async () => {
    const ran = path.join(tmp, "restart.txt");
    const w = await worker(ran);
    const result = client.submit("eval", "echo", { value: 4, ms: 1000 }, { jobId: "through-restart" });
    await until(() => lines(ran).some((l) => l.startsWith("start through-restart")));
    await redis.restart();
    expect(await result).toMatchObject({ value: 8 });
    // and new work flows afterwards
    expect(
      await client.submit("eval", "echo", { value: 1, ms: 1 }, { jobId: "after-restart" }),
    ).toMatchObject({
      value: 2,
    });
    w.kill("SIGTERM");
    await exited(w);
  });
});
