/* The ranked set (src/game/rank.c) against a brute-force model: a sorted array of (xp, id) kept
 * by binary search and memmove. Random sequences of puts, adds and removals (many seeds, few
 * distinct XP values so ties are the rule, id ranges small and large so trees are one leaf or
 * four levels), each followed by a random query compared with the model, and the structure's own
 * invariant check after every step of the small runs. */
#include <pthread.h>
#include <stdint.h>

#include "game/rank.h"
#include "test.h"

typedef struct {
  int64_t *xp;    /* by id; present[id] says whether it is a member */
  char *present;
  rank_key *sorted; /* the members in rank order */
  int64_t n;
} model;

static uint64_t rng;
static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static int64_t rand_in(int64_t lo, int64_t hi) { return lo + (int64_t)(next_rand() % (uint64_t)(hi - lo + 1)); }

static int before(rank_key a, rank_key b) { return a.xp > b.xp || (a.xp == b.xp && a.id < b.id); }

static int64_t model_lower(const model *m, rank_key k) {
  int64_t lo = 0, hi = m->n;
  while (lo < hi) {
    int64_t mid = (lo + hi) / 2;
    if (before(m->sorted[mid], k)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static void model_remove(model *m, int64_t id) {
  if (!m->present[id]) return;
  int64_t pos = model_lower(m, (rank_key){m->xp[id], id});
  memmove(&m->sorted[pos], &m->sorted[pos + 1], sizeof m->sorted[0] * (size_t)(m->n - pos - 1));
  m->n--;
  m->present[id] = 0;
}

static void model_put(model *m, int64_t id, int64_t xp) {
  model_remove(m, id);
  rank_key k = {xp, id};
  int64_t pos = model_lower(m, k);
  memmove(&m->sorted[pos + 1], &m->sorted[pos], sizeof m->sorted[0] * (size_t)(m->n - pos));
  m->sorted[pos] = k;
  m->n++;
  m->xp[id] = xp;
  m->present[id] = 1;
}

/* out must equal the model's members from position pos (0-based), count of them. */
static int same_run(const model *m, int64_t pos, int64_t count, const rank_entry *out, int got) {
  if (got != count) return 0;
  for (int i = 0; i < got; i++) {
    const rank_key *k = &m->sorted[pos + i];
    if (out[i].id != k->id || out[i].xp != k->xp || out[i].rank != pos + i + 1) return 0;
  }
  return 1;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* One random query of s compared with m; returns 0 when they agree. */
static int query_agrees(rank_set *s, const model *m, int64_t ids, int64_t xps) {
  rank_entry out[300];
  switch (next_rand() % 5) {
  case 0: { /* get */
    int64_t id = rand_in(1, ids);
    rank_entry e;
    int got = rank_set_get(s, id, &e);
    if (got != m->present[id]) return -1;
    if (!got) return 0;
    return e.xp == m->xp[id] && e.rank == model_lower(m, (rank_key){m->xp[id], id}) + 1 ? 0 : -1;
  }
  case 1: { /* range */
    int64_t from = rand_in(1, m->n + 3);
    int max = (int)rand_in(0, 150);
    int got = rank_set_range(s, from, max, out);
    int64_t want = from > m->n ? 0 : min64(max, m->n - from + 1);
    return same_run(m, from - 1, want, out, got) ? 0 : -1;
  }
  case 2: { /* after a cursor, a member's place or any place */
    rank_key k;
    if (m->n && next_rand() % 2) k = m->sorted[rand_in(0, m->n - 1)];
    else k = (rank_key){rand_in(-2, xps + 2), rand_in(0, ids + 1)};
    int max = (int)rand_in(1, 150);
    int got = rank_set_after(s, k, max, out);
    int64_t pos = model_lower(m, k);
    if (pos < m->n && m->sorted[pos].xp == k.xp && m->sorted[pos].id == k.id) pos++;
    return same_run(m, pos, min64(max, m->n - pos), out, got) ? 0 : -1;
  }
  case 3: { /* around */
    int64_t id = rand_in(1, ids);
    int b = (int)rand_in(0, 120), a = (int)rand_in(0, 120);
    int got = rank_set_around(s, id, b, a, out);
    if (!m->present[id]) return got == 0 ? 0 : -1;
    int64_t pos = model_lower(m, (rank_key){m->xp[id], id});
    int64_t start = pos - b < 0 ? 0 : pos - b;
    int64_t end = min64(m->n, pos + 1 + a);
    return same_run(m, start, end - start, out, got) ? 0 : -1;
  }
  default:
    return rank_set_size(s) == m->n ? 0 : -1;
  }
}

/* A run: ops random operations over ids 1..ids with XP in 0..xps; check: 1 = invariants after
 * every step, 0 = at the end only. Returns 0 when everything agreed. */
static int run(uint64_t seed, int64_t ids, int64_t xps, int ops, int check_each) {
  rng = seed * 0x9E3779B97F4A7C15ull + 1;
  model m = {calloc((size_t)ids + 2, sizeof(int64_t)), calloc((size_t)ids + 2, 1),
             calloc((size_t)ids + 2, sizeof(rank_key)), 0};
  rank_set *s = rank_set_new();
  int rc = 0;
  char why[200];
  for (int op = 0; op < ops && rc == 0; op++) {
    int64_t id = rand_in(1, ids);
    uint64_t what = next_rand() % 10;
    if (what < 4) {
      int64_t xp = rand_in(0, xps);
      if (rank_set_put(s, id, xp)) rc = -1;
      model_put(&m, id, xp);
    } else if (what < 7) {
      int64_t d = rand_in(-xps / 4, xps / 2), after;
      if (rank_set_add(s, id, d, &after)) rc = -1;
      int64_t want = (m.present[id] ? m.xp[id] : 0) + d;
      if (after != want) rc = -1;
      model_put(&m, id, want);
    } else {
      if (rank_set_remove(s, id) != m.present[id]) rc = -1;
      model_remove(&m, id);
    }
    if (rc) fprintf(stderr, "seed %llu op %d: the write disagrees with the model\n", (unsigned long long)seed, op);
    if (!rc && query_agrees(s, &m, ids, xps)) {
      fprintf(stderr, "seed %llu op %d: a query disagrees with the model\n", (unsigned long long)seed, op);
      rc = -1;
    }
    if (!rc && (check_each || op == ops - 1) && rank_set_check(s, why, sizeof why)) {
      fprintf(stderr, "seed %llu op %d: %s\n", (unsigned long long)seed, op, why);
      rc = -1;
    }
  }
  rank_set_free(s);
  free(m.xp);
  free(m.present);
  free(m.sorted);
  return rc;
}

TEST(rank_small_sets_with_many_ties_match_the_model) {
  for (uint64_t seed = 1; seed <= 300; seed++) CHECK_INT(run(seed, 1 + (int64_t)(seed % 90), 6, 600, 1), 0);
}

TEST(rank_multi_level_sets_match_the_model) {
  /* thousands of members: three levels, splits, merges and borrows at every level */
  for (uint64_t seed = 1000; seed < 1030; seed++) CHECK_INT(run(seed, 5000, 40, 20000, 0), 0);
  for (uint64_t seed = 2000; seed < 2004; seed++) CHECK_INT(run(seed, 3000, 1000000, 8000, 1), 0);
}

TEST(rank_a_large_set_filled_and_emptied_stays_balanced) {
  /* 300,000 members (four levels), then every second one removed, then all of them */
  rank_set *s = rank_set_new();
  char why[200];
  const int64_t n = 300000;
  for (int64_t id = 1; id <= n; id++) REQUIRE(rank_set_put(s, id, (id * 7919) % 1000) == 0);
  CHECK_INT(rank_set_check(s, why, sizeof why), 0);
  CHECK_INT(rank_set_size(s), n);
  rank_entry e[3];
  /* the top: xp 999 held by the ids ≡ 999·7919⁻¹ (mod 1000), the smallest of them first */
  CHECK_INT(rank_set_range(s, 1, 3, e), 3);
  CHECK_INT(e[0].xp, 999);
  CHECK(e[0].id < e[1].id && e[1].id < e[2].id && e[2].xp == 999);
  /* each xp value is held by n/1000 ids: id 1 (xp 919) ranks after the 80 values above it */
  REQUIRE(rank_set_get(s, 1, &e[0]));
  CHECK_INT(e[0].rank, 80 * (n / 1000) + 1);
  for (int64_t id = 2; id <= n; id += 2) CHECK_INT(rank_set_remove(s, id), 1);
  CHECK_INT(rank_set_check(s, why, sizeof why), 0);
  CHECK_INT(rank_set_size(s), n / 2);
  for (int64_t id = 1; id <= n; id += 2) CHECK_INT(rank_set_remove(s, id), 1);
  CHECK_INT(rank_set_check(s, why, sizeof why), 0);
  CHECK_INT(rank_set_size(s), 0);
  CHECK_INT(rank_set_range(s, 1, 3, e), 0);
  CHECK_INT(rank_set_remove(s, 1), 0);
  rank_set_free(s);
}

TEST(rank_ties_are_ordered_by_id_and_ranks_are_positions) {
  rank_set *s = rank_set_new();
  REQUIRE(s);
  CHECK_INT(rank_set_put(s, 30, 100), 0);
  CHECK_INT(rank_set_put(s, 10, 100), 0);
  CHECK_INT(rank_set_put(s, 20, 500), 0);
  CHECK_INT(rank_set_put(s, 40, 5), 0);
  rank_entry e[4];
  CHECK_INT(rank_set_range(s, 1, 4, e), 4);
  CHECK_INT(e[0].id, 20);
  CHECK_INT(e[1].id, 10);
  CHECK_INT(e[2].id, 30);
  CHECK_INT(e[3].id, 40);
  CHECK_INT(e[3].rank, 4);
  /* after the place of id 10 come 30 and 40; after a place that is no member, what follows it */
  CHECK_INT(rank_set_after(s, (rank_key){100, 10}, 4, e), 2);
  CHECK_INT(e[0].id, 30);
  CHECK_INT(e[0].rank, 3);
  CHECK_INT(rank_set_after(s, (rank_key){100, 15}, 4, e), 2);
  CHECK_INT(e[0].id, 30);
  /* around the last one: two above it and itself */
  CHECK_INT(rank_set_around(s, 40, 2, 5, e), 3);
  CHECK_INT(e[0].id, 10);
  CHECK_INT(e[2].id, 40);
  CHECK_INT(rank_set_around(s, 99, 2, 2, e), 0);
  int64_t after;
  CHECK_INT(rank_set_add(s, 40, 1000, &after), 0);
  CHECK_INT(after, 1005);
  CHECK_INT(rank_set_get(s, 40, &e[0]), 1);
  CHECK_INT(e[0].rank, 1);
  CHECK(rank_set_bytes(s) > 0);
  /* sums saturate instead of overflowing */
  CHECK_INT(rank_set_put(s, 50, INT64_MAX - 1), 0);
  CHECK_INT(rank_set_add(s, 50, 10, &after), 0);
  CHECK(after == INT64_MAX);
  CHECK_INT(rank_set_put(s, 51, INT64_MIN + 1), 0);
  CHECK_INT(rank_set_add(s, 51, -10, &after), 0);
  CHECK(after == INT64_MIN);
  char why[200];
  CHECK_INT(rank_set_check(s, why, sizeof why), 0);
  rank_set_free(s);
}

/* Readers running while one writer updates: every read must see a consistent order. */
typedef struct {
  rank_set *s;
  volatile int stop;
  int bad;
} race;

static void *reader(void *arg) {
  race *r = arg;
  rank_entry e[100];
  while (!r->stop) {
    int got = rank_set_range(r->s, 1, 100, e);
    for (int i = 1; i < got; i++)
      if (e[i - 1].xp < e[i].xp || (e[i - 1].xp == e[i].xp && e[i - 1].id >= e[i].id) || e[i].rank != i + 1)
        r->bad++;
    rank_entry one;
    if (rank_set_get(r->s, 7, &one) && (one.rank < 1 || one.rank > rank_set_size(r->s) + 1000)) r->bad++;
  }
  return NULL;
}

TEST(rank_readers_run_beside_a_writer) {
  race r = {.s = rank_set_new()};
  REQUIRE(r.s);
  for (int64_t id = 1; id <= 20000; id++) REQUIRE(rank_set_put(r.s, id, id % 97) == 0);
  pthread_t t[2];
  for (int i = 0; i < 2; i++) REQUIRE(pthread_create(&t[i], NULL, reader, &r) == 0);
  rng = 42;
  const int writes = test_scaled(200000, 40000); /* fewer under the sanitizers */
  for (int i = 0; i < writes; i++) {
    int64_t id = rand_in(1, 30000);
    if (i % 5 == 0) rank_set_remove(r.s, id);
    else CHECK_INT(rank_set_add(r.s, id, rand_in(-50, 100), NULL), 0);
  }
  r.stop = 1;
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  CHECK_INT(r.bad, 0);
  char why[200];
  CHECK_INT(rank_set_check(r.s, why, sizeof why), 0);
  rank_set_free(r.s);
}

TEST_MAIN(RUN(rank_ties_are_ordered_by_id_and_ranks_are_positions);
          RUN(rank_small_sets_with_many_ties_match_the_model);
          RUN(rank_multi_level_sets_match_the_model);
          RUN(rank_a_large_set_filled_and_emptied_stays_balanced);
          RUN(rank_readers_run_beside_a_writer))
