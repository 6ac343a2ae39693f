// Tensor backends. The model is written once against ops every backend supports; this module
// decides which one runs and says so plainly when the one asked for cannot.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type * as TF from "@tensorflow/tfjs";
import { z } from "zod";
import { installWasmKernels } from "./wasm-kernels.js";

export const BackendName = z.enum(["auto", "wasm", "cpu", "webgpu", "tensorflow"]);
export type BackendName = z.infer<typeof BackendName>;

export interface Backend {
  tf: typeof TF;
  /** The backend that actually runs: never "auto". */
  name: Exclude<BackendName, "auto">;
  /** What it runs on, e.g. "nvidia hopper (vulkan)" or "wasm, 1 thread". */
  device: string;
}

export class BackendUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendUnavailable";
  }
}

const TENSORFLOW_HELP =
  "The 'tensorflow' backend needs @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node (CPU), which download " +
  "libtensorflow when installed and so are not installed by default. On a machine with network access and CUDA run:\n" +
  "  npm install -w @reasonlab/policy @tensorflow/tfjs-node-gpu@4.22.0\n" +
  "or use --backend webgpu (GPU through Vulkan) or --backend wasm (CPU).";

interface GpuAdapter {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
}

let webgpuAdapter: Promise<GpuAdapter | null> | undefined;

interface Gpu {
  requestAdapter(options?: object): Promise<GpuAdapter | null>;
}

/**
 * navigator.gpu whose devices may bind as many storage buffers per dispatch as the adapter allows
 * (WebGPU's default is 8; lavapipe and GPUs allow 16 or more): the fused AdamW kernel updates as
 * many parameters per dispatch as fit (src/fused/adamw.ts). tfjs asks for the device itself, with
 * other limits, so the adapter's requestDevice adds this one.
 */
function withStorageLimit(gpu: Gpu): Gpu {
  const bind = (target: object, value: unknown) => (typeof value === "function" ? value.bind(target) : value);
  return new Proxy(gpu, {
    get(target, prop) {
      if (prop !== "requestAdapter") return bind(target, Reflect.get(target, prop, target));
      return async (options?: object) => {
        const adapter = (await target.requestAdapter(options)) as
          | (GpuAdapter & {
              limits: { maxStorageBuffersPerShaderStage: number };
              requestDevice(d?: { requiredLimits?: object }): Promise<unknown>;
            })
          | null;
        if (!adapter) return adapter;
        return new Proxy(adapter, {
          get(a, key) {
            if (key !== "requestDevice") return bind(a, Reflect.get(a, key, a));
            return (descriptor: { requiredLimits?: object } = {}) =>
              a.requestDevice({
                ...descriptor,
                requiredLimits: {
                  ...descriptor.requiredLimits,
                  maxStorageBuffersPerShaderStage: a.limits.maxStorageBuffersPerShaderStage,
                },
              });
          },
        });
      };
    },
  });
}

/** The WebGPU adapter Dawn finds through Vulkan, or null when there is none. */
export function findWebgpuAdapter(): Promise<GpuAdapter | null> {
  webgpuAdapter ??= (async () => {
    const g = globalThis as unknown as {
      navigator?: { gpu?: { requestAdapter(): Promise<GpuAdapter | null> } };
    };
    if (!g.navigator?.gpu) {
      let webgpu: { create(flags: string[]): unknown; globals: object };
      try {
        webgpu = (await import("webgpu")) as unknown as typeof webgpu;
      } catch (error) {
        throw new BackendUnavailable(`the 'webgpu' npm package failed to load: ${(error as Error).message}`);
      }
      Object.assign(globalThis, webgpu.globals);
      // tfjs-backend-webgpu looks for navigator.gpu when it is imported, so this comes first.
      Object.defineProperty(globalThis, "navigator", {
        value: { gpu: withStorageLimit(webgpu.create([]) as Gpu) },
        configurable: true,
        writable: true,
      });
    }
    return (await g.navigator!.gpu!.requestAdapter()) ?? null;
  })();
  return webgpuAdapter;
}

function describeAdapter(adapter: GpuAdapter): string {
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.description].filter(Boolean);
  return `${parts.join(" ") || "unknown adapter"}${info.isFallbackAdapter ? " (software fallback)" : ""}`;
}

async function activate(tf: typeof TF, name: Exclude<BackendName, "auto" | "tensorflow">) {
  if (!(await tf.setBackend(name)))
    throw new BackendUnavailable(`tfjs could not start the '${name}' backend`);
  await tf.ready();
}

