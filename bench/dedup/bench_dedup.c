/* Near-duplicate lookup benchmark (issue 10: p99 <= 5 ms against 1,000,000 stored submissions,
 * memory reported).
 *
 * Builds an index of N signatures (default 1,000,000) from generated texts (100-300 words from a
 * 20,000-word vocabulary, each text a different person), then times Q lookups (default 10,000):
 * half are copies of stored texts with 2% of the words changed (exact Jaccard about 0.88), half
 * fresh texts (must find nothing). Reported: p50/p99/max lookup latency, recall of the planted copies, false
 * matches, index memory (dedup_index_memory and the process's RSS growth), and two references
 * measured in the same run:
 *   - the time to compute one query's signature (what every lookup costs before the index), and
 *   - a brute-force scan of all N signatures for a sample of queries (what the index saves);
 *     the scan's matches are also the ground truth for the sampled queries' recall.
 *   bench_dedup [N] [Q] [SCANS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "validation/dedup.h"

#include "core/banned.h"

static uint64_t rng = 0x1234567;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) kb = atol(line + 6);
  if (f) fclose(f);
  return kb;
}

/* text number i, reproducible: its own generator state */
static size_t gen_text(char *out, uint64_t seed) {
  uint64_t save = rng;
  rng = seed * 0x9e3779b97f4a7c15ULL + 1;
  size_t n = 100 + rnd() % 201, len = 0;
  for (size_t w = 0; w < n; w++) len += (size_t)snprintf(out + len, 16, "%sw%u", w ? " " : "", rnd() % 20000);
  rng = save;
  return len;
}

