// Paired comparison of two models on the same items, from a real run directory.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRun, openRun } from "@reasonlab/runs";
import { afterAll, describe, expect, it } from "vitest";
import { compareModels, pickModel, pooledDifference, signTest } from "../src/compare.js";
import { committedSamples, recordEvaluation } from "../src/evaluate.js";
import { bootstrapMean, proportion } from "../src/stats.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "eval-compare-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const choose = (n: number, k: number) => {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
};

/** One operator-style evaluation: `right(i)` says whether item i (of 20 per family) succeeded. */
function outcome(right: (family: string, i: number) => boolean) {
  const samples = ["easy", "hard"].flatMap((family) =>
    Array.from({ length: 20 }, (_, i) => ({
      item: `${family}/${i}`,
      attempt: 0,
      prompt: "goal",
      completion: "",
      correct: right(family, i),
      meta: { family },
    })),
  );
  const ok = samples.filter((s) => s.correct).length;
  return { samples, metrics: { success: proportion(ok, samples.length) }, breakdown: {}, seconds: 1 };
}

describe("eval compare", () => {
  it("the sign test is the exact binomial tail, doubled", () => {
    expect(signTest(0, 0)).toBe(1);
    expect(signTest(3, 0)).toBeCloseTo(0.25, 12);
    expect(signTest(8, 22)).toBe(signTest(22, 8));
    let tail = 0;
    for (let j = 0; j <= 8; j++) tail += choose(30, j);
    expect(signTest(22, 8)).toBeCloseTo((2 * tail) / 2 ** 30, 12); // 0.0161
    expect(signTest(600, 400)).toBeGreaterThan(0); // no underflow to 0 or NaN at large n
    expect(signTest(600, 400)).toBeLessThan(1e-9);
  });

  it("pairs the items both models answered and tests the difference item by item", () => {
    const run = createRun({ root, name: "eval", kind: "eval" });
    // both fail the same 12 hard items, which widens each model's own interval but not the paired one
    recordEvaluation(
      run,
      { suite: "s", model: "runs/a-sft" },
      outcome((f, i) => f === "easy" || i >= 16),
    );
    recordEvaluation(
      run,
      { suite: "s", model: "runs/a-rl" },
      outcome((f, i) => f === "easy" || i >= 12),
    );
    // an interrupted evaluation (samples, no result) is not counted
    run.log("evalSamples", {
      evalId: "cut",
      suite: "s",
      model: "runs/a-rl",
      item: "hard/0",
      prompt: "",
      completion: "",
      correct: false,
    });
    run.finish();
    const r = openRun(run.dir);
    const samples = committedSamples(r.read("evalResults").records, r.read("evalSamples").records);
    const names = [...new Set(samples.map((s) => s.model))];
    expect(pickModel(names, "rl")).toBe("runs/a-rl");
    expect(() => pickModel(names, "runs/a")).toThrow(/more than one model matches "runs\/a"; the run has: /);
    expect(() => pickModel(names, "dagger")).toThrow(/no model matches "dagger"/);

    const rows = compareModels(samples, { baseline: "runs/a-sft", model: "runs/a-rl" });
    const all = rows.find((x) => x.group === "all")!;
    const hard = rows.find((x) => x.group === "hard")!;
    expect(rows.map((x) => x.group)).toEqual(["all", "easy", "hard"]);
    expect(all).toMatchObject({ n: 40, wins: 4, losses: 0 });
    expect(all.baseline.value).toBeCloseTo(24 / 40, 12);
    expect(all.model.value).toBeCloseTo(28 / 40, 12);
    expect(all.difference.value).toBeCloseTo(0.1, 12);
    expect(all.p).toBeCloseTo(0.125, 12);
    // the two Wilson intervals overlap; the paired interval stays above zero
    expect(all.model.lo).toBeLessThan(all.baseline.hi);
    expect(all.difference.lo).toBeGreaterThan(0);
    expect(hard).toMatchObject({ n: 20, wins: 4, losses: 0 });
    expect(rows.find((x) => x.group === "easy")).toMatchObject({ wins: 0, losses: 0, p: 1 });
    expect(() =>
      compareModels(samples, { baseline: "runs/a-sft", model: "runs/a-rl", suite: "other" }),
    ).toThrow(/share no evaluated item in suite other/);
  });

  it("pools seeds of one procedure, and its interval carries their spread", () => {
    const run = createRun({ root, name: "eval", kind: "eval" });
    const hardFrom = (k: number) => (f: string, i: number) => f === "easy" || i >= k;
    recordEvaluation(run, { suite: "s", model: "runs/sft" }, outcome(hardFrom(16)));
    // one lucky seed solves 8 more hard pages; the other two solve none more
    recordEvaluation(run, { suite: "s", model: "runs/rl-1" }, outcome(hardFrom(8)));
    recordEvaluation(run, { suite: "s", model: "runs/rl-2" }, outcome(hardFrom(16)));
    recordEvaluation(run, { suite: "s", model: "runs/rl-3" }, outcome(hardFrom(16)));
    // three seeds that agree, each 4 more
    for (const m of ["runs/ok-1", "runs/ok-2", "runs/ok-3"])
      recordEvaluation(run, { suite: "s", model: m }, outcome(hardFrom(12)));
    run.finish();
    const r = openRun(run.dir);
    const samples = committedSamples(r.read("evalResults").records, r.read("evalSamples").records);

    const seeds = ["runs/rl-1", "runs/rl-2", "runs/rl-3"];
    const all = compareModels(samples, { baseline: "runs/sft", model: seeds })[0]!;
    expect(all.group).toBe("all");
    // the pooled gain is the mean of the seeds' gains: (8 + 0 + 0) / 3 pages of 40
    expect(all.difference.value).toBeCloseTo(8 / 3 / 40, 12);
    expect(all.model.value).toBeCloseTo(24 / 40 + 8 / 3 / 40, 12);
    expect(all).toMatchObject({ n: 40, wins: 8, losses: 0 });
    // resampling pages alone would call it a sure gain; resampling seeds too, a draw without the
    // lucky seed (30% of them) gains nothing, so the interval reaches 0
    const pagesOnly = bootstrapMean(
      Array.from({ length: 40 }, (_, i) => (i >= 20 && i - 20 >= 8 && i - 20 < 16 ? 1 / 3 : 0)),
    );
    expect(pagesOnly.lo).toBeGreaterThan(0);
    expect(all.difference.lo).toBe(0);
    // seeds that agree keep an interval above 0
    const ok = compareModels(samples, {
      baseline: "runs/sft",
      model: ["runs/ok-1", "runs/ok-2", "runs/ok-3"],
    })[0]!;
    expect(ok.difference.value).toBeCloseTo(4 / 40, 12);
    expect(ok.difference.lo).toBeGreaterThan(0);
    // one model is the plain paired bootstrap
    const one = compareModels(samples, { baseline: "runs/sft", model: ["runs/rl-1"] });
    expect(one).toEqual(compareModels(samples, { baseline: "runs/sft", model: "runs/rl-1" }));
    expect(pooledDifference([0, 1], [[1, 1]]).value).toBe(0.5);
    expect(() => compareModels(samples, { baseline: "runs/sft", model: ["runs/sft"] })).toThrow(
      /"runs\/sft" is both the baseline and a model/,
    );
  });
});
