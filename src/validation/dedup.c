/* Near-duplicate detection: shingles, MinHash and the LSH index; see dedup.h.
 *
 * The index keeps entries in slots (parallel arrays: ids, signatures, chain links). Each band of
 * each entry has a 64-bit band key; one open-addressing table maps a band key to the head of a
 * chain of slots threaded through next[slot * bands + band]. A removed entry is unlinked from its
 * chains and its slot reused; a key whose chain empties stays in the table (head NONE) until the
 * next rehash drops it. Submission ids map to slots through a second open-addressing table with
 * backward-shift deletion. */
#include "validation/dedup.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "core/banned.h"

#define NONE UINT32_MAX
#define EMPTY_ID INT64_MIN

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double dedup_scurve(double s, unsigned bands, unsigned rows) {
  return 1.0 - pow(1.0 - pow(s, (double)rows), (double)bands);
}

static double area(unsigned b, unsigned r, double lo, double hi, int fn) {
  const int steps = 200;
  double sum = 0, h = (hi - lo) / steps;
  for (int i = 0; i < steps; i++) {
    double s = lo + (i + 0.5) * h, p = dedup_scurve(s, b, r);
    sum += (fn ? 1.0 - p : p) * h;
  }
  return sum;
}

void dedup_tune(unsigned hashes, double threshold, unsigned *bands, unsigned *rows) {
  double best = 1e300;
  *bands = 1;
  *rows = hashes;
  for (unsigned b = 1; b <= hashes; b++)
    for (unsigned r = 1; b * r <= hashes; r++) {
      double err = area(b, r, 0.0, threshold, 0) + DEDUP_FN_WEIGHT * area(b, r, threshold, 1.0, 1);
      if (err < best - 1e-12) {
        best = err;
        *bands = b;
        *rows = r;
      }
    }
}

pheme_err dedup_params_init(dedup_params *p, double threshold, unsigned shingle_words,
                            unsigned hashes, unsigned bands, unsigned rows, char *err,
                            size_t errlen) {
  memset(p, 0, sizeof *p);
  if (!(threshold > 0.0 && threshold <= 1.0)) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "dedup threshold %g is not in (0, 1]", threshold);
  }
  if (shingle_words < 1 || shingle_words > DEDUP_MAX_SHINGLE_WORDS) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "shingle size %u is not in 1..%d", shingle_words, DEDUP_MAX_SHINGLE_WORDS);
  }
  if (hashes < 8 || hashes > DEDUP_MAX_HASHES) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "minhash count %u is not in 8..%d", hashes, DEDUP_MAX_HASHES);
  }
  if ((bands == 0) != (rows == 0)) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "lsh bands %u and rows %u: give both or neither", bands, rows);
  }
  if (bands == 0) dedup_tune(hashes, threshold, &bands, &rows);
  if ((unsigned long)bands * rows > hashes) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "lsh bands %u x rows %u exceed the %u hashes", bands, rows, hashes);
  }
  p->threshold = threshold;
  p->shingle_words = shingle_words;
  p->hashes = hashes;
  p->bands = bands;
  p->rows = rows;
  p->seed = 0x7068656d65646475ULL; /* "phemeddu" */
  return PHEME_OK;
}

/* ---- shingles ---------------------------------------------------------------------------- */

