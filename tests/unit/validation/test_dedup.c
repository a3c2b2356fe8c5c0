/* Near-duplicate detection (src/validation/dedup.c): normalisation, the MinHash estimate against
 * the exact Jaccard on generated texts, LSH recall and precision on planted near-duplicates, the
 * index's exclusions, removal, replacement and bulk load. Texts come from a seeded generator. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "validation/dedup.h"

#include "core/banned.h"

static uint64_t rng_state;
static uint32_t rnd(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rng_state >> 33);
}

/* n words from a 5000-word vocabulary ("w123"); caller frees */
static char *gen_text(size_t n) {
  char *t = malloc(n * 8 + 1);
  size_t len = 0;
  for (size_t i = 0; i < n; i++) len += (size_t)snprintf(t + len, 9, "%sw%u", i ? " " : "", rnd() % 5000);
  t[len] = 0;
  return t;
}

/* a copy of t with each word replaced by a fresh one with probability pct/1000 */
static char *mutate(const char *t, unsigned permille) {
  size_t n = strlen(t);
  char *o = malloc(n * 2 + 16);
  size_t len = 0;
  const char *p = t;
  while (*p) {
    const char *e = strchr(p, ' ');
    size_t wl = e ? (size_t)(e - p) : strlen(p);
    if (len) o[len++] = ' ';
    if (rnd() % 1000 < permille) len += (size_t)snprintf(o + len, 9, "x%u", rnd() % 100000);
    else {
      memcpy(o + len, p, wl);
      len += wl;
    }
    p += wl;
    if (*p == ' ') p++;
  }
  o[len] = 0;
  return o;
}

static dedup_params params(double t) {
  dedup_params p;
  char err[128];
  if (dedup_params_init(&p, t, 3, 128, 0, 0, err, sizeof err) != PHEME_OK) abort();
  return p;
}

TEST(normalisation_ignores_case_punctuation_and_spacing) {
  dedup_params p = params(0.7);
  uint32_t a[128], b[128], c[128];
  const char *x = "Hello, WORLD!!  this is\tthe   Same text.";
  const char *y = "hello world -- this is the same text";
  CHECK(dedup_signature(&p, x, strlen(x), a) == 5);
  CHECK(dedup_signature(&p, y, strlen(y), b) == 5);
  CHECK_MEM(a, sizeof a, b, sizeof b);
  CHECK(dedup_jaccard_exact(&p, x, strlen(x), y, strlen(y)) == 1.0);
  const char *z = "hello world this is another text";
  CHECK(dedup_signature(&p, z, strlen(z), c) == 4);
  CHECK(dedup_estimate(&p, a, c) < 1.0);
  /* no words: nothing to sign */
  CHECK(dedup_signature(&p, " ,.; ", 5, c) == 0);
  CHECK(c[0] == UINT32_MAX);
  /* fewer words than the shingle: one shingle */
  CHECK(dedup_signature(&p, "Solo", 4, c) == 1);
  /* UTF-8 letters are word bytes */
  CHECK(dedup_jaccard_exact(&p, "caf\xc3\xa9 au lait", 13, "cafe au lait", 12) == 0.0);
}

