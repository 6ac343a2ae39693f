import { describe, expect, it, vi } from "vitest";

describe("reasonlab runs list", () => {
  it("takes the folder as --runs, like every other command, or as an argument", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const { createRun } = await import("../src/writer.js");
    const { commands } = await import("../src/cli.js");
    const runs = commands.find((c) => c.name === "runs")!;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "runs-list-"));
    createRun({ root, name: "one", kind: "sft" }).finish();
    const out = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      for (const argv of [
        ["list", "--runs", root, "--json"],
        ["list", root, "--json"],
      ]) {
        out.mockClear();
        await runs.run(argv);
        expect(out.mock.calls.map(([line]) => JSON.parse(line as string))).toMatchObject([
          { kind: "sft", status: "finished" },
        ]);
      }
      await expect(runs.run(["list", "--root", root])).rejects.toThrow(/--root/);
    } finally {
      out.mockRestore();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