static size_t mutate(char *out, const char *in, size_t inlen, unsigned permille) {
  size_t len = 0;
  for (size_t i = 0; i < inlen;) {
    size_t e = i;
    while (e < inlen && in[e] != ' ') e++;
    if (len) out[len++] = ' ';
    if (rnd() % 1000 < permille) len += (size_t)snprintf(out + len, 16, "x%u", rnd() % 1000000);
    else {
      memcpy(out + len, in + i, e - i);
      len += e - i;
    }
    i = e + 1;
  }
  return len;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  size_t N = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, Q = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000,
         SCANS = argc > 3 ? strtoul(argv[3], NULL, 10) : 20;
  dedup_params p;
  char err[256];
  if (dedup_params_init(&p, 0.70, 3, 128, 0, 0, err, sizeof err) != PHEME_OK) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  long rss0 = rss_kb();
  dedup_index *ix = dedup_index_new(&p);
  /* every stored signature is also kept in a flat array for the brute-force reference */
  uint32_t *all = malloc(N * p.hashes * sizeof *all);
  char *text = malloc(8192), *copy = malloc(16384);
  double t0 = now_ns();
  for (size_t i = 0; i < N; i++) {
    size_t len = gen_text(text, i);
    uint32_t *sig = all + i * p.hashes;
    if (dedup_signature(&p, text, len, sig) <= 0 || dedup_index_add(ix, (int64_t)i + 1, (int64_t)i + 1, sig) != PHEME_OK) {
      fprintf(stderr, "bench: cannot index text %zu\n", i);
      return 1;
    }
  }
  double build_s = (now_ns() - t0) / 1e9;
  long rss1 = rss_kb(); /* includes the flat array: subtracted below */
  size_t mem = dedup_index_memory(ix);

  /* queries: even = a copy of a stored text (3% words changed), odd = a fresh text */
  uint32_t *qsig = malloc(Q * p.hashes * sizeof *qsig);
  size_t *orig = malloc(Q * sizeof *orig);
  double sig_ns = 0;
  for (size_t q = 0; q < Q; q++) {
    size_t len;
    if (q % 2 == 0) {
      orig[q] = rnd() % N;
      size_t tl = gen_text(text, orig[q]);
      len = mutate(copy, text, tl, 20);
    } else {
      orig[q] = SIZE_MAX;
      len = gen_text(copy, (uint64_t)N + 1000000007ULL + q);
    }
    double a = now_ns();
    long ns = dedup_signature(&p, copy, len, qsig + q * p.hashes);
    sig_ns += now_ns() - a;
    if (ns <= 0) return 1;
  }
  sig_ns /= (double)Q;

  double *lat = malloc(Q * sizeof *lat);
  size_t found = 0, planted = 0, false_matches = 0, total;
  dedup_match m[16];
  for (size_t q = 0; q < Q; q++) {
    double a = now_ns();
    if (dedup_index_query(ix, qsig + q * p.hashes, 0, 0, m, 16, &total) != PHEME_OK) return 1;
    lat[q] = now_ns() - a;
    int hit = 0;
    for (size_t j = 0; j < total && j < 16; j++) {
      if (orig[q] != SIZE_MAX && m[j].submission_id == (int64_t)orig[q] + 1) hit = 1;
      else false_matches++;
    }
    if (orig[q] != SIZE_MAX) {
      planted++;
      found += hit;
    }
  }
  qsort(lat, Q, sizeof *lat, cmp_d);
  double p50 = lat[Q / 2], p99 = lat[(size_t)(Q * 0.99)], mx = lat[Q - 1];

  /* LSH recall against the signatures' own verdict: a planted copy whose estimate against its
   * original reaches the threshold must be found (those below it are the estimate's misses, not
   * the index's) */
  size_t above = 0, found_above = 0;
  for (size_t q = 0; q < Q; q += 2) {
    if (dedup_estimate(&p, qsig + q * p.hashes, all + orig[q] * p.hashes) < p.threshold) continue;
    above++;
    if (dedup_index_query(ix, qsig + q * p.hashes, 0, 0, m, 16, &total) != PHEME_OK) return 1;
    for (size_t j = 0; j < total && j < 16; j++) found_above += m[j].submission_id == (int64_t)orig[q] + 1;
  }

  /* reference: brute-force scans of every stored signature for a sample of queries */
  double scan_ns = 0;
  size_t scan_truth = 0, scan_agree = 0;
  for (size_t s = 0; s < SCANS && s < Q; s++) {
    const uint32_t *qs = qsig + s * p.hashes;
    double a = now_ns();
    size_t hits = 0, last = SIZE_MAX;
    for (size_t i = 0; i < N; i++)
      if (dedup_estimate(&p, qs, all + i * p.hashes) >= p.threshold) hits++, last = i;
    scan_ns += now_ns() - a;
    if (dedup_index_query(ix, qs, 0, 0, m, 16, &total) != PHEME_OK) return 1;
    scan_truth += hits;
    if (hits && total == hits && m[0].submission_id == (int64_t)last + 1) scan_agree += hits;
  }
  scan_ns /= (double)(SCANS < Q ? SCANS : Q);

  printf("entries %zu\nqueries %zu\nhashes %u\nbands %u\nrows %u\nthreshold %.2f\n", N, Q, p.hashes, p.bands, p.rows, p.threshold);
  printf("build_s %.1f\n", build_s);
  printf("index_mib %.1f\nrss_growth_mib %.1f\n", mem / 1048576.0,
         (rss1 - rss0) / 1024.0 - (double)N * p.hashes * sizeof *all / 1048576.0);
  printf("p50_ms %.4f\np99_ms %.4f\nmax_ms %.4f\n", p50 / 1e6, p99 / 1e6, mx / 1e6);
  printf("copies_found %zu/%zu\nlsh_recall %zu/%zu\nfalse_matches %zu\n", found, planted, found_above, above, false_matches);
  printf("signature_ms %.4f\nscan_ms %.2f\nscan_truth %zu\nscan_agree %zu\n", sig_ns / 1e6, scan_ns / 1e6, scan_truth, scan_agree);
  printf("ratio_p99_to_signature %.3f\nratio_p99_to_scan %.2e\n", p99 / sig_ns, p99 / scan_ns);
  dedup_index_free(ix);
  free(all);
  free(text);
  free(copy);
  free(qsig);
  free(orig);
  free(lat);
  /* exit 2 when the index misses more than 2% of what the signatures say it should find, or
   * finds something unrelated */
  return false_matches == 0 && found_above * 50 >= above * 49 ? 0 : 2;
}
