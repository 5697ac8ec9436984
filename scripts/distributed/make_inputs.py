"""Writes random Q, K, V, dO .npy files (float32, natural order) for a distributed CLI check: make_inputs.py DIR B S HQ HKV D SEED
With B = 0 the files are packed documents, [S, H, D] (--layout thd, S the sum of --seqlens)."""
import sys

import numpy as np

out, b, s, hq, hkv, d, seed = sys.argv[1], *map(int, sys.argv[2:8])
rng = np.random.default_rng(seed)
for name, heads in (("q", hq), ("k", hkv), ("v", hkv), ("do", hq)):
    shape = (s, heads, d) if b == 0 else (b, s, heads, d)
    np.save(f"{out}/{name}.npy", rng.uniform(-1, 1, size=shape).astype("<f4"))
