// Which difficulty levels a stage draws from: one list for every family, or a list per family
// (e.g. SFT on 3-digit addition but only 2-digit subtraction, then RL on 3-digit subtraction).
import { buildSplit, type Problem } from "@reasonlab/env-math";
import { z } from "zod";

const LevelList = z.array(z.number().int().min(1)).min(1);
export const Levels = z.union([LevelList, z.record(z.string().min(1), LevelList)]);
export type Levels = z.infer<typeof Levels>;

/** The levels of `family`: all of a shared list, its own list, or none if a per-family map leaves it out. */
export function levelsOf(levels: Levels, family: string): number[] {
  return Array.isArray(levels) ? levels : (levels[family] ?? []);
}

/** The lowest level named anywhere: where a curriculum starts. */
export function lowestLevel(levels: Levels): number {
  return Math.min(...(Array.isArray(levels) ? levels : Object.values(levels).flat()));
}

/** Cross-field checks for a stage's `data`: per-family maps name only its families, and cover them for training. */
export function checkLevels(
  d: { families: string[]; difficulties: Levels; evalDifficulties?: Levels | undefined },
  ctx: z.RefinementCtx,
): void {
  for (const field of ["difficulties", "evalDifficulties"] as const) {
    const levels = d[field];
    if (levels === undefined || Array.isArray(levels)) continue;
    if (Object.keys(levels).length === 0)
      ctx.addIssue({ code: "custom", path: [field], message: "give levels for at least one family" });
    for (const family of Object.keys(levels))
      if (!d.families.includes(family))
        ctx.addIssue({ code: "custom", path: [field, family], message: `"${family}" is not in families` });
  }
  const train = d.difficulties;
  if (!Array.isArray(train))
    for (const family of d.families)
      if (!train[family])
        ctx.addIssue({ code: "custom", path: ["difficulties", family], message: "no levels given" });
}

/** `perCell` problems of each family at each of its levels; each cell is seeded on its own. */
export function problemsAt(options: {
  families: readonly string[];
  levels: Levels;
  perCell: number;
  split: "train" | "test";
  seed: number;
}): Problem[] {
  const { families, levels, ...rest } = options;
  return families.flatMap((family) =>
    buildSplit({ ...rest, families: [family], difficulties: levelsOf(levels, family) }),
  );
}

/**
 * The first `n` problems taking each family and level in turn: problems come grouped by cell,
 * and a plain prefix would measure accuracy on the first family (or level) alone.
 */
export function interleaveCells(problems: readonly Problem[], n: number): Problem[] {
  const cells = new Map<string, Problem[]>();
  for (const p of problems) {
    const key = `${p.family}/${p.difficulty}`;
    const cell = cells.get(key);
    if (cell) cell.push(p);
    else cells.set(key, [p]);
  }
  const out: Problem[] = [];
  for (let i = 0; out.length < Math.min(n, problems.length); i++)
    for (const cell of cells.values()) if (i < cell.length && out.length < n) out.push(cell[i]!);
  return out;
}
