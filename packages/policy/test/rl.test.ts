import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  digitsEnvironment as digitsEnvironmentOf,
  type Environment,
  generate,
  mathTask,
} from "@reasonlab/env-math";
import { createRun, openRun } from "@reasonlab/runs";
import { afterAll, describe, expect, it } from "vitest";
import { advantages } from "../src/advantage.js";
import { loadBackend } from "../src/backend.js";
import { chargeTurns, collectGroups, lossRows, type Rollout } from "../src/episodes.js";
import { initModel, policyTerms } from "../src/model.js";
import { createAdamW } from "../src/optimizer.js";
import { aggregationWeights, policyLoss } from "../src/policy-loss.js";
import { type RlHooks, RlStageConfig, rewardsOf, stageEnvironment, trainRl } from "../src/rl.js";
import { inlineSampler } from "../src/rollouts.js";
import { byteTokenizer } from "../src/tokenizer.js";
import { TrainConfig } from "../src/train.js";

const backend = await loadBackend("wasm");
const { tf } = backend;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "policy-rl-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const close = (got: number[][], want: number[][]) => {
  // the shapes first: a missing row or value must fail, not pass unchecked
  expect(got.map((r) => r.length)).toEqual(want.map((r) => r.length));
  for (const [i, row] of got.entries())
    for (const [j, x] of row.entries()) expect(x).toBeCloseTo(want[i]![j]!, 5);
};

describe("advantage estimators, against values worked by hand", () => {
  const groups = [
    [1, 0, 0, 1],
    [1, 1, 1, 0],
  ];
  it("GRPO: (r - mean) / std within the group", () => {
    // group 2: mean 0.75, std sqrt(0.1875) = 0.4330
    close(advantages(groups, "grpo"), [
      [1, -1, -1, 1],
      [0.57735, 0.57735, 0.57735, -1.73205],
    ]);
  });
  it("Dr. GRPO: r - mean, no std", () => {
    close(advantages(groups, "drgrpo"), [
      [0.5, -0.5, -0.5, 0.5],
      [0.25, 0.25, 0.25, -0.75],
    ]);
  });
  it("RLOO: r - mean of the other completions", () => {
    // group 1, r=1: others (0,0,1) mean 1/3; group 2, r=0: others (1,1,1) mean 1
    close(advantages(groups, "rloo"), [
      [2 / 3, -2 / 3, -2 / 3, 2 / 3],
      [1 / 3, 1 / 3, 1 / 3, -1],
    ]);
  });
  it("REINFORCE++: group-centred, then divided by the batch std", () => {
    // centred values: ±0.5 (x4), 0.25 (x3), -0.75; batch variance 1.75 / 8 = 0.21875
    const s = Math.sqrt(0.21875);
    close(advantages(groups, "reinforce++"), [
      [0.5 / s, -0.5 / s, -0.5 / s, 0.5 / s],
      [0.25 / s, 0.25 / s, 0.25 / s, -0.75 / s],
    ]);
  });
  it("a group whose rewards agree gets zero advantage", () => {
    for (const e of ["grpo", "drgrpo", "rloo", "reinforce++"] as const)
      expect(advantages([[1, 1, 1]], e)[0]).toEqual([0, 0, 0]);
  });

  it("turnCost: of episodes that all succeeded the shorter wins; a failure is not charged", () => {
    const episode = (correct: boolean, turns: number, reward: number) =>
      ({ correct, turns, reward }) as Rollout;
    const group = [episode(true, 2, 1), episode(true, 3, 1), episode(false, 1, 0.5), episode(false, 6, 0)];
    chargeTurns(group, 0.05);
    expect(group.map((r) => r.reward)).toEqual([0.9, 0.85, 0.5, 0]);
    const [short, long] = advantages([group.slice(0, 2).map((r) => r.reward)], "grpo")[0]!;
    expect(short).toBeGreaterThan(0);
    expect(long).toBeLessThan(0);
  });
});

describe("loss aggregation, by hand", () => {
  const mask = [
    [1, 1, 0],
    [1, 0, 0],
  ];
  it("token-level: every completion token weighs 1 / (all tokens)", () => {
    close(aggregationWeights(mask, "token"), [
      [1 / 3, 1 / 3, 0],
      [1 / 3, 0, 0],
    ]);
  });
  it("sequence mean: every completion weighs 1 / N, split over its tokens", () => {
    close(aggregationWeights(mask, "sequence"), [
      [1 / 4, 1 / 4, 0],
      [1 / 2, 0, 0],
    ]);
  });
});

