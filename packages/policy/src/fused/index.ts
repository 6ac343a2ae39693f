// Fused WGSL kernels for the webgpu backend, registered as tfjs kernels with their gradients, so
// tfjs's autograd, tidy and profiler treat them like its own ops. The model and the optimizer
// call `fusedOps(tf)`: null on other backends (or with REASONLAB_FUSED=0), where the plain tfjs
// ops run instead. Each kernel is tested against wasm on lavapipe (test/fused.test.ts).
import type * as TF from "@tensorflow/tfjs";
import { type AdamWParam, type AdamWStep, adamwStep } from "./adamw.js";
import { type AttentionShape, attentionBackward, attentionForward, MAX_HEAD } from "./attention.js";
import { crossEntropyBackward, crossEntropyForward } from "./cross-entropy.js";
import { embedBackward, embedForward } from "./embedding.js";
import { type NormKind, normBackward, normForward } from "./norm.js";

export { countDispatches } from "./gpu.js";
export { MAX_HEAD };

let enabled = process.env.REASONLAB_FUSED !== "0";

/** Turns the fused kernels on or off (the bench and tests compare both). */
export function setFusedKernels(on: boolean) {
  enabled = on;
}

const run = (tf: typeof TF, name: string, inputs: Record<string, TF.Tensor>, attrs: object = {}) =>
  tf.engine().runKernel(name, inputs as unknown as TF.NamedTensorMap, attrs as TF.NamedAttrMap);

/** Registers the kernels and their gradients with this tfjs. */
function register(tf: typeof TF) {
  const kernel = (
    kernelName: string,
    f: (
      inputs: Record<string, TF.TensorInfo>,
      attrs: Record<string, unknown>,
    ) => TF.TensorInfo | TF.TensorInfo[],
  ) =>
    tf.registerKernel({
      kernelName,
      backendName: "webgpu",
      kernelFunc: ({ inputs, attrs }) =>
        f(inputs as Record<string, TF.TensorInfo>, (attrs ?? {}) as Record<string, unknown>),
    });

  kernel("ReasonlabNorm", ({ x, g, b }, a) => normForward(tf, a.kind as NormKind, x!, g!, b ?? null));
  kernel("ReasonlabNormGrad", ({ x, g, stats, dy }, a) =>
    normBackward(tf, a.kind as NormKind, x!, g!, stats!, dy!),
  );
  tf.registerGradient({
    kernelName: "ReasonlabNorm",
    inputsToSave: ["x", "g"],
    outputsToSave: [false, true],
    gradFunc: (dys, saved, attrs) => {
      const [x, g, stats] = saved as TF.Tensor[];
      const dy = (dys as TF.Tensor[])[0]!;
      // computed here, not in the thunks: tfjs runs each thunk in a tidy that would free the others' results
      const grads = run(tf, "ReasonlabNormGrad", { x: x!, g: g!, stats: stats!, dy }, attrs) as TF.Tensor[];
      return { x: () => grads[0]!, g: () => grads[1]!, b: () => grads[2]! };
    },
  });

  kernel("ReasonlabAttention", ({ qkv }, a) => attentionForward(tf, qkv!, a as unknown as AttentionShape));
  kernel("ReasonlabAttentionGrad", ({ qkv, y, lse, dy }, a) =>
    attentionBackward(tf, qkv!, y!, lse!, dy!, a as unknown as AttentionShape),
  );
  tf.registerGradient({
    kernelName: "ReasonlabAttention",
    inputsToSave: ["qkv"],
    outputsToSave: [true, true],
    gradFunc: (dys, saved, attrs) => {
      const [qkv, y, lse] = saved as TF.Tensor[];
      const dy = (dys as TF.Tensor[])[0]!;
      return {
        qkv: () => run(tf, "ReasonlabAttentionGrad", { qkv: qkv!, y: y!, lse: lse!, dy }, attrs) as TF.Tensor,
      };
    },
  });

  kernel("ReasonlabCrossEntropy", ({ logits, targets }) => crossEntropyForward(tf, logits!, targets!));
  kernel("ReasonlabCrossEntropyGrad", ({ logits, targets, lse, dnll }) =>
    crossEntropyBackward(tf, logits!, targets!, lse!, dnll!),
  );
  tf.registerGradient({
    kernelName: "ReasonlabCrossEntropy",
    inputsToSave: ["logits", "targets"],
    outputsToSave: [false, true],
    gradFunc: (dys, saved) => {
      const [logits, targets, lse] = saved as TF.Tensor[];
      const dnll = (dys as TF.Tensor[])[0]!;
      return {
        logits: () =>
          run(tf, "ReasonlabCrossEntropyGrad", {
            logits: logits!,
            targets: targets!,
            lse: lse!,
            dnll,
          }) as TF.Tensor,
      };
    },
  });

  kernel("ReasonlabEmbed", ({ ids, wte, wpe }, a) =>
    embedForward(tf, ids!, wte!, wpe ?? null, a.T as number),
  );
  kernel("ReasonlabEmbedGrad", ({ ids, dx }, a) =>
    embedBackward(tf, ids!, dx!, a.vocab as number, (a.wpeShape as number[] | null) ?? null, a.T as number),
  );
  tf.registerGradient({
    kernelName: "ReasonlabEmbed",
    inputsToSave: ["ids"],
    gradFunc: (dy, saved, attrs) => {
      const [ids] = saved as TF.Tensor[];
      const grads = run(tf, "ReasonlabEmbedGrad", { ids: ids!, dx: dy as TF.Tensor }, attrs) as TF.Tensor[];
      return { wte: () => grads[0]!, wpe: () => grads[1]! };
    },
  });
}

