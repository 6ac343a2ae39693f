// Causal self-attention as fused kernels, flash-style: the [T, T] score matrix is never stored.
// Forward: a workgroup takes 64 query rows of one (batch, head), walks the keys in tiles of 16
// loaded into workgroup memory, and keeps an online softmax (running max and sum) per row; it
// writes the output and each row's log-sum-exp. Backward recomputes the probabilities from that
// log-sum-exp: one kernel for the query gradient (and each row's dy . y), one for the key and
// value gradients. Queries, keys and values are read straight from the qkv projection [B*T, 3D]
// and the output is written as [B*T, D]: no split, transpose or mask op around them.
import type * as TF from "@tensorflow/tfjs";
import { allocate, dispatch } from "./gpu.js";

/** Head sizes up to this fit the kernels' per-thread arrays. */
export const MAX_HEAD = 64;
const ROWS = 64;
const TILE = 16;

const HEADER = /* wgsl */ `
struct U { T: i32, H: i32, hd: i32, D: i32, scale: f32 }
const ROWS = ${ROWS};
const TILE = ${TILE};
const MAXHD = ${MAX_HEAD};`;

// keys and values of rows j0..j0+TILE-1 of one (batch, head) into workgroup memory, all threads
// taking a share; needs \`qkv\` and \`u\` bound
const KEY_TILES = /* wgsl */ `
var<workgroup> ks: array<f32, ${TILE * MAX_HEAD}>;
var<workgroup> vs: array<f32, ${TILE * MAX_HEAD}>;
fn loadKeys(b: i32, h: i32, j0: i32, t: u32) {
  for (var e = i32(t); e < TILE * u.hd; e += ROWS) {
    let jj = e / u.hd;
    let c = e % u.hd;
    let j = j0 + jj;
    if (j < u.T) {
      let at = (b * u.T + j) * 3 * u.D + h * u.hd + c;
      ks[jj * MAXHD + c] = qkv[at + u.D];
      vs[jj * MAXHD + c] = qkv[at + 2 * u.D];
    }
  }
}`;

/**
 * A kernel in which each thread owns query row i (64 rows of one (batch, head) a workgroup) and
 * visits the keys j <= i tile by tile: `setup` declares its state and fills it for a valid row,
 * `visit` runs for each key (its row in the tile is jj), `finish` once for a valid row.
 */
const overKeys = (bindings: string, setup: string, visit: string, finish: string) => /* wgsl */ `${HEADER}
${bindings}
${KEY_TILES}
@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let bh = i32(wg.y);
  let b = bh / u.H;
  let h = bh % u.H;
  let i = i32(wg.x) * ROWS + i32(t);
  let valid = i < u.T;
  let stride = 3 * u.D;
  ${setup}
  let last = min(i32(wg.x) * ROWS + ROWS - 1, u.T - 1);
  for (var j0 = 0; j0 <= last; j0 += TILE) {
    loadKeys(b, h, j0, t);
    workgroupBarrier();
    if (valid) {
      let jmax = min(j0 + TILE - 1, i);
      for (var j = j0; j <= jmax; j++) {
        let jj = j - j0;
        ${visit}
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    ${finish}
  }
}`;

const forwardCode = overKeys(
  `@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> lse: array<f32>;
@group(0) @binding(3) var<uniform> u: U;`,
  `var q: array<f32, MAXHD>;
  var acc: array<f32, MAXHD>;
  if (valid) {
    for (var c = 0; c < u.hd; c++) { q[c] = qkv[(b * u.T + i) * stride + h * u.hd + c] * u.scale; acc[c] = 0.0; }
  }
  var m = -1e30;
  var l = 0.0;`,
  `var s = 0.0;
        for (var c = 0; c < u.hd; c++) { s += q[c] * ks[jj * MAXHD + c]; }
        let mNew = max(m, s);
        let corr = exp(m - mNew);
        let p = exp(s - mNew);
        l = l * corr + p;
        for (var c = 0; c < u.hd; c++) { acc[c] = acc[c] * corr + p * vs[jj * MAXHD + c]; }
        m = mNew;`,
  `for (var c = 0; c < u.hd; c++) { y[(b * u.T + i) * u.D + h * u.hd + c] = acc[c] / l; }
    lse[bh * u.T + i] = m + log(l);`,
);

// dq_i = scale * sum_j p_ij (dy_i . v_j - dy_i . y_i) k_j, for j <= i
const queryGradCode = overKeys(
  `@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(5) var<storage, read_write> dd: array<f32>;
@group(0) @binding(6) var<uniform> u: U;`,
  `var q: array<f32, MAXHD>;
  var g: array<f32, MAXHD>;
  var dq: array<f32, MAXHD>;
  var di = 0.0;
  var li = 0.0;
  if (valid) {
    for (var c = 0; c < u.hd; c++) {
      q[c] = qkv[(b * u.T + i) * stride + h * u.hd + c] * u.scale;
      g[c] = dy[(b * u.T + i) * u.D + h * u.hd + c];
      di += g[c] * y[(b * u.T + i) * u.D + h * u.hd + c];
      dq[c] = 0.0;
    }
    li = lse[bh * u.T + i];
    dd[bh * u.T + i] = di;
  }`,
  `var s = 0.0;
        var dp = 0.0;
        for (var c = 0; c < u.hd; c++) { s += q[c] * ks[jj * MAXHD + c]; dp += g[c] * vs[jj * MAXHD + c]; }
        let ds = exp(s - li) * (dp - di);
        for (var c = 0; c < u.hd; c++) { dq[c] += ds * ks[jj * MAXHD + c]; }`,
  `for (var c = 0; c < u.hd; c++) { dqkv[(b * u.T + i) * stride + h * u.hd + c] = dq[c] * u.scale; }`,
);

