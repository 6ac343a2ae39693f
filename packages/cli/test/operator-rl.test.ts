// The policy learns to operate, end to end through the real command line: expert demonstrations
// from Chromium, SFT on them, RL in the browser environment (registered by the CLI), and the
// trained checkpoint evaluated on an operator suite's held-out seeds. Tiny and short: it checks
// that the pieces meet and every run lands where the dashboard reads it, not how well it learns.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openRun } from "@reasonlab/runs";
import { afterAll, describe, expect, it } from "vitest";
import { reasonlab as run } from "./support/run.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "reasonlab-operator-rl-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("training the operator", () => {
  it("demos -> SFT -> RL in Chromium -> eval of the checkpoint on held-out seeds", async () => {
    const demos = path.join(root, "demos.jsonl");
    const made = await run([
      "web-tasks",
      "demos",
      "--family",
      "click-button",
      "--seeds",
      "6",
      "--out",
      demos,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const lines = fs.readFileSync(demos, "utf8").trim().split("\n");
    expect(lines).toHaveLength(6);
    // demonstrations name the button by its label, which the goal quotes
    for (const line of lines) {
      const { goal, action } = JSON.parse(line);
      expect(action).toBe(`click "${/labelled "(\w+)"/.exec(goal)![1]}"`);
    }

    const config = path.join(root, "operator.json");
    fs.writeFileSync(
      config,
      JSON.stringify({
        name: "op",
        seed: 1,
        backend: "wasm",
        runs: path.join(root, "runs"),
        tokenizer: { kind: "bpe", vocabSize: 300 },
        // the copy head, as configs/operator.json has it: sampled, trained and evaluated through it
        model: { dModel: 32, nLayers: 1, nHeads: 2, contextLength: 256, copy: true },
        stages: [
          {
            stage: "sft",
            steps: 3,
            batchSize: 4,
            chats: { path: demos, heldOutEvery: 3 },
            accuracyProblems: 0,
          },
          {
            stage: "rl",
            steps: 2,
            environment: {
              name: "browser",
              families: ["click-button", "click-link"],
              maxTurns: 2,
              recordEvery: 2,
            },
            promptsPerStep: 2,
            groupSize: 2,
            maxTokens: 6,
            maskTruncated: false,
            accuracyProblems: 0,
            samplesPerStep: 1,
          },
        ],
      }),
    );
    const trained = await run(["train", "--config", config]);
    expect(trained.code, trained.stderr).toBe(0);
    const dirs = fs.readdirSync(path.join(root, "runs")).sort();
    const rlDir = path.join(root, "runs", dirs.find((d) => d.includes("-op-rl-"))!);
    const rl = openRun(rlDir);
    expect(rl.info()).toMatchObject({ kind: "rl", status: "finished" });
    expect(rl.read("metrics").records.filter((r) => r.values["rl/reward_mean"] !== undefined)).toHaveLength(
      2,
    );
    const sample = rl.read("samples").records[0]!;
    expect(sample.prompt).toMatch(/^Click the (button labelled|link)/);
    expect(["click-button", "click-link"]).toContain(sample.meta?.family);
    // a success curve per family, and every other rollout episode kept for replay
    const families = new Set(
      rl
        .read("metrics")
        .records.flatMap((r) => Object.keys(r.values).filter((k) => k.startsWith("rl/success/"))),
    );
    expect([...families].sort()).toEqual(["rl/success/click-button", "rl/success/click-link"]);
    const episodes = rl.episodes();
    expect(episodes.length).toBeGreaterThanOrEqual(4);
    for (const e of episodes) {
      expect(e.model).toBe("policy (RL rollout)");
      expect(["success", "failure", "aborted"]).toContain(e.status);
      expect(rl.episodeSteps(e.id).records.length).toBe(e.steps);
    }

    const suite = path.join(root, "suite.json");
    fs.writeFileSync(
      suite,
      JSON.stringify({ name: "op-small", kind: "operator", families: ["click-button"], seeds: 3 }),
    );
    const evaluated = await run([
      "eval",
      "run",
      "--suite",
      suite,
      "--model",
      rlDir,
      "--backend",
      "wasm",
      "--runs",
      root,
    ]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/op-small .* success=\d\.\d{3} \[/);
  });
});
