#!/usr/bin/python3
"""PyTorch's causal self-attention at the GPT workload's shape (B 32, T 64, D 128, 4 heads of 32), for the
`--attention` lines of the benchmark app. Usage: attention_peer.py [threads]
From the fused qkv [B, T, 3D] to y [B, T, D] (heads concatenated), as NetGen's Attention.Forward: with
F.scaled_dot_product_attention(is_causal=True) where this torch has it (2.0 and later), else the
masked-softmax formulation of ../shared/bench/pytorch_peer.py's Block (Debian's torch 1.13 has no SDPA).
Prints one JSON line per pass; us is the median of 7 repetitions, and the fastest, as NetGen reports its best."""
import json, os, sys, time, statistics
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"): os.environ.pop(v, None)
import torch, torch.nn.functional as F
torch.set_num_threads(threads)
torch.manual_seed(0)
B, T, H, hs = 32, 64, 4, 32
D = H * hs
sdpa = hasattr(F, "scaled_dot_product_attention")
mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)

def attention(qkv):
    q, k, v = qkv.split(D, dim=2)
    q, k, v = (t.view(B, T, H, hs).transpose(1, 2) for t in (q, k, v))
    if sdpa:
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    else:
        att = ((q @ k.transpose(-2, -1)) * (1.0 / hs ** 0.5)).masked_fill(mask, float("-inf")).softmax(-1)
        y = att @ v
    return y.transpose(1, 2).reshape(B, T, D)

qkv = torch.randn(B, T, 3 * D, requires_grad=True)
dy = torch.randn(B, T, D)

def forward():
    with torch.no_grad(): attention(qkv)

def forward_backward():
    qkv.grad = None
    attention(qkv).backward(dy)

def timeit(fn, warm=20, reps=7, inner=50):
    for _ in range(warm): fn()
    xs = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(inner): fn()
        xs.append((time.perf_counter() - t) / inner)
    return statistics.median(xs), min(xs)

product = 2.0 * B * H * hs * T * (T + 1) / 2   # one causal product's useful flops, as AttentionTimings counts
for name, fn, flops in (("forward", forward, 2 * product), ("forward+backward", forward_backward, 6 * product)):
    median, best = timeit(fn)
    print(json.dumps({"workload": f"attention {name} b32 t64 d128 h4 causal", "threads": threads,
                      "us": round(median * 1e6, 1), "us_best": round(best * 1e6, 1), "gflops": round(flops / best / 1e9, 2),
                      "impl": "sdpa" if sdpa else "masked softmax", "peer": "pytorch " + torch.__version__}), flush=True)