// dv_j = sum_i p_ij dy_i and dk_j = sum_i p_ij (dy_i . v_j - dd_i) scale q_i, for i >= j
const keyValueGradCode = /* wgsl */ `${HEADER}
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> lse: array<f32>;
@group(0) @binding(3) var<storage, read> dd: array<f32>;
@group(0) @binding(4) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
var<workgroup> qs: array<f32, ${TILE * MAX_HEAD}>;
var<workgroup> gs: array<f32, ${TILE * MAX_HEAD}>;
var<workgroup> ls: array<f32, ${TILE}>;
var<workgroup> ds: array<f32, ${TILE}>;
@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let bh = i32(wg.y);
  let b = bh / u.H;
  let h = bh % u.H;
  let j = i32(wg.x) * ROWS + i32(t);
  let valid = j < u.T;
  let stride = 3 * u.D;
  var k: array<f32, MAXHD>;
  var v: array<f32, MAXHD>;
  var dk: array<f32, MAXHD>;
  var dv: array<f32, MAXHD>;
  if (valid) {
    for (var c = 0; c < u.hd; c++) {
      let at = (b * u.T + j) * stride + h * u.hd + c;
      k[c] = qkv[at + u.D];
      v[c] = qkv[at + 2 * u.D];
      dk[c] = 0.0;
      dv[c] = 0.0;
    }
  }
  for (var i0 = i32(wg.x) * ROWS; i0 < u.T; i0 += TILE) {
    for (var e = i32(t); e < TILE * u.hd; e += ROWS) {
      let ii = e / u.hd;
      let c = e % u.hd;
      let i = i0 + ii;
      if (i < u.T) {
        qs[ii * MAXHD + c] = qkv[(b * u.T + i) * stride + h * u.hd + c] * u.scale;
        gs[ii * MAXHD + c] = dy[(b * u.T + i) * u.D + h * u.hd + c];
      }
    }
    if (i32(t) < TILE && i0 + i32(t) < u.T) {
      ls[t] = lse[bh * u.T + i0 + i32(t)];
      ds[t] = dd[bh * u.T + i0 + i32(t)];
    }
    workgroupBarrier();
    if (valid) {
      let imax = min(i0 + TILE, u.T);
      for (var i = max(i0, j); i < imax; i++) {
        let ii = i - i0;
        var s = 0.0;
        var dp = 0.0;
        for (var c = 0; c < u.hd; c++) { s += qs[ii * MAXHD + c] * k[c]; dp += gs[ii * MAXHD + c] * v[c]; }
        let p = exp(s - ls[ii]);
        let dsc = p * (dp - ds[ii]);
        for (var c = 0; c < u.hd; c++) {
          dv[c] += p * gs[ii * MAXHD + c];
          dk[c] += dsc * qs[ii * MAXHD + c];
        }
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    for (var c = 0; c < u.hd; c++) {
      let at = (b * u.T + j) * stride + h * u.hd + c;
      dqkv[at + u.D] = dk[c];
      dqkv[at + 2 * u.D] = dv[c];
    }
  }
}`;

export interface AttentionShape {
  B: number;
  T: number;
  H: number;
  /** Applied to q . k: 1/sqrt(head size), or 1 where rotary tables carry it. */
  scale: number;
}

const uniformsOf = (s: AttentionShape, D: number) => [s.T, s.H, D / s.H, D, { f32: s.scale }];

/** Forward: [y [B*T, D], lse [B*H*T]] from qkv [B*T, 3D]. */
export function attentionForward(tf: typeof TF, qkv: TF.TensorInfo, s: AttentionShape): TF.TensorInfo[] {
  const D = qkv.shape[1]! / 3;
  const y = allocate(tf, [s.B * s.T, D]);
  const lse = allocate(tf, [s.B * s.H * s.T]);
  dispatch(tf, {
    name: "attentionForward",
    code: forwardCode,
    reads: [qkv],
    writes: [y, lse],
    uniforms: uniformsOf(s, D),
    workgroups: [Math.ceil(s.T / ROWS), s.B * s.H],
  });
  return [y, lse];
}

/** Backward: dqkv [B*T, 3D] from the forward's input, output and log-sum-exp, and dy [B*T, D]. */
export function attentionBackward(
  tf: typeof TF,
  qkv: TF.TensorInfo,
  y: TF.TensorInfo,
  lse: TF.TensorInfo,
  dy: TF.TensorInfo,
  s: AttentionShape,
): TF.TensorInfo {
  const D = qkv.shape[1]! / 3;
  const dqkv = allocate(tf, qkv.shape);
  const dd = allocate(tf, [s.B * s.H * s.T]);
  const workgroups: [number, number] = [Math.ceil(s.T / ROWS), s.B * s.H];
  dispatch(tf, {
    name: "attentionQueryGrad",
    code: queryGradCode,
    reads: [qkv, y, dy, lse],
    writes: [dqkv, dd],
    uniforms: uniformsOf(s, D),
    workgroups,
  });
  dispatch(tf, {
    name: "attentionKeyValueGrad",
    code: keyValueGradCode,
    reads: [qkv, dy, lse, dd],
    writes: [dqkv],
    uniforms: uniformsOf(s, D),
    workgroups,
  });
  tf.backend().disposeData(dd.dataId);
  return dqkv;
}
