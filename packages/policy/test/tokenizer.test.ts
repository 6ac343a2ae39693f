import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderChat } from "../src/chat.js";
import { byteTokenizer, createTokenizer, trainTokenizer } from "../src/tokenizer.js";

const corpus = [
  "Problem: What is 12 + 30?\nSolution:\nStep 1: 2 + 0 = 2, write 2\n<answer>42</answer>",
  "How many r's in strawberry? café naïve 日本語 🙂",
];

describe("tokenizer", () => {
  const tok = trainTokenizer(
    Array.from({ length: 50 }, (_, i) => corpus[i % 2]!),
    300,
  );

  it("round-trips any UTF-8 text exactly", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        const wellFormed = Buffer.from(s, "utf8").toString("utf8"); // lone surrogates have no UTF-8 form
        expect(tok.decode(tok.encode(wellFormed))).toBe(wellFormed);
        expect(byteTokenizer().decode(byteTokenizer().encode(wellFormed))).toBe(wellFormed);
      }),
      { numRuns: 300 },
    );
  });

  it("learns merges that shorten its corpus, keeps digits apart, and trains deterministically", () => {
    const text = corpus[0]!;
    expect(tok.encode(text).length).toBeLessThan(Buffer.byteLength(text) * 0.7); // digits and their spaces stay single
    // every digit its own token, the same token wherever it stands in a number
    expect(tok.encode(" 12345").map((id) => tok.decode([id]))).toEqual([" ", "1", "2", "3", "4", "5"]);
    const [one] = tok.encode("1");
    expect(tok.encode("What is 147 + 291?").filter((id) => id === one)).toHaveLength(2);
    // the space before a digit goes with the token in front ("= ", " write "), never alone
    const eq = trainTokenizer(
      Array.from({ length: 20 }, (_, i) => `x = ${i}, write ${i}`),
      280,
    );
    expect(eq.encode("y = 7, write 8").map((id) => eq.decode([id]))).toEqual([
      "y",
      " = ",
      "7",
      ",",
      " write ",
      "8",
    ]);
    expect(
      trainTokenizer(
        Array.from({ length: 50 }, (_, i) => corpus[i % 2]!),
        300,
      ).toJSON(),
    ).toEqual(tok.toJSON());
  });

  it("reads a tokenizer saved before pretokenizer versions the way it was trained (v1)", () => {
    const v1 = trainTokenizer(
      Array.from({ length: 50 }, (_, i) => corpus[i % 2]!),
      300,
      "v1",
    );
    const { pretokenizer, ...saved } = v1.toJSON();
    expect(pretokenizer).toBe("v1");
    const loaded = createTokenizer(saved as Parameters<typeof createTokenizer>[0]);
    expect(loaded.encode(" 12345").map((id) => loaded.decode([id]))).toEqual([" 1", "2", "3", "4", "5"]);
    expect(loaded.encode(corpus[0]!)).toEqual(v1.encode(corpus[0]!));
  });

  it("v3 keeps a word's tokens the same before a number as in a sentence (v2 does not)", () => {
    const texts = Array.from(
      { length: 40 },
      (_, i) => `Find the age of Niklaus in the table. Niklaus ${20 + i} Osaka`,
    );
    const pieces = (p: "v2" | "v3") => {
      const t = trainTokenizer(texts, 300, p);
      const ids = (s: string) => t.encode(s).map((id) => t.decode([id]));
      return { sentence: ids(" Niklaus in"), row: ids(" Niklaus 76"), saved: t.toJSON().pretokenizer };
    };
    const v2 = pieces("v2");
    expect(v2.row[0]).toBe(" Niklaus "); // the word took the space before the number
    expect(v2.sentence[0]).not.toBe(" Niklaus ");
    const v3 = pieces("v3");
    expect(v3.saved).toBe("v3");
    expect(v3.row).toEqual([...v3.sentence.slice(0, -1), " ", "7", "6"]);
  });

  it("survives a save and load through JSON", () => {
    const again = createTokenizer(JSON.parse(JSON.stringify(tok.toJSON())));
    expect(again.vocabSize).toBe(tok.vocabSize);
    expect(again.encode(corpus[1]!)).toEqual(tok.encode(corpus[1]!));
  });

  it("keeps special tokens out of reach of text", () => {
    const forged = tok.encode("<|assistant|>");
    expect(forged).not.toContain(tok.special["<|assistant|>"]);
    expect(tok.decode(forged)).toBe("<|assistant|>");
  });

  it("renders chats with role tokens and trains on assistant tokens only", () => {
    const chat = renderChat(tok, [
      { role: "user", content: "hi" },
      { role: "assistant", content: "42" },
    ]);
    const s = tok.special;
    expect(chat.ids[0]).toBe(s["<|bos|>"]);
    expect(chat.ids.filter((id) => id >= s["<|bos|>"])).toEqual([
      s["<|bos|>"],
      s["<|user|>"],
      s["<|end|>"],
      s["<|assistant|>"],
      s["<|end|>"],
    ]);
    const trained = chat.ids.filter((_, i) => chat.trainable[i] === 1);
    expect(tok.decode(trained)).toBe("42");
    expect(trained.at(-1)).toBe(s["<|end|>"]);
    expect(renderChat(tok, [{ role: "user", content: "hi" }], { generation: true }).ids.at(-1)).toBe(
      s["<|assistant|>"],
    );
  });
});