describe("rollout scoring", () => {
  it('answerFormat "tag" pays only an answer inside <answer></answer>, not a number the working mentions', async () => {
    const problem = generate("add", 1, 3);
    const rewards = rewardsOf([{ name: "correct", weight: 1 }]);
    const reward = async (answerFormat: "tag" | "any", reply: string) => {
      const stage = RlStageConfig.parse({
        stage: "rl",
        steps: 1,
        answerFormat,
        data: { families: ["add"], difficulties: [1] },
      });
      const episode = await stageEnvironment(stage, rewards, 1).reset(mathTask(problem));
      return (await episode.step(reply, { tokens: 9, truncated: false })).reward;
    };
    // the right sum in the working, then a broken tag: what RL learned to write when it was paid
    const garbled = `${problem.prompt.replace(/^What is |\?$/g, "")} = ${problem.answer}\n<answer>Step answer>`;
    expect(await reward("any", garbled)).toBe(1);
    expect(await reward("tag", garbled)).toBe(0);
    expect(await reward("tag", `<answer>${problem.answer}</answer>`)).toBe(1);
  });
});

describe("clipped policy loss", () => {
  it("matches -min(rA, clip(r)A) + beta * k3, worked by hand", async () => {
    const tok = byteTokenizer();
    const model = initModel(
      tf,
      { vocabSize: tok.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, contextLength: 8 },
      2,
    );
    const inputs = tf.tensor2d([[1, 2, 3]], [1, 3], "int32");
    const targets = tf.tensor2d([[2, 3, 4]], [1, 3], "int32");
    const logp = policyTerms(model, inputs, targets).logp;
    const weights = tf.tensor2d([[0.5, 0.5, 0]]);
    const loss = async (ratio: number, advantage: number, klCoef: number) => {
      const out = policyLoss(
        model,
        {
          inputs,
          targets,
          oldLogprobs: logp.sub(Math.log(ratio)) as never,
          refLogprobs: logp.add(Math.log(2)) as never,
          advantages: tf.tensor2d([[advantage]]),
          weights,
        },
        { temperature: 1, clipLow: 0.2, clipHigh: 0.28, klCoef, entropyCoef: 0 },
      );
      return (await out.loss.data())[0]!;
    };
    expect(await loss(1.5, 1, 0)).toBeCloseTo(-1.28, 4); // clipped at 1 + 0.28
    expect(await loss(1.5, -1, 0)).toBeCloseTo(1.5, 4); // pessimistic side: unclipped
    expect(await loss(0.5, -1, 0)).toBeCloseTo(0.8, 4); // clipped at 1 - 0.2
    expect(await loss(0.5, 1, 0)).toBeCloseTo(-0.5, 4);
    const k3 = 2 - Math.log(2) - 1;
    expect(await loss(1, 1, 0.1)).toBeCloseTo(-1 + 0.1 * k3, 4);
  });
});

/**
 * A toy environment over `turns` replies, paid at the end by the share of digits the replies
 * wrote (6 a turn at most): dense enough for an untrained model to find by chance.
 */
const digitsEnvironment = (turns: number, restart = false) => digitsEnvironmentOf({ turns, restart });

