// Runs the real `reasonlab` binary in a child process, as a user would.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "reasonlab.mjs");

export async function reasonlab(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The demo's final table: one row per stage, as printed. */
export function probeTable(stdout: string) {
  const rows = [
    ...stdout.matchAll(
      /^(pretrain|sft|rl)\s+(document|chat)\s+(\d+)\/(\d+)\s+(\d+\.\d)%\s+\[(\d+\.\d)%, (\d+\.\d)%\]$/gm,
    ),
  ];
  return Object.fromEntries(
    rows.map((m) => [
      m[1]!,
      {
        format: m[2]!,
        correct: Number(m[3]),
        n: Number(m[4]),
        value: Number(m[5]),
        lo: Number(m[6]),
        hi: Number(m[7]),
      },
    ]),
  );
}
