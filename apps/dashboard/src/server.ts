// The dashboard's HTTP server, on Hono: the JSON API (src/api.ts) under /api, episode screenshots,
// and the built web app. Loopback by default; nothing outside the runs folder and the web root is
// ever read. Errors have one shape: `{ "error": message }`.
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import { FILE_NAME, resolveInside } from "@reasonlab/runs";
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { apiRoutes, httpError } from "./api.js";
import { WEB_DIST } from "./build.js";
import { createStore } from "./store.js";

export { WEB_DIST };

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

export interface DashboardOptions {
  runsRoot: string;
  host?: string;
  port?: number;
  webDist?: string;
}

const sendFile = (c: Context, file: string, headers: Record<string, string> = {}) =>
  c.body(Readable.toWeb(fs.createReadStream(file)) as ReadableStream, 200, {
    "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
    ...headers,
  });

export function dashboardApp({ runsRoot, webDist = WEB_DIST }: DashboardOptions) {
  const store = createStore(runsRoot);
  const name = `{${FILE_NAME}}`;
  return new Hono()
    .use("/api/*", async (c, next) => {
      await next();
      // answers change as runs grow; an episode's screenshots do not, and say so themselves
      if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
    })
    .route("/api", apiRoutes(store, runsRoot))
    .get(`/api/runs/:id${name}/episodes/:episode${name}/files/:file${name}`, (c) => {
      const { id, episode, file } = c.req.param();
      const target = store.runDir(id) && store.open(id).episodeFile(episode, file);
      if (!target) throw httpError(404, "no such file");
      return sendFile(c, target, { "cache-control": "max-age=3600" });
    })
    .all("/api/*", (c) => c.json({ error: `no such endpoint: ${c.req.path}` }, 404))
    .get("*", (c) => {
      let rel: string;
      try {
        rel = decodeURIComponent(c.req.path).replace(/^\/+/, "") || "index.html";
      } catch {
        throw httpError(400, "bad path encoding");
      }
      const file = resolveInside(webDist, rel);
      if (!file) throw httpError(400, "path escapes the web root");
      if (!fs.existsSync(webDist))
        return c.text(
          "The dashboard's web app is not built: `reasonlab dashboard` builds it, or run `npm run build -w @reasonlab/dashboard`.",
          503,
        );
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw httpError(404, "not found");
      return sendFile(c, file);
    })
    .all("*", (c) => c.json({ error: "only GET" }, 405))
    .onError((e, c) =>
      e instanceof HTTPException
        ? c.json({ error: e.message }, e.status)
        : c.json({ error: e instanceof Error ? e.message : String(e) }, 500),
    );
}

/** Serves on loopback unless told otherwise; resolves once listening. */
export async function startDashboard(options: DashboardOptions) {
  const app = dashboardApp(options);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      { fetch: app.fetch, port: options.port ?? 6007, hostname: options.host ?? "127.0.0.1" },
      () => resolve(s),
    );
    s.once("error", reject);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
