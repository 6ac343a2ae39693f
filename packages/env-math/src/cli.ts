// `reasonlab env`: list, sample, verify and export the math environments.
import fs from "node:fs";
import { commandGroup, defineCommand } from "@reasonlab/command";
import { z } from "zod";

const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
const intList = z.string().transform((s, ctx) => {
  const out = list(s).map(Number);
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1)) {
    ctx.addIssue({ code: "custom", message: "expected comma-separated whole numbers >= 1, e.g. 1,2,3" });
    return z.NEVER;
  }
  return out;
});
const noArgs = z.array(z.string()).max(0, "takes no positional arguments");

const listCommand = defineCommand({
  name: "env list",
  summary: "list the problem families and what each difficulty level means",
  options: { json: { type: "boolean", description: "print JSON" } },
  schema: z.object({ json: z.boolean().optional(), args: noArgs }),
  async run({ json }) {
    const { FAMILIES } = await import("./families/index.js");
    if (json) {
      console.log(
        JSON.stringify(
          FAMILIES.map(({ name, topic, description, levels }) => ({ name, topic, description, levels })),
          null,
          2,
        ),
      );
      return;
    }
    for (const f of FAMILIES) {
      console.log(`${f.name.padEnd(18)} [${f.topic}] ${f.description}`);
      for (const [i, l] of f.levels.entries()) console.log(`${" ".repeat(20)}${i + 1}: ${l}`);
    }
  },
});

const sample = defineCommand({
  name: "env sample",
  summary: "print problems from a family, with worked solutions",
  options: {
    family: {
      type: "string",
      short: "f",
      value: "NAME",
      description: "problem family (see env list)",
      default: "decimal-compare",
    },
    difficulty: { type: "string", short: "d", value: "N", description: "difficulty level", default: "2" },
    seed: { type: "string", short: "s", value: "N", description: "seed of the first problem", default: "0" },
    count: { type: "string", short: "n", value: "N", description: "how many problems", default: "3" },
    json: { type: "boolean", description: "print one JSON problem per line" },
  },
  schema: z.object({
    family: z.string(),
    difficulty: z.coerce.number().int().min(1),
    seed: z.coerce.number().int(),
    count: z.coerce.number().int().min(1).max(100_000),
    json: z.boolean().optional(),
    args: noArgs,
  }),
  examples: [
    "reasonlab env sample -f letter-count -d 3",
    "reasonlab env sample -f countdown -d 4 -n 1000 --json > countdown.jsonl",
  ],
  async run({ family, difficulty, seed, count, json }) {
    const { generate } = await import("./generate.js");
    for (let i = 0; i < count; i++) {
      const p = generate(family, difficulty, seed + i);
      if (json) console.log(JSON.stringify(p));
      else console.log(`# ${p.id}\n${p.prompt}\n${p.solution}\n`);
    }
  },
});

const verifyCommand = defineCommand({
  name: "env verify",
  summary: "check a completion against a problem (by id) or against an expected answer",
  options: {
    id: {
      type: "string",
      value: "FAMILY/DIFFICULTY/SEED",
      description: "a generated problem, e.g. countdown/3/7",
    },
    expected: { type: "string", value: "ANSWER", description: "an expected answer, instead of --id" },
    kind: {
      type: "string",
      value: "KIND",
      description:
        "how --expected is compared: number, math (LaTeX, sets, intervals, expressions), text, yesno, factorization, time",
      default: "number",
    },
    completion: {
      type: "string",
      short: "c",
      value: "TEXT",
      description: "the model's text; '-' reads standard input",
      default: "-",
    },
    strict: { type: "boolean", description: "only accept an answer inside <answer></answer>" },
  },
  schema: z
    .object({
      id: z
        .string()
        .regex(/^[a-z0-9-]+\/\d+\/-?\d+$/, "expected FAMILY/DIFFICULTY/SEED")
        .optional(),
      expected: z.string().optional(),
      kind: z.enum(["number", "math", "text", "yesno", "factorization", "time"]),
      completion: z.string(),
      strict: z.boolean().optional(),
      args: noArgs,
    })
    .refine((o) => (o.id === undefined) !== (o.expected === undefined), {
      message: "give exactly one of --id and --expected",
      path: ["id"],
    }),
  examples: [
    'reasonlab env verify --id decimal-compare/2/0 -c "so the answer is 9.9"',
    'echo "\\boxed{\\frac{1}{2}}" | reasonlab env verify --expected 0.5',
    'reasonlab env verify --expected "[2, 5)" --kind math -c "so x is in \\boxed{\\left[2, 5\\right)}"',
  ],
  async run({ id, expected, kind, completion, strict }) {
    const { generate } = await import("./generate.js");
    const { verify } = await import("./verify.js");
    const { STRICT } = await import("./extract.js");
    const { AnswerCheck } = await import("./problem.js");
    const text = completion === "-" ? fs.readFileSync(0, "utf8") : completion;
    let problem: { answer: string; check: z.infer<typeof AnswerCheck> };
    if (id) {
      const [family, difficulty, seed] = id.split("/");
      problem = generate(family!, Number(difficulty), Number(seed));
    } else problem = { answer: expected!, check: AnswerCheck.parse({ kind }) };
    const verdict = verify(problem, text, strict ? STRICT : {});
    console.log(JSON.stringify({ expected: problem.answer, ...verdict }));
    process.exitCode = verdict.correct ? 0 : 3;
  },
});

