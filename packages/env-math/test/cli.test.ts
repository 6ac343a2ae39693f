import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { commands } from "../src/cli.js";

const env = commands[0]!;
const captured = () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  return () => {
    const out = log.mock.calls.map((c) => String(c[0])).join("\n");
    log.mockRestore();
    return out;
  };
};
afterEach(() => {
  process.exitCode = undefined;
});

describe("reasonlab env", () => {
  it("list shows every family with its levels", async () => {
    const done = captured();
    await env.run(["list", "--json"]);
    const families = JSON.parse(done());
    expect(families.length).toBeGreaterThanOrEqual(15);
    expect(families.find((f: { name: string }) => f.name === "decimal-compare").levels[1]).toMatch(
      /9\.11 vs 9\.9/,
    );
  });

  it("sample prints seeded problems", async () => {
    let done = captured();
    await env.run(["sample", "-f", "countdown", "-d", "3", "-n", "2", "--json"]);
    const first = done();
    done = captured();
    await env.run(["sample", "-f", "countdown", "-d", "3", "-n", "2", "--json"]);
    expect(done()).toBe(first);
    expect(first.split("\n").map((l) => JSON.parse(l).id)).toEqual(["countdown/3/0", "countdown/3/1"]);
  });

  it("verify sets the exit code from the verdict", async () => {
    const done = captured();
    await env.run(["verify", "--expected", "0.5", "-c", "\\boxed{\\frac{1}{2}}"]);
    expect(process.exitCode).toBe(0);
    await env.run(["verify", "--id", "decimal-compare/2/1", "-c", "<answer>3.21</answer>"]);
    expect(process.exitCode).toBe(3);
    expect(JSON.parse(done().split("\n")[1]!)).toMatchObject({
      expected: "3.7",
      extracted: "3.21",
      correct: false,
    });
    await expect(env.run(["verify", "-c", "1"])).rejects.toThrow(
      /--id: give exactly one of --id and --expected/,
    );
  });

  it("export writes the file whole, and bad flags are named", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-cli-"));
    const out = path.join(dir, "math.jsonl");
    const done = captured();
    await env.run([
      "export",
      "--format",
      "math",
      "--families",
      "fraction-add,percent",
      "--difficulties",
      "1,2",
      "--per-cell",
      "5",
      "-o",
      out,
    ]);
    expect(done()).toMatch(/wrote 20 math records/);
    expect(fs.readFileSync(out, "utf8").trim().split("\n")).toHaveLength(20);
    await expect(env.run(["export", "--difficulties", "1,x", "-o", out])).rejects.toThrow(
      /--difficulties: expected comma-separated/,
    );
    await expect(env.run(["export", "--families", "nope", "-o", out])).rejects.toThrow(
      /unknown family 'nope'/,
    );
    await expect(env.run(["export", "--format", "csv", "-o", out])).rejects.toThrow(/--format/);
    expect(fs.readdirSync(dir)).toEqual(["math.jsonl"]);
    fs.rmSync(dir, { recursive: true });
  });
});
