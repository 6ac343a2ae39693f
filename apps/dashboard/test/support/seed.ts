// Run directories written by the project's own writers, for the dashboard's tests and for a look
// at it by hand (`npx tsx apps/dashboard/test/support/seed.ts DIR`).
import fs from "node:fs";
import { recordEvaluation } from "@reasonlab/eval";
import { createTaskEnv, expertModel, runTask } from "@reasonlab/operator";
import { checkpointName, createRun, type RunWriter } from "@reasonlab/runs";

const wave = (i: number, seed: number) => Math.sin(i * 0.37 + seed) * 0.5 + Math.sin(i * 0.05 + seed * 3);

export async function seedRuns(root: string, { episodes = true } = {}) {
  fs.mkdirSync(root, { recursive: true });
  const sft = createRun({
    root,
    name: "sft-addition",
    kind: "sft",
    backend: "wasm",
    config: { lr: 0.005, steps: 300, model: { dModel: 128, nLayers: 2 } },
  });
  for (let step = 1; step <= 300; step++) {
    sft.metrics(step, {
      "train/loss": 2.5 * Math.exp(-step / 60) + 0.05 + 0.03 * wave(step, 1),
      "train/lr": 0.005 * Math.min(1, step / 10),
      ...(step % 50 === 0 ? { "eval/loss": 2.4 * Math.exp(-step / 70) + 0.08 } : {}),
    });
    if (step % 100 === 0) {
      for (let k = 0; k < 3; k++)
        sft.log("samples", {
          step,
          split: "test",
          prompt: `What is ${10 + k} + ${step / 10}?`,
          completion: `Step 1: ...\n<answer>${10 + k + step / 10 + (k === 2 ? 1 : 0)}</answer>`,
          expected: String(10 + k + step / 10),
          extracted: String(10 + k + step / 10 + (k === 2 ? 1 : 0)),
          reward: k === 2 ? 0 : 1,
          correct: k !== 2,
        });
      evalAt(sft, step, 0.3 + step / 500);
    }
  }
  sft.finish();

  const rl = createRun({
    root,
    name: "rl-arithmetic",
    kind: "rl",
    backend: "wasm",
    config: { lr: 0.0005, steps: 40, model: { dModel: 128, nLayers: 2 }, groupSize: 8 },
  });
  for (let step = 0; step < 40; step++)
    rl.metrics(step, {
      "rl/reward_mean": 0.4 + step / 80 + 0.05 * wave(step, 2),
      "rl/accuracy": 0.35 + step / 90,
      "rl/response_length": 60 - step / 4,
      "rl/kl": step / 400,
    });
  // evaluated after SFT, though its name sorts first: the eval table lists models in training order
  evalAt(rl, 40, 0.6, "rl-arithmetic");
  // Left running: the dashboard's live view follows it.

  let operate: RunWriter | null = null;
  if (episodes) {
    operate = createRun({ root, name: "operate-login", kind: "operate" });
    const env = await createTaskEnv();
    try {
      for (const family of ["login", "drag-drop"]) {
        await runTask(env, family, 1, (task) => expertModel(() => task), {
          run: operate,
          supervisor: {
            confirm: async () => true,
            paused: () => false,
            stopped: () => false,
            waitUntilResumed: async () => false,
          },
        });
      }
    } finally {
      await env.close();
    }
    operate.finish();
  }

  const arena = createRun({ root, name: "arena", kind: "arena" });
  for (let i = 0; i < 3; i++)
    arena.log("arena", {
      id: `addition/add/2/${i}`,
      prompt: `What is ${21 + i} + ${34 + i}?`,
      a: {
        model: i % 2 ? "sft-addition@300" : "rl-arithmetic@40",
        completion: `<answer>${55 + 2 * i}</answer>`,
      },
      b: {
        model: i % 2 ? "rl-arithmetic@40" : "sft-addition@300",
        completion: `<answer>${56 + 2 * i}</answer>`,
      },
      winner: null,
      voter: null,
    });
  arena.finish();
  return { sft, rl, operate, arena };
}

function evalAt(run: RunWriter, step: number, accuracy: number, model = "sft-addition") {
  const n = 200;
  const c = Math.round(accuracy * n);
  recordEvaluation(
    run,
    { suite: "addition", model, step, checkpoint: checkpointName(step) },
    {
      metrics: {
        accuracy: {
          value: c / n,
          stderr: Math.sqrt(((c / n) * (1 - c / n)) / n),
          lo: c / n - 0.06,
          hi: Math.min(1, c / n + 0.06),
          n,
        },
      },
      breakdown: {},
      samples: [0, 1].map((i) => ({
        item: `add/2/${i}`,
        attempt: 0,
        prompt: `What is ${i + 40} + ${step}?`,
        completion: `<answer>${i + 40 + step + i}</answer>`,
        expected: String(i + 40 + step),
        extracted: String(i + 40 + step + i),
        reward: i ? 0 : 1.1,
        correct: i === 0,
      })),
      seconds: 3,
    },
  );
}

if (process.argv[1]?.endsWith("seed.ts")) {
  const dir = process.argv[2] ?? "runs-demo";
  await seedRuns(dir);
  console.log(`seeded ${dir}: reasonlab dashboard --runs ${dir}`);
}
