// A run directory with real (tiny, untrained) checkpoints of the project's policy, and a tiny suite.
import fs from "node:fs";
import path from "node:path";
import { byteTokenizer, disposeModel, initModel, loadBackend, saveCheckpoint } from "@reasonlab/policy";
import { createRun } from "@reasonlab/runs";

export async function tinyRun(root: string, steps: number[], { finish = true } = {}) {
  const { tf } = await loadBackend("wasm");
  const tokenizer = byteTokenizer();
  const run = createRun({ root, name: "tiny", kind: "sft" });
  for (const step of steps) {
    const model = initModel(
      tf,
      { vocabSize: tokenizer.vocabSize, dModel: 32, nLayers: 1, nHeads: 2, contextLength: 64 },
      step,
    );
    await run.checkpoint(step, (dir) => saveCheckpoint(dir, { model, tokenizer }), { stage: "sft" });
    disposeModel(model);
  }
  if (finish) run.finish();
  return run;
}

export function tinySuite(dir: string, fields: Record<string, unknown> = {}) {
  const file = path.join(dir, "tiny-suite.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: "tiny",
      kind: "math",
      tasks: [{ family: "add", difficulties: [2], count: 12 }],
      maxTokens: 12,
      ...fields,
    }),
  );
  return file;
}
