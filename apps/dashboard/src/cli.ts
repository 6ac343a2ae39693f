// `reasonlab dashboard`: serve the web dashboard over a folder of runs.

import { defineCommand } from "@reasonlab/command";
import { defaultRunsRoot } from "@reasonlab/runs";
import { z } from "zod";

const dashboard = defineCommand({
  name: "dashboard",
  summary: "serve the dashboard over a folder of run directories",
  options: {
    runs: { type: "string", value: "DIR", description: "folder holding runs", default: defaultRunsRoot() },
    port: { type: "string", value: "N", description: "port to listen on", default: "6007" },
    host: {
      type: "string",
      value: "ADDR",
      description: "address to listen on (loopback unless you mean otherwise)",
      default: "127.0.0.1",
    },
  },
  schema: z.object({
    runs: z.string(),
    port: z.coerce.number().int().min(0).max(65535),
    host: z.string(),
    args: z.array(z.string()).max(0),
  }),
  async run({ runs, port, host }) {
    const { ensureWebApp } = await import("./build.js");
    const { startDashboard } = await import("./server.js");
    await ensureWebApp();
    const { url } = await startDashboard({ runsRoot: runs, port, host });
    console.log(`dashboard on ${url} (runs from ${runs}); Ctrl-C stops it`);
    await new Promise(() => {});
  },
});

export const commands = [dashboard];
