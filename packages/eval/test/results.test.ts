// Arena battles between real checkpoints, the operator suite on real Chromium, and the SQLite
// index rebuilt from run directories.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRun, openRun } from "@reasonlab/runs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decidedBattles, runBattles } from "../src/arena-run.js";
import { queryLatest, rebuildIndex } from "../src/db.js";
import { evaluateMath, recordEvaluation } from "../src/evaluate.js";
import { type Completer, checkpointModel } from "../src/models.js";
import { evaluateOperator } from "../src/operator.js";
import { loadSuite } from "../src/suites.js";
import { tinyRun, tinySuite } from "./support/tiny.js";

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "eval-results-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A model that knows the answers to every other question: a stand-in strong model. */
const oracle = (): Completer => ({
  name: "oracle",
  async complete(chats, o) {
    return chats.map((c) => {
      const m = c.at(-1)!.content.match(/(\d+) \+ (\d+)/);
      const answer = m ? Number(m[1]) + Number(m[2]) : 0;
      return Array.from({ length: o.n }, () => ({ text: `<answer>${answer}</answer>`, tokens: 3 }));
    });
  },
  async close() {},
});

describe("arena", () => {
  it("stages blind battles between models and fits ratings from the verifier's verdicts", async () => {
    const run = await tinyRun(path.join(root, "models"), [5]);
    const weak = await checkpointModel(openRun(run.dir).checkpoints()[0]!.dir, "wasm");
    const suite = loadSuite(tinySuite(root));
    if (suite.kind !== "math") throw new Error("math suite expected");
    const arena = createRun({ root: path.join(root, "runs"), name: "arena", kind: "arena" });
    try {
      const records = await runBattles(suite, [oracle(), weak], arena, { seed: 4 });
      expect(records).toHaveLength(12);
      // Sides are shuffled: the oracle appears on both.
      expect(new Set(records.map((r) => r.a.model))).toEqual(new Set(["oracle", weak.name]));
      for (const r of records) expect(r.winner).toBe(r.a.model === "oracle" ? "a" : "b");
      // A human vote later overrides the verifier's verdict on one battle.
      arena.log("arena", { ...records[0]!, winner: "tie", voter: "human" });
      const battles = decidedBattles(openRun(arena.dir).read("arena").records);
      expect(battles).toHaveLength(12);
      expect(battles.filter((b) => b.winner === "tie")).toHaveLength(1);
    } finally {
      arena.finish();
      await weak.close();
    }
  });
});

describe("operator suite", () => {
  it("runs task families x seeds in Chromium and reports success with intervals", async () => {
    const outcome = await evaluateOperator(
      {
        name: "op",
        kind: "operator",
        description: "",
        families: ["dropdown", "keyboard-shortcut"],
        seeds: 2,
        firstSeed: 1000,
        mode: "text",
      },
      "expert",
    );
    expect(outcome.metrics.success).toMatchObject({ value: 1, n: 4 });
    expect(outcome.metrics.success!.lo).toBeGreaterThan(0.4);
    expect(outcome.metrics.steps!.value).toBeGreaterThanOrEqual(2);
    expect(Object.keys(outcome.breakdown)).toEqual(["dropdown", "keyboard-shortcut"]);
    expect(outcome.samples.map((s) => s.item)).toEqual([
      "dropdown/1000",
      "dropdown/1001",
      "keyboard-shortcut/1000",
      "keyboard-shortcut/1001",
    ]);
  });
});

describe("SQLite index", () => {
  it("is rebuilt from run directories and answers queries across runs", async () => {
    const runs = path.join(root, "indexed");
    const suite = loadSuite(tinySuite(root));
    if (suite.kind !== "math") throw new Error("math suite expected");
    for (const name of ["first", "second"]) {
      const run = createRun({ root: runs, name, kind: "eval" });
      recordEvaluation(run, { suite: "tiny", model: "oracle" }, await evaluateMath(suite, oracle()));
      run.finish();
    }
    fs.appendFileSync(
      path.join(fs.readdirSync(runs).map((d) => path.join(runs, d))[0]!, "evals", "results.jsonl"),
      '{"torn": \n',
    );
    const db = path.join(runs, ".index.sqlite");
    const summary = rebuildIndex(runs, db);
    expect(summary).toMatchObject({ runs: 2, results: 2, samples: 24, skipped: 1 });
    const rows = queryLatest(db, { suite: "tiny" });
    expect(rows.map((r) => r.run).sort()).toEqual(["first", "second"]);
    expect(rows.every((r) => r.value === 1 && r.lo! > 0.7)).toBe(true);
    // Rebuilding replaces the file; nothing is lost by deleting it.
    fs.rmSync(db);
    expect(rebuildIndex(runs, db)).toEqual(summary);
  });
});
