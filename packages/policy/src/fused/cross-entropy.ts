// Softmax cross-entropy against integer targets in two kernels: the forward pass (one workgroup
// per row: max, log-sum-exp, and -logit[target]) keeps each row's log-sum-exp, and the backward
// pass writes (softmax - onehot) * dloss per element. No one-hot matrix is built.
import type * as TF from "@tensorflow/tfjs";
import { allocate, dispatch, spread } from "./gpu.js";

const forwardCode = /* wgsl */ `
struct U { n: i32, v: i32 }
@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read_write> nll: array<f32>;
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;
@group(0) @binding(4) var<uniform> u: U;
var<workgroup> red: array<f32, 64>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let row = i32(wg.x + wg.y * nwg.x);
  if (row >= u.n) { return; }
  let base = row * u.v;
  var m = -3.4e38;
  for (var i = i32(t); i < u.v; i += 64) { m = max(m, logits[base + i]); }
  red[t] = m;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] = max(red[t], red[t + s]); }
    workgroupBarrier();
  }
  let mx = red[0];
  workgroupBarrier();
  var e = 0.0;
  for (var i = i32(t); i < u.v; i += 64) { e += exp(logits[base + i] - mx); }
  red[t] = e;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] += red[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) {
    let l = mx + log(red[0]);
    lse[row] = l;
    nll[row] = l - logits[base + targets[row]];
  }
}`;

const backwardCode = /* wgsl */ `
struct U { n: i32, v: i32 }
@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read> lse: array<f32>;
@group(0) @binding(3) var<storage, read> dnll: array<f32>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let i = i32((wg.x + wg.y * nwg.x) * 256u + t);
  if (i >= u.n * u.v) { return; }
  let row = i / u.v;
  let onehot = select(0.0, 1.0, i - row * u.v == targets[row]);
  dlogits[i] = (exp(logits[i] - lse[row]) - onehot) * dnll[row];
}`;

/** Forward: [nll [N], lse [N]] for logits [N, V] and int32 targets [N]. */
export function crossEntropyForward(
  tf: typeof TF,
  logits: TF.TensorInfo,
  targets: TF.TensorInfo,
): TF.TensorInfo[] {
  const [N, V] = logits.shape as [number, number];
  const nll = allocate(tf, [N]);
  const lse = allocate(tf, [N]);
  dispatch(tf, {
    name: "crossEntropyForward",
    code: forwardCode,
    reads: [logits, targets],
    writes: [nll, lse],
    uniforms: [N, V],
    workgroups: spread(N, 1),
  });
  return [nll, lse];
}

/** Backward: dlogits [N, V] from the forward's inputs, its log-sum-exp, and dnll [N]. */
export function crossEntropyBackward(
  tf: typeof TF,
  logits: TF.TensorInfo,
  targets: TF.TensorInfo,
  lse: TF.TensorInfo,
  dnll: TF.TensorInfo,
): TF.TensorInfo {
  const [N, V] = logits.shape as [number, number];
  const dlogits = allocate(tf, [N, V]);
  dispatch(tf, {
    name: "crossEntropyBackward",
    code: backwardCode,
    reads: [logits, targets, lse, dnll],
    writes: [dlogits],
    uniforms: [N, V],
    workgroups: spread(N * V, 256),
  });
  return dlogits;
}
