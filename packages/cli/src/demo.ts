// `reasonlab demo`: the main job on the embedded defaults. Today: pretraining then SFT of a small
// transformer on 2-digit addition with worked solutions (configs/addition.json), ending with its
// held-out accuracy and a few of its answers. It grows with the project (RL comes next).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultRunsRoot } from "@reasonlab/runs";
import { defineCommand } from "@reasonlab/runs/command";
import { z } from "zod";

export const DEMO_CONFIG = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../configs/addition.json",
);

const demo = defineCommand({
  name: "demo",
  summary: "pretrain then SFT a small transformer on 2-digit addition, and report held-out accuracy",
  description: `Runs ${path.relative(process.cwd(), DEMO_CONFIG) || DEMO_CONFIG} (about 8 minutes on 2 CPU cores), writing one run directory per stage.`,
  options: {
    runs: { type: "string", value: "DIR", description: "folder holding runs", default: defaultRunsRoot() },
    backend: {
      type: "string",
      value: "NAME",
      description: "tensor backend: auto, wasm, cpu, webgpu, tensorflow",
      default: "auto",
    },
    quick: {
      type: "boolean",
      description: "a few steps on a tiny model: checks the pipeline, learns nothing",
    },
  },
  schema: z.object({
    runs: z.string(),
    backend: z.enum(["auto", "wasm", "cpu", "webgpu", "tensorflow"]),
    quick: z.boolean().optional(),
    args: z.array(z.string()).max(0),
  }),
  async run({ runs, backend, quick }) {
    const { train, TrainConfig } = await import("@reasonlab/policy");
    const config = TrainConfig.parse(JSON.parse(fs.readFileSync(DEMO_CONFIG, "utf8")));
    if (quick) {
      config.model = { ...config.model, dModel: 32, nLayers: 1, nHeads: 2 };
      config.stages = config.stages.map((s) =>
        s.stage === "rl"
          ? { ...s, steps: 2, promptsPerStep: 2, groupSize: 2, accuracyProblems: 4 }
          : {
              ...s,
              steps: 4,
              batchSize: 4,
              logEvery: 2,
              evalEvery: 2,
              accuracyEvery: 0,
              accuracyProblems: s.stage === "sft" ? 4 : 0,
              data: { ...s.data, perCell: 40, evalPerCell: 8 },
            },
      );
    }
    const started = performance.now();
    const results = await train({ ...config, name: "demo", runs, backend });
    const sft = results.at(-1)!;
    const minutes = (performance.now() - started) / 60_000;
    console.log(`\ndone in ${minutes.toFixed(1)} minutes.`);
    if (sft.accuracy !== null)
      console.log(`held-out accuracy on 2-digit addition: ${(sft.accuracy * 100).toFixed(1)}%`);
    console.log(`runs: ${results.map((r) => r.runDir).join(", ")}`);
    console.log(
      `next: npx reasonlab serve --checkpoint ${sft.runDir}    or    npx reasonlab dashboard --runs ${runs}`,
    );
  },
});

export const commands = [demo];
