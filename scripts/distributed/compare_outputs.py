"""Compares a distributed run's outputs with the single-process ring, with single-call cuDNN (--cp 1) and with float64.

compare_outputs.py INPUTS DISTRIBUTED SINGLE_PROCESS ONE_CALL DTYPE MASK [WINDOW]
WINDOW: the run's --window, "L" (causal) or "L,R"; query i sees key j when i - L <= j <= i + R (-1: unbounded), or -.
SEQLENS (environment): packed documents (--layout thd, files [T, H, D], LSE [Hq, T]); a query sees only its document.
Each of the last three folders holds o.npy, lse.npy, dq.npy, dk.npy, dv.npy. The float64 reference is computed on the
inputs rounded to DTYPE, as the GPU sees them. Prints one line per output; exit 0 when the distributed outputs match the
single-process ones (O and LSE bit for bit; the gradients within a tenth of their own error, since cuDNN's backward
sums dQ with atomics in no fixed order) and their error is at most 1.5 x single-call cuDNN's.
"""
import os
import sys

import numpy as np
import torch

inputs, dist, single, one, dtype, mask = sys.argv[1:7]
window = sys.argv[7] if len(sys.argv) > 7 and sys.argv[7] != "-" else None
seqlens = [int(x) for x in os.environ["SEQLENS"].split(",")] if os.environ.get("SEQLENS") else None
tdtype = torch.bfloat16 if dtype == "bf16" else torch.float16


def load(folder, name):
    return np.load(f"{folder}/{name}.npy")


def rounded(name):
    t = torch.from_numpy(load(inputs, name)).to(tdtype).to(torch.float64)
    return t.unsqueeze(0) if seqlens else t  # packed [T, H, D] as one batch row


q, k, v, do = (rounded(n).cuda().requires_grad_(n != "do") for n in ("q", "k", "v", "do"))
# [B, S, H, D] -> [B, H, S, D]; GQA: query head h reads key/value head h // (Hq / Hkv).
qh, kh, vh = (t.transpose(1, 2) for t in (q, k, v))
groups = qh.shape[1] // kh.shape[1]
kh, vh = kh.repeat_interleave(groups, dim=1), vh.repeat_interleave(groups, dim=1)
scores = qh @ kh.transpose(-1, -2) / np.sqrt(q.shape[-1])
s = scores.shape[-1]
i = torch.arange(s, device=scores.device).unsqueeze(1)
j = torch.arange(s, device=scores.device).unsqueeze(0)
hidden = torch.zeros(s, s, dtype=torch.bool, device=scores.device)
if seqlens:
    document = torch.repeat_interleave(torch.arange(len(seqlens), device=scores.device), torch.tensor(seqlens, device=scores.device))
    hidden |= document.unsqueeze(1) != document.unsqueeze(0)
if mask == "causal":
    hidden |= j > i
if window is not None:
    sides = [int(x) for x in window.split(",")]
    left, right = sides[0], (sides[1] if len(sides) > 1 else 0)
    if left >= 0:
        hidden |= j < i - left
    if right >= 0:
        hidden |= j > i + right
scores = scores.masked_fill(hidden, float("-inf"))
lse = torch.logsumexp(scores, dim=-1)
o = (torch.softmax(scores, dim=-1) @ vh).transpose(1, 2)
o.backward(do)
reference = {"o": o.detach(), "lse": lse.detach(), "dq": q.grad, "dk": k.grad, "dv": v.grad}
if seqlens:
    reference = {name: t[0] for name, t in reference.items()}  # [Hq, T] LSE, [T, H, D] tensors

ok = True
for name, ref in reference.items():
    ref = ref.cpu().numpy()
    d, s1, c1 = (load(f, name).astype(np.float64) for f in (dist, single, one))
    error = lambda x: np.linalg.norm(x - ref) / np.linalg.norm(ref)
    difference = np.linalg.norm(d - s1) / np.linalg.norm(s1)
    same = np.array_equal(d, s1) if name in ("o", "lse") else difference <= 0.1 * error(s1)
    ratio = error(d) / max(error(c1), 1e-6 if name == "lse" else 1e-300)
    good = same and ratio <= 1.5 and np.isfinite(d).all()
    ok &= good
    rule = "bit for bit" if name in ("o", "lse") else "within 0.1 x its error"
    print(f"  {'PASS' if good else 'FAIL'} {name:3}: distributed vs single-process ({rule}): {same} (rel. difference "
          f"{difference:.2e}, max |diff| {np.abs(d - s1).max():.3g}); rel. error vs float64 {error(d):.3e}, one cuDNN call "
          f"{error(c1):.3e}, ratio {ratio:.3f} (bar 1.5)")
print("CLI PASS" if ok else "CLI FAIL")
sys.exit(0 if ok else 1)
