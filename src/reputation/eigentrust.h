/* EigenTrust over the endorsement graph (docs/reputation.md, "Endorsements"): the global trust
 * vector t = (1 − α) Cᵀ t + α p, where C is the row-normalized endorsement matrix (an edge's weight
 * is the number of skills i endorsed j in) and p spreads one unit of trust evenly over the
 * pre-trusted seeds (validators with stake, admins). Trust that reaches a person who endorses
 * nobody goes back to the seeds. With no seeds every trust is 0.
 *
 * Layout: the step is a pull (each person sums their endorsers' trust, divided by the endorser's
 * outgoing weight), and what limits it is the gather of the endorsers' values, which are spread
 * over the whole vector. So the endorsers are cut into segments of ET_SEGMENT people (256 KiB of
 * doubles, which stays in a core's L2 cache) and the edges are stored segment by segment: within a
 * segment, sorted by endorsed person, a "run" per endorsed person (a 2-byte header: how far the
 * person is from the previous run's, and how many entries), and each entry is the endorser's
 * 16-bit offset in the segment, ascending. What an iteration streams is then 2 bytes per entry
 * and 2 per run (about 30 MB for 10M endorsements), where a CSR with 32-bit indices streams 4
 * per entry plus 8 per person. An edge of weight w is w
 * equal entries (w·x summed as x + … + x), so there is no weight stream and one inner loop.
 * Each thread owns a range of endorsed people, zeroes their sums, then walks the segments in order
 * adding each run's sum to its person: the gathers hit L2 and the sums land in order.
 *
 * Determinism: a person's sum is ((run of segment 0) + run of segment 1) + …, each run summed in
 * endorser order, whatever the number of threads; the two global sums of an iteration (the dangling
 * mass and the L1 change) are summed per block of ET_BLOCK people and the blocks in order. So the
 * result is the same bit for bit for any number of threads and any order of the input edges.
 * Doubles (IEEE 754 binary64, no -ffast-math): floats would halve the gathered bytes, but they
 * cannot reach the default tolerance of 10⁻¹⁰ in L1, and with the segments in L2 the gather is no
 * longer what limits the step (docs/reputation.md, "Limits"). */
#ifndef PHEME_REPUTATION_EIGENTRUST_H
#define PHEME_REPUTATION_EIGENTRUST_H

#include <stdint.h>

#define ET_BLOCK 4096
#define ET_SEGMENT_BITS 15
#define ET_SEGMENT (1 << ET_SEGMENT_BITS)
#define ET_RUN_MAX 255 /* entries in one run; a longer one is split in runs of the same person */
#define ET_SKIP 255    /* a header (ET_SKIP, 0) moves the person on by ET_SKIP with no entries */

typedef struct {
  int64_t n;          /* people, 0..n-1 */
  int64_t m;          /* entries: the sum of the weights of the edges kept */
  int64_t nblocks;    /* blocks of ET_BLOCK endorsed people */
  int nseg;           /* segments of ET_SEGMENT endorsers */
  int64_t nruns;      /* run headers */
  /* [s * (nblocks + 1) + b]: the first run header (its first entry, and the person the header
   * before it named) of segment s whose person is in block b or after; b = nblocks: the end */
  int64_t *block_run, *block_entry;
  int32_t *block_prev;
  /* per run, two bytes: the person named minus the previous header's person (runs of a segment
   * ascend; the first one counts from 0), then the run's entries (1..ET_RUN_MAX); a gap over 255
   * is crossed by headers (ET_SKIP, 0) */
  uint8_t *run;
  uint16_t *src;      /* per entry: the endorser − its segment's first person */
  int64_t *out_w;     /* outgoing weight per person (0: dangling) */
  double *inv_out;    /* 1 / out_w (0 for the dangling): a multiplication per person, not a division */
  uint8_t *seed;      /* 1: pre-trusted */
} et_graph;

typedef struct {
  int32_t from, to;
  int32_t weight; /* > 0; an edge of weight ≤ 0 is dropped */
} et_edge;

/* Builds g from edges (any order; duplicates add their weights; self-loops dropped) over n
 * people, sorting the segments with up to `threads` threads (the result does not depend on it).
 * Returns 0, or -1 when memory runs out or the weights sum past 2⁴⁰. seeds (may be NULL) lists
 * pre-trusted people. */
int et_graph_build(et_graph *g, int64_t n, const et_edge *edges, int64_t m, const int32_t *seeds,
                   int64_t nseeds, int threads);
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
 * With nobody or no seed the answer is all 0 at once: converged, 0 iterations. Returns 0, or -1
 * when a thread cannot start or memory runs out. */
int et_run(const et_graph *g, const et_options *o, double *t, et_stats *st);

#endif