static int is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The sorted distinct shingle hashes of a text into *out (malloc'ed; NULL when there are none).
 * Returns the count, or -1 when memory is short. */
static long shingle_hashes(const dedup_params *p, const char *text, size_t len, uint64_t **out) {
  *out = NULL;
  char *norm = malloc(len + 1);
  size_t *ends = NULL, *starts = NULL, nw = 0, wcap = 0, n = 0;
  if (!norm) return -1;
  for (size_t i = 0; i < len;) {
    while (i < len && !is_word_byte((unsigned char)text[i])) i++;
    if (i >= len) break;
    if (nw == wcap) {
      size_t nc = wcap ? wcap * 2 : 64;
      size_t *s2 = realloc(starts, nc * sizeof *s2), *e2;
      if (!s2) goto nomem;
      starts = s2;
      e2 = realloc(ends, nc * sizeof *e2);
      if (!e2) goto nomem;
      ends = e2;
      wcap = nc;
    }
    if (nw) norm[n++] = ' ';
    starts[nw] = n;
    for (; i < len && is_word_byte((unsigned char)text[i]); i++) {
      unsigned char c = (unsigned char)text[i];
      norm[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    ends[nw++] = n;
  }
  if (nw == 0) {
    free(norm);
    free(starts);
    free(ends);
    return 0;
  }
  size_t k = p->shingle_words, count = nw >= k ? nw - k + 1 : 1;
  uint64_t *h = malloc(count * sizeof *h);
  if (!h) goto nomem;
  for (size_t i = 0; i < count; i++) {
    size_t last = i + k - 1 < nw ? i + k - 1 : nw - 1;
    h[i] = XXH64(norm + starts[i], ends[last] - starts[i], 0);
  }
  qsort(h, count, sizeof *h, cmp_u64);
  size_t u = 0;
  for (size_t i = 0; i < count; i++)
    if (u == 0 || h[i] != h[u - 1]) h[u++] = h[i];
  free(norm);
  free(starts);
  free(ends);
  *out = h;
  return (long)u;
nomem:
  free(norm);
  free(starts);
  free(ends);
  return -1;
}

long dedup_signature(const dedup_params *p, const char *text, size_t len, uint32_t *sig) {
  uint64_t *h;
  long n = shingle_hashes(p, text, len, &h);
  for (unsigned i = 0; i < p->hashes; i++) sig[i] = UINT32_MAX;
  if (n <= 0) return n;
  uint64_t st = p->seed;
  for (unsigned i = 0; i < p->hashes; i++) {
    uint64_t a = splitmix64(&st) | 1, b = splitmix64(&st);
    uint32_t m = UINT32_MAX;
    for (long j = 0; j < n; j++) {
      uint32_t v = (uint32_t)((a * h[j] + b) >> 32);
      if (v < m) m = v;
    }
    sig[i] = m;
  }
  free(h);
  return n;
}

double dedup_jaccard_exact(const dedup_params *p, const char *a, size_t alen, const char *b,
                           size_t blen) {
  uint64_t *x, *y;
  long nx = shingle_hashes(p, a, alen, &x);
  if (nx < 0) return -1;
  long ny = shingle_hashes(p, b, blen, &y);
  if (ny < 0) {
    free(x);
    return -1;
  }
  long i = 0, j = 0, inter = 0;
  while (i < nx && j < ny) {
    if (x[i] == y[j]) inter++, i++, j++;
    else if (x[i] < y[j]) i++;
    else j++;
  }
  free(x);
  free(y);
  long uni = nx + ny - inter;
  return uni ? (double)inter / (double)uni : 0.0;
}

double dedup_estimate(const dedup_params *p, const uint32_t *a, const uint32_t *b) {
  unsigned eq = 0;
  for (unsigned i = 0; i < p->hashes; i++) eq += a[i] == b[i];
  return (double)eq / (double)p->hashes;
}

/* ---- the index --------------------------------------------------------------------------- */

struct dedup_index {
  dedup_params p;
  pthread_rwlock_t lock;
  /* slots */
  size_t n, cap, live;
  int64_t *sub, *person;
  uint32_t *sig, *next;
  uint32_t *freed;
  size_t nfreed;
  /* band key -> chain head */
  uint64_t *bkey;
  uint32_t *bhead;
  size_t bsize, bcount;
  /* submission id -> slot */
  int64_t *mkey;
  uint32_t *mslot;
  size_t msize, mcount;
};

static uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

static uint64_t band_key(const dedup_index *ix, const uint32_t *sig, unsigned band) {
  uint64_t k = XXH64(sig + (size_t)band * ix->p.rows, ix->p.rows * sizeof(uint32_t), band + 1);
  return k ? k : 1;
}

dedup_index *dedup_index_new(const dedup_params *p) {
  dedup_index *ix = calloc(1, sizeof *ix);
  if (!ix) return NULL;
  ix->p = *p;
  /* glibc's default rwlock prefers readers: a steady stream of queries would starve the writer */
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  int rc = pthread_rwlock_init(&ix->lock, &attr);
  pthread_rwlockattr_destroy(&attr);
  if (rc != 0) {
    free(ix);
    return NULL;
  }
  return ix;
}

void dedup_index_free(dedup_index *ix) {
  if (!ix) return;
  pthread_rwlock_destroy(&ix->lock);
  free(ix->sub);
  free(ix->person);
  free(ix->sig);
  free(ix->next);
  free(ix->freed);
  free(ix->bkey);
  free(ix->bhead);
  free(ix->mkey);
  free(ix->mslot);
  free(ix);
}

/* the band-table position of key: its slot, or the empty slot where it would go */
static size_t band_find(const dedup_index *ix, uint64_t key) {
  size_t mask = ix->bsize - 1, i = mix64(key) & mask;
  while (ix->bkey[i] && ix->bkey[i] != key) i = (i + 1) & mask;
  return i;
}

static int band_rehash(dedup_index *ix, size_t need) {
  size_t size = 1024;
  while (size * 3 / 4 < need) size *= 2;
  uint64_t *k = calloc(size, sizeof *k);
  uint32_t *h = malloc(size * sizeof *h);
  if (!k || !h) {
    free(k);
    free(h);
    return -1;
  }
  uint64_t *ok = ix->bkey;
  uint32_t *oh = ix->bhead;
  size_t osize = ix->bsize;
  ix->bkey = k;
  ix->bhead = h;
  ix->bsize = size;
  ix->bcount = 0;
  for (size_t i = 0; i < osize; i++) {
    if (!ok[i] || oh[i] == NONE) continue;
    size_t j = band_find(ix, ok[i]);
    k[j] = ok[i];
    h[j] = oh[i];
    ix->bcount++;
  }
  free(ok);
  free(oh);
  return 0;
}

static size_t map_find(const dedup_index *ix, int64_t id) {
  size_t mask = ix->msize - 1, i = mix64((uint64_t)id) & mask;
  while (ix->mkey[i] != EMPTY_ID && ix->mkey[i] != id) i = (i + 1) & mask;
  return i;
}

static int map_rehash(dedup_index *ix, size_t need) {
  size_t size = 1024;
  while (size / 2 < need) size *= 2;
  if (size <= ix->msize) return 0;
  int64_t *k = malloc(size * sizeof *k);
  uint32_t *s = malloc(size * sizeof *s);
  if (!k || !s) {
    free(k);
    free(s);
    return -1;
  }
  for (size_t i = 0; i < size; i++) k[i] = EMPTY_ID;
  int64_t *ok = ix->mkey;
  uint32_t *os = ix->mslot;
  size_t osize = ix->msize;
  ix->mkey = k;
  ix->mslot = s;
  ix->msize = size;
  for (size_t i = 0; i < osize; i++) {
    if (ok[i] == EMPTY_ID) continue;
    size_t j = map_find(ix, ok[i]);
    k[j] = ok[i];
    s[j] = os[i];
  }
  free(ok);
  free(os);
  return 0;
}

static void map_delete(dedup_index *ix, size_t i) {
  size_t mask = ix->msize - 1, j = i;
  ix->mkey[i] = EMPTY_ID;
  for (;;) {
    j = (j + 1) & mask;
    if (ix->mkey[j] == EMPTY_ID) break;
    size_t home = mix64((uint64_t)ix->mkey[j]) & mask;
    /* move j back into the hole i unless its home lies cyclically in (i, j] */
    if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
      ix->mkey[i] = ix->mkey[j];
      ix->mslot[i] = ix->mslot[j];
      ix->mkey[j] = EMPTY_ID;
      i = j;
    }
  }
  ix->mcount--;
}

static int grow_slots(dedup_index *ix) {
  if (ix->cap >= DEDUP_MAX_ENTRIES) return -1;
  size_t nc = ix->cap ? ix->cap * 2 : 1024;
  if (nc > DEDUP_MAX_ENTRIES) nc = DEDUP_MAX_ENTRIES;
  size_t k = ix->p.hashes, b = ix->p.bands;
  int64_t *sub = realloc(ix->sub, nc * sizeof *sub);
  if (!sub) return -1;
  ix->sub = sub;
  int64_t *person = realloc(ix->person, nc * sizeof *person);
  if (!person) return -1;
  ix->person = person;
  uint32_t *sig = realloc(ix->sig, nc * k * sizeof *sig);
  if (!sig) return -1;
  ix->sig = sig;
  uint32_t *next = realloc(ix->next, nc * b * sizeof *next);
  if (!next) return -1;
  ix->next = next;
  uint32_t *freed = realloc(ix->freed, nc * sizeof *freed);
  if (!freed) return -1;
  ix->freed = freed;
  ix->cap = nc;
  return 0;
}

static void unlink_slot(dedup_index *ix, uint32_t slot) {
  unsigned nb = ix->p.bands;
  for (unsigned band = 0; band < nb; band++) {
    uint64_t key = band_key(ix, ix->sig + (size_t)slot * ix->p.hashes, band);
    size_t t = band_find(ix, key);
    if (!ix->bkey[t]) PHEME_BUG("dedup: band key of slot %u missing", slot);
    uint32_t *link = &ix->bhead[t];
    while (*link != slot) {
      if (*link == NONE) PHEME_BUG("dedup: slot %u not on its chain", slot);
      link = &ix->next[(size_t)*link * nb + band];
    }
    *link = ix->next[(size_t)slot * nb + band];
  }
}

static pheme_err remove_locked(dedup_index *ix, int64_t id) {
  if (!ix->msize) return PHEME_DATA_NOT_FOUND;
  size_t m = map_find(ix, id);
  if (ix->mkey[m] == EMPTY_ID) return PHEME_DATA_NOT_FOUND;
  uint32_t slot = ix->mslot[m];
  unlink_slot(ix, slot);
  map_delete(ix, m);
  ix->sub[slot] = EMPTY_ID;
  ix->freed[ix->nfreed++] = slot;
  ix->live--;
  return PHEME_OK;
}

static pheme_err add_locked(dedup_index *ix, int64_t id, int64_t person, const uint32_t *sig) {
  unsigned nb = ix->p.bands;
  /* make every room first so a failure leaves the index as it was */
  if (ix->nfreed == 0 && ix->n == ix->cap && grow_slots(ix) != 0) return PHEME_SYS_NOMEM;
  if ((ix->mcount + 1) > ix->msize / 2 && map_rehash(ix, ix->mcount + 1) != 0) return PHEME_SYS_NOMEM;
  if ((ix->bcount + nb) > ix->bsize * 3 / 4 && band_rehash(ix, ix->bcount + nb) != 0)
    return PHEME_SYS_NOMEM;
  (void)remove_locked(ix, id); /* replacing: not found is fine */
  uint32_t slot = ix->nfreed ? ix->freed[--ix->nfreed] : (uint32_t)ix->n++;
  ix->sub[slot] = id;
  ix->person[slot] = person;
  memcpy(ix->sig + (size_t)slot * ix->p.hashes, sig, ix->p.hashes * sizeof *sig);
  for (unsigned band = 0; band < nb; band++) {
    uint64_t key = band_key(ix, sig, band);
    size_t t = band_find(ix, key);
    if (!ix->bkey[t]) {
      ix->bkey[t] = key;
      ix->bhead[t] = NONE;
      ix->bcount++;
    }
    ix->next[(size_t)slot * nb + band] = ix->bhead[t];
    ix->bhead[t] = slot;
  }
  size_t m = map_find(ix, id);
  ix->mkey[m] = id;
  ix->mslot[m] = slot;
  ix->mcount++;
  ix->live++;
  return PHEME_OK;
}

pheme_err dedup_index_add(dedup_index *ix, int64_t submission_id, int64_t person_id,
                          const uint32_t *sig) {
  if (submission_id == EMPTY_ID) return PHEME_DATA_INVALID;
  pthread_rwlock_wrlock(&ix->lock);
  pheme_err e = add_locked(ix, submission_id, person_id, sig);
  pthread_rwlock_unlock(&ix->lock);
  return e;
}

pheme_err dedup_index_remove(dedup_index *ix, int64_t submission_id) {
  pthread_rwlock_wrlock(&ix->lock);
  pheme_err e = remove_locked(ix, submission_id);
  pthread_rwlock_unlock(&ix->lock);
  return e;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_match(const void *a, const void *b) {
  const dedup_match *x = a, *y = b;
  if (x->jaccard != y->jaccard) return x->jaccard > y->jaccard ? -1 : 1;
  return x->submission_id < y->submission_id ? -1 : x->submission_id > y->submission_id;
}

pheme_err dedup_index_query(dedup_index *ix, const uint32_t *sig, int64_t exclude_person,
                            int64_t exclude_submission, dedup_match *out, size_t max,
                            size_t *total) {
  *total = 0;
  pheme_err e = PHEME_OK;
  uint32_t *cand = NULL;
  dedup_match *found = NULL;
  size_t nc = 0, ccap = 0, nf = 0;
  unsigned nb = ix->p.bands;
  pthread_rwlock_rdlock(&ix->lock);
  if (ix->live == 0) goto done;
  for (unsigned band = 0; band < nb; band++) {
    size_t t = band_find(ix, band_key(ix, sig, band));
    if (!ix->bkey[t]) continue;
    for (uint32_t s = ix->bhead[t]; s != NONE; s = ix->next[(size_t)s * nb + band]) {
      if (nc == ccap) {
        size_t ncap = ccap ? ccap * 2 : 64;
        uint32_t *c2 = realloc(cand, ncap * sizeof *c2);
        if (!c2) {
          e = PHEME_SYS_NOMEM;
          goto done;
        }
        cand = c2;
        ccap = ncap;
      }
      cand[nc++] = s;
    }
  }
  if (nc == 0) goto done;
  qsort(cand, nc, sizeof *cand, cmp_u32);
  found = malloc(nc * sizeof *found);
  if (!found) {
    e = PHEME_SYS_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < nc; i++) {
    uint32_t s = cand[i];
    if (i && cand[i - 1] == s) continue;
    if (ix->person[s] == exclude_person || ix->sub[s] == exclude_submission) continue;
    double j = dedup_estimate(&ix->p, sig, ix->sig + (size_t)s * ix->p.hashes);
    if (j + 1e-12 < ix->p.threshold) continue;
    found[nf++] = (dedup_match){ix->sub[s], ix->person[s], j};
  }
  qsort(found, nf, sizeof *found, cmp_match);
  for (size_t i = 0; i < nf && i < max; i++) out[i] = found[i];
  *total = nf;
done:
  pthread_rwlock_unlock(&ix->lock);
  free(cand);
  free(found);
  return e;
}

size_t dedup_index_size(dedup_index *ix) {
  pthread_rwlock_rdlock(&ix->lock);
  size_t n = ix->live;
  pthread_rwlock_unlock(&ix->lock);
  return n;
}

size_t dedup_index_memory(dedup_index *ix) {
  pthread_rwlock_rdlock(&ix->lock);
  size_t m = sizeof *ix +
             ix->cap * (2 * sizeof(int64_t) + (ix->p.hashes + ix->p.bands + 1) * sizeof(uint32_t)) +
             ix->bsize * (sizeof(uint64_t) + sizeof(uint32_t)) +
             ix->msize * (sizeof(int64_t) + sizeof(uint32_t));
  pthread_rwlock_unlock(&ix->lock);
  return m;
}

pheme_err dedup_index_bulk_load(dedup_index *ix, dedup_next_fn next, void *ctx, size_t *loaded) {
  uint32_t *sig = malloc(ix->p.hashes * sizeof *sig);
  size_t count = 0;
  pheme_err e = PHEME_OK;
  if (!sig) return PHEME_SYS_NOMEM;
  for (;;) {
    int64_t id, person;
    const char *text;
    size_t len;
    int r = next(ctx, &id, &person, &text, &len);
    if (r == 0) break;
    if (r < 0) {
      e = PHEME_SYS_IO;
      break;
    }
    long n = dedup_signature(&ix->p, text, len, sig);
    if (n < 0) {
      e = PHEME_SYS_NOMEM;
      break;
    }
    if (n == 0) continue;
    if ((e = dedup_index_add(ix, id, person, sig)) != PHEME_OK) break;
    count++;
  }
  free(sig);
  if (loaded) *loaded = count;
  return e;
}