export interface FusedOps {
  /** LayerNorm or RMSNorm over the last axis of x [N, D]. */
  norm(x: TF.Tensor, g: TF.Tensor, b: TF.Tensor | null, kind: NormKind): TF.Tensor2D;
  /** Causal attention output [B*T, D] from the qkv projection [B*T, 3D]. */
  attention(qkv: TF.Tensor, s: AttentionShape): TF.Tensor2D;
  /** Per-row negative log-likelihood [N] of int32 targets [N] under logits [N, V]. */
  crossEntropy(logits: TF.Tensor, targets: TF.Tensor): TF.Tensor1D;
  /** wte[ids] (+ wpe[n mod T]) as [N, D]. */
  embed(ids: TF.Tensor, wte: TF.Tensor, wpe: TF.Tensor | null, T: number): TF.Tensor2D;
  adamw(params: AdamWParam[], step: AdamWStep): TF.Scalar;
}

const opsOf = new WeakMap<object, FusedOps>();

/** The fused ops when tfjs runs on webgpu and they are on; null otherwise. */
export function fusedOps(tf: typeof TF): FusedOps | null {
  if (!enabled || tf.getBackend() !== "webgpu") return null;
  let ops = opsOf.get(tf);
  if (!ops) {
    register(tf);
    ops = opsFor(tf);
    opsOf.set(tf, ops);
  }
  return ops;
}

function opsFor(tf: typeof TF): FusedOps {
  // the first output is the op's result; the rest (row statistics) matter only to the gradient,
  // which keeps its own copies, so they are freed here and nothing leaks outside a tidy
  const first = (name: string, inputs: Record<string, TF.Tensor>, attrs: object = {}) => {
    const [out, ...rest] = run(tf, name, inputs, attrs) as TF.Tensor[];
    tf.dispose(rest);
    return out!;
  };
  return {
    norm: (x, g, b, kind) => first("ReasonlabNorm", b ? { x, g, b } : { x, g }, { kind }) as TF.Tensor2D,
    attention: (qkv, s) => first("ReasonlabAttention", { qkv }, { ...s }) as TF.Tensor2D,
    crossEntropy: (logits, targets) => first("ReasonlabCrossEntropy", { logits, targets }) as TF.Tensor1D,
    embed: (ids, wte, wpe, T) =>
      run(tf, "ReasonlabEmbed", wpe ? { ids, wte, wpe } : { ids, wte }, {
        T,
        vocab: wte.shape[0],
        wpeShape: wpe ? wpe.shape : null,
      }) as TF.Tensor2D,
    adamw: (params, step) => adamwStep(tf, params, step),
  };
}
