/// <reference types="@webgpu/types" />
// Running our own WGSL on tfjs's WebGPU backend: one compute dispatch over tensors' own GPU
// buffers, recorded into the backend's current compute pass, so it is ordered with tfjs's kernels.
// tfjs's program API gives a kernel one output and read-only inputs; a fused kernel needs several
// outputs (a layer norm's result and its row statistics) and in-place updates (AdamW's weights and
// moments), hence this small layer over the backend's device. It leans on fields of tfjs-backend-
// webgpu 4.22 that are not public API (tensorMap, the pass encoder, makeUniforms): the version is
// pinned, and the kernel tests fail loudly if they move.
import type * as TF from "@tensorflow/tfjs";

/** The parts of tfjs's WebGPUBackend this module uses. */
interface WebgpuBackend {
  device: GPUDevice;
  tensorMap: { get(id: object): { values: unknown; resource: unknown; refCount: number } };
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  makeTensorInfo(shape: number[], dtype: TF.DataType): TF.TensorInfo;
  uploadToGPU(id: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  makeUniforms(u: { type: "int32" | "float32" | "uint32"; data: number[] }[]): GPUBindingResource;
  recordAndSubmit(...args: unknown[]): void;
}

export type Uniform = number | { f32: number };

export interface Dispatch {
  /** The kernel's name: counted and shown by the profiler's dispatch count. */
  name: string;
  /** WGSL with `@compute fn main`; bindings in the order: reads, then writes, then `uniforms` last. */
  code: string;
  /** Tensors the kernel reads (`var<storage, read>`). */
  reads: TF.TensorInfo[];
  /** Tensors the kernel writes (`var<storage, read_write>`): new outputs or updated in place. */
  writes: TF.TensorInfo[];
  /** Scalars of the uniform struct, in its field order: numbers are i32, { f32 } are f32. */
  uniforms: Uniform[];
  workgroups: [number, number?, number?];
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();
let ownDispatches = 0;

const backendOf = (tf: typeof TF) => tf.backend() as unknown as WebgpuBackend;

/** A new float32 (or int32) tensor on the GPU, its buffer allocated and not yet written. */
export function allocate(tf: typeof TF, shape: number[], dtype: TF.DataType = "float32"): TF.TensorInfo {
  const backend = backendOf(tf);
  const info = backend.makeTensorInfo(shape, dtype);
  backend.uploadToGPU(info.dataId);
  return info;
}

/** Whether a tensor's buffer is its own (so it may be written in place) rather than shared by a clone. */
export function ownsBuffer(tf: typeof TF, t: TF.TensorInfo): boolean {
  return backendOf(tf).tensorMap.get(t.dataId).refCount <= 1;
}

/** Records one dispatch of `d.code` into tfjs's command stream. */
export function dispatch(tf: typeof TF, d: Dispatch): void {
  const backend = backendOf(tf);
  const { device } = backend;
  const cache = pipelines.get(device) ?? new Map<string, GPUComputePipeline>();
  pipelines.set(device, cache);
  let pipeline = cache.get(d.code);
  if (!pipeline) {
    pipeline = device.createComputePipeline({
      label: d.name,
      layout: "auto",
      compute: { module: device.createShaderModule({ code: d.code, label: d.name }), entryPoint: "main" },
    });
    cache.set(d.code, pipeline);
  }
  const bufferOf = (t: TF.TensorInfo) => {
    backend.uploadToGPU(t.dataId);
    backend.commandQueueOwnedIds.add(t.dataId);
    return { buffer: backend.tensorMap.get(t.dataId).resource as GPUBuffer };
  };
  const entries: GPUBindGroupEntry[] = [...d.reads, ...d.writes].map((t, i) => ({
    binding: i,
    resource: bufferOf(t),
  }));
  // a copy of the values kept on the CPU is stale once the GPU writes the buffer
  for (const t of d.writes) backend.tensorMap.get(t.dataId).values = null;
  if (d.uniforms.length > 0)
    entries.push({
      binding: entries.length,
      resource: backend.makeUniforms(
        d.uniforms.map((u) =>
          typeof u === "number" ? { type: "int32", data: [u] } : { type: "float32", data: [u.f32] },
        ),
      ),
    });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  backend.ensureCommandEncoderReady();
  backend.computePassEncoder ??= backend.commandEncoder!.beginComputePass({});
  backend.computePassEncoder.setPipeline(pipeline);
  backend.computePassEncoder.setBindGroup(0, bindGroup);
  const [x, y = 1, z = 1] = d.workgroups;
  backend.computePassEncoder.dispatchWorkgroups(x, y, z);
  ownDispatches++;
  backend.dispatchCountInPass++;
  if ((tf.env().get("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE") as number) <= backend.dispatchCountInPass) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
}

/** Workgroups for `n` threads in groups of `size`, spread over y when x would pass WebGPU's 65,535. */
export function spread(n: number, size: number): [number, number] {
  const groups = Math.max(1, Math.ceil(n / size));
  return groups <= 65_535 ? [groups, 1] : [65_535, Math.ceil(groups / 65_535)];
}

/**
 * GPU dispatches `f` records on the webgpu backend: tfjs's own programs and ours. The figure a
 * per-op overhead of ~20 us multiplies (see the policy README's Speed section).
 */
export async function countDispatches(tf: typeof TF, f: () => Promise<unknown>): Promise<number> {
  const backend = backendOf(tf);
  const record = backend.recordAndSubmit;
  let theirs = 0;
  backend.recordAndSubmit = function (this: WebgpuBackend, ...args: unknown[]) {
    theirs++;
    return record.apply(this, args);
  };
  const before = ownDispatches;
  try {
    await f();
  } finally {
    backend.recordAndSubmit = record;
  }
  return theirs + ownDispatches - before;
}
