// `reasonlab backends`: what tensor backends this machine can run.
import { defineCommand } from "@reasonlab/runs/command";
import { z } from "zod";
import { BackendName } from "./backend.js";

const backends = defineCommand({
  name: "backends",
  summary: "check which tensor backends run here, with a matmul on each",
  options: {
    backend: {
      type: "string",
      value: "NAME",
      description: `one of ${BackendName.options.join(", ")}; all when left out`,
    },
    size: {
      type: "string",
      value: "N",
      description: "square matmul size for the speed check",
      default: "512",
    },
  },
  schema: z.object({
    backend: BackendName.optional(),
    size: z.coerce.number().int().min(16).max(8192),
    args: z.array(z.string()).max(0),
  }),
  async run({ backend, size }) {
    const { checkBackend } = await import("./backend-check.js");
    const names = backend ? [backend] : BackendName.options.filter((b) => b !== "auto");
    let ok = 0;
    for (const name of names) {
      const result = await checkBackend(name, size);
      if (result.ok) ok++;
      console.log(
        result.ok
          ? `${name.padEnd(11)} ok    ${result.summary}`
          : `${name.padEnd(11)} no    ${result.summary}`,
      );
    }
    if (ok === 0) throw new Error("no tensor backend runs here");
  },
});

export const commands = [backends];
