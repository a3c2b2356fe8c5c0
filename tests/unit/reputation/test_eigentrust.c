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

/* One EigenTrust step straight from the edge list, in the textbook order (the reference):
 * y = (1 − α)(Cᵀt + d·p) + α·p. */
static void reference_step(int n, const et_edge *e, int m, const int32_t *sd, int nsd, double alpha,
                           const double *t, double *y) {
  double *out = calloc((size_t)n, sizeof *out), *p = calloc((size_t)n, sizeof *p);
  for (int i = 0; i < m; i++)
    if (e[i].from != e[i].to) out[e[i].from] += e[i].weight;
  for (int i = 0; i < nsd; i++) p[sd[i]] = 1.0 / nsd;
  double dang = 0;
  for (int v = 0; v < n; v++) {
    if (out[v] == 0) dang += t[v];
    y[v] = 0;
  }
  for (int i = 0; i < m; i++)
    if (e[i].from != e[i].to) y[e[i].to] += e[i].weight * t[e[i].from] / out[e[i].from];
  for (int v = 0; v < n; v++) y[v] = (1 - alpha) * (y[v] + dang * p[v]) + alpha * p[v];
  free(out), free(p);
}

TEST(eigentrust_is_deterministic_across_threads) {
  for (weighted = 0; weighted <= 1; weighted++) {
  int m;
  et_edge *e = honest(20000, 200000, &m);
  et_graph g;
  REQUIRE(et_graph_build(&g, 20000, e, m, seeds, 10, 2) == 0);
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
  int64_t total = 0;
  for (int i = 0; i < m; i++) total += e[i].from != e[i].to ? e[i].weight : 0;
  CHECK_INT(g.m, total); /* an edge of weight w is w entries */
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
  REQUIRE(et_graph_build(&g, 5000, e, m, seeds, 10, 2) == 0);
  double *t = malloc(sizeof *t * 5000), *y = malloc(sizeof *y * 5000);
  et_options o = {0.15, 1e-10, 1000, 2};
  et_stats st;
  REQUIRE(et_run(&g, &o, t, &st) == 0);
  CHECK(st.converged);
  CHECK(st.delta < 1e-10);
  double sum = 0;
  for (int i = 0; i < 5000; i++) sum += t[i];
  CHECK(fabs(sum - 1.0) < 1e-9);
  /* a fixed point: one more step, computed serially from the edge list, moves it by less than
   * the tolerance */
  reference_step(5000, e, m, seeds, 10, 0.15, t, y);
  double moved = 0;
  for (int v = 0; v < 5000; v++) moved += fabs(y[v] - t[v]);
  CHECK(moved < 1e-9);
  /* no seeds: everybody 0 */
  et_graph g0;
  REQUIRE(et_graph_build(&g0, 5000, e, m, NULL, 0, 2) == 0);
  REQUIRE(et_run(&g0, &o, t, &st) == 0);
  for (int i = 0; i < 5000; i++) CHECK(t[i] == 0.0);
  CHECK_INT(st.converged, 1);
  et_graph_release(&g0);
  /* nobody at all (a new database): converged too, so the engine does not warn */
  REQUIRE(et_graph_build(&g0, 0, NULL, 0, NULL, 0, 2) == 0);
  REQUIRE(et_run(&g0, &o, t, &st) == 0);
  CHECK_INT(st.converged, 1);
  CHECK_INT(st.iterations, 0);
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
  if (et_graph_build(&g, h + r, e, m, seeds, 10, 2) == 0) {
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

/* duplicate edges add their weights: the same layout, entry for entry, as one edge of the summed
 * weight, so the same trust bit for bit */
TEST(eigentrust_duplicates_merge) {
  et_edge dup[] = {{0, 1, 1}, {1, 2, 1}, {0, 1, 1}, {2, 0, 1}, {2, 3, 1}, {3, 3, 1}};
  et_edge one[] = {{2, 3, 1}, {0, 1, 2}, {2, 0, 1}, {1, 2, 1}};
  int32_t s0[] = {0};
  et_graph a, b;
  REQUIRE(et_graph_build(&a, 4, dup, 6, s0, 1, 2) == 0);
  REQUIRE(et_graph_build(&b, 4, one, 4, s0, 1, 2) == 0);
  CHECK_INT(a.m, 5);
  CHECK_INT(a.nruns, 4);
  CHECK_INT(a.nruns, b.nruns);
  CHECK_MEM(a.run, 8, b.run, 8);
  CHECK_MEM(a.src, 5 * sizeof(uint16_t), b.src, 5 * sizeof(uint16_t));
  double t1[4], t2[4];
  et_options o = {0.15, 1e-14, 1000, 1};
  et_stats st;
  CHECK(et_run(&a, &o, t1, &st) == 0);
  CHECK(et_run(&b, &o, t2, &st) == 0);
  CHECK_MEM(t1, sizeof t1, t2, sizeof t2);
  CHECK(t1[3] > 0 && t1[0] > t1[3]);
  et_graph_release(&a);
  et_graph_release(&b);
}

/* far-apart people in one segment (skip headers) and a thread starting at a block whose first run
 * counts from a person of the block before */
TEST(eigentrust_sparse_gaps) {
  int n = 3 * ET_BLOCK + 5;
  et_edge e[] = {{0, n - 1, 1}, {1, 2, 2}, {0, 1, 1}, {2, ET_BLOCK - 1, 1}, {3, 2 * ET_BLOCK + 300, 1}, {n - 1, 3, 1}};
  int m = (int)(sizeof e / sizeof e[0]);
  int32_t s0[] = {0, 1};
  et_graph g;
  REQUIRE(et_graph_build(&g, n, e, m, s0, 2, 2) == 0);
  CHECK(g.nruns > 6); /* skips */
  double t[3 * ET_BLOCK + 5], want[3 * ET_BLOCK + 5], prev[3 * ET_BLOCK + 5];
  for (int threads = 1; threads <= 3; threads++)
    for (int iters = 1; iters <= 4; iters++) {
      et_options o = {0.15, 0.0, iters, threads};
      et_stats st;
      REQUIRE(et_run(&g, &o, t, &st) == 0);
      if (iters == 1)
        for (int v = 0; v < n; v++) prev[v] = v < 2 ? 0.5 : 0.0;
      reference_step(n, e, m, s0, 2, 0.15, prev, want);
      double err = 0;
      for (int v = 0; v < n; v++) err += fabs(want[v] - t[v]);
      CHECK(err < 1e-15);
      memcpy(prev, t, sizeof t);
    }
  CHECK(t[2 * ET_BLOCK + 300] > 0 && t[n - 1] > 0 && t[ET_BLOCK - 1] > 0);
  et_graph_release(&g);
}

/* many segments of endorsers, a weight longer than one run, people past the last full block:
 * every step equals the reference's, and the result does not depend on the order of the edges */
TEST(eigentrust_segments_and_long_runs) {
  int n = 3 * ET_SEGMENT + 777, m = 60000;
  et_edge *e = malloc(sizeof *e * (size_t)(m + 2));
  for (int i = 0; i < m; i++)
    e[i] = (et_edge){(int32_t)(next() % (unsigned)n), (int32_t)(next() % (unsigned)n), (int32_t)(1 + next() % 2)};
  e[m++] = (et_edge){5, n - 1, 3 * ET_RUN_MAX + 10}; /* four runs of the same person */
  e[m++] = (et_edge){n - 2, 5, 3};
  et_graph g;
  REQUIRE(et_graph_build(&g, n, e, m, seeds, 10, 1) == 0);
  CHECK_INT(g.nseg, 4);
  double *t = malloc(sizeof *t * (size_t)n), *want = malloc(sizeof *want * (size_t)n), *prev = malloc(sizeof *prev * (size_t)n);
  for (int iters = 1; iters <= 3; iters++) {
    et_options o = {0.15, 0.0, iters, 2};
    et_stats st;
    REQUIRE(et_run(&g, &o, t, &st) == 0);
    CHECK_INT(st.iterations, iters);
    /* the reference from the previous step's result (t = p before the first) */
    if (iters == 1) {
      for (int v = 0; v < n; v++) prev[v] = v < 10 ? 0.1 : 0.0;
    }
    reference_step(n, e, m, seeds, 10, 0.15, prev, want);
    double err = 0;
    for (int v = 0; v < n; v++) err += fabs(want[v] - t[v]);
    CHECK(err < 1e-12);
    memcpy(prev, t, sizeof *t * (size_t)n);
  }
  CHECK(t[n - 1] > 0);
  /* reversed input: the same layout and the same bits */
  et_edge *r = malloc(sizeof *r * (size_t)m);
  for (int i = 0; i < m; i++) r[i] = e[m - 1 - i];
  et_graph h;
  REQUIRE(et_graph_build(&h, n, r, m, seeds, 10, 3) == 0); /* threads do not change the layout */
  CHECK_INT(h.nruns, g.nruns);
  CHECK_MEM(h.block_run, sizeof *h.block_run * (size_t)(h.nseg * (h.nblocks + 1)), g.block_run,
            sizeof *g.block_run * (size_t)(g.nseg * (g.nblocks + 1)));
  CHECK_MEM(h.run, 2 * (size_t)h.nruns, g.run, 2 * (size_t)g.nruns);
  CHECK_MEM(h.src, sizeof *h.src * (size_t)h.m, g.src, sizeof *g.src * (size_t)g.m);
  double *u = malloc(sizeof *u * (size_t)n);
  et_options o = {0.15, 1e-12, 500, 3};
  et_stats st;
  REQUIRE(et_run(&h, &o, u, &st) == 0);
  o.threads = 1;
  REQUIRE(et_run(&g, &o, t, &st) == 0);
  CHECK_MEM(u, sizeof *u * (size_t)n, t, sizeof *t * (size_t)n);
  et_graph_release(&h);
  et_graph_release(&g);
  free(e), free(r), free(t), free(u), free(want), free(prev);
}

TEST_MAIN(RUN(eigentrust_duplicates_merge); RUN(eigentrust_segments_and_long_runs); RUN(eigentrust_sparse_gaps); RUN(eigentrust_is_deterministic_across_threads); RUN(eigentrust_converges);
          RUN(eigentrust_sybil_ring_without_trust_scores_zero); RUN(eigentrust_one_attack_edge_bounds_the_ring))
