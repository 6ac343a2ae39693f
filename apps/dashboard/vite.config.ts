import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: "web",
  build: { outDir: "../dist/web", emptyOutDir: true },
  test: {
    root: path.resolve(import.meta.dirname),
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
