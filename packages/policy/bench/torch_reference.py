# The policy benchmark's anchor: the same GPT in PyTorch (learned positions, pre-LayerNorm, ReLU
# MLP, causal attention, tied embeddings), one training step with Adam and batched sampling with a
# KV cache, timed the way bench.ts times ours. One thread, as tfjs-wasm has in Node.
#   python3 torch_reference.py D L H T B [steps] [sample_tokens]   -> one JSON line
import json, math, os, sys, time

# torch.set_num_threads(1) does not reach Debian's OpenBLAS (the pthread build), which otherwise
# spreads each matmul over every core: measured 1.6 cores busy for 1.0 set here. It reads these
# when it loads, so they go before `import torch`.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import torch

D, L, H, T, B = map(int, sys.argv[1:6])
# at least 20 timed steps: this reference varies by 2x from run to run over 5 on a shared 2-core VM
steps = max(20, int(sys.argv[6]) if len(sys.argv) > 6 else 20)
new_tokens = int(sys.argv[7]) if len(sys.argv) > 7 else 48
V, hd = 263, D // H  # the byte tokenizer's vocabulary
torch.set_num_threads(1)
torch.manual_seed(0)


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.n1, self.n2 = torch.nn.LayerNorm(D), torch.nn.LayerNorm(D)
        self.qkv = torch.nn.Linear(D, 3 * D, bias=False)
        self.proj = torch.nn.Linear(D, D, bias=False)
        self.up = torch.nn.Linear(D, 4 * D, bias=False)
        self.down = torch.nn.Linear(4 * D, D, bias=False)

    def forward(self, x, cache=None):
        b, t, _ = x.shape
        q, k, v = (z.view(b, t, H, hd).transpose(1, 2) for z in self.qkv(self.n1(x)).split(D, -1))
        if cache is not None:
            if cache:
                k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
            cache[:] = [k, v]
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        if t > 1:
            att = att.masked_fill(torch.ones(t, k.shape[2]).tril(k.shape[2] - t) == 0, float("-inf"))
        x = x + self.proj((att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, D))
        return x + self.down(torch.relu(self.up(self.n2(x))))


class GPT(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = torch.nn.Embedding(V, D)
        self.wpe = torch.nn.Parameter(torch.zeros(T, D))
        self.blocks = torch.nn.ModuleList(Block() for _ in range(L))
        self.nf = torch.nn.LayerNorm(D)

    def forward(self, idx, start=0, caches=None):
        x = self.wte(idx) + self.wpe[start : start + idx.shape[1]]
        for i, blk in enumerate(self.blocks):
            x = blk(x, None if caches is None else caches[i])
        return self.nf(x) @ self.wte.weight.T


model = GPT()
opt = torch.optim.Adam(model.parameters(), 1e-3)
x = torch.randint(0, 256, (B, T))
y = torch.randint(0, 256, (B, T))


def train_step():
    loss = torch.nn.functional.cross_entropy(model(x).view(-1, V), y.view(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()


for _ in range(3):  # warm-up: the allocator and BLAS buffers settle
    train_step()
times = []
for _ in range(steps):  # the median step, as bench.ts takes ours
    t0 = time.perf_counter()
    train_step()
    times.append(time.perf_counter() - t0)
train_ms = sorted(times)[steps // 2] * 1000

prompt = torch.randint(65, 91, (16, 8))
new_tokens = min(new_tokens, T - 8)


def generate():
    with torch.no_grad():
        t0 = time.perf_counter()
        caches = [[] for _ in range(L)]
        logits = model(prompt, 0, caches)[:, -1]
        for s in range(new_tokens):
            nxt = torch.multinomial(logits.softmax(-1), 1)
            if s == new_tokens - 1:
                break
            logits = model(nxt, 8 + s, caches)[:, -1]
        return time.perf_counter() - t0


# the median of 3 generations after 2 for warm-up, as bench.ts times ours
sample_s = sorted([generate() for _ in range(5)][2:])[1]

params = sum(p.numel() for p in model.parameters())
print(
    json.dumps(
        dict(
            torch=torch.__version__,
            params=params,
            train_ms=round(train_ms, 2),
            train_tokens_per_s=round(B * T / train_ms * 1000),
            sample_tokens_per_s=round(16 * new_tokens / sample_s),
        )
    )
)
