/* The matching engine against plain models: candidates and recommendations equal a brute-force
 * scan of a model kept beside the index (1,000 random seeds, with updates between build and
 * query), paging through cursors included; the Hungarian assignment equals an exhaustive search on
 * small random rectangular instances. The fit and growth formulas are written again here from
 * docs/internals/matching.md, so a change to either shows. */
#include <stdlib.h>
#include <string.h>

#include "matching/internal.h"
#include "matching/matching.h"
#include "test.h"

#define DAY 86400000LL
#define NOW 1900000000000LL

static uint64_t rng;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}
static int pick(int n) { return n > 0 ? (int)(rnd() % (uint32_t)n) : 0; }

/* ---- the model ---- */

#define MAXP 400
#define MAXS 8

typedef struct {
  int64_t uid;
  uint8_t lv[MAXS];
  int rep, avail;
  int64_t active;
} person;

static person P[MAXP];
static int np, ns;

static int maxlevel(const person *p) {
  int m = 0;
  for (int c = 0; c < ns; c++)
    if (p->lv[c] > m) m = p->lv[c];
  return m;
}

/* the documented fit: 5 × mean level in the task's skills (or 5 × level), 3 × reputation,
 * 200 − 2 × days since last activity (0 when never or ≥ 100 days) */
static int model_fit(const person *p, const int *cols, int n) {
  int part;
  if (n) {
    int sum = 0;
    for (int k = 0; k < n; k++) sum += cols[k] >= 0 ? p->lv[cols[k]] : 0;
    part = 5 * sum / n;
  } else {
    part = 5 * maxlevel(p);
  }
  int act = 0;
  if (p->active > 0) {
    long long days = p->active >= NOW ? 0 : (NOW - p->active) / DAY;
    act = days >= 100 ? 0 : (int)(200 - 2 * days);
  }
  return part + 3 * p->rep + act;
}

static int64_t random_active(void) {
  switch (pick(4)) {
    case 0: return 0;
    case 1: return NOW + pick(5) * DAY; /* in the future: counts as today */
    default: return NOW - (int64_t)pick(150) * DAY - pick((int)DAY);
  }
}

static void random_person(person *p, int64_t uid) {
  memset(p, 0, sizeof *p);
  p->uid = uid;
  for (int c = 0; c < ns; c++) p->lv[c] = pick(10) < 4 ? (uint8_t)(1 + pick(100)) : 0;
  p->rep = pick(101);
  p->avail = pick(10) != 0;
  p->active = random_active();
}

/* A random task over the model's skills (slugs s0…), possibly with a skill nobody has ("zz"). */
typedef struct {
  task t;
  task_skill sk[6];
  char req[80];
  int cols[6];
} rtask;

static void random_task(rtask *r, int64_t id) {
  memset(r, 0, sizeof *r);
  static const char *names[] = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"};
  int want = pick(ns < 5 ? ns + 1 : 6);
  int used[MAXS] = {0};
  for (int k = 0; k < want; k++) {
    int c = pick(ns);
    if (used[c]) continue;
    used[c] = 1;
    r->sk[r->t.nskills].slug = names[c];
    r->sk[r->t.nskills].min_level = pick(3) == 0 ? 0 : pick(90);
    r->cols[r->t.nskills++] = c;
  }
  if (pick(8) == 0) { /* unknown to the index: only a minimum of 0 can be met */
    r->sk[r->t.nskills].slug = "zz";
    r->sk[r->t.nskills].min_level = pick(2) ? 0 : 5;
    r->cols[r->t.nskills++] = -1;
  }
  int min_rep = pick(3) == 0 ? pick(70) : 0, min_level = pick(3) == 0 ? pick(90) : 0;
  snprintf(r->req, sizeof r->req, "{\"minLevel\":%d,\"minReputation\":%d}", min_level, min_rep);
  r->t.id = id;
  r->t.type = "BOUNTY";
  r->t.status = "OPEN";
  r->t.difficulty = 1 + pick(10);
  r->t.requirements = r->req;
  r->t.skills = r->sk;
  r->t.creator_id = np && pick(3) == 0 ? P[pick(np)].uid : 999999;
  r->t.deadline = pick(6) == 0 ? NOW - DAY : pick(2) ? 0 : NOW + DAY;
}

static int model_qualifies(const person *p, const rtask *r) {
  int min_rep = 0, min_level = 0;
  sscanf(r->req, "{\"minLevel\":%d,\"minReputation\":%d}", &min_level, &min_rep);
  if (!p->avail || p->rep < min_rep || maxlevel(p) < min_level || p->uid == r->t.creator_id) return 0;
  for (int k = 0; k < r->t.nskills; k++) {
    int have = r->cols[k] >= 0 ? p->lv[r->cols[k]] : 0;
    if (have < r->sk[k].min_level) return 0;
  }
  return 1;
}

