// The local web server the task pages come from, on Hono: /t/FAMILY/SEED/PAGE, regenerated from
// the seed on every request, plus an index of the families. Loopback only.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { TASK_FAMILIES, taskInstance } from "./families.js";
import { esc, taskPage } from "./page.js";

export interface TaskServer {
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Where an episode of this task starts. */
  taskUrl(family: string, seed: number): string;
  close(): Promise<void>;
}

const html = (c: Context, body: string, status: 200 | 404 = 200) =>
  c.html(body, status, { "cache-control": "no-store" });

const notFound = (c: Context) =>
  html(
    c,
    taskPage({ title: "Not found", instruction: "Not found", body: `<h1>404</h1><p>${esc(c.req.path)}</p>` }),
    404,
  );

export function taskApp() {
  return new Hono()
    .get("/", (c) => {
      const items = TASK_FAMILIES.map(
        (f) => `<li><a href="/t/${f.name}/0/1">${esc(f.name)}</a>: ${esc(f.description)}</li>`,
      ).join("");
      return html(
        c,
        taskPage({
          title: "reasonlab tasks",
          instruction: "Browser task families",
          body: `<h1>Tasks</h1><ul>${items}</ul>`,
        }),
      );
    })
    .get("/favicon.ico", (c) => c.body(null, 204))
    .get("/t/:family{[a-z0-9-]+}/:seed{[0-9]+}/:page{[a-z0-9-]+}", (c) => {
      const { family, seed, page } = c.req.param();
      let body: string | undefined;
      try {
        if (seed.length <= 15) body = taskInstance(family, Number(seed)).pages[page];
      } catch {
        // an unknown family: a 404, as for any other path
      }
      return body ? html(c, body) : notFound(c);
    })
    .on(["POST", "PUT", "PATCH", "DELETE", "OPTIONS"], "*", (c) => c.body(null, 405, { allow: "GET, HEAD" }))
    .notFound(notFound);
}

export async function startTaskServer({ port = 0, host = "127.0.0.1" } = {}): Promise<TaskServer> {
  const app = taskApp();
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host}:${address.port}`;
  return {
    url,
    taskUrl: (family, seed) => `${url}/t/${family}/${seed}/1`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
