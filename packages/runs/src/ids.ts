// Run ids, host facts and the git commit a run was made from.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import os from "node:os";
import type { GitInfo, HostInfo } from "./schema.js";

/**
 * A run id that sorts by creation time: UTC timestamp to the millisecond, a slug of the name and
 * a random suffix so that two runs started in the same millisecond never collide.
 */
export function newRunId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").replace(".", "-").replace("Z", "");
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "run";
  return `${stamp}-${slug}-${randomBytes(2).toString("hex")}`;
}

export function hostInfo(): HostInfo {
  return {
    hostname: os.hostname(),
    platform: os.platform(),
    arch: os.arch(),
    cpus: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    node: process.version,
    pid: process.pid,
  };
}

/** The commit of the git checkout `cwd` is in, or null outside one (a copied run, a tarball). */
export function gitInfo(cwd = process.cwd()): GitInfo | null {
  try {
    const run = (args: string[]) =>
      execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const commit = run(["rev-parse", "HEAD"]);
    const dirty = run(["status", "--porcelain", "--untracked-files=no"]).length > 0;
    return { commit, dirty };
  } catch {
    return null;
  }
}
