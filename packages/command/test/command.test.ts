import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { commandGroup, defineCommand, UsageError } from "../src/index.js";

const seen: unknown[] = [];
const sample = defineCommand({
  name: "env sample",
  summary: "print problems",
  options: {
    family: { type: "string", value: "NAME", description: "generator family", default: "add" },
    count: { type: "string", short: "n", value: "N", description: "how many", default: "3" },
    "max-tokens": { type: "string", value: "N", description: "token budget", default: "64" },
    json: { type: "boolean", description: "as JSON" },
  },
  schema: z.object({
    family: z.string(),
    count: z.coerce.number().int().positive(),
    maxTokens: z.coerce.number().int().min(8),
    json: z.boolean().optional(),
    args: z.array(z.string()).max(0),
  }),
  run: (o) => {
    seen.push(o);
  },
});
const env = commandGroup("env", "math environments", [sample]);

describe("commands", () => {
  it("parses flags into validated, camelCased options", async () => {
    await env.run(["sample", "-n", "5", "--max-tokens", "32", "--json"]);
    expect(seen.pop()).toEqual({ family: "add", count: 5, maxTokens: 32, json: true, args: [] });
  });

  it("names the bad flag", async () => {
    await expect(env.run(["sample", "--max-tokens", "4"])).rejects.toThrow(/--max-tokens: .*>=8/);
    await expect(env.run(["sample", "--count", "lots"])).rejects.toThrow(/--count/);
    await expect(env.run(["sample", "--colour", "red"])).rejects.toThrow(UsageError);
    await expect(env.run(["smaple"])).rejects.toThrow(/unknown command 'smaple'.*sample/);
  });

  it("prints help with every flag and its default", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await env.run(["sample", "--help"]);
    await env.run([]);
    const [sampleHelp, groupHelp] = log.mock.calls.map((c) => String(c[0]));
    log.mockRestore();
    expect(sampleHelp).toContain("Usage: reasonlab env sample [options]");
    expect(sampleHelp).toMatch(/--max-tokens N\s+token budget \(default: 64\)/);
    expect(sampleHelp).toMatch(/-n, --count N/);
    expect(groupHelp).toMatch(/env sample\s+print problems/);
  });
});
