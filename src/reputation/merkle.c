/* The standard Merkle tree of scores (merkle.h). Leaves are hashed in parallel, four at a time
 * (keccak4.h; two keccaks each: most of the work), sorted by hash (a bucket pass on the first two
 * bytes, then each small bucket sorted in place), then the inner nodes are filled from the end,
 * depth by depth, four at a time and in parallel within a depth. */
#include "reputation/merkle.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "eth/keccak.h"
#include "eth/keccak4.h"
#include "core/banned.h"

/* abi.encode(address, uint256) */
static void leaf_encode(const rep_leaf_value *v, uint8_t enc[64]) {
  memset(enc, 0, 64);
  memcpy(enc + 12, v->address, 20);
  enc[60] = (uint8_t)(v->score >> 24), enc[61] = (uint8_t)(v->score >> 16);
  enc[62] = (uint8_t)(v->score >> 8), enc[63] = (uint8_t)v->score;
}

void rep_merkle_leaf(const rep_leaf_value *v, uint8_t out[32]) {
  uint8_t enc[64], inner[32];
  leaf_encode(v, enc);
  keccak_256(inner, enc, sizeof enc);
  keccak_256(out, inner, 32);
}

/* a ‖ b with the smaller first */
static void pair_encode(const uint8_t a[32], const uint8_t b[32], uint8_t buf[64]) {
  if (memcmp(a, b, 32) <= 0) {
    memcpy(buf, a, 32), memcpy(buf + 32, b, 32);
  } else {
    memcpy(buf, b, 32), memcpy(buf + 32, a, 32);
  }
}

void rep_merkle_pair(const uint8_t a[32], const uint8_t b[32], uint8_t out[32]) {
  uint8_t buf[64];
  pair_encode(a, b, buf);
  keccak_256(out, buf, sizeof buf);
}

typedef struct {
  uint8_t hash[32];
  int64_t index; /* into values */
} leaf_entry;

static int leaf_cmp(const void *x, const void *y) {
  const leaf_entry *a = x, *b = y;
  int c = memcmp(a->hash, b->hash, 32);
  if (c) return c;
  return (a->index > b->index) - (a->index < b->index);
}

/* Sorts the leaves by (hash, index): the hashes are uniform, so one pass into 65,536 buckets by
 * their first two bytes leaves about n / 65,536 in each, which are then sorted in place (by
 * insertion when small, qsort otherwise, so equal hashes cannot make it quadratic). *e is
 * replaced by the sorted copy. Returns 0, or -1 when memory runs out. */
static int sort_leaves(leaf_entry **e, int64_t n) {
  if (n < 65536) {
    qsort(*e, (size_t)n, sizeof **e, leaf_cmp);
    return 0;
  }
  int64_t *start = calloc(65537, sizeof *start);
  leaf_entry *out = malloc(sizeof *out * (size_t)n);
  if (!start || !out) {
    free(start), free(out);
    return -1;
  }
  const leaf_entry *in = *e;
  for (int64_t i = 0; i < n; i++) start[(in[i].hash[0] << 8 | in[i].hash[1]) + 1]++;
  for (int b = 0; b < 65536; b++) start[b + 1] += start[b];
  int64_t *fill = malloc(sizeof *fill * 65536);
  if (!fill) {
    free(start), free(out);
    return -1;
  }
  memcpy(fill, start, sizeof *fill * 65536);
  for (int64_t i = 0; i < n; i++) out[fill[in[i].hash[0] << 8 | in[i].hash[1]]++] = in[i];
  free(fill);
  for (int b = 0; b < 65536; b++) {
    leaf_entry *x = out + start[b];
    int64_t len = start[b + 1] - start[b];
    if (len > 32) {
      qsort(x, (size_t)len, sizeof *x, leaf_cmp);
      continue;
    }
    for (int64_t i = 1; i < len; i++) {
      leaf_entry v = x[i];
      int64_t k = i - 1;
      while (k >= 0 && leaf_cmp(&x[k], &v) > 0) {
        x[k + 1] = x[k];
        k--;
      }
      x[k + 1] = v;
    }
  }
  free(start);
  free(*e);
  *e = out;
  return 0;
}

typedef struct {
  const rep_leaf_value *values;
  leaf_entry *e;
  int64_t from, to;
} hash_job;

static void *hash_range(void *arg) {
  hash_job *j = arg;
  int64_t i = j->from;
  for (; i + 4 <= j->to; i += 4) {
    uint8_t enc[4][64];
    uint8_t *h[4];
    for (int k = 0; k < 4; k++) {
      leaf_encode(&j->values[i + k], enc[k]);
      h[k] = j->e[i + k].hash;
      j->e[i + k].index = i + k;
    }
    const uint8_t *in[4] = {enc[0], enc[1], enc[2], enc[3]}, *mid[4] = {h[0], h[1], h[2], h[3]};
    keccak4_256(in, 64, h);
    keccak4_256(mid, 32, h);
  }
  for (; i < j->to; i++) {
    rep_merkle_leaf(&j->values[i], j->e[i].hash);
    j->e[i].index = i;
  }
  return NULL;
}

