// Token embedding (plus learned positions) as one kernel forward and one backward. The backward
// pass sums each vocabulary row's gradient over the tokens that chose it by a loop over the batch
// rather than a scatter with atomics: WGSL has no float atomics, and the order of the sum stays
// fixed, so the result is deterministic.
import type * as TF from "@tensorflow/tfjs";
import { allocate, dispatch, spread } from "./gpu.js";

const forwardCode = (positions: boolean) => /* wgsl */ `
struct U { n: i32, d: i32, t: i32 }
@group(0) @binding(0) var<storage, read> ids: array<i32>;
@group(0) @binding(1) var<storage, read> wte: array<f32>;
${positions ? "@group(0) @binding(2) var<storage, read> wpe: array<f32>;" : ""}
@group(0) @binding(${positions ? 3 : 2}) var<storage, read_write> x: array<f32>;
@group(0) @binding(${positions ? 4 : 3}) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) l: u32) {
  let i = i32((wg.x + wg.y * nwg.x) * 256u + l);
  if (i >= u.n * u.d) { return; }
  let n = i / u.d;
  let c = i - n * u.d;
  x[i] = wte[ids[n] * u.d + c]${positions ? " + wpe[(n % u.t) * u.d + c]" : ""};
}`;

const backwardCode = (positions: boolean) => /* wgsl */ `
struct U { n: i32, d: i32, t: i32, vocab: i32, context: i32 }
@group(0) @binding(0) var<storage, read> ids: array<i32>;
@group(0) @binding(1) var<storage, read> dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> dwte: array<f32>;
${positions ? "@group(0) @binding(3) var<storage, read_write> dwpe: array<f32>;" : ""}
@group(0) @binding(${positions ? 4 : 3}) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) l: u32) {
  let i = i32((wg.x + wg.y * nwg.x) * 256u + l);
  let tokens = u.vocab * u.d;
  if (i < tokens) {
    let v = i / u.d;
    let c = i - v * u.d;
    var s = 0.0;
    for (var n = 0; n < u.n; n++) { if (ids[n] == v) { s += dx[n * u.d + c]; } }
    dwte[i] = s;
    return;
  }
  ${
    positions
      ? `let k = i - tokens;
  if (k >= u.context * u.d) { return; }
  let p = k / u.d;
  let c = k - p * u.d;
  var s = 0.0;
  if (p < u.t) { for (var n = p; n < u.n; n += u.t) { s += dx[n * u.d + c]; } }
  dwpe[k] = s;`
      : ""
  }
}`;

/** x [N, D] = wte[ids] (+ wpe[n mod T]) for int32 ids [N]. */
export function embedForward(
  tf: typeof TF,
  ids: TF.TensorInfo,
  wte: TF.TensorInfo,
  wpe: TF.TensorInfo | null,
  T: number,
): TF.TensorInfo {
  const N = ids.shape.reduce((a, c) => a * c, 1);
  const D = wte.shape[1]!;
  const x = allocate(tf, [N, D]);
  dispatch(tf, {
    name: "embedForward",
    code: forwardCode(wpe !== null),
    reads: wpe ? [ids, wte, wpe] : [ids, wte],
    writes: [x],
    uniforms: [N, D, T],
    workgroups: spread(N * D, 256),
  });
  return x;
}

/** [dwte, dwpe (with positions)] for dx [N, D]. */
export function embedBackward(
  tf: typeof TF,
  ids: TF.TensorInfo,
  dx: TF.TensorInfo,
  vocab: number,
  wpeShape: number[] | null,
  T: number,
): TF.TensorInfo[] {
  const N = ids.shape.reduce((a, c) => a * c, 1);
  const D = dx.shape[1]!;
  const dwte = allocate(tf, [vocab, D]);
  const dwpe = wpeShape ? allocate(tf, wpeShape) : null;
  const context = wpeShape ? wpeShape[0]! : 0;
  dispatch(tf, {
    name: "embedBackward",
    code: backwardCode(dwpe !== null),
    reads: [ids, dx],
    writes: dwpe ? [dwte, dwpe] : [dwte],
    uniforms: [N, D, T, vocab, context],
    workgroups: spread((vocab + context) * D, 256),
  });
  return dwpe ? [dwte, dwpe] : [dwte];
}