describe("multi-turn rollouts", () => {
  const tok = byteTokenizer();
  const model = initModel(
    tf,
    { vocabSize: tok.vocabSize, dModel: 32, nLayers: 1, nHeads: 2, contextLength: 128 },
    3,
  );
  const env = digitsEnvironment(3);
  const tasks = [env.nextTask(), env.nextTask()];

  it("trains every token the policy sampled in every turn, and none the environment wrote", async () => {
    const groups = await collectGroups(env, inlineSampler(model, tok), tok, tasks, {
      groupSize: 2,
      temperature: 1,
      maxTokens: 5,
      seed: 3,
      contextLength: 128,
    });
    expect(groups.map((g) => g.length)).toEqual([2, 2]);
    for (const r of groups.flat()) {
      expect(r.turns).toBe(3);
      expect(r.segments).toHaveLength(1);
      const { ids, generated, logprobs } = r.segments[0]!;
      expect(ids).toHaveLength(generated.length);
      expect(generated.filter(Boolean)).toHaveLength(r.length);
      const mine = tok.decode(ids.filter((_, i) => generated[i]));
      const theirs = tok.decode(ids.filter((_, i) => !generated[i]));
      const replies = r.transcript.filter((m) => m.role === "assistant").map((m) => m.content);
      expect(replies).toHaveLength(3);
      expect(mine).toBe(replies.join(""));
      expect(theirs).toContain("Write digits");
      expect(theirs).toContain("turn 1 done");
      expect(theirs).toContain("turn 2 done");
      // the environment's tokens carry no log-probability; the policy's do
      for (const [i, g] of generated.entries()) {
        if (g) expect(logprobs[i]).toBeLessThan(0);
        else expect(logprobs[i]).toBe(0);
      }
    }
    const { T, rows } = lossRows(groups.flat(), tok.special["<|pad|>"], 128);
    for (const [k, r] of groups.flat().entries())
      for (let t = 0; t < T; t++) expect(rows[k]!.mask[t]).toBe(r.segments[0]!.generated[t + 1] ?? 0);
  });

  it("starts a fresh segment where the environment restarts the conversation, each trained on its reply", async () => {
    const restarting = digitsEnvironment(3, true);
    const groups = await collectGroups(restarting, inlineSampler(model, tok), tok, [restarting.nextTask()], {
      groupSize: 2,
      temperature: 1,
      maxTokens: 5,
      seed: 5,
      contextLength: 128,
    });
    for (const r of groups[0]!) {
      expect(r.segments).toHaveLength(3);
      const replies = r.transcript.filter((m) => m.role === "assistant").map((m) => m.content);
      for (const [k, seg] of r.segments.entries()) {
        expect(tok.decode(seg.ids.filter((_, i) => seg.generated[i]))).toBe(replies[k]);
        // a restarted segment opens with the environment's message alone
        if (k > 0) expect(tok.decode(seg.ids.filter((_, i) => !seg.generated[i]))).toBe(`turn ${k} done`);
      }
      const { rows } = lossRows([r], tok.special["<|pad|>"], 128);
      expect(rows).toHaveLength(3);
      expect(rows.every((row) => row.advantage === r.advantage)).toBe(true);
    }
  });

  it("ends a group whose start does not fit the context without sampling it, cut short", async () => {
    const long = digitsEnvironment(2);
    const wide = {
      ...long,
      reset: async (t: Parameters<Environment["reset"]>[0]) => {
        const e = await long.reset(t);
        return { ...e, messages: [{ role: "user" as const, content: "x".repeat(t.seed === 0 ? 400 : 10) }] };
      },
    };
    const groups = await collectGroups(
      wide,
      inlineSampler(model, tok),
      tok,
      [wide.nextTask(), wide.nextTask()],
      {
        groupSize: 2,
        temperature: 1,
        maxTokens: 4,
        seed: 6,
        contextLength: 128,
      },
    );
    expect(groups[0]!.map((r) => [r.truncated, r.turns, r.length])).toEqual([
      [true, 0, 0],
      [true, 0, 0],
    ]);
    expect(groups[1]!.map((r) => r.turns)).toEqual([2, 2]);
  });

  it("records log-probabilities at the sampling temperature: the loss's ratio is 1 before any update", async () => {
    const groups = await collectGroups(env, inlineSampler(model, tok), tok, tasks, {
      groupSize: 2,
      temperature: 0.6,
      maxTokens: 5,
      seed: 4,
      contextLength: 128,
    });
    const { T, rows } = lossRows(groups.flat(), tok.special["<|pad|>"], 128);
    const n = rows.length;
    const logp = tf.tidy(
      () =>
        policyTerms(
          model,
          tf.tensor2d(
            rows.flatMap((r) => r.inputs),
            [n, T],
            "int32",
          ),
          tf.tensor2d(
            rows.flatMap((r) => r.targets),
            [n, T],
            "int32",
          ),
          { temperature: 0.6 },
        ).logp,
    );
    const values = await logp.data();
    logp.dispose();
    let checked = 0;
    for (let i = 0; i < n; i++)
      for (let t = 0; t < T; t++) {
        if (!rows[i]!.mask[t]) continue;
        expect(values[i * T + t]).toBeCloseTo(rows[i]!.old[t]!, 3);
        checked++;
      }
    expect(checked).toBeGreaterThan(20);
  });
});

