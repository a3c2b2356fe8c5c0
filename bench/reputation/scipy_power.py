#!/usr/bin/env python3
"""The reference for EigenTrust's iteration: the same power iteration with scipy.sparse on the
same graph (written by bench_reputation): t' = (1 - a)(C^T t + d p) + a p, where C is row-normalized
by each endorser's outgoing weight and d the trust held by people who endorse nobody.
   scipy_power.py GRAPH PEOPLE ITERATIONS    prints "key value" lines"""
import sys, time
import numpy as np
import scipy.sparse as sp

path, n, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pairs = np.fromfile(path, dtype=np.int32).reshape(-1, 2)
src, dst = pairs[:, 0], pairs[:, 1]
keep = src != dst
src, dst = src[keep], dst[keep]
t0 = time.perf_counter()
M = sp.csr_matrix((np.ones(len(src)), (dst, src)), shape=(n, n))  # duplicates summed
M.sum_duplicates()
out_w = np.asarray(M.sum(axis=0)).ravel()
inv = np.where(out_w > 0, 1.0 / np.where(out_w > 0, out_w, 1), 0.0)
dangling = out_w == 0
p = np.zeros(n)
p[(np.arange(1000) * (n // 1000))] = 1.0 / 1000
build = time.perf_counter() - t0
a = 0.15
t = p.copy()
t0 = time.perf_counter()
c0 = time.process_time()
for _ in range(iters):
    d = t[dangling].sum()
    t = (1 - a) * (M @ (t * inv) + d * p) + a * p
elapsed = time.perf_counter() - t0
cpu = time.process_time() - c0
print(f"scipy_build_s {build:.3f}")
print(f"scipy_iteration_ms {elapsed * 1000 / iters:.2f}")
print(f"scipy_iteration_cpu_ms {cpu * 1000 / iters:.2f}")
print(f"scipy_version {__import__('scipy').__version__}")
