import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TrainConfig } from "../src/train.js";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../configs");

describe("shipped experiment configs", () => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json"));
  it("include the addition demo and the three RL experiments", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "addition.json",
        "arithmetic-rl.json",
        "decimal-compare.json",
        "countdown.json",
      ]),
    );
  });
  for (const file of files)
    it(`${file} is a valid training config`, () => {
      const parsed = TrainConfig.safeParse(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")));
      expect(parsed.success, parsed.success ? "" : JSON.stringify(parsed.error.issues[0])).toBe(true);
    });
});
