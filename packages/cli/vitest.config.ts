import { defineConfig } from "vitest/config";

// Every test here runs the real `reasonlab` binary in child processes (each starts tsx, and some
// tfjs and Chromium); under turbo, beside the policy suite's worker threads on 2 cores, the --help
// sweep over every command took past 60 s that takes 14 s alone.
export default defineConfig({ test: { testTimeout: 180_000, hookTimeout: 180_000 } });
