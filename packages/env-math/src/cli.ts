import type { Command } from "@reasonlab/runs/command";

export const commands: Command[] = [];
