import { describe, expect, it } from "vitest";
import { batchAt, pretrainRows, sftRows } from "../src/data.js";
import { byteTokenizer } from "../src/tokenizer.js";

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

  it("draws the same batch for the same (seed, step)", () => {
    const r = pretrainRows(tok, docs, 48);
    expect(batchAt(r, 3, 4, 7).inputs).toEqual(batchAt(r, 3, 4, 7).inputs);
    expect(batchAt(r, 3, 4, 7).inputs).not.toEqual(batchAt(r, 3, 4, 8).inputs);
  });
});
