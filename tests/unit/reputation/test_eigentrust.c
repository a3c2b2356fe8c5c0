/* EigenTrust (src/reputation/eigentrust.c): the same trust for any number of threads,
 * convergence to the stated tolerance, a Sybil ring with no trust flowing in scores exactly 0,
 * and one attack edge bounds the ring's total trust however large the ring grows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reputation/eigentrust.h"
#include "test.h"

static uint64_t rng = 88172645463325252ull;
static uint32_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

/* honest people 0..h-1 with random endorsements; seeds 0..9 */
static int weighted; /* 1: weights 1..3 (the general path), 0: all 1 (the unit path) */
static et_edge *honest(int h, int m, int *n_out) {
  et_edge *e = malloc(sizeof *e * (size_t)m);
  for (int i = 0; i < m; i++)
    e[i] = (et_edge){(int32_t)(next() % (unsigned)h), (int32_t)(next() % (unsigned)h),
                     weighted ? (int32_t)(1 + next() % 3) : 1};
  *n_out = m;
  return e;
}

static const int32_t seeds[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

TEST(eigentrust_is_deterministic_across_threads) {
  for (weighted = 0; weighted <= 1; weighted++) {
  int m;
  et_edge *e = honest(20000, 200000, &m);
  et_graph g;
  REQUIRE(et_graph_build(&g, 20000, e, m, seeds, 10) == 0);
  double *t1 = malloc(sizeof *t1 * 20000), *t2 = malloc(sizeof *t2 * 20000), *t4 = malloc(sizeof *t4 * 20000);
  et_options o = {0.15, 1e-12, 500, 1};
  et_stats s1, s2, s4;
  CHECK(et_run(&g, &o, t1, &s1) == 0);
  o.threads = 2;
  CHECK(et_run(&g, &o, t2, &s2) == 0);
  o.threads = 4;
  CHECK(et_run(&g, &o, t4, &s4) == 0);
  CHECK_MEM(t1, sizeof *t1 * 20000, t2, sizeof *t2 * 20000);
  CHECK_MEM(t1, sizeof *t1 * 20000, t4, sizeof *t4 * 20000);
  CHECK_INT(s1.iterations, s4.iterations);
  if (weighted) CHECK(!g.unit);
  free(t1), free(t2), free(t4), free(e);
  et_graph_release(&g);
  }
  weighted = 0;
}

TEST(eigentrust_converges) {
  int m;
  weighted = 1;
  et_edge *e = honest(5000, 40000, &m);
  weighted = 0;
  et_graph g;
  REQUIRE(et_graph_build(&g, 5000, e, m, seeds, 10) == 0);
  double *t = malloc(sizeof *t * 5000), *y = malloc(sizeof *y * 5000);
  et_options o = {0.15, 1e-10, 1000, 2};
  et_stats st;
  REQUIRE(et_run(&g, &o, t, &st) == 0);
  CHECK(st.converged);
  CHECK(st.delta < 1e-10);
  double sum = 0;
  for (int i = 0; i < 5000; i++) sum += t[i];
  CHECK(fabs(sum - 1.0) < 1e-9);
  /* a fixed point: one more step (by hand, serially) moves it by less than the tolerance */
  double dang = 0;
  for (int v = 0; v < 5000; v++) if (!g.out_w[v]) dang += t[v];
  double moved = 0;
  for (int v = 0; v < 5000; v++) {
    double s = 0;
    for (int64_t k = g.in_ptr[v]; k < g.in_ptr[v + 1]; k++) s += g.in_cnt[k] * t[g.in_src[k]] / (double)g.out_w[g.in_src[k]];
    double p = g.seed[v] ? 0.1 : 0;
    y[v] = 0.85 * (s + dang * p) + 0.15 * p;
    moved += fabs(y[v] - t[v]);
  }
  CHECK(moved < 1e-9);
  /* no seeds: everybody 0 */
  et_graph g0;
  REQUIRE(et_graph_build(&g0, 5000, e, m, NULL, 0) == 0);
  REQUIRE(et_run(&g0, &o, t, &st) == 0);
  for (int i = 0; i < 5000; i++) CHECK(t[i] == 0.0);
  et_graph_release(&g0);
  et_graph_release(&g);
  free(t), free(y), free(e);
}

/* honest part of h people, a ring of r fake accounts after it (each endorses the next two);
 * attack: one edge from honest person 42 into the ring. Returns the ring's total trust and
 * *bound = (1 − α)/α · t[42] / out_w[42]. */
static double ring_trust(int h, int r, int attack, double *bound) {
  int m;
  et_edge *e = honest(h, h * 10, &m);
  e = realloc(e, sizeof *e * (size_t)(m + 2 * r + 1));
  for (int i = 0; i < r; i++) {
    e[m++] = (et_edge){h + i, h + (i + 1) % r, 1};
    e[m++] = (et_edge){h + i, h + (i + 2) % r, 1};
  }
  if (attack) e[m++] = (et_edge){42, h, 1};
  et_graph g;
  double total = -1;
  if (et_graph_build(&g, h + r, e, m, seeds, 10) == 0) {
    double *t = malloc(sizeof *t * (size_t)(h + r));
    et_options o = {0.15, 1e-13, 2000, 2};
    et_stats st;
    if (et_run(&g, &o, t, &st) == 0) {
      total = 0;
      for (int i = h; i < h + r; i++) total += t[i];
      *bound = 0.85 / 0.15 * t[42] / (double)g.out_w[42];
      for (int i = h; i < h + r && !attack; i++)
        if (t[i] != 0.0) total = -2; /* not exactly zero */
    }
    free(t);
    et_graph_release(&g);
  }
  free(e);
  return total;
}

TEST(eigentrust_sybil_ring_without_trust_scores_zero) {
  double bound;
  rng = 7;
  CHECK(ring_trust(2000, 1000, 0, &bound) == 0.0);
}

TEST(eigentrust_one_attack_edge_bounds_the_ring) {
  double first = 0;
  for (int r = 10; r <= 10000; r *= 10) {
    double bound;
    rng = 7; /* the same honest part each time */
    double total = ring_trust(2000, r, 1, &bound);
    CHECK(total > 0);
    CHECK(total <= bound * (1 + 1e-6) + 1e-12);
    if (r == 10) first = total;
    /* the ring gains nothing by growing */
    CHECK(total <= first * (1 + 1e-6) + 1e-12);
  }
}

/* duplicate edges merge into one weighted edge; a graph of distinct unit edges takes the unit path
 * and gives what the general path gives */
TEST(eigentrust_duplicates_merge) {
  et_edge dup[] = {{0, 1, 1}, {1, 2, 1}, {0, 1, 1}, {2, 0, 1}, {2, 3, 1}, {3, 3, 1}};
  et_edge one[] = {{2, 3, 1}, {0, 1, 2}, {2, 0, 1}, {1, 2, 1}};
  int32_t s0[] = {0};
  et_graph a, b;
  REQUIRE(et_graph_build(&a, 4, dup, 6, s0, 1) == 0);
  REQUIRE(et_graph_build(&b, 4, one, 4, s0, 1) == 0);
  CHECK_INT(a.m, 4);
  CHECK_INT(a.unit, 0);
  CHECK_MEM(a.in_ptr, 5 * sizeof(int64_t), b.in_ptr, 5 * sizeof(int64_t));
  CHECK_MEM(a.in_src, 4 * sizeof(int32_t), b.in_src, 4 * sizeof(int32_t));
  CHECK_MEM(a.in_cnt, 4 * sizeof(int32_t), b.in_cnt, 4 * sizeof(int32_t));
  et_graph_release(&a);
  et_graph_release(&b);
  et_edge ring[] = {{0, 1, 1}, {1, 2, 1}, {2, 0, 1}, {2, 3, 1}};
  REQUIRE(et_graph_build(&a, 4, ring, 4, s0, 1) == 0);
  CHECK_INT(a.unit, 1);
  double t1[4], t2[4];
  et_options o = {0.15, 1e-14, 1000, 1};
  et_stats st;
  CHECK(et_run(&a, &o, t1, &st) == 0);
  a.unit = 0; /* the general path over the same weights */
  CHECK(et_run(&a, &o, t2, &st) == 0);
  CHECK_MEM(t1, sizeof t1, t2, sizeof t2);
  CHECK(t1[3] > 0 && t1[0] > t1[3]);
  et_graph_release(&a);
}

TEST_MAIN(RUN(eigentrust_duplicates_merge); RUN(eigentrust_is_deterministic_across_threads); RUN(eigentrust_converges);
          RUN(eigentrust_sybil_ring_without_trust_scores_zero); RUN(eigentrust_one_attack_edge_bounds_the_ring))
