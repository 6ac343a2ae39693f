// LayerNorm and RMSNorm as three fused kernels: the forward pass (one workgroup per row, the row's
// mean and 1/std kept for the backward pass), the input gradient (one workgroup per row) and the
// gain and bias gradients (one workgroup per column). tfjs's ops take about 11 dispatches forward
// and 20 backward for the same.
import type * as TF from "@tensorflow/tfjs";
import { allocate, dispatch, spread } from "./gpu.js";

export type NormKind = "layernorm" | "rmsnorm";
export const NORM_EPS: Record<NormKind, number> = { layernorm: 1e-5, rmsnorm: 1e-6 };

const ROW_SUM = /* wgsl */ `
var<workgroup> red: array<f32, 64>;
fn rowSum(v: f32, t: u32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] += red[t + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}`;

const forwardCode = (kind: NormKind) => /* wgsl */ `
struct U { n: i32, d: i32, eps: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
${kind === "layernorm" ? "@group(0) @binding(2) var<storage, read> b: array<f32>;" : ""}
@group(0) @binding(${kind === "layernorm" ? 3 : 2}) var<storage, read_write> y: array<f32>;
@group(0) @binding(${kind === "layernorm" ? 4 : 3}) var<storage, read_write> stats: array<f32>;
@group(0) @binding(${kind === "layernorm" ? 5 : 4}) var<uniform> u: U;
${ROW_SUM}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let row = i32(wg.x + wg.y * nwg.x);
  if (row >= u.n) { return; }
  let base = row * u.d;
  var mean = 0.0;
  ${
    kind === "layernorm"
      ? `var s = 0.0;
  for (var i = i32(t); i < u.d; i += 64) { s += x[base + i]; }
  mean = rowSum(s, t) / f32(u.d);`
      : ""
  }
  var q = 0.0;
  for (var i = i32(t); i < u.d; i += 64) { let c = x[base + i] - mean; q += c * c; }
  let rstd = inverseSqrt(rowSum(q, t) / f32(u.d) + u.eps);
  for (var i = i32(t); i < u.d; i += 64) {
    y[base + i] = (x[base + i] - mean) * rstd * g[i]${kind === "layernorm" ? " + b[i]" : ""};
  }
  if (t == 0u) { stats[2 * row] = mean; stats[2 * row + 1] = rstd; }
}`;

// dx = rstd * (dy*g - mean(dy*g) - xhat * mean(dy*g*xhat)); RMSNorm has no mean term
const inputGradCode = (kind: NormKind) => /* wgsl */ `
struct U { n: i32, d: i32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
${ROW_SUM}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let row = i32(wg.x + wg.y * nwg.x);
  if (row >= u.n) { return; }
  let base = row * u.d;
  let mean = stats[2 * row];
  let rstd = stats[2 * row + 1];
  var a = 0.0;
  var c = 0.0;
  for (var i = i32(t); i < u.d; i += 64) {
    let dyg = dy[base + i] * g[i];
    a += dyg;
    c += dyg * (x[base + i] - mean) * rstd;
  }
  let meanDyg = ${kind === "layernorm" ? "rowSum(a, t) / f32(u.d)" : "0.0"};
  let meanDygXhat = rowSum(c, t) / f32(u.d);
  for (var i = i32(t); i < u.d; i += 64) {
    let xhat = (x[base + i] - mean) * rstd;
    dx[base + i] = rstd * (dy[base + i] * g[i] - meanDyg - xhat * meanDygXhat);
  }
}`;

const paramGradCode = (kind: NormKind) => /* wgsl */ `
struct U { n: i32, d: i32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dg: array<f32>;
${kind === "layernorm" ? "@group(0) @binding(4) var<storage, read_write> db: array<f32>;" : ""}
@group(0) @binding(${kind === "layernorm" ? 5 : 4}) var<uniform> u: U;
${ROW_SUM}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let col = i32(wg.x);
  var a = 0.0;
  var c = 0.0;
  for (var r = i32(t); r < u.n; r += 64) {
    let i = r * u.d + col;
    a += dy[i] * (x[i] - stats[2 * r]) * stats[2 * r + 1];
    c += dy[i];
  }
  let sg = rowSum(a, t);
  ${kind === "layernorm" ? "let sb = rowSum(c, t);" : ""}
  if (t == 0u) {
    dg[col] = sg;
    ${kind === "layernorm" ? "db[col] = sb;" : ""}
  }
}`;

/** Forward: [y, stats] for x [N, D] (stats [N, 2]: each row's mean and 1/std). */
export function normForward(
  tf: typeof TF,
  kind: NormKind,
  x: TF.TensorInfo,
  g: TF.TensorInfo,
  b: TF.TensorInfo | null,
): TF.TensorInfo[] {
  const [N, D] = [x.shape.slice(0, -1).reduce((a, c) => a * c, 1), x.shape.at(-1)!];
  const y = allocate(tf, x.shape);
  const stats = allocate(tf, [N, 2]);
  dispatch(tf, {
    name: `${kind}Forward`,
    code: forwardCode(kind),
    reads: b ? [x, g, b] : [x, g],
    writes: [y, stats],
    uniforms: [N, D, { f32: NORM_EPS[kind] }],
    workgroups: spread(N, 1),
  });
  return [y, stats];
}

/** Backward: [dx, dg, db (layernorm only)] from the forward's input, gain, statistics and dy. */
export function normBackward(
  tf: typeof TF,
  kind: NormKind,
  x: TF.TensorInfo,
  g: TF.TensorInfo,
  stats: TF.TensorInfo,
  dy: TF.TensorInfo,
): TF.TensorInfo[] {
  const D = x.shape.at(-1)!;
  const N = x.shape.slice(0, -1).reduce((a, c) => a * c, 1);
  const dx = allocate(tf, x.shape);
  dispatch(tf, {
    name: `${kind}InputGrad`,
    code: inputGradCode(kind),
    reads: [x, g, stats, dy],
    writes: [dx],
    uniforms: [N, D],
    workgroups: spread(N, 1),
  });
  const dg = allocate(tf, [D]);
  const db = kind === "layernorm" ? allocate(tf, [D]) : null;
  dispatch(tf, {
    name: `${kind}ParamGrad`,
    code: paramGradCode(kind),
    reads: [x, stats, dy],
    writes: db ? [dg, db] : [dg],
    uniforms: [N, D],
    workgroups: [D],
  });
  return db ? [dx, dg, db] : [dx, dg];
}
