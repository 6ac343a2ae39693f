import { buildSplit, sftConversation, verify } from "@reasonlab/env-math";
import { loadBackend } from "../src/backend.js";
import { renderChat } from "../src/chat.js";
import { loadCheckpoint } from "../src/checkpoint.js";
import { sample } from "../src/sample.js";
import { greedyAccuracy } from "../src/train.js";

const [dir, fam = "add", diff = "3"] = process.argv.slice(2);
const { tf } = await loadBackend("wasm");
const { model, tokenizer } = loadCheckpoint(tf, dir!);
const probs = buildSplit({ families: [fam], difficulties: [+diff], perCell: 100, split: "test", seed: 0 });
const g = await greedyAccuracy(model, tokenizer, probs, {});
console.log("greedy", g.accuracy);
for (const s of g.samples.slice(0, 2)) console.log(s.problem.prompt, "\n", s.completion);
let any = 0,
  tot = 0;
for (const p of probs.slice(0, 40)) {
  const ids = renderChat(tokenizer, sftConversation(p, { system: false }).messages.slice(0, -1), {
    generation: true,
  }).ids;
  const cs = await sample(model, tokenizer, [ids], { n: 8, temperature: 1, maxTokens: 120, seed: 1 });
  const c = cs.filter((x) => verify(p, x.text).correct).length;
  tot += c;
  if (c > 0) any++;
}
console.log("pass@8", any / 40, "mean acc at T=1", tot / 320);
