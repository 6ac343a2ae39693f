import { describe, expect, it } from "vitest";
import { batchAt, pretrainRows, sftRows } from "../src/data.js";
import { interleaveCells } from "../src/levels.js";
import { byteTokenizer } from "../src/tokenizer.js";
import { DataConfig, stageProblems } from "../src/train.js";

const tok = byteTokenizer();
const bos = tok.special["<|bos|>"];
const pad = tok.special["<|pad|>"];

/** The token rows as lists of ids, T + 1 long (inputs then the last target). */
function rowsOf(r: ReturnType<typeof pretrainRows>): number[][] {
  return Array.from({ length: r.count }, (_, i) => [
    ...r.inputs.subarray(i * r.T, (i + 1) * r.T),
    r.targets[(i + 1) * r.T - 1]!,
  ]);
}

describe("training rows", () => {
  const docs = Array.from({ length: 40 }, (_, i) => `doc ${i}: ${"x".repeat(5 + (i % 7) * 3)}`);

  it("pretraining rows start at a document and hold only whole documents", () => {
    const T = 48;
    const r = pretrainRows(tok, docs, T);
    expect(r.truncated).toBe(0);
    const seen: string[] = [];
    for (const row of rowsOf(r)) {
      expect(row[0]).toBe(bos);
      // split the row at <|bos|> and drop padding: each piece is one whole document
      const pieces: number[][] = [];
      for (const t of row.filter((t) => t !== pad)) {
        if (t === bos) pieces.push([]);
        else pieces.at(-1)!.push(t);
      }
      seen.push(...pieces.map((p) => tok.decode(p)));
    }
    expect(seen).toEqual(docs);
  });

  it("pretraining loss falls on every token but padding, a document's end included", () => {
    const T = 48;
    const r = pretrainRows(tok, docs, T);
    for (let i = 0; i < r.count * T; i++) expect(r.weights[i]).toBe(r.targets[i] === pad ? 0 : 1);
    // every token is a target except the <|bos|> that opens a row
    const tokens = docs.reduce((n, d) => n + 1 + tok.encode(d).length, 0);
    expect(r.weights.reduce((a, b) => a + b, 0)).toBe(tokens - r.count);
  });

  it("cuts a document longer than a row and counts it", () => {
    const r = pretrainRows(tok, ["y".repeat(100), "short"], 32);
    expect(r.truncated).toBe(1);
    expect(rowsOf(r)[1]![0]).toBe(bos);
  });

  it("SFT rows put the loss on assistant tokens only", () => {
    const r = sftRows(
      tok,
      [
        [
          { role: "user", content: "What is 2 + 2?" },
          { role: "assistant", content: "4" },
        ],
      ],
      64,
    );
    const targets = Array.from(r.targets).filter((_, i) => r.weights[i] === 1);
    expect(tok.decode(targets.filter((t) => t < 256))).toBe("4");
  });

  it("pretraining on conversations puts the loss on every token after <|bos|>", () => {
    const chat = [
      { role: "user" as const, content: "What is 2 + 2?" },
      { role: "assistant" as const, content: "4" },
    ];
    const r = sftRows(tok, [chat], 64, { everyToken: true });
    const n = 1 + 1 + "What is 2 + 2?".length + 1 + 1 + 1 + 1; // bos, role, text, end, role, "4", end
    expect(Array.from(r.weights).filter((w) => w === 1)).toHaveLength(n - 1);
    const targets = Array.from(r.targets).filter((_, i) => r.weights[i] === 1);
    expect(tok.decode(targets.filter((t) => t < 256))).toBe("What is 2 + 2?4");
  });

  it("draws the same batch for the same (seed, step)", () => {
    const r = pretrainRows(tok, docs, 48);
    expect(batchAt(r, 3, 4, 7).inputs).toEqual(batchAt(r, 3, 4, 7).inputs);
    expect(batchAt(r, 3, 4, 7).inputs).not.toEqual(batchAt(r, 3, 4, 8).inputs);
  });
});

describe("stage data levels", () => {
  const base = { families: ["add", "sub"], perCell: 5, evalPerCell: 3 };
  const cells = (ps: { family: string; difficulty: number }[]) => [
    ...new Set(ps.map((p) => `${p.family}/${p.difficulty}`)),
  ];

  it("takes one level list for every family, or a list per family, with the same problems per cell", () => {
    const shared = stageProblems(DataConfig.parse({ ...base, difficulties: [1, 2] }), "train", 4);
    expect(cells(shared)).toEqual(["add/1", "add/2", "sub/1", "sub/2"]);
    const own = stageProblems(
      DataConfig.parse({ ...base, difficulties: { add: [1, 3], sub: [2] }, evalDifficulties: { sub: [3] } }),
      "train",
      4,
    );
    expect(cells(own)).toEqual(["add/1", "add/3", "sub/2"]);
    expect(own.filter((p) => p.family === "sub")).toEqual(
      shared.filter((p) => p.family === "sub" && p.difficulty === 2),
    );
    const heldOut = stageProblems(
      DataConfig.parse({ ...base, difficulties: { add: [1], sub: [1] }, evalDifficulties: { sub: [3] } }),
      "test",
      4,
    );
    expect(cells(heldOut)).toEqual(["sub/3"]);
    expect(heldOut).toHaveLength(3);
  });

  it("measures accuracy on every cell in turn, not on the first family's prefix", () => {
    const test = stageProblems(DataConfig.parse({ ...base, difficulties: [1, 2] }), "test", 0);
    expect(interleaveCells(test, 6).map((p) => `${p.family}/${p.difficulty}`)).toEqual([
      "add/1",
      "add/2",
      "sub/1",
      "sub/2",
      "add/1",
      "add/2",
    ]);
    expect(new Set(interleaveCells(test, 100))).toEqual(new Set(test));
  });

  it("writes a `misconceptions` share of training demonstrations with the misconception, and none held out", () => {
    const data = (misconceptions: number) =>
      DataConfig.parse({ families: ["decimal-compare"], difficulties: [2], perCell: 400, misconceptions });
    const flawed = (ps: ReturnType<typeof stageProblems>) =>
      ps.filter((p) => p.solution === p.misconception?.solution).length;
    expect(flawed(stageProblems(data(0), "train", 1))).toBe(0);
    const share = flawed(stageProblems(data(0.7), "train", 1)) / 400;
    expect(share).toBeGreaterThan(0.62);
    expect(share).toBeLessThan(0.78);
    expect(flawed(stageProblems(data(1), "test", 1))).toBe(0);
    expect(DataConfig.safeParse({ ...base, difficulties: [1], misconceptions: 1.5 }).success).toBe(false);
  });

  it("rejects per-family levels that name a family not trained on, or leave one out, naming the field", () => {
    const issue = (data: object) => {
      const r = DataConfig.safeParse(data);
      expect(r.success).toBe(false);
      return `${r.error!.issues[0]!.path.join(".")}: ${r.error!.issues[0]!.message}`;
    };
    expect(issue({ ...base, difficulties: [1], evalDifficulties: { mul: [2] } })).toBe(
      'evalDifficulties.mul: "mul" is not in families',
    );
    expect(issue({ ...base, difficulties: { add: [1] } })).toBe("difficulties.sub: no levels given");
    expect(issue({ ...base, difficulties: [1], evalDifficulties: {} })).toBe(
      "evalDifficulties: give levels for at least one family",
    );
  });
});