describe("RL stage", () => {
  it("rejects bad configs naming the field", () => {
    const r = TrainConfig.safeParse({
      model: { dModel: 32, nLayers: 1, nHeads: 2 },
      stages: [{ stage: "rl", steps: 5, groupSize: 1, data: { families: ["add"], difficulties: [1] } }],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path.join(".")).toBe("stages.0.groupSize");
  });

  /** Runs an RL stage on a tiny byte-level model from a fixed start; the run's directory. */
  async function runTiny(name: string, stageInput: object, hooks: Partial<RlHooks> = {}): Promise<string> {
    const tok = byteTokenizer();
    const model = initModel(
      tf,
      { vocabSize: tok.vocabSize, dModel: 32, nLayers: 1, nHeads: 2, contextLength: 96 },
      7,
    );
    const stage = RlStageConfig.parse({ stage: "rl", checkpointEvery: 100, ...stageInput });
    const run = createRun({ root, name, kind: "rl" });
    const state = {
      stage: "rl",
      step: 0,
      totalSteps: stage.steps,
      seed: 1,
      dataPosition: 0,
      tokensSeen: 0,
      extra: {},
    };
    await trainRl(backend, model, tok, createAdamW(model), stage, state, run, {
      log: () => {},
      evaluate: async () => 0,
      ...hooks,
    });
    run.finish();
    return run.dir;
  }

  /** A 14-step RL run on a tiny model from a fixed start; the reward mean per step. */
  async function rlCurve(rollouts: "inline" | "worker"): Promise<number[]> {
    // a dense reward the untrained model can find by chance: the share of digits it writes
    const digits = {
      name: "digits",
      weight: 1,
      fn: ({ completion }: { completion: string }) => (completion.match(/\d/g)?.length ?? 0) / 6,
    };
    const dir = await runTiny(
      `rl-learns-${rollouts}`,
      {
        steps: 14,
        promptsPerStep: 4,
        groupSize: 8,
        maxTokens: 6,
        maskTruncated: false, // every completion here runs to maxTokens
        accuracyProblems: 0,
        evalEvery: 100,
        optimizer: { lr: 0.02, warmupSteps: 0, minLrRatio: 1, weightDecay: 0 },
        data: { families: ["add"], difficulties: [1] },
        rollouts,
      },
      { rewards: [digits] },
    );
    const records = openRun(dir).read("metrics").records;
    expect(records.filter((r) => r.values["rl/rollout_wait_seconds"] !== undefined)).toHaveLength(14);
    return records
      .filter((r) => r.values["rl/reward_mean"] !== undefined)
      .map((r) => r.values["rl/reward_mean"]!);
  }

  const expectLearning = (rewards: number[]) => {
    const first = (rewards[0]! + rewards[1]! + rewards[2]!) / 3;
    const last = (rewards.at(-1)! + rewards.at(-2)! + rewards.at(-3)!) / 3;
    expect(last, `reward per step: ${rewards.map((r) => r.toFixed(2)).join(" ")}`).toBeGreaterThan(
      first + 0.15,
    );
  };

  it("draws rollouts and held-out problems at each family's own levels", async () => {
    const parse = (data: object) =>
      TrainConfig.safeParse({
        model: { dModel: 32, nLayers: 1, nHeads: 2 },
        stages: [{ stage: "rl", steps: 2, data }],
      });
    const bad = parse({ families: ["add"], difficulties: [1], evalDifficulties: { sub: [3] } });
    expect(bad.error!.issues[0]!.path.join(".")).toBe("stages.0.data.evalDifficulties.sub");

    let heldOut: string[] = [];
    const dir = await runTiny(
      "rl-levels",
      {
        steps: 2,
        promptsPerStep: 8,
        groupSize: 2,
        maxTokens: 4,
        accuracyProblems: 6,
        samplesPerStep: 16,
        data: {
          families: ["add", "sub"],
          difficulties: { add: [1], sub: [2] },
          evalDifficulties: { add: [2], sub: [3] },
        },
      },
      {
        evaluate: async (_m, problems) => {
          heldOut = problems.map((p) => `${p.family}/${p.difficulty}`);
          return 0;
        },
      },
    );
    const drawn = openRun(dir)
      .read("samples")
      .records.map((r) => `${r.meta!.family}/${r.meta!.difficulty}`);
    expect(new Set(drawn)).toEqual(new Set(["add/1", "sub/2"]));
    expect(heldOut).toEqual(["add/2", "sub/3", "add/2", "sub/3", "add/2", "sub/3"]);
  });

  it("raises mean reward over the starting policy in a handful of seeded steps", async () => {
    expectLearning(await rlCurve("inline"));
  });

  it("learns in a multi-turn environment through the same trainer: every turn's reply is trained", async () => {
    const dir = await runTiny(
      "rl-multi-turn",
      {
        steps: 14,
        promptsPerStep: 4,
        groupSize: 8,
        maxTokens: 6,
        maskTruncated: false,
        accuracyProblems: 0,
        evalEvery: 100,
        optimizer: { lr: 0.02, warmupSteps: 0, minLrRatio: 1, weightDecay: 0 },
        data: { families: ["add"], difficulties: [1] },
      },
      { environment: digitsEnvironment(2) },
    );
    const records = openRun(dir).read("metrics").records;
    expect(records.every((r) => r.values["rl/turns"] === undefined || r.values["rl/turns"] === 2)).toBe(true);
    expect(records.some((r) => r.values["rl/turns"] === 2)).toBe(true);
    expectLearning(
      records.filter((r) => r.values["rl/reward_mean"] !== undefined).map((r) => r.values["rl/reward_mean"]!),
    );
    const sample = openRun(dir).read("samples").records[0]!;
    expect(sample.completion).toContain("[tool] turn 1 done");
    expect(sample.meta).toMatchObject({ family: "digits", turns: 2 });
  });

  it("replay: SFT on chats beside the policy loss lowers their cross-entropy while rewards teach nothing", async () => {
    const chats = path.join(root, "replay.jsonl");
    const chat = (i: number) => ({
      messages: [
        { role: "user", content: `say ${i % 3}` },
        { role: "assistant", content: `it is ${i % 3}` },
      ],
    });
    fs.writeFileSync(chats, `${Array.from({ length: 40 }, (_, i) => JSON.stringify(chat(i))).join("\n")}\n`);
    const bad = RlStageConfig.safeParse({
      stage: "rl",
      steps: 2,
      data: { families: ["add"], difficulties: [1] },
      replay: { chats: { path: chats }, coef: 0 },
    });
    expect(bad.error!.issues[0]!.path.join(".")).toBe("replay.coef");
    // a reward that never varies: every advantage is 0, so only the replay term moves the weights
    const flat = { name: "flat", weight: 1, fn: () => 0 };
    const dir = await runTiny(
      "rl-replay",
      {
        steps: 8,
        promptsPerStep: 2,
        groupSize: 2,
        maxTokens: 4,
        maskTruncated: false,
        accuracyProblems: 0,
        evalEvery: 100,
        optimizer: { lr: 0.02, warmupSteps: 0, minLrRatio: 1, weightDecay: 0 },
        data: { families: ["add"], difficulties: [1] },
        replay: { chats: { path: chats, heldOutEvery: 10 }, batchSize: 4, coef: 1 },
      },
      { rewards: [flat] },
    );
    const losses = openRun(dir)
      .read("metrics")
      .records.map((r) => r.values["rl/replay_loss"]!);
    expect(losses).toHaveLength(8);
    expect(losses.at(-1)!, `replay loss per step: ${losses.map((l) => l.toFixed(2)).join(" ")}`).toBeLessThan(
      losses[0]! * 0.7,
    );
  });

  it("learns with rollouts sampled one update ahead in a worker thread, and repeats itself exactly", async () => {
    const curve = await rlCurve("worker");
    expectLearning(curve);
    expect(await rlCurve("worker")).toEqual(curve);
    // the first step samples with the same weights either way
    expect(curve[0]).toBe((await rlCurve("inline"))[0]);
  });
});