/** Loads tfjs with the requested backend active. `auto`: a real GPU through WebGPU if there is one, else wasm. */
export async function loadBackend(requested: BackendName = "auto"): Promise<Backend> {
  if (requested === "tensorflow") {
    for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
      try {
        const tf = (await import(pkg)) as typeof TF;
        await tf.ready();
        return { tf, name: "tensorflow", device: `${pkg} (${tf.getBackend()})` };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") {
          throw new BackendUnavailable(
            `${pkg} is installed but failed to load: ${(error as Error).message}\n${TENSORFLOW_HELP}`,
          );
        }
      }
    }
    throw new BackendUnavailable(
      `neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed.\n${TENSORFLOW_HELP}`,
    );
  }

  let name = requested;
  let adapter: GpuAdapter | null = null;
  if (requested === "webgpu" || requested === "auto") {
    try {
      adapter = await findWebgpuAdapter();
    } catch (error) {
      if (requested === "webgpu") throw error;
    }
    if (requested === "webgpu" && !adapter)
      throw new BackendUnavailable(
        "no WebGPU adapter: Dawn found no Vulkan device. Install a Vulkan driver (the NVIDIA driver's ICD on a GPU host, " +
          "or mesa-vulkan-drivers >= 25 for lavapipe on CPU: scripts/system-deps.sh) and check VK_DRIVER_FILES.",
      );
    if (requested === "auto") name = adapter && !adapter.info?.isFallbackAdapter ? "webgpu" : "wasm";
  }

  const tf = await import("@tensorflow/tfjs");
  if (name === "webgpu") {
    await import("@tensorflow/tfjs-backend-webgpu");
    await activate(tf, "webgpu");
    return { tf, name: "webgpu", device: `${describeAdapter(adapter!)} (vulkan)` };
  }
  if (name === "wasm") {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const threads = wasmThreads();
    if (threads > 1) await startWasmThreads(tf, wasm, threads);
    else await activate(tf, "wasm");
    installWasmKernels(tf);
    const n = wasm.getThreadsCount();
    return { tf, name: "wasm", device: `wasm, ${n} thread${n === 1 ? "" : "s"}` };
  }
  await activate(tf, "cpu");
  return { tf, name: "cpu", device: "plain JavaScript" };
}

/**
 * REASONLAB_WASM_THREADS=N: XNNPACK's thread pool in tfjs-wasm. Default 1: a second thread pays
 * only for larger models' training, and slows sampling (the policy README's bench figures).
 */
function wasmThreads(): number {
  const raw = process.env.REASONLAB_WASM_THREADS;
  if (!raw) return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new BackendUnavailable(`REASONLAB_WASM_THREADS must be a whole number of threads, got '${raw}'`);
  return n;
}

/**
 * Starts tfjs-wasm's multithreaded build in Node, which tfjs itself does not do, for two reasons met
 * here while it starts:
 * - Emscripten hands its pthread workers a blob: URL for their script, which Node's workers cannot
 *   load. The script is written to a file instead, and inside each worker the module script (sent
 *   as a Blob too) is read from the package's own copy.
 * - The XNNPACK pool gets min(asked, os.cpus() / 2) threads: it assumes two hyperthreads a core.
 *   os.cpus() reports twice the threads asked for until the pool exists.
 */
async function startWasmThreads(tf: typeof TF, wasm: { setThreadsCount(n: number): void }, threads: number) {
  const require = createRequire(import.meta.url);
  const moduleScript = require.resolve(
    "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js",
  );
  const exported = fs.readFileSync(moduleScript.replace(/\.js$/, ".worker.js"), "utf8");
  // the worker script is a template literal in a CommonJS module: its text between the backticks
  const script =
    `URL.createObjectURL = () => ${JSON.stringify(moduleScript)}; URL.revokeObjectURL = () => {};\n` +
    exported.slice(exported.indexOf("`") + 1, exported.lastIndexOf("`"));
  const hash = createHash("sha256").update(script).digest("hex").slice(0, 16);
  const workerFile = path.join(os.tmpdir(), `reasonlab-tfjs-wasm-worker-${hash}.js`);
  if (!fs.existsSync(workerFile)) {
    const tmp = `${workerFile}.${process.pid}`;
    fs.writeFileSync(tmp, script);
    fs.renameSync(tmp, workerFile); // whole or absent, when two processes start at once
  }
  const { createObjectURL } = URL;
  const { cpus } = os;
  URL.createObjectURL = () => workerFile; // tfjs asks for one URL here: the worker script's
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus()[i % cpus().length]!);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  wasm.setThreadsCount(threads);
  try {
    await activate(tf, "wasm");
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
  // Emscripten refs the pool's running workers, which never end: the process would not exit
  const pool = (tf.backend() as unknown as { wasm: { PThread?: { runningWorkers: { unref(): void }[] } } })
    .wasm.PThread;
  for (const worker of pool?.runningWorkers ?? []) worker.unref();
}
