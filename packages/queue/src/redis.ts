// Redis connections, and a throwaway redis-server for tests and benchmarks. BullMQ needs
// maxRetriesPerRequest: null on its connections, so a command waits through a Redis restart
// instead of failing; ioredis reconnects on its own.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis, type RedisOptions } from "ioredis";

/** Connection options from `redis://[:password@]host[:port][/db]` (`rediss://` for TLS). */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--redis: "${url}" is not a URL; give redis://host:port (rediss:// for TLS)`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw new Error(`--redis: "${url}" must start with redis:// or rediss://`);
  const db = u.pathname.replace(/^\//, "");
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    // reconnect quickly, then every second: a restarted Redis is back within a few
    retryStrategy: (times) => Math.min(50 * times, 1000),
  };
}

export function connectRedis(url: string): Redis {
  return new Redis(redisOptions(url));
}

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** Stops it (SIGTERM; the append-only file keeps every acknowledged write). */
  stop(): Promise<void>;
  /** Stops it and starts it again on the same port and data: what a Redis restart looks like. */
  restart(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of its own on a free loopback port, its data in a temporary folder, with an
 * append-only file fsynced on every write so a restart loses nothing. No system service needed.
 */
export async function startRedisServer({ bin = "redis-server" } = {}): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reasonlab-redis-"));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const launch = async () => {
    const p = spawn(
      bin,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = p;
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes("Ready to accept connections")) resolve();
      };
      p.stdout!.on("data", onData);
      p.stderr!.on("data", onData);
      p.once("error", (e) =>
        reject(
          new Error(
            `cannot start ${bin}: ${e.message}; install it with scripts/system-deps.sh (Debian's redis-server)`,
          ),
        ),
      );
      p.once("exit", (code) => reject(new Error(`${bin} exited (code ${code}): ${out.slice(-500)}`)));
    });
  };
  const stop = async () => {
    const p = child;
    child = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGTERM");
    });
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      await launch();
    },
  };
}