typedef struct {
  rep_merkle *t;
  int64_t from, to;
} inner_job;

static void *inner_part(void *arg) {
  inner_job *j = arg;
  uint8_t(*node)[32] = j->t->node;
  int64_t i = j->from;
  for (; i + 4 <= j->to; i += 4) {
    uint8_t buf[4][64];
    for (int k = 0; k < 4; k++) pair_encode(node[2 * (i + k) + 1], node[2 * (i + k) + 2], buf[k]);
    const uint8_t *in[4] = {buf[0], buf[1], buf[2], buf[3]};
    uint8_t *out[4] = {node[i], node[i + 1], node[i + 2], node[i + 3]};
    keccak4_256(in, 64, out);
  }
  for (; i < j->to; i++) rep_merkle_pair(node[2 * i + 1], node[2 * i + 2], node[i]);
  return NULL;
}

/* Hashes inner nodes [from, to) (all of one depth) with up to `threads` threads. */
static void inner_range(rep_merkle *t, int64_t from, int64_t to, int threads) {
  inner_job jobs[16];
  pthread_t th[16];
  int started[16] = {0};
  int64_t n = to - from;
  for (int i = 0; i < threads; i++) {
    jobs[i] = (inner_job){t, from + n * i / threads, from + n * (i + 1) / threads};
    if (i > 0 && pthread_create(&th[i], NULL, inner_part, &jobs[i]) == 0) started[i] = 1;
  }
  inner_part(&jobs[0]);
  for (int i = 1; i < threads; i++) {
    if (started[i]) pthread_join(th[i], NULL);
    else inner_part(&jobs[i]);
  }
}

void rep_merkle_release(rep_merkle *t) {
  free(t->node);
  free(t->pos);
  memset(t, 0, sizeof *t);
}

int rep_merkle_build(rep_merkle *t, const rep_leaf_value *values, int64_t n, int threads) {
  memset(t, 0, sizeof *t);
  if (n < 1) return -1;
  leaf_entry *e = malloc(sizeof *e * (size_t)n);
  t->node = malloc(sizeof *t->node * (size_t)(2 * n - 1));
  t->pos = malloc(sizeof *t->pos * (size_t)n);
  if (!e || !t->node || !t->pos) {
    free(e);
    rep_merkle_release(t);
    return -1;
  }
  t->n = n;
  if (threads < 1) threads = 1;
  if (threads > 16) threads = 16;
  if (n < 4096) threads = 1;
  hash_job jobs[16];
  pthread_t th[16];
  int started[16] = {0};
  for (int i = 0; i < threads; i++) {
    jobs[i] = (hash_job){values, e, n * i / threads, n * (i + 1) / threads};
    if (i > 0 && pthread_create(&th[i], NULL, hash_range, &jobs[i]) == 0) started[i] = 1;
  }
  hash_range(&jobs[0]);
  for (int i = 1; i < threads; i++) {
    if (started[i]) pthread_join(th[i], NULL);
    else hash_range(&jobs[i]); /* could not start: do its share here */
  }
  if (sort_leaves(&e, n)) {
    free(e);
    rep_merkle_release(t);
    return -1;
  }
  int64_t len = 2 * n - 1;
  for (int64_t i = 0; i < n; i++) {
    memcpy(t->node[len - 1 - i], e[i].hash, 32);
    t->pos[e[i].index] = len - 1 - i;
  }
  free(e);
  /* inner nodes depth by depth, deepest first: the nodes of one depth are independent */
  int depth = 0;
  while (((int64_t)1 << (depth + 1)) - 1 <= n - 2) depth++;
  for (int d = depth; d >= 0; d--) {
    int64_t lo = ((int64_t)1 << d) - 1, hi = ((int64_t)1 << (d + 1)) - 2;
    if (hi > n - 2) hi = n - 2;
    if (lo > hi) continue;
    inner_range(t, lo, hi + 1, hi - lo + 1 < 4096 ? 1 : threads);
  }
  return 0;
}

int rep_merkle_proof(const rep_merkle *t, int64_t i, uint8_t out[][32]) {
  int64_t k = t->pos[i];
  int n = 0;
  while (k > 0 && n < 64) {
    int64_t sib = (k % 2) ? k + 1 : k - 1;
    memcpy(out[n++], t->node[sib], 32);
    k = (k - 1) / 2;
  }
  return n;
}

int rep_merkle_verify(const uint8_t leaf[32], const uint8_t proof[][32], int n, const uint8_t root[32]) {
  uint8_t h[32];
  memcpy(h, leaf, 32);
  for (int i = 0; i < n; i++) rep_merkle_pair(h, proof[i], h);
  return memcmp(h, root, 32) == 0;
}
