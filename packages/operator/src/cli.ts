// The operator's commands arrive with the agent loop (issue: operator); none yet.
import type { Command } from "@reasonlab/runs/command";

export const commands: Command[] = [];