typedef struct {
  int score;
  int64_t id;
} ranked;

static int ranked_cmp(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- candidates ---- */

static void check_candidates(matching *m, const rtask *r) {
  ranked want[MAXP];
  int nw = 0;
  for (int i = 0; i < np; i++)
    if (model_qualifies(&P[i], r)) want[nw++] = (ranked){model_fit(&P[i], r->cols, r->t.nskills), P[i].uid};
  qsort(want, (size_t)nw, sizeof *want, ranked_cmp);
  /* page through with a random limit */
  int limit = 1 + pick(12), got = 0, more = 1, pages = 0;
  matching_cursor cur, *after = NULL;
  arena a;
  arena_init(&a, 0);
  while (more && pages++ < MAXP + 2) {
    matching_candidate out[MATCHING_PAGE_MAX];
    int n;
    REQUIRE(matching_candidates(m, &a, &r->t, NOW, after, limit, out, &n, &more) == PHEME_OK);
    for (int i = 0; i < n; i++, got++) {
      REQUIRE(got < nw);
      CHECK_INT(out[i].user_id, want[got].id);
      CHECK_INT(out[i].fit.total, want[got].score);
      CHECK_INT(out[i].fit.skill + out[i].fit.reputation + out[i].fit.activity, out[i].fit.total);
      CHECK(out[i].reasons && strstr(out[i].reasons, "reputation"));
    }
    if (n) {
      cur = (matching_cursor){out[n - 1].fit.total, out[n - 1].user_id};
      char text[32];
      matching_cursor_format(&cur, text);
      REQUIRE(matching_cursor_parse(text, &cur) == 0);
      after = &cur;
    }
    CHECK(n == limit || !more);
  }
  CHECK_INT(got, nw);
  arena_release(&a);
}

/* ---- recommendations ---- */

static int model_recommend(const person *p, const rtask *r, int *score) {
  if (r->t.creator_id == p->uid || (r->t.deadline && r->t.deadline < NOW)) return 0;
  int min_rep = 0, min_level = 0;
  sscanf(r->req, "{\"minLevel\":%d,\"minReputation\":%d}", &min_level, &min_rep);
  int level = maxlevel(p);
  if (p->rep < min_rep || level < min_level) return 0;
  int sum = 0, gap = 0;
  for (int k = 0; k < r->t.nskills; k++) {
    int have = r->cols[k] >= 0 ? p->lv[r->cols[k]] : 0;
    if (have < r->sk[k].min_level) return 0;
    sum += have;
    gap += have - r->sk[k].min_level;
  }
  int n = r->t.nskills;
  int base = n ? sum / n : level, over = n ? gap / n : level - min_level;
  int growth = 100 - abs(10 * r->t.difficulty - (base + 10));
  int close = 100 - over;
  growth = growth < 0 ? 0 : growth > 100 ? 100 : growth;
  close = close < 0 ? 0 : close > 100 ? 100 : close;
  *score = 6 * growth + 4 * close;
  return 1;
}

static void check_recommendations(matching *m, const person *p, const rtask *tasks, int nt) {
  ranked want[64];
  int nw = 0, s;
  for (int i = 0; i < nt; i++)
    if (tasks[i].t.status[0] == 'O' && model_recommend(p, &tasks[i], &s)) want[nw++] = (ranked){s, -tasks[i].t.id};
  qsort(want, (size_t)nw, sizeof *want, ranked_cmp);
  int limit = 1 + pick(5), got = 0, more = 1, pages = 0;
  matching_cursor cur, *after = NULL;
  arena a;
  arena_init(&a, 0);
  while (more && pages++ < 70) {
    matching_recommendation out[MATCHING_PAGE_MAX];
    int n;
    REQUIRE(matching_recommend(m, &a, p->uid, NOW, after, limit, out, &n, &more) == PHEME_OK);
    for (int i = 0; i < n; i++, got++) {
      REQUIRE(got < nw);
      CHECK_INT(out[i].task_id, -want[got].id);
      CHECK_INT(out[i].score, want[got].score);
      CHECK(out[i].reasons && strstr(out[i].reasons, "its challenge ("));
    }
    if (n) {
      cur = (matching_cursor){out[n - 1].score, -out[n - 1].task_id};
      after = &cur;
    }
  }
  CHECK_INT(got, nw);
  arena_release(&a);
}

/* One seed: a random population and tasks, random updates through matching_apply, then every
 * query compared with the model. */
static void one_seed(uint64_t seed) {
  rng = seed * 0x9E3779B97F4A7C15ull + 1;
  ns = 1 + pick(MAXS);
  np = pick(MAXP - 50);
  int64_t uid = 0;
  for (int i = 0; i < np; i++) random_person(&P[i], uid += 1 + pick(4));
  matching *m = matching_new();
  REQUIRE(m);
  ix *x = ix_test_new(ns);
  REQUIRE(x);
  for (int i = 0; i < np; i++) REQUIRE(ix_test_person(x, P[i].uid, P[i].lv, P[i].rep, P[i].avail, P[i].active) == 0);
  REQUIRE(ix_test_finish(x) == 0);
  matching__swap(m, x);
  /* updates: levels (up, down, to 0), reputation, availability, activity, new people */
  int nup = pick(60);
  for (int u = 0; u < nup; u++) {
    matching_update up = {.reputation = -1, .available = -1};
    person *p;
    if (np < MAXP && (np == 0 || pick(6) == 0)) {
      p = &P[np++];
      memset(p, 0, sizeof *p);
      p->uid = uid += 1 + pick(4);
      p->avail = 1;
    } else {
      p = &P[pick(np)];
    }
    up.user_id = p->uid;
    char slug[16];
    switch (pick(5)) {
      case 0:
      case 1: {
        int c = pick(ns);
        int level = pick(3) == 0 ? 0 : pick(101);
        snprintf(slug, sizeof slug, "s%d", c & 7);
        up.skill = slug;
        up.level = level;
        p->lv[c] = (uint8_t)level;
        break;
      }
      case 2:
        up.reputation = pick(101);
        p->rep = up.reputation;
        break;
      case 3:
        up.available = pick(2);
        p->avail = up.available;
        break;
      default:
        up.active_at = random_active();
        if (up.active_at > p->active) p->active = up.active_at;
        break;
    }
    REQUIRE(matching_apply(m, &up) == PHEME_OK);
  }
  rtask tasks[12];
  int nt = 1 + pick(12);
  for (int i = 0; i < nt; i++) {
    random_task(&tasks[i], 100 + i);
    if (pick(5) == 0) tasks[i].t.status = "CLOSED";
    REQUIRE(matching_apply_task(m, &tasks[i].t) == PHEME_OK);
  }
  for (int i = 0; i < nt; i++) check_candidates(m, &tasks[i]);
  for (int k = 0; k < 3 && np; k++) check_recommendations(m, &P[pick(np)], tasks, nt);
  matching_free(m);
}

TEST(candidates_and_recommendations_equal_brute_force_on_1000_seeds) {
  for (uint64_t seed = 1; seed <= 1000; seed++) {
    int before = test__failed_checks;
    one_seed(seed);
    if (test__failed_checks != before) {
      fprintf(stderr, "  (seed %llu)\n", (unsigned long long)seed);
      return;
    }
  }
}

/* ---- the Hungarian algorithm against exhaustive search ---- */

static int64_t best;
static void exhaust(int rows, int cols, const int64_t *fit, int r, int *taken, int64_t sum) {
  if (r == rows) {
    if (sum > best) best = sum;
    return;
  }
  exhaust(rows, cols, fit, r + 1, taken, sum); /* row r unassigned */
  for (int c = 0; c < cols; c++) {
    int64_t f = fit[r * cols + c];
    if (taken[c] || f < 0) continue;
    taken[c] = 1;
    exhaust(rows, cols, fit, r + 1, taken, sum + f);
    taken[c] = 0;
  }
}

TEST(hungarian_equals_exhaustive_search) {
  rng = 42;
  for (int iter = 0; iter < 3000; iter++) {
    int rows = pick(7), cols = pick(7);
    int64_t fit[49];
    for (int k = 0; k < rows * cols; k++) fit[k] = pick(10) < 3 ? -1 : pick(4) == 0 ? pick(3) : pick(1001);
    int assign[7], taken[7] = {0};
    best = 0;
    exhaust(rows, cols, fit, 0, taken, 0);
    int64_t total = matching_hungarian(rows, cols, fit, assign);
    CHECK_INT(total, best);
    /* the assignment itself is one-to-one, allowed, and sums to the total */
    int used[7] = {0};
    int64_t sum = 0;
    for (int r = 0; r < rows; r++) {
      if (assign[r] < 0) continue;
      REQUIRE(assign[r] < cols);
      CHECK(!used[assign[r]]);
      used[assign[r]] = 1;
      CHECK(fit[r * cols + assign[r]] >= 0);
      sum += fit[r * cols + assign[r]];
    }
    CHECK_INT(sum, total);
    if (total != best) {
      fprintf(stderr, "  (iteration %d: %dx%d)\n", iter, rows, cols);
      return;
    }
  }
}

TEST(hungarian_handles_a_larger_rectangle_both_ways) {
  rng = 7;
  enum { R = 60, C = 25 };
  static int64_t fit[R * C], tr[C * R];
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) fit[r * C + c] = tr[c * R + r] = pick(5) == 0 ? -1 : pick(1000);
  int a[R], b[C];
  int64_t t1 = matching_hungarian(R, C, fit, a), t2 = matching_hungarian(C, R, tr, b);
  CHECK(t1 > 0);
  CHECK_INT(t1, t2);
  int assigned = 0;
  for (int r = 0; r < R; r++) assigned += a[r] >= 0;
  CHECK(assigned <= C);
}