const exportCommand = defineCommand({
  name: "env export",
  summary: "write a dataset, corpus or chat file (JSONL), all at once or not at all",
  options: {
    format: {
      type: "string",
      value: "FORMAT",
      description:
        "problems | pretrain (text documents) | sft (chats) | calc (chats using the calculator) | gsm8k | math",
      default: "problems",
    },
    families: {
      type: "string",
      value: "A,B",
      description: "families, comma-separated; 'all' for every family",
      default: "all",
    },
    difficulties: {
      type: "string",
      value: "1,2",
      description: "difficulty levels, comma-separated",
      default: "1,2,3",
    },
    "per-cell": {
      type: "string",
      value: "N",
      description: "problems per family and difficulty",
      default: "100",
    },
    split: {
      type: "string",
      value: "SPLIT",
      description: "train or test (disjoint by a hash of the prompt)",
      default: "train",
    },
    seed: { type: "string", value: "N", description: "seed", default: "0" },
    out: { type: "string", short: "o", value: "FILE", description: "output file" },
  },
  schema: z.object({
    format: z.enum(["problems", "pretrain", "sft", "calc", "gsm8k", "math"]),
    families: z.string().min(1),
    difficulties: intList,
    perCell: z.coerce.number().int().min(1).max(1_000_000),
    split: z.enum(["train", "test"]),
    seed: z.coerce.number().int(),
    out: z.string().min(1, "give an output file"),
    args: noArgs,
  }),
  examples: [
    "reasonlab env export --format sft --families add,sub --difficulties 1,2 --per-cell 2000 -o sft.jsonl",
  ],
  async run({ format, families, difficulties, perCell, split, seed, out }) {
    const { buildSplit, writeJsonlAtomic, toGsm8k, toMath } = await import("./dataset.js");
    const { familyNames, getFamily } = await import("./generate.js");
    const corpus = await import("./corpus.js");
    const names = families === "all" ? familyNames() : list(families);
    for (const n of names) getFamily(n); // fails early, naming the unknown family
    const problems = buildSplit({ families: names, difficulties, perCell, split, seed });
    const recordsOf: Record<typeof format, (p: (typeof problems)[number]) => unknown[]> = {
      problems: (p) => [p],
      pretrain: (p) => [{ text: corpus.pretrainDocument(p) }],
      sft: (p) => [corpus.sftConversation(p)],
      calc: (p) => [corpus.calculatorConversation(p)].filter(Boolean),
      gsm8k: (p) => [toGsm8k(p)],
      math: (p) => [toMath(p)],
    };
    const records = problems.flatMap(recordsOf[format]);
    writeJsonlAtomic(out, records);
    console.log(`wrote ${records.length} ${format} records (${split} split) to ${out}`);
  },
});

const importCommand = defineCommand({
  name: "env import",
  summary: "read a GSM8K- or MATH-style JSONL file, check every record, and write it as problems",
  args: "FILE",
  options: {
    format: { type: "string", value: "FORMAT", description: "gsm8k or math", default: "gsm8k" },
    out: { type: "string", short: "o", value: "FILE", description: "write the problems here (JSONL)" },
  },
  schema: z.object({
    format: z.enum(["gsm8k", "math"]),
    out: z.string().optional(),
    args: z.array(z.string()).length(1, "give one input file"),
  }),
  async run({ format, out, args }) {
    const { importGsm8k, importMath, writeJsonlAtomic } = await import("./dataset.js");
    const { verify } = await import("./verify.js");
    const file = args[0]!;
    const problems = (format === "gsm8k" ? importGsm8k : importMath)(fs.readFileSync(file, "utf8"), file);
    const selfCheck = problems.filter((p) => verify(p, p.solution).correct).length;
    console.log(`${problems.length} problems read from ${file}; ${selfCheck} reference solutions verify`);
    if (out) {
      writeJsonlAtomic(out, problems);
      console.log(`wrote ${out}`);
    }
  },
});

export const commands = [
  commandGroup("env", "verifiable math environments: generators, verifier, datasets", [
    listCommand,
    sample,
    verifyCommand,
    exportCommand,
    importCommand,
  ]),
];
