// The dashboard's HTTP server: a JSON API over run directories and the built web app.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { listRuns, liveStatus, resolveInside } from "@reasonlab/runs";

export const WEB_DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "web");

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
  res
    .writeHead(status, { "content-type": "application/json", "cache-control": "no-store" })
    .end(JSON.stringify(body));
}

export function dashboardHandler({ runsRoot, webDist = WEB_DIST }: DashboardOptions): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://dashboard");
    if (req.method !== "GET") return sendJson(res, 405, { error: "only GET" });
    if (url.pathname === "/api/runs") {
      const now = Date.now();
      return sendJson(
        res,
        200,
        listRuns(runsRoot).map((r) =>
          r.info ? { ...r.info, status: liveStatus(r.info, now) } : { id: r.id, error: r.error },
        ),
      );
    }
    if (url.pathname.startsWith("/api/"))
      return sendJson(res, 404, { error: `no such endpoint: ${url.pathname}` });
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname).replace(/^\/+/, "") || "index.html";
    } catch {
      return sendJson(res, 400, { error: "bad path encoding" });
    }
    const file = resolveInside(webDist, rel);
    if (!file) return sendJson(res, 400, { error: "path escapes the web root" });
    if (!fs.existsSync(webDist))
      return res
        .writeHead(503, { "content-type": "text/plain" })
        .end("The dashboard's web app is not built: run `npm run build -w @reasonlab/dashboard`.");
    if (!fs.existsSync(file) || !fs.statSync(file).isFile())
      return sendJson(res, 404, { error: "not found" });
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
