// Fails loudly when a package with a native or binary part did not really install.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(new URL("../packages/policy/package.json", import.meta.url));
const evalRequire = createRequire(new URL("../packages/eval/package.json", import.meta.url));
const checks = {
  "esbuild (tsx, vite)": async () =>
    (await import("esbuild")).transform("let x: number = 1", { loader: "ts" }),
  turbo: () => execFileSync("npx", ["--no-install", "turbo", "--version"], { stdio: "pipe" }),
  biome: () => execFileSync("npx", ["--no-install", "biome", "--version"], { stdio: "pipe" }),
  "webgpu (Dawn)": () => require("webgpu").create,
  "better-sqlite3 (native)": () => {
    const Database = evalRequire("better-sqlite3");
    new Database(":memory:").prepare("select 1").get();
  },
  "tfjs wasm binary": () => require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"),
};
let failed = 0;
for (const [name, check] of Object.entries(checks)) {
  try {
    await check();
  } catch (error) {
    failed++;
    console.error(`check-install: ${name} is broken: ${error.message.split("\n")[0]}`);
  }
}
if (failed) {
  console.error(
    "check-install: reinstall with `npm ci`; if an install script was held back, see `npm install-scripts ls`.",
  );
  process.exit(1);
}
console.log(`check-install: ${Object.keys(checks).length} native and binary packages load`);
