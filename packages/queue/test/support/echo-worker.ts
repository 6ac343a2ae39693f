// A worker process for the queue's tests: an "echo" kind that waits `ms` (so a test can kill it
// mid-job), appends its job id to a file (so a test can count how often a job ran), and returns.
import fs from "node:fs";
import { z } from "zod";
import { defineJob, startWorker } from "../../src/index.js";

const [url, ranFile] = process.argv.slice(2);
const echo = defineJob({
  queue: "eval",
  kind: "echo",
  payload: z.object({ value: z.number(), ms: z.number().int().min(0) }),
  async run(p, ctx) {
    fs.appendFileSync(ranFile!, `start ${ctx.id} ${process.pid}\n`);
    await new Promise((r) => setTimeout(r, p.ms));
    fs.appendFileSync(ranFile!, `end ${ctx.id} ${process.pid}\n`);
    return { value: p.value * 2, pid: process.pid };
  },
});
const worker = startWorker({
  url: url!,
  queues: ["eval"],
  kinds: [echo],
  concurrency: 2,
  lockDuration: 1000,
  stalledInterval: 500,
  log: (line) => console.log(line),
});
process.on("SIGTERM", () => {
  void worker.close().then(() => process.exit(0));
});
console.log("ready");
