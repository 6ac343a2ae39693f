#!/usr/bin/env node
// The `reasonlab` command: TypeScript sources run directly through tsx, no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
