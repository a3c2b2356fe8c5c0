/* The standard Merkle tree of scores (merkle.h). Leaves are hashed in parallel (two keccaks
 * each: most of the work), sorted by hash, then the inner nodes are filled from the end. */
#include "reputation/merkle.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "eth/keccak.h"
#include "core/banned.h"

void rep_merkle_leaf(const rep_leaf_value *v, uint8_t out[32]) {
  uint8_t enc[64] = {0}, inner[32];
  memcpy(enc + 12, v->address, 20);
  enc[60] = (uint8_t)(v->score >> 24), enc[61] = (uint8_t)(v->score >> 16);
  enc[62] = (uint8_t)(v->score >> 8), enc[63] = (uint8_t)v->score;
  keccak_256(inner, enc, sizeof enc);
  keccak_256(out, inner, 32);
}

void rep_merkle_pair(const uint8_t a[32], const uint8_t b[32], uint8_t out[32]) {
  uint8_t buf[64];
  if (memcmp(a, b, 32) <= 0) {
    memcpy(buf, a, 32), memcpy(buf + 32, b, 32);
  } else {
    memcpy(buf, b, 32), memcpy(buf + 32, a, 32);
  }
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

typedef struct {
  const rep_leaf_value *values;
  leaf_entry *e;
  int64_t from, to;
} hash_job;

static void *hash_range(void *arg) {
  hash_job *j = arg;
  for (int64_t i = j->from; i < j->to; i++) {
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
  for (int64_t i = j->from; i < j->to; i++) rep_merkle_pair(j->t->node[2 * i + 1], j->t->node[2 * i + 2], j->t->node[i]);
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
  qsort(e, (size_t)n, sizeof *e, leaf_cmp);
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