TEST(params_are_checked_and_tuned) {
  dedup_params p;
  char err[128];
  CHECK(dedup_params_init(&p, 0.0, 3, 128, 0, 0, err, sizeof err) == PHEME_SYS_CONFIG);
  CHECK(dedup_params_init(&p, 1.5, 3, 128, 0, 0, err, sizeof err) == PHEME_SYS_CONFIG);
  CHECK(dedup_params_init(&p, 0.7, 0, 128, 0, 0, err, sizeof err) == PHEME_SYS_CONFIG);
  CHECK(dedup_params_init(&p, 0.7, 3, 4, 0, 0, err, sizeof err) == PHEME_SYS_CONFIG);
  CHECK(dedup_params_init(&p, 0.7, 3, 128, 20, 0, err, sizeof err) == PHEME_SYS_CONFIG);
  CHECK(dedup_params_init(&p, 0.7, 3, 128, 20, 7, err, sizeof err) == PHEME_SYS_CONFIG);
  CHECK(strstr(err, "exceed") != NULL);
  CHECK(dedup_params_init(&p, 0.7, 3, 128, 16, 8, err, sizeof err) == PHEME_OK);
  CHECK(p.bands == 16 && p.rows == 8);
  /* the tuned S-curve leans to recall: a pair 0.1 above the threshold is a candidate with
   * probability > 0.95, one 0.2 below it with probability < 0.25 (and is then dropped by the
   * whole-signature check) */
  double ts[] = {0.5, 0.7, 0.8, 0.9};
  for (size_t i = 0; i < 4; i++) {
    CHECK(dedup_params_init(&p, ts[i], 3, 128, 0, 0, err, sizeof err) == PHEME_OK);
    CHECK(p.bands * p.rows <= 128);
    CHECK(dedup_scurve(ts[i] - 0.2, p.bands, p.rows) < 0.25);
    CHECK(dedup_scurve(ts[i] + 0.1 > 1 ? 1 : ts[i] + 0.1, p.bands, p.rows) > 0.95);
  }
}

/* The estimate's standard error is sqrt(J(1-J)/k); each of 300 pairs must be within 4 of them
 * (plus 1/k for rounding), and the mean absolute error within one standard error at J = 0.5. */
TEST(minhash_estimate_tracks_exact_jaccard) {
  dedup_params p = params(0.7);
  uint32_t a[128], b[128];
  rng_state = 42;
  double sum = 0;
  int n = 0;
  for (unsigned permille = 0; permille <= 600; permille += 2) {
    char *x = gen_text(200 + rnd() % 300), *y = mutate(x, permille);
    double exact = dedup_jaccard_exact(&p, x, strlen(x), y, strlen(y));
    CHECK(dedup_signature(&p, x, strlen(x), a) > 0);
    CHECK(dedup_signature(&p, y, strlen(y), b) > 0);
    double est = dedup_estimate(&p, a, b), se = sqrt(exact * (1 - exact) / 128);
    if (fabs(est - exact) > 4 * se + 1.0 / 128)
      fprintf(stderr, "  permille %u: exact %.3f estimate %.3f\n", permille, exact, est);
    CHECK(fabs(est - exact) <= 4 * se + 1.0 / 128);
    sum += fabs(est - exact);
    n++;
    free(x);
    free(y);
  }
  CHECK(sum / n <= sqrt(0.25 / 128));
}

/* 3000 stored texts of 3000 people; 200 of them copied by someone else with 1.5% of the words
 * changed (exact Jaccard about 0.9). Recall: every copy finds its original. Precision: no match
 * whose exact Jaccard is below the threshold by more than 0.15 (the estimate's noise), and no
 * unrelated text found by any of 200 fresh texts. */
TEST(lsh_finds_planted_near_duplicates) {
  dedup_params p = params(0.7);
  dedup_index *ix = dedup_index_new(&p);
  REQUIRE(ix);
  enum { N = 3000, PLANT = 200 };
  char **texts = calloc(N, sizeof *texts);
  uint32_t sig[128];
  rng_state = 7;
  for (int i = 0; i < N; i++) {
    texts[i] = gen_text(150 + rnd() % 200);
    CHECK(dedup_signature(&p, texts[i], strlen(texts[i]), sig) > 0);
    CHECK(dedup_index_add(ix, 1000 + i, 50000 + i, sig) == PHEME_OK);
  }
  CHECK_INT(dedup_index_size(ix), N);
  int found = 0, wrong = 0, low = 0;
  dedup_match m[8];
  size_t total;
  for (int i = 0; i < PLANT; i++) {
    int orig = (int)(rnd() % N);
    char *copy = mutate(texts[orig], 15);
    CHECK(dedup_signature(&p, copy, strlen(copy), sig) > 0);
    CHECK(dedup_index_query(ix, sig, 99, 0, m, 8, &total) == PHEME_OK);
    int hit = 0;
    for (size_t j = 0; j < total && j < 8; j++) {
      int k = (int)(m[j].submission_id - 1000);
      if (k == orig) hit = 1;
      else wrong++;
      double exact = dedup_jaccard_exact(&p, copy, strlen(copy), texts[k], strlen(texts[k]));
      if (exact < p.threshold - 0.15) low++;
    }
    found += hit;
    free(copy);
  }
  fprintf(stderr, "  recall %d/%d, unrelated matches %d, low matches %d\n", found, PLANT, wrong, low);
  CHECK_INT(found, PLANT);
  CHECK_INT(wrong, 0);
  CHECK_INT(low, 0);
  for (int i = 0; i < 200; i++) {
    char *fresh = gen_text(200);
    CHECK(dedup_signature(&p, fresh, strlen(fresh), sig) > 0);
    CHECK(dedup_index_query(ix, sig, 99, 0, m, 8, &total) == PHEME_OK);
    CHECK_INT(total, 0);
    free(fresh);
  }
  for (int i = 0; i < N; i++) free(texts[i]);
  free(texts);
  CHECK(dedup_index_memory(ix) > (size_t)N * 128 * 4);
  dedup_index_free(ix);
}

