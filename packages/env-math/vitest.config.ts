import { defineConfig } from "vitest/config";

// Property tests generate thousands of problems; on a loaded 2-core CI machine that takes seconds.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
