// `reasonlab demo`: the main job on the embedded defaults (configs/demo.json), the story every LLM
// goes through at toy scale: pretraining on 2-digit addition problems with worked solutions, SFT
// on the same as chats, then RL with a verifiable reward, reporting held-out accuracy after each.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultRunsRoot, readJsonFile } from "@reasonlab/runs";
import { defineCommand } from "@reasonlab/runs/command";
import { z } from "zod";

export const DEMO_CONFIG = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../configs/demo.json",
);

const demo = defineCommand({
  name: "demo",
  summary: "pretrain, SFT, then RL a small transformer on 2-digit addition; report held-out accuracy",
  description: `Runs ${path.relative(process.cwd(), DEMO_CONFIG) || DEMO_CONFIG} (about 10 minutes on 2 CPU cores), writing one run directory per stage.`,
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
    const config = readJsonFile(TrainConfig, DEMO_CONFIG);
    if (quick) {
      config.model = { ...config.model!, dModel: 32, nLayers: 1, nHeads: 2 };
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
    const last = results.at(-1)!;
    const minutes = (performance.now() - started) / 60_000;
    console.log(`\ndone in ${minutes.toFixed(1)} minutes.`);
    const pct = (x: number | null | undefined) => (x == null ? "-" : `${(x * 100).toFixed(1)}%`);
    for (const r of results)
      if (r.accuracy !== null)
        console.log(
          `${path.basename(r.runDir)}: held-out accuracy ${r.initialAccuracy != null ? `${pct(r.initialAccuracy)} -> ` : ""}${pct(r.accuracy)}`,
        );
    if (last.accuracy !== null) console.log(`held-out accuracy on 2-digit addition: ${pct(last.accuracy)}`);
    console.log(`runs: ${results.map((r) => r.runDir).join(", ")}`);
    console.log(
      `next: npx reasonlab serve --checkpoint ${last.runDir}    or    npx reasonlab dashboard --runs ${runs}`,
    );
  },
});

export const commands = [demo];
