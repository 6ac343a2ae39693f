import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRun } from "@reasonlab/runs";
import { describe, expect, it } from "vitest";
import { probeTable, reasonlab as run } from "./support/run.js";

describe("reasonlab", () => {
  it("--help lists every package's commands", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    for (const name of ["runs", "eval", "dashboard", "backends", "demo"])
      expect(stdout).toMatch(new RegExp(`^  ${name}\\s`, "m"));
  });

  it("each command has --help", async () => {
    const { stdout } = await run(["--help"]);
    const names = [...stdout.matchAll(/^ {2}(\S+)\s/gm)].map((m) => m[1]!);
    for (const name of names) {
      const { code, stdout: help } = await run([name, "--help"]);
      expect(code, name).toBe(0);
      expect(help, name).toMatch(new RegExp(`Usage: reasonlab ${name}`));
    }
  });

  it("a bad flag exits 2 naming it; an unknown command lists the right ones", async () => {
    const bad = await run(["dashboard", "--port", "99999"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--port: /);
    const unknown = await run(["trian"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'trian'/);
  });

  it("demo stops with exit 1 and says why when a stage cannot run", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "reasonlab-cli-"));
    try {
      // tfjs-node is an optional install that this machine does not have
      const demo = await run(["demo", "--runs", root, "--backend", "tensorflow", "--quick"]);
      expect(demo.code).toBe(1);
      expect(demo.stderr).toMatch(/^reasonlab demo: the demo stopped: training failed .*tensorflow/im);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("eval compare pairs two models' items and prints the difference per group", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "reasonlab-compare-"));
    try {
      const evalRun = createRun({ root, name: "eval", kind: "eval" });
      for (const [model, solved] of [
        ["runs/x-sft", 6],
        ["runs/x-rl", 9],
        ["runs/x-again", 7],
      ] as const) {
        const base = { evalId: model, suite: "s", model };
        for (let i = 0; i < 10; i++)
          evalRun.log("evalSamples", {
            ...base,
            item: `login/${i}`,
            prompt: "",
            completion: "",
            correct: i < solved,
            meta: { family: "login" },
          });
        evalRun.log("evalResults", { ...base, metrics: { success: { value: solved / 10 } } });
      }
      evalRun.finish();
      const out = await run(["eval", "compare", evalRun.dir, "--baseline", "sft", "--model", "rl"]);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toMatch(/^baseline runs\/x-sft\nmodel {4}runs\/x-rl\n/);
      expect(out.stdout).toMatch(
        /^login +10 +60\.0% \[\S+, \S+\] +90\.0% \[\S+, \S+\] +\+30\.0 \[\S+, \S+\] +3\/0 +0\.250$/m,
      );
      expect(out.stdout).toMatch(/^all +10 /m);
      // two seeds of one procedure, pooled: (9 + 7) / 2 solved, 3 pages better on average, none worse
      const pooled = await run([
        "eval",
        "compare",
        evalRun.dir,
        "--baseline",
        "sft",
        "--model",
        "rl",
        "--model",
        "again",
      ]);
      expect(pooled.code, pooled.stderr).toBe(0);
      expect(pooled.stdout).toMatch(/^model {4}runs\/x-rl\nmodel {4}runs\/x-again\n\(the 2 models pooled/m);
      expect(pooled.stdout).toMatch(
        /^login +10 +60\.0% \[\S+, \S+\] +80\.0% \[\S+, \S+\] +\+20\.0 \[\S+, \S+\] +3\/0 /m,
      );
      const missing = await run(["eval", "compare", evalRun.dir, "--baseline", "dagger", "--model", "rl"]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/no model matches "dagger"; the run has: runs\/x-sft, runs\/x-rl/);
      // a directory that is not an eval run (an empty path from a script that lost the run's name)
      const notEval = await run(["eval", "compare", root, "--baseline", "sft", "--model", "rl"]);
      expect(notEval.code).toBe(2);
      expect(notEval.stderr).toMatch(/holds no evaluated samples: give an eval run's directory/);
      const empty = await run(["eval", "compare", "", "--baseline", "sft", "--model", "rl"]);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toMatch(/give one eval run directory/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("demo --quick runs pretraining, SFT, RL, evals and an operator episode into runs that `runs list` shows", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "reasonlab-cli-"));
    try {
      const demo = await run(["demo", "--runs", root, "--backend", "wasm", "--quick"]);
      expect(demo.code, demo.stderr).toBe(0);
      // the final table: every stage measured on the same held-out trap questions
      const table = probeTable(demo.stdout);
      expect(Object.keys(table)).toEqual(["pretrain", "sft", "rl"]);
      expect(table.pretrain).toMatchObject({ format: "document", n: 8 });
      expect(table.rl).toMatchObject({ format: "chat", n: 8 });
      for (const row of Object.values(table)) {
        expect(row.value).toBeCloseTo((100 * row.correct) / row.n, 1);
        expect(row.lo).toBeLessThanOrEqual(row.value);
        expect(row.hi).toBeGreaterThanOrEqual(row.value);
      }
      expect(demo.stdout).toMatch(/RL - SFT: [+-]\d+\.\d points; the 95% intervals (do not )?overlap\./);
      // SFT's and RL's answers to one probe question, each judged by the verifier
      expect(demo.stdout).toMatch(
        /^"Which is larger, \d+\.\d+ or \d+\.\d+\?" \(the first of them( that SFT got wrong( and RL right)?)?\)$/m,
      );
      // and the count on the traps alone, for every stage
      expect(demo.stdout).toMatch(
        /^On the \d+ traps, .*: pretrain \d+\/\d+ \(.*\), sft .*, rl \d+\/\d+ \(.*\)\.$/m,
      );
      expect(demo.stdout.match(/^(sft|rl) +(greedy|T=1 #\d) +(right|wrong): /gm)).toHaveLength(6);
      const list = await run(["runs", "list", root, "--json"]);
      const infos = list.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(
        infos.map((i: { kind: string; status: string; backend: string }) => [i.kind, i.status, i.backend]),
      ).toEqual([
        ["pretrain", "finished", "wasm"],
        ["sft", "finished", "wasm"],
        ["rl", "finished", "wasm"],
        ["operate", "finished", null],
      ]);
      // Each stage's final checkpoint was evaluated into its own run.
      expect(demo.stdout).toMatch(/operator: .* -> success in \d+ steps/);
      const report = await run(["eval", "report", infos[2].dir ?? path.join(root, infos[2].id), "--json"]);
      expect(JSON.parse(report.stdout.trim().split("\n")[0]!)).toMatchObject({
        suite: "decimal-trap",
        model: "demo-rl@2",
        step: 2,
      });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