TEST(index_excludes_the_same_person_removes_and_replaces) {
  dedup_params p = params(0.7);
  dedup_index *ix = dedup_index_new(&p);
  REQUIRE(ix);
  rng_state = 99;
  char *t = gen_text(300), *u = gen_text(300);
  uint32_t s[128], su[128];
  CHECK(dedup_signature(&p, t, strlen(t), s) > 0);
  CHECK(dedup_signature(&p, u, strlen(u), su) > 0);
  CHECK(dedup_index_add(ix, 1, 10, s) == PHEME_OK);
  CHECK(dedup_index_add(ix, 2, 20, s) == PHEME_OK);
  dedup_match m[4];
  size_t total;
  CHECK(dedup_index_query(ix, s, 10, 0, m, 4, &total) == PHEME_OK);
  CHECK_INT(total, 1);
  CHECK_INT(m[0].submission_id, 2);
  CHECK_INT(m[0].person_id, 20);
  CHECK(m[0].jaccard == 1.0);
  CHECK(dedup_index_query(ix, s, 30, 2, m, 4, &total) == PHEME_OK);
  CHECK_INT(total, 1);
  CHECK_INT(m[0].submission_id, 1);
  CHECK(dedup_index_query(ix, s, 30, 0, m, 1, &total) == PHEME_OK);
  CHECK_INT(total, 2); /* both found, one written */
  CHECK_INT(m[0].submission_id, 1); /* equal estimates: lower id first */
  CHECK(dedup_index_remove(ix, 2) == PHEME_OK);
  CHECK(dedup_index_remove(ix, 2) == PHEME_DATA_NOT_FOUND);
  CHECK(dedup_index_query(ix, s, 10, 0, m, 4, &total) == PHEME_OK);
  CHECK_INT(total, 0);
  /* replacing submission 1's text: the old one is no longer found */
  CHECK(dedup_index_add(ix, 1, 10, su) == PHEME_OK);
  CHECK_INT(dedup_index_size(ix), 1);
  CHECK(dedup_index_query(ix, s, 30, 0, m, 4, &total) == PHEME_OK);
  CHECK_INT(total, 0);
  CHECK(dedup_index_query(ix, su, 30, 0, m, 4, &total) == PHEME_OK);
  CHECK_INT(total, 1);
  /* many removals and re-adds keep the chains and id map consistent */
  for (int round = 0; round < 3; round++) {
    for (int i = 100; i < 2100; i++) CHECK(dedup_index_add(ix, i, i, s) == PHEME_OK);
    for (int i = 100; i < 2100; i += 2) CHECK(dedup_index_remove(ix, i) == PHEME_OK);
    CHECK(dedup_index_query(ix, s, -1, 0, m, 4, &total) == PHEME_OK);
    CHECK_INT(total, 1000);
    for (int i = 101; i < 2100; i += 2) CHECK(dedup_index_remove(ix, i) == PHEME_OK);
  }
  CHECK_INT(dedup_index_size(ix), 1);
  free(t);
  free(u);
  dedup_index_free(ix);
}

