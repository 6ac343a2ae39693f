#!/usr/bin/env bash
# On a GPU host, from the project root, after `node scripts/gpu-bundle.mjs` here and a copy there:
# the policy benchmark on WebGPU beside the PyTorch reference, then the addition config and the
# demo's training (the 9.9-vs-9.11 hole: its RL stage ends with held-out accuracy) on WebGPU, then
# the arithmetic-rl config's three stages, shortened, to time pretraining, SFT and RL steps there.
#   bash scripts/gpu-check.sh [OUT_DIR]
set -uo pipefail
out=${1:-gpu-check}
mkdir -p "$out"
source scripts/gpu-host.sh
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
export PYTHONUNBUFFERED=1
echo "== tfjs webgpu: fused WGSL kernels (webgpu) and tfjs's plain ops (webgpu-plain); kernels per step and per token are GPU dispatches; PyTorch on CUDA follows"
node --import tsx packages/policy/bench/bench.ts --backends webgpu --sizes small,medium,large --steps 5 --no-anchor 2>&1 \
  | grep -v "^Warning" | tee "$out/tfjs-webgpu.txt"
echo "== PyTorch reference"
ref=.gpu-bundle/torch_gpt_step.py
for shape in "128 2 64 16" "256 4 128 16" "512 8 256 32"; do
  python3 "$ref" $shape cuda plain 2>&1 | grep TORCH
done | tee "$out/torch.txt"
python3 "$ref" 512 8 256 32 cuda fast 2>&1 | grep TORCH | tee -a "$out/torch.txt"
echo "== addition on webgpu"
( time node packages/cli/bin/reasonlab.mjs train --config configs/addition.json --backend webgpu --runs "$out/runs" ) 2>&1 \
  | grep -v "^Warning" | tee "$out/addition-webgpu.txt"
echo "== the demo's training on webgpu (gradients and rollouts run inline on a GPU)"
( time node packages/cli/bin/reasonlab.mjs train --config configs/demo.json --backend webgpu --runs "$out/runs" ) 2>&1 \
  | grep -v "^Warning" | tee "$out/demo-webgpu.txt"
echo "== arithmetic-rl on webgpu, each stage shortened: step times, not accuracy"
node -e '
const fs = require("node:fs");
const c = JSON.parse(fs.readFileSync("configs/arithmetic-rl.json", "utf8"));
const steps = { pretrain: 100, sft: 20, rl: 10 };
for (const s of c.stages) Object.assign(s, { steps: steps[s.stage], evalEvery: steps[s.stage], checkpointEvery: steps[s.stage] });
fs.writeFileSync(process.argv[1], JSON.stringify(c, null, 2));
' "$out/arithmetic-rl-short.json"
( time node packages/cli/bin/reasonlab.mjs train --config "$out/arithmetic-rl-short.json" --backend webgpu --runs "$out/runs" ) 2>&1 \
  | grep -v "^Warning" | tee "$out/arithmetic-rl-webgpu.txt"
