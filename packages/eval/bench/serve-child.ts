// The policy server in a process of its own, as users run it (`reasonlab serve`): prints its URL
// and how many engine threads it runs, as one JSON line.
import { loadBackend, loadCheckpoint, startServer } from "@reasonlab/policy";

const [dir, backend = "wasm", engines = "auto"] = process.argv.slice(2);
const { tf } = await loadBackend(backend as never);
const server = await startServer(
  { ...loadCheckpoint(tf, dir!), id: "bench" },
  { port: 0, ...(engines === "auto" ? {} : { engines: Number(engines) }) },
);
console.log(JSON.stringify({ url: server.url, engines: server.engines }));
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
