// Running battles: each item of a math suite goes to one pair of models (pairs in turn), sides
// shuffled by a seed so voters cannot tell who is who; the verifier judges, or people do later.
import { uniformStream, verify } from "@reasonlab/env-math";
import type { ArenaBattleRecord, LogWriter } from "@reasonlab/runs";
import { type Battle, verdictOf } from "./arena.js";
import type { Completer } from "./models.js";
import { type MathSuite, mathItems } from "./suites.js";

export async function runBattles(
  suite: MathSuite,
  models: Completer[],
  sink: Pick<LogWriter, "log">,
  {
    judge = "verifier" as "verifier" | "human",
    seed = 0,
    onProgress,
  }: { judge?: "verifier" | "human"; seed?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<ArenaBattleRecord[]> {
  if (models.length < 2) throw new Error("an arena needs at least two models");
  const pairs: [number, number][] = [];
  for (let i = 0; i < models.length; i++) for (let j = i + 1; j < models.length; j++) pairs.push([i, j]);
  const items = mathItems(suite);
  const rand = uniformStream(seed);
  const chats = items.map((it) => [{ role: "user" as const, content: it.problem.prompt }]);
  // Every model answers the items of its pairs; one batched call per model.
  const answers = await Promise.all(
    models.map(async (m, k) => {
      const mine = items.map((_, i) => i).filter((i) => pairs[i % pairs.length]!.includes(k));
      const out = await m.complete(
        mine.map((i) => chats[i]!),
        { n: 1, temperature: suite.temperature, maxTokens: suite.maxTokens, seed: seed + k },
      );
      return new Map(mine.map((i, j) => [i, out[j]![0]!.text]));
    }),
  );
  const records: ArenaBattleRecord[] = [];
  for (const [i, item] of items.entries()) {
    const [x, y] = pairs[i % pairs.length]!;
    const [first, second] = rand() < 0.5 ? [x, y] : [y, x];
    const a = { model: models[first]!.name, completion: answers[first]!.get(i)! };
    const b = { model: models[second]!.name, completion: answers[second]!.get(i)! };
    const winner =
      judge === "verifier"
        ? verdictOf(verify(item.problem, a.completion).correct, verify(item.problem, b.completion).correct)
        : null;
    records.push(
      sink.log("arena", {
        id: `${suite.name}/${item.id}`,
        prompt: item.problem.prompt,
        a,
        b,
        winner,
        voter: judge === "verifier" ? "verifier" : null,
        meta: { suite: suite.name, item: item.id, expected: item.problem.answer },
      }),
    );
    onProgress?.(i + 1, items.length);
  }
  return records;
}

/** The latest verdict of each battle id (a vote replaces an earlier one), ready for the fit. */
export function decidedBattles(records: readonly ArenaBattleRecord[]): Battle[] {
  const latest = new Map<string, ArenaBattleRecord>();
  for (const r of records) if (r.winner !== null) latest.set(r.id, r);
  return [...latest.values()].map((r) => ({ a: r.a.model, b: r.b.model, winner: r.winner! }));
}
