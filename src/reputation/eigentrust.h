/* EigenTrust over the endorsement graph (docs/reputation.md, "Endorsements"): the global trust
 * vector t = (1 − α) Cᵀ t + α p, where C is the row-normalized endorsement matrix (an edge's weight
 * is the number of skills i endorsed j in) and p spreads one unit of trust evenly over the
 * pre-trusted seeds (validators with stake, admins). Trust that reaches a person who endorses
 * nobody goes back to the seeds. With no seeds every trust is 0.
 *
 * The matrix is held as CSR by destination (each person's incoming edges), so each thread
 * computes a range of people by pulling from their endorsers (each endorser's trust divided by
 * its outgoing weight once per iteration, then multiplied by the edge's weight): no atomics, and the sum for each
 * person runs in a fixed order. The two global sums an iteration needs (the dangling mass and the
 * L1 change) are summed per block of ET_BLOCK people and the blocks in order, so the result is the
 * same bit for bit for any number of threads. A person's sum runs over their endorsers in four
 * interleaved partial sums (k mod 4), added as (s0 + s1) + (s2 + s3), then the rest in order: a
 * fixed order that does not wait on one addition per edge. Doubles (IEEE 754 binary64, no
 * -ffast-math). */
#ifndef PHEME_REPUTATION_EIGENTRUST_H
#define PHEME_REPUTATION_EIGENTRUST_H

#include <stdint.h>

#define ET_BLOCK 4096

typedef struct {
  int64_t n;          /* people, 0..n-1 */
  int64_t m;          /* edges */
  int64_t *in_ptr;    /* n + 1 offsets into in_src / in_w */
  int32_t *in_src;    /* the endorser of each incoming edge, ascending within a person */
  int32_t *in_cnt;    /* the edge's weight (skills endorsed) */
  int unit;           /* 1: every weight is 1 (in_cnt is then not read) */
  int64_t *out_w;     /* outgoing weight per person (0: dangling) */
  double *inv_out;    /* 1 / out_w (0 for the dangling): a multiplication per person, not a division */
  uint8_t *seed;      /* 1: pre-trusted */
} et_graph;

typedef struct {
  int32_t from, to;
  int32_t weight; /* > 0 */
} et_edge;

/* Builds g from edges (any order; duplicates are summed; self-loops dropped) over n people.
 * Returns 0, or -1 when memory runs out. seeds (may be NULL) lists pre-trusted people. */
int et_graph_build(et_graph *g, int64_t n, const et_edge *edges, int64_t m, const int32_t *seeds,
                   int64_t nseeds);
void et_graph_release(et_graph *g);

typedef struct {
  double alpha;       /* weight of the seeds each step, 0 < alpha < 1 (reputation_eigentrust_alpha) */
  double tolerance;   /* stop when the L1 change of an iteration is below this */
  int max_iterations;
  int threads;        /* 1..64 */
} et_options;

typedef struct {
  int iterations;
  double delta;       /* the L1 change of the last iteration */
  int converged;
} et_stats;

/* Computes the trust vector into t (n doubles, summing to 1 when there are seeds, else all 0).
 * Returns 0, or -1 when a thread cannot start or memory runs out. */
int et_run(const et_graph *g, const et_options *o, double *t, et_stats *st);

#endif
