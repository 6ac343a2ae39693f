// `reasonlab demo`: the main job, run end to end on the embedded defaults. It grows with the
// project; today it records a run with the tensor backend this machine picks and its speed.
import { createRun, defaultRunsRoot } from "@reasonlab/runs";
import { defineCommand } from "@reasonlab/runs/command";
import { z } from "zod";

const demo = defineCommand({
  name: "demo",
  summary: "run the end-to-end demo on the embedded defaults, writing a run directory",
  options: {
    runs: { type: "string", value: "DIR", description: "folder holding runs", default: defaultRunsRoot() },
    backend: {
      type: "string",
      value: "NAME",
      description: "tensor backend: auto, wasm, cpu, webgpu, tensorflow",
      default: "auto",
    },
  },
  schema: z.object({
    runs: z.string(),
    backend: z.enum(["auto", "wasm", "cpu", "webgpu", "tensorflow"]),
    args: z.array(z.string()).max(0),
  }),
  async run({ runs, backend }) {
    const { loadBackend } = await import("@reasonlab/policy");
    const run = createRun({ root: runs, name: "demo", kind: "demo", config: { backend } });
    run.guardProcess();
    console.log(`run ${run.dir}`);
    const { tf, name, device } = await loadBackend(backend);
    run.setBackend(name);
    console.log(`backend ${name} on ${device}`);
    for (const [step, size] of [64, 128, 256, 512].entries()) {
      const a = tf.randomUniform([size, size]);
      await tf.matMul(a, a).data();
      const t0 = performance.now();
      const reps = 5;
      for (let i = 0; i < reps; i++) await tf.tidy(() => tf.matMul(a, a)).data();
      const seconds = (performance.now() - t0) / 1000 / reps;
      a.dispose();
      const gflops = (2 * size ** 3) / seconds / 1e9;
      run.metrics(step, { "bench/matmul_size": size, "bench/matmul_gflops": gflops });
      console.log(`matmul ${size}x${size}: ${gflops.toFixed(1)} GFLOP/s`);
    }
    run.finish();
    console.log(
      `done. Look at it with: npx reasonlab runs show ${run.dir}   or   npx reasonlab dashboard --runs ${runs}`,
    );
  },
});

export const commands = [demo];
