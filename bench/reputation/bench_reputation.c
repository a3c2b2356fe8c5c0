/* The reputation engine at scale (issue 12): EigenTrust over N people and M endorsements (graph
 * build, time per iteration, iterations to converge), the formula for every person, and an epoch
 * of N scores (Merkle tree + every proof). Writes the graph to GRAPH (int32 from, int32 to, pairs)
 * for bench/reputation/scipy_power.py, the reference run on the same graph.
 *   bench_reputation N M THREADS GRAPH     prints "key value" lines */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "reputation/eigentrust.h"
#include "reputation/formula.h"
#include "reputation/merkle.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

static long rss_peak_mib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: bench_reputation PEOPLE ENDORSEMENTS THREADS GRAPH\n");
    return 2;
  }
  int64_t n = atoll(argv[1]), m = atoll(argv[2]);
  int threads = atoi(argv[3]);
  /* endorsements: skewed towards low ids (a few popular people), 1000 seeds */
  et_edge *e = malloc(sizeof *e * (size_t)m);
  if (!e) return 1;
  for (int64_t i = 0; i < m; i++) {
    uint64_t r = next();
    int64_t to = (int64_t)((r >> 20) % (uint64_t)n);
    if (r & 1) to = to % (n / 100 + 1);
    e[i] = (et_edge){(int32_t)(next() % (uint64_t)n), (int32_t)to, 1};
  }
  FILE *gf = fopen(argv[4], "wb");
  if (!gf) return 1;
  for (int64_t i = 0; i < m; i++) {
    int32_t pair[2] = {e[i].from, e[i].to};
    if (fwrite(pair, sizeof pair, 1, gf) != 1) return 1;
  }
  fclose(gf);
  int32_t seeds[1000];
  for (int i = 0; i < 1000; i++) seeds[i] = (int32_t)(i * (n / 1000));
  long rss0 = rss_peak_mib();
  double t0 = now_s(), cb = cpu_s();
  et_graph g;
  if (et_graph_build(&g, n, e, m, seeds, 1000, threads)) return 1;
  double build_s = now_s() - t0, build_cpu_s = cpu_s() - cb;
  free(e);
  double *t = malloc(sizeof *t * (size_t)n);
  et_options fixed = {0.15, 0.0, 20, threads};
  et_stats st;
  t0 = now_s();
  double c0 = cpu_s();
  if (et_run(&g, &fixed, t, &st)) return 1;
  double iter_ms = (now_s() - t0) * 1000 / st.iterations;
  double iter_cpu_ms = (cpu_s() - c0) * 1000 / st.iterations;
  /* one thread, for the CPU-time comparison with scipy (one thread too) */
  et_options one = fixed;
  one.threads = 1;
  c0 = cpu_s();
  if (et_run(&g, &one, t, &st)) return 1;
  double iter1_cpu_ms = (cpu_s() - c0) * 1000 / st.iterations;
  et_options conv = {0.15, 1e-10, 1000, threads};
  t0 = now_s();
  double ct = cpu_s();
  if (et_run(&g, &conv, t, &st)) return 1;
  double trust_s = now_s() - t0, trust_cpu_s = cpu_s() - ct;
  /* the formula for everybody: 3 validated scores, 4 active weeks, trust from above */
  rep_params p;
  rep_params_default(&p);
  double tmax = 0;
  for (int64_t i = 0; i < n; i++) tmax = t[i] > tmax ? t[i] : tmax;
  int64_t as_of = 1800000000000LL, sum = 0;
  t0 = now_s();
  double cf = cpu_s();
  rep_outcome oc[3];
  int64_t weeks[4];
  for (int64_t i = 0; i < n; i++) {
    for (int k = 0; k < 3; k++)
      oc[k] = (rep_outcome){i * 3 + k, (int)(next() % 101), as_of - (int64_t)(next() % 400) * REP_DAY_MS, 1u << (next() % 3)};
    for (int k = 0; k < 4; k++) weeks[k] = as_of / REP_WEEK_MS - (int64_t)(next() % 20);
    rep_inputs in = {.as_of = as_of, .outcomes = oc, .noutcomes = 3, .active_weeks = weeks, .nweeks = 4,
                     .trust_ppb = (int64_t)(t[i] / tmax * 1e9), .stake_tokens = (int64_t)(next() % 20000),
                     .badges = (int64_t)(next() % 12)};
    rep_result res;
    rep_compute(&p, &in, &res);
    sum += res.all.total_upt;
  }
  double formula_s = now_s() - t0;
  double formula_cpu_s = cpu_s() - cf;
  long rss_recompute = rss_peak_mib();
  /* an epoch of n scores */
  rep_leaf_value *v = malloc(sizeof *v * (size_t)n);
  for (int64_t i = 0; i < n; i++) {
    uint64_t a = next(), b = next(), c = next();
    memcpy(v[i].address, &a, 8), memcpy(v[i].address + 8, &b, 8), memcpy(v[i].address + 16, &c, 4);
    v[i].score = (uint32_t)(next() % 101);
  }
  t0 = now_s();
  double ce = cpu_s();
  rep_merkle tree;
  if (rep_merkle_build(&tree, v, n, threads)) return 1;
  double tree_s = now_s() - t0, tree_cpu_s = cpu_s() - ce;
  uint8_t proof[64][32];
  int64_t plen = 0;
  t0 = now_s();
  for (int64_t i = 0; i < n; i++) plen += rep_merkle_proof(&tree, i, proof);
  double proofs_s = now_s() - t0, epoch_cpu_s = cpu_s() - ce;
  printf("people %lld\nendorsements %lld\nthreads %d\n", (long long)n, (long long)m, threads);
  printf("iteration_cpu_ms %.2f\niteration_1thread_cpu_ms %.2f\n", iter_cpu_ms, iter1_cpu_ms);
  printf("graph_build_s %.3f\niteration_ms %.2f\ntrust_iterations %d\ntrust_s %.3f\n", build_s, iter_ms,
         st.iterations, trust_s);
  printf("formula_s %.3f\nrecompute_s %.3f\nrss_before_mib %ld\nrss_peak_mib %ld\n", formula_s,
         build_s + trust_s + formula_s, rss0, rss_recompute);
  printf("recompute_cpu_s %.3f\nepoch_cpu_s %.3f\n", build_cpu_s + trust_cpu_s + formula_cpu_s, epoch_cpu_s);
  printf("graph_build_cpu_s %.3f\ntrust_cpu_s %.3f\nformula_cpu_s %.3f\ntree_cpu_s %.3f\nproofs_cpu_s %.3f\n", build_cpu_s,
         trust_cpu_s, formula_cpu_s, tree_cpu_s, epoch_cpu_s - tree_cpu_s);
  printf("tree_s %.3f\nproofs_s %.3f\nepoch_s %.3f\nproof_hashes %lld\nchecksum %lld\n", tree_s, proofs_s,
         tree_s + proofs_s, (long long)plen, (long long)sum);
  rep_merkle_release(&tree);
  et_graph_release(&g);
  free(v), free(t);
  return 0;
}