struct rows {
  const char **texts;
  int n, at, fail_at;
};
static int next_row(void *ctx, int64_t *id, int64_t *person, const char **text, size_t *len) {
  struct rows *r = ctx;
  if (r->at == r->fail_at) return -1;
  if (r->at == r->n) return 0;
  *id = r->at + 1;
  *person = r->at + 100;
  *text = r->texts[r->at];
  *len = strlen(r->texts[r->at]);
  r->at++;
  return 1;
}

TEST(bulk_load_indexes_stored_texts) {
  dedup_params p = params(0.7);
  dedup_index *ix = dedup_index_new(&p);
  REQUIRE(ix);
  const char *texts[] = {"the quick brown fox jumps over the lazy dog again and again",
                         "...", "an entirely different submission about smart contracts and gas"};
  struct rows r = {texts, 3, 0, -1};
  size_t loaded;
  CHECK(dedup_index_bulk_load(ix, next_row, &r, &loaded) == PHEME_OK);
  CHECK_INT(loaded, 2); /* "..." has no words */
  uint32_t s[128];
  const char *q = "The quick brown fox jumps over the lazy dog, again and again!";
  CHECK(dedup_signature(&p, q, strlen(q), s) > 0);
  dedup_match m[2];
  size_t total;
  CHECK(dedup_index_query(ix, s, 0, 0, m, 2, &total) == PHEME_OK);
  CHECK_INT(total, 1);
  CHECK_INT(m[0].submission_id, 1);
  struct rows bad = {texts, 3, 0, 1};
  CHECK(dedup_index_bulk_load(ix, next_row, &bad, &loaded) == PHEME_SYS_IO);
  CHECK_INT(loaded, 1);
  dedup_index_free(ix);
}

/* One writer adding and removing while four readers query: a signature that stays in the index is
 * found by every query (run it under ASan; the lock is what keeps the chains whole). */
struct race {
  dedup_index *ix;
  const uint32_t *keep;
  int stop, misses, errors;
};
static void *reader(void *arg) {
  struct race *r = arg;
  dedup_match m[4];
  size_t total;
  while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
    if (dedup_index_query(r->ix, r->keep, -1, 0, m, 4, &total) != PHEME_OK) __atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
    int hit = 0;
    for (size_t j = 0; j < total && j < 4; j++) hit |= m[j].submission_id == 1;
    if (!hit) __atomic_add_fetch(&r->misses, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

TEST(one_writer_many_readers) {
  dedup_params p = params(0.7);
  dedup_index *ix = dedup_index_new(&p);
  REQUIRE(ix);
  rng_state = 5;
  char *keep = gen_text(200);
  uint32_t ks[128], s[128];
  CHECK(dedup_signature(&p, keep, strlen(keep), ks) > 0);
  CHECK(dedup_index_add(ix, 1, 1, ks) == PHEME_OK);
  struct race r = {ix, ks, 0, 0, 0};
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, reader, &r);
  for (int i = 0; i < 3000; i++) {
    char *x = gen_text(50);
    CHECK(dedup_signature(&p, x, strlen(x), s) > 0);
    CHECK(dedup_index_add(ix, 100 + i, 100 + i, s) == PHEME_OK);
    if (i % 3 == 0) CHECK(dedup_index_add(ix, 100000 + i, 7, ks) == PHEME_OK); /* a copy, then gone */
    if (i % 3 == 0) CHECK(dedup_index_remove(ix, 100000 + i) == PHEME_OK);
    if (i % 2) CHECK(dedup_index_remove(ix, 100 + i - 1) == PHEME_OK);
    free(x);
  }
  __atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  CHECK_INT(r.misses, 0);
  CHECK_INT(r.errors, 0);
  CHECK_INT(dedup_index_size(ix), 1 + 1500);
  free(keep);
  dedup_index_free(ix);
}

TEST_MAIN(RUN(one_writer_many_readers); RUN(normalisation_ignores_case_punctuation_and_spacing); RUN(params_are_checked_and_tuned);
          RUN(minhash_estimate_tracks_exact_jaccard); RUN(lsh_finds_planted_near_duplicates);
          RUN(index_excludes_the_same_person_removes_and_replaces);
          RUN(bulk_load_indexes_stored_texts))