/* ---- the fit function and cursors at their boundaries ---- */

TEST(fit_function_boundaries) {
  int lv[2] = {80, 61};
  matching_fit f = matching_fit_of(lv, 2, 90, 50, NOW, NOW);
  CHECK_INT(f.skill, 5 * 141 / 2);
  CHECK_INT(f.reputation, 150);
  CHECK_INT(f.activity, 200);
  CHECK_INT(f.total, 352 + 150 + 200);
  CHECK_INT(matching_fit_of(NULL, 0, 90, 0, 0, NOW).skill, 450);
  CHECK_INT(matching_fit_of(NULL, 0, 0, 0, 0, NOW).activity, 0);
  CHECK_INT(matching_fit_of(NULL, 0, 0, 0, NOW - 99 * DAY, NOW).activity, 2);
  CHECK_INT(matching_fit_of(NULL, 0, 0, 0, NOW - 100 * DAY, NOW).activity, 0);
  CHECK_INT(matching_fit_of(NULL, 0, 0, 0, NOW - 100 * DAY + 1, NOW).activity, 2);
  CHECK_INT(matching_fit_of(NULL, 0, 100, 100, NOW + DAY, NOW).total, 1000);
}

TEST(cursors_parse_strictly) {
  matching_cursor c;
  CHECK(matching_cursor_parse("702.15", &c) == 0 && c.score == 702 && c.id == 15);
  CHECK(matching_cursor_parse("0.-3", &c) == 0 && c.id == -3);
  CHECK(matching_cursor_parse("", &c) != 0);
  CHECK(matching_cursor_parse("12", &c) != 0);
  CHECK(matching_cursor_parse("12.", &c) != 0);
  CHECK(matching_cursor_parse("a.1", &c) != 0);
  CHECK(matching_cursor_parse("1.2x", &c) != 0);
  CHECK(matching_cursor_parse("99999999.1", &c) != 0);
  char text[32];
  matching_cursor_format(&(matching_cursor){-5, 77}, text);
  CHECK_STR(text, "-5.77");
}

