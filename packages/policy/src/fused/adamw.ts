// AdamW with global-norm clipping in a handful of dispatches, updating weights and moments in
// place: one kernel sums the squares of as many gradients as a dispatch may bind, the next
// updates as many parameters (weight, m, v, gradient) as fit. A WebGPU dispatch binds at most
// maxStorageBuffersPerShaderStage buffers (8 by default, 16 on lavapipe and typical GPUs once
// asked for: backend.ts asks), so "all parameters in one dispatch" would need them in one flat
// buffer, which tfjs's one-variable-per-weight model does not have.
import type * as TF from "@tensorflow/tfjs";
import { allocate, dispatch, ownsBuffer, spread } from "./gpu.js";

export interface AdamWStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 - beta^t, the bias corrections. */
  bc1: number;
  bc2: number;
  weightDecay: number;
  /** null: no clipping. */
  gradClip: number | null;
}

export interface AdamWParam {
  p: TF.Variable;
  m: TF.Variable;
  v: TF.Variable;
  g: TF.Tensor;
  decays: boolean;
}

const sumSquaresCode = (k: number) => /* wgsl */ `
struct U { offset: i32, ${Array.from({ length: k }, (_, i) => `n${i}: i32`).join(", ")} }
${Array.from({ length: k }, (_, i) => `@group(0) @binding(${i}) var<storage, read> g${i}: array<f32>;`).join("\n")}
@group(0) @binding(${k}) var<storage, read_write> sq: array<f32>;
@group(0) @binding(${k + 1}) var<uniform> u: U;
var<workgroup> red: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  var acc = 0.0;
  ${Array.from(
    { length: k },
    (_, i) =>
      `if (wg.x == ${i}u) { for (var i = i32(t); i < u.n${i}; i += 256) { let x = g${i}[i]; acc += x * x; } }`,
  ).join("\n  ")}
  red[t] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] += red[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) { sq[u.offset + i32(wg.x)] = red[0]; }
}`;

const updateCode = (k: number, writeNorm: boolean) => /* wgsl */ `
struct U {
  count: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, bc1: f32, bc2: f32, wd: f32, clip: f32,
  ${Array.from({ length: k }, (_, i) => `n${i}: i32, decay${i}: i32`).join(", ")}
}
${Array.from({ length: k }, (_, i) => `@group(0) @binding(${i}) var<storage, read> g${i}: array<f32>;`).join("\n")}
@group(0) @binding(${k}) var<storage, read> sq: array<f32>;
${Array.from(
  { length: k },
  (_, i) => `@group(0) @binding(${k + 1 + 3 * i}) var<storage, read_write> p${i}: array<f32>;
@group(0) @binding(${k + 2 + 3 * i}) var<storage, read_write> m${i}: array<f32>;
@group(0) @binding(${k + 3 + 3 * i}) var<storage, read_write> v${i}: array<f32>;`,
).join("\n")}
${writeNorm ? `@group(0) @binding(${4 * k + 1}) var<storage, read_write> norm: array<f32>;` : ""}
@group(0) @binding(${4 * k + (writeNorm ? 2 : 1)}) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) l: u32) {
  var total = 0.0;
  for (var i = 0; i < u.count; i++) { total += sq[i]; }
  let gnorm = sqrt(total);
  let scale = select(1.0, min(1.0, u.clip / (gnorm + 1e-6)), u.clip > 0.0);
  let i = i32((wg.x + wg.y * nwg.x) * 256u + l);
  ${writeNorm ? "if (i == 0 && wg.z == 0u) { norm[0] = gnorm; }" : ""}
  ${Array.from(
    { length: k },
    (_, j) => `if (wg.z == ${j}u && i < u.n${j}) {
    let g = g${j}[i] * scale;
    let m = u.beta1 * m${j}[i] + (1.0 - u.beta1) * g;
    let v = u.beta2 * v${j}[i] + (1.0 - u.beta2) * g * g;
    m${j}[i] = m;
    v${j}[i] = v;
    var update = m / (sqrt(v / u.bc2) + u.eps) * (u.lr / u.bc1);
    if (u.decay${j} != 0) { update += p${j}[i] * u.lr * u.wd; }
    p${j}[i] = p${j}[i] - update;
  }`,
  ).join("\n  ")}
}`;

/** Buffers one dispatch may bind on the device tfjs runs on. */
function storageLimit(tf: typeof TF): number {
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  return device.limits.maxStorageBuffersPerShaderStage;
}

const chunks = <T>(xs: T[], n: number) =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/** One AdamW update of every parameter, in place; returns the gradients' global norm before clipping. */
export function adamwStep(tf: typeof TF, params: AdamWParam[], s: AdamWStep): TF.Scalar {
  const limit = storageLimit(tf);
  // a weight whose buffer a clone shares (a frozen reference policy) gets its own before it is written
  for (const x of params)
    for (const v of [x.p, x.m, x.v])
      if (!ownsBuffer(tf, v)) {
        const own = tf.tidy(() => tf.add(v, tf.scalar(0)));
        v.assign(own);
        own.dispose();
      }
  const sq = allocate(tf, [params.length]);
  let offset = 0;
  for (const group of chunks(params, limit - 1)) {
    dispatch(tf, {
      name: "adamwSumSquares",
      code: sumSquaresCode(group.length),
      reads: group.map((x) => x.g),
      writes: [sq],
      uniforms: [offset, ...group.map((x) => x.g.size)],
      workgroups: [group.length],
    });
    offset += group.length;
  }
  const norm = allocate(tf, []);
  const perDispatch = Math.max(1, Math.floor((limit - 2) / 4));
  chunks(params, perDispatch).forEach((group, gi) => {
    const largest = Math.max(...group.map((x) => x.p.size));
    const [x, y] = spread(largest, 256);
    dispatch(tf, {
      name: "adamwUpdate",
      code: updateCode(group.length, gi === 0),
      reads: [...group.map((x) => x.g), sq],
      writes: [...group.flatMap((x) => [x.p, x.m, x.v]), ...(gi === 0 ? [norm] : [])],
      uniforms: [
        params.length,
        ...[s.lr, s.beta1, s.beta2, s.eps, s.bc1, s.bc2, s.weightDecay, s.gradClip ?? -1].map((f32) => ({
          f32,
        })),
        ...group.flatMap((x) => [x.p.size, x.decays ? 1 : 0]),
      ],
      workgroups: [x, y, group.length],
    });
  });
  tf.backend().disposeData(sq.dataId);
  return tf.engine().makeTensorFromTensorInfo(norm) as TF.Scalar;
}
