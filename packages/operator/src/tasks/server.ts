// The local web server the task pages come from: /t/FAMILY/SEED/PAGE, regenerated from the seed on
// every request, plus an index of the families. Loopback only.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { TASK_FAMILIES, taskInstance } from "./families.js";
import { esc, taskPage } from "./page.js";

export interface TaskServer {
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Where an episode of this task starts. */
  taskUrl(family: string, seed: number): string;
  close(): Promise<void>;
}

function route(pathname: string): { status: number; html: string } {
  if (pathname === "/") {
    const items = TASK_FAMILIES.map(
      (f) => `<li><a href="/t/${f.name}/0/1">${esc(f.name)}</a>: ${esc(f.description)}</li>`,
    ).join("");
    return {
      status: 200,
      html: taskPage({
        title: "reasonlab tasks",
        instruction: "Browser task families",
        body: `<h1>Tasks</h1><ul>${items}</ul>`,
      }),
    };
  }
  const m = pathname.match(/^\/t\/([a-z0-9-]+)\/(\d{1,15})\/([a-z0-9-]+)$/);
  if (m) {
    try {
      const page = taskInstance(m[1]!, Number(m[2])).pages[m[3]!];
      if (page) return { status: 200, html: page };
    } catch {
      // An unknown family: a 404 below, as for any other path.
    }
  }
  return {
    status: 404,
    html: taskPage({
      title: "Not found",
      instruction: "Not found",
      body: `<h1>404</h1><p>${esc(pathname)}</p>`,
    }),
  };
}

export async function startTaskServer({ port = 0, host = "127.0.0.1" } = {}): Promise<TaskServer> {
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const { status, html } = pathname === "/favicon.ico" ? { status: 204, html: "" } : route(pathname);
    res
      .writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
      .end(html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host}:${address.port}`;
  return {
    url,
    taskUrl: (family, seed) => `${url}/t/${family}/${seed}/1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
