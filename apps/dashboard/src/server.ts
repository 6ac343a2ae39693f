// The dashboard's HTTP server: the JSON API (src/api.ts), episode screenshots, and the built web
// app. Loopback by default; nothing outside the runs folder and the web root is ever read.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { resolveInside } from "@reasonlab/runs";
import { HttpError, readBody, routes } from "./api.js";
import { WEB_DIST } from "./build.js";
import { createStore, NAME } from "./store.js";

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

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      "content-type": "application/json",
      "cache-control": "no-store",
      "content-length": Buffer.byteLength(text),
    })
    .end(text);
}

export function dashboardHandler({ runsRoot, webDist = WEB_DIST }: DashboardOptions): http.RequestListener {
  const store = createStore(runsRoot);
  const table = routes(store, runsRoot);
  const episodeFile = new RegExp(`^/api/runs/(${NAME})/episodes/(${NAME})/files/(${NAME})$`);

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://dashboard");
    try {
      if (url.pathname.startsWith("/api/")) {
        const file = episodeFile.exec(url.pathname);
        if (file && req.method === "GET") {
          const dir = store.runDir(file[1]!);
          const target = dir && store.open(file[1]!).episodeFile(file[2]!, file[3]!);
          if (!target) throw new HttpError(404, "no such file");
          res.writeHead(200, {
            "content-type": TYPES[path.extname(target)] ?? "application/octet-stream",
            "cache-control": "max-age=3600",
          });
          fs.createReadStream(target).pipe(res);
          return;
        }
        for (const [pattern, method, handler] of table) {
          const m = pattern.exec(url.pathname);
          if (!m) continue;
          if (req.method !== method) throw new HttpError(405, `${url.pathname} takes ${method}`);
          return sendJson(res, 200, await handler({ url, params: m.slice(1), body: () => readBody(req) }));
        }
        throw new HttpError(404, `no such endpoint: ${url.pathname}`);
      }
      if (req.method !== "GET") throw new HttpError(405, "only GET");
      let rel: string;
      try {
        rel = decodeURIComponent(url.pathname).replace(/^\/+/, "") || "index.html";
      } catch {
        throw new HttpError(400, "bad path encoding");
      }
      const file = resolveInside(webDist, rel);
      if (!file) throw new HttpError(400, "path escapes the web root");
      if (!fs.existsSync(webDist))
        return res
          .writeHead(503, { "content-type": "text/plain" })
          .end(
            "The dashboard's web app is not built: `reasonlab dashboard` builds it, or run `npm run build -w @reasonlab/dashboard`.",
          );
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new HttpError(404, "not found");
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      fs.createReadStream(file).pipe(res);
    } catch (e) {
      if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message });
      return sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
    }
  };
}

/** Serves on loopback unless told otherwise; resolves once listening. */
export async function startDashboard(options: DashboardOptions) {
  const server = http.createServer(dashboardHandler(options));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 6007, options.host ?? "127.0.0.1", resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
