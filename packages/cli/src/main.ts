// One entry point; each package contributes its commands. Command modules import their heavy
// dependencies (tfjs, Playwright) only when run, so `reasonlab --help` stays instant.

import { type Command, UsageError } from "@reasonlab/command";
import { commands as dashboard } from "@reasonlab/dashboard/cli";
import { commands as env } from "@reasonlab/env-math/cli";
import { registerEnvironment } from "@reasonlab/env-math/registry";
import { commands as evaluation } from "@reasonlab/eval/cli";
import { commands as operator } from "@reasonlab/operator/cli";
import { commands as policy } from "@reasonlab/policy/cli";
import { commands as runs } from "@reasonlab/runs/cli";
import { commands as demo } from "./demo.js";
import { workerCommand } from "./worker.js";

export const commands: Command[] = [
  ...env,
  ...policy,
  ...operator,
  ...evaluation,
  ...dashboard,
  ...runs,
  ...demo,
  workerCommand,
];

// RL stages may name the operator's browser tasks ("environment": {"name": "browser", ...}); the
// trainer finds them here, so the policy package needs no dependency on the operator.
registerEnvironment("browser", async ({ families, seed, saved, maxTurns, runDir, recordEvery }) => {
  const { browserEnvironment } = await import("@reasonlab/operator");
  return browserEnvironment({
    families,
    seed,
    saved,
    ...(maxTurns ? { maxTurns } : {}),
    ...(runDir && recordEvery ? { record: { runDir, every: recordEvery } } : {}),
  });
});

export function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    "reasonlab: reinforcement learning for reasoning, end to end.",
    "",
    "Usage: reasonlab <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Run 'reasonlab <command> --help' for a command's options.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(overview());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`reasonlab: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
  try {
    await command.run(rest);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`reasonlab ${error.message}\nRun 'reasonlab ${name} --help' for usage.`);
      return 2;
    }
    const err = error as Error;
    console.error(`reasonlab ${name}: ${err.message}`);
    if (process.env.REASONLAB_DEBUG) console.error(err.stack);
    return 1;
  }
}
