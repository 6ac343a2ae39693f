// The dashboard serves a web app that vite builds from web/ into dist/web. A fresh clone has no
// dist/, and a pulled change can leave it stale, so `reasonlab dashboard` builds it first whenever
// a source under web/ is newer than the built index.html (about 2 seconds), instead of answering
// 503 until someone remembers `npm run build`.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const APP_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
export const WEB_SRC = path.join(APP_ROOT, "web");
export const WEB_DIST = path.join(APP_ROOT, "dist", "web");

/** Newest modification time among the files under `dir` (0 if it does not exist). */
function newestMtime(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile())
      newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  return newest;
}

/** Whether dist/web is missing or older than its sources. */
export function webAppStale(src = WEB_SRC, dist = WEB_DIST): boolean {
  const index = path.join(dist, "index.html");
  return !fs.existsSync(index) || fs.statSync(index).mtimeMs < newestMtime(src);
}

/**
 * Builds the web app with vite's API when it is stale, as `npm run build` does (vite.config.ts);
 * true if it built.
 */
export async function ensureWebApp({
  src = WEB_SRC,
  dist = WEB_DIST,
  log = console.log as (line: string) => void,
} = {}): Promise<boolean> {
  if (!webAppStale(src, dist)) return false;
  log("building the dashboard's web app (first run, or web/ changed)...");
  const { build } = await import("vite");
  await build({ configFile: false, root: src, logLevel: "warn", build: { outDir: dist, emptyOutDir: true } });
  return true;
}
