import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "bin", "reasonlab.mjs");
const run = async (args: string[], env: Record<string, string> = {}) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe("reasonlab", () => {
  it("--help lists every package's commands", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    for (const name of ["runs", "eval", "dashboard", "backends", "demo"])
      expect(stdout).toMatch(new RegExp(`^  ${name}\\s`, "m"));
  });

  it("each command has --help", async () => {
    const { stdout } = await run(["--help"]);
    const names = [...stdout.matchAll(/^ {2}(\S+)\s/gm)].map((m) => m[1]!);
    for (const name of names) {
      const { code, stdout: help } = await run([name, "--help"]);
      expect(code, name).toBe(0);
      expect(help, name).toMatch(new RegExp(`Usage: reasonlab ${name}`));
    }
  });

  it("a bad flag exits 2 naming it; an unknown command lists the right ones", async () => {
    const bad = await run(["dashboard", "--port", "99999"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--port: /);
    const unknown = await run(["trian"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'trian'/);
  });

  it("demo --quick runs pretraining, SFT, RL, evals and an operator episode into runs that `runs list` shows", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "reasonlab-cli-"));
    try {
      const demo = await run(["demo", "--runs", root, "--backend", "wasm", "--quick"]);
      expect(demo.code, demo.stderr).toBe(0);
      expect(demo.stdout).toMatch(/held-out accuracy on 2-digit addition: \d+\.\d%/);
      const list = await run(["runs", "list", "--root", root, "--json"]);
      const infos = list.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(
        infos.map((i: { kind: string; status: string; backend: string }) => [i.kind, i.status, i.backend]),
      ).toEqual([
        ["pretrain", "finished", "wasm"],
        ["sft", "finished", "wasm"],
        ["rl", "finished", "wasm"],
        ["operate", "finished", null],
      ]);
      // Each stage's final checkpoint was evaluated into its own run.
      expect(demo.stdout).toMatch(/eval addition demo-rl@2: accuracy \d\.\d{3} \[/);
      expect(demo.stdout).toMatch(/operator: .* -> success in \d+ steps/);
      const report = await run(["eval", "report", infos[2].dir ?? path.join(root, infos[2].id), "--json"]);
      expect(JSON.parse(report.stdout.trim().split("\n")[0]!)).toMatchObject({
        suite: "addition",
        model: "demo-rl@2",
        step: 2,
      });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