TEST(reasons_name_each_requirement) {
  matching *m = matching_new();
  REQUIRE(m);
  ix *x = ix_test_new(2);
  uint8_t lv[2] = {82, 40};
  REQUIRE(ix_test_person(x, 5, lv, 64, 1, NOW - 3 * DAY) == 0);
  REQUIRE(ix_test_finish(x) == 0);
  matching__swap(m, x);
  task_skill sk[] = {{"s0", 70}};
  task t = {.id = 1, .status = "OPEN", .difficulty = 8, .requirements = "{\"minLevel\":60,\"minReputation\":50}",
            .skills = sk, .nskills = 1, .creator_id = 9};
  matching_candidate out[5];
  int n, more;
  arena a;
  arena_init(&a, 0);
  REQUIRE(matching_candidates(m, &a, &t, NOW, NULL, 5, out, &n, &more) == PHEME_OK);
  REQUIRE(n == 1);
  CHECK_STR(out[0].reasons, "s0 level 82 (needs 70); reputation 64 (needs 50); top skill level 82 (needs 60); active 3 days ago");
  CHECK(!more);
  /* unavailable: gone */
  matching_update u = {.user_id = 5, .reputation = -1, .available = 0};
  REQUIRE(matching_apply(m, &u) == PHEME_OK);
  REQUIRE(matching_candidates(m, &a, &t, NOW, NULL, 5, out, &n, &more) == PHEME_OK);
  CHECK_INT(n, 0);
  /* bad input */
  CHECK(matching_candidates(m, &a, &t, NOW, NULL, 0, out, &n, &more) == PHEME_DATA_INVALID);
  t.requirements = "[1]";
  CHECK(matching_candidates(m, &a, &t, NOW, NULL, 5, out, &n, &more) == PHEME_DATA_INVALID);
  matching_update bad = {.user_id = 5, .skill = "s0", .level = 101, .reputation = -1, .available = -1};
  CHECK(matching_apply(m, &bad) == PHEME_DATA_INVALID);
  arena_release(&a);
  matching_free(m);
}

TEST_MAIN(RUN(candidates_and_recommendations_equal_brute_force_on_1000_seeds);
          RUN(hungarian_equals_exhaustive_search); RUN(hungarian_handles_a_larger_rectangle_both_ways);
          RUN(fit_function_boundaries); RUN(cursors_parse_strictly); RUN(reasons_name_each_requirement))
