import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // tfjs keeps one active backend per process: give each test file its own.
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
