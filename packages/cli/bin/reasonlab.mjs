#!/usr/bin/env node
// The `reasonlab` command: TypeScript sources run directly through tsx, no build step.
import { register } from "tsx/esm/api";

register();
// `reasonlab env sample -n 1000 | head`: a closed pipe means the reader has what it wanted.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
