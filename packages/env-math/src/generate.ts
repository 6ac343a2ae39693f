// Problems from families: same (family, difficulty, seed), same problem, everywhere.
import { FAMILIES } from "./families/index.js";
import { AnswerCheck, type Family, formatSolution, type Problem } from "./problem.js";
import { createRng } from "./rng.js";

const byName = new Map(FAMILIES.map((f) => [f.name, f]));

export function familyNames(): string[] {
  return FAMILIES.map((f) => f.name);
}

export function getFamily(name: string): Family {
  const family = byName.get(name);
  if (!family) throw new RangeError(`unknown family '${name}'; families: ${familyNames().join(", ")}`);
  return family;
}

export function generate(familyName: string, difficulty: number, seed: number): Problem {
  const family = getFamily(familyName);
  if (!Number.isInteger(difficulty) || difficulty < 1 || difficulty > family.levels.length)
    throw new RangeError(
      `${family.name}: difficulty must be 1 to ${family.levels.length}, got ${difficulty}`,
    );
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a whole number, got ${seed}`);
  const draft = family.draft(createRng(family.name, difficulty, seed), difficulty);
  return {
    id: `${family.name}/${difficulty}/${seed}`,
    family: family.name,
    difficulty,
    prompt: draft.prompt,
    answer: draft.answer,
    solution: formatSolution(draft.steps, draft.answer),
    check: AnswerCheck.parse(draft.check ?? { kind: "number" }),
    metadata: draft.metadata ?? {},
    ...(draft.misconception && {
      misconception: {
        solution: formatSolution(draft.misconception.steps, draft.misconception.answer),
        answer: draft.misconception.answer,
      },
    }),
  };
}

export interface Mixture {
  families: readonly string[];
  /** A difficulty for every family, or one per family name. */
  difficulty: number | Readonly<Record<string, number>>;
}

/** The i-th problem of a seeded stream over a mixture of families: cheap to index, no state. */
export function sampleProblem(mixture: Mixture, seed: number, index: number): Problem {
  const rng = createRng("mixture", seed, index);
  const family = mixture.families[rng.int(0, mixture.families.length - 1)]!;
  const difficulty =
    typeof mixture.difficulty === "number" ? mixture.difficulty : (mixture.difficulty[family] ?? 1);
  return generate(family, Math.min(difficulty, getFamily(family).levels.length), rng.int(0, 2 ** 31 - 1));
}
