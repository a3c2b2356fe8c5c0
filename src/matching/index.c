/* The in-memory index of people and open tasks, its build, its updates and its queries; see
 * matching.h and docs/internals/matching.md.
 *
 * People are rows 0..n-1 (row order = arrival order; at build, ascending user id). Per row: the
 * user id, address, reputation, level (highest skill level), availability, last activity, and
 * one byte per skill of the catalogue (dense: 1,000,000 people × 43 skills is 43 MB, and checking
 * a requirement is one load). Per skill, a posting list of the rows with a level > 0 in it,
 * sorted by (level desc, user id asc): the people at or above a minimum level are a prefix found
 * by binary search. A query walks the shortest such prefix among the task's skills and checks the
 * other requirements on the dense rows, keeping the best limit+1 in a heap. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "matching/internal.h"
#include "store/matching.h"
#include "core/banned.h"

#define DAY_MS 86400000LL

/* ---- the fit function ---- */

matching_fit matching_fit_of(const int *levels, int nlevels, int level, int reputation,
                             int64_t active_at, int64_t now) {
  matching_fit f;
  if (nlevels > 0) {
    int sum = 0;
    for (int i = 0; i < nlevels; i++) sum += levels[i];
    f.skill = 5 * sum / nlevels;
  } else {
    f.skill = 5 * level;
  }
  f.reputation = 3 * reputation;
  f.activity = 0;
  if (active_at > 0) {
    int64_t days = active_at >= now ? 0 : (now - active_at) / DAY_MS;
    f.activity = days >= 100 ? 0 : (int)(200 - 2 * days);
  }
  f.total = f.skill + f.reputation + f.activity;
  return f;
}

int matching_cursor_parse(const char *text, matching_cursor *out) {
  if (!text || !*text || strlen(text) > 31) return -1;
  char *end;
  long long score = strtoll(text, &end, 10);
  if (*end != '.' || end == text || score < -1000000 || score > 1000000) return -1;
  const char *p = end + 1;
  long long id = strtoll(p, &end, 10);
  if (*end || end == p) return -1;
  out->score = (int)score;
  out->id = id;
  return 0;
}

void matching_cursor_format(const matching_cursor *c, char out[32]) {
  snprintf(out, 32, "%d.%lld", c->score, (long long)c->id);
}

/* ---- an index ---- */

static void ix_free(ix *x) {
  if (!x) return;
  for (int c = 0; c < x->nskill; c++) {
    free(x->post[c].v);
    free(x->post[c].mask);
    free(x->slug[c]);
  }
  free(x->post);
  free(x->slug);
  free(x->skill_id);
  free(x->uid);
  free(x->addr);
  free(x->lv);
  free(x->active);
  free(x->slots);
  for (size_t i = 0; i < x->ntasks; i++) free(x->tasks[i].slugs);
  free(x->tasks);
  free(x);
}

/* An empty index over the skills catalogue (ids and slugs, nskill of them). */
static ix *ix_new(int nskill, const int64_t *ids, const char *const *slugs) {
  ix *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  x->nskill = nskill;
  /* a row: the levels, then reputation, level and availability; a multiple of 64 bytes */
  x->stride = ((size_t)nskill + 3 + 63) / 64 * 64;
  x->post = calloc((size_t)(nskill ? nskill : 1), sizeof *x->post);
  x->slug = calloc((size_t)(nskill ? nskill : 1), sizeof *x->slug);
  x->skill_id = calloc((size_t)(nskill ? nskill : 1), sizeof *x->skill_id);
  if (!x->post || !x->slug || !x->skill_id) {
    ix_free(x);
    return NULL;
  }
  for (int c = 0; c < nskill; c++) {
    x->skill_id[c] = ids[c];
    if (!(x->slug[c] = strdup(slugs[c]))) {
      ix_free(x);
      return NULL;
    }
  }
  return x;
}

int ix_column(const ix *x, const char *slug) {
  for (int c = 0; c < x->nskill; c++)
    if (strcmp(x->slug[c], slug) == 0) return c;
  return -1;
}

static int column_of_id(const ix *x, int64_t skill_id) {
  for (int c = 0; c < x->nskill; c++)
    if (x->skill_id[c] == skill_id) return c;
  return -1;
}

static size_t slot_of(uint64_t uid, size_t mask) {
  uint64_t h = uid * 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 17) & mask;
}

/* The row of uid, or -1. */
int64_t ix_row(const ix *x, int64_t uid) {
  if (!x->nslots) return -1;
  size_t mask = x->nslots - 1;
  for (size_t s = slot_of((uint64_t)uid, mask);; s = (s + 1) & mask) {
    uint32_t v = x->slots[s];
    if (!v) return -1;
    if (x->uid[v - 1] == uid) return (int64_t)v - 1;
  }
}

static int slots_put(uint32_t *slots, size_t nslots, const int64_t *uids, uint32_t row) {
  size_t mask = nslots - 1;
  size_t s = slot_of((uint64_t)uids[row], mask);
  while (slots[s]) s = (s + 1) & mask;
  slots[s] = row + 1;
  return 0;
}

/* Room for one more person (arrays and hash). */
static int ix_reserve(ix *x, size_t want) {
  if (want > x->cap) {
    size_t cap = x->cap ? x->cap : 1024;
    while (cap < want) cap *= 2;
    size_t stride = x->stride;
    int64_t *uid = realloc(x->uid, cap * sizeof *uid);
    if (uid) x->uid = uid;
    uint8_t(*addr)[20] = realloc(x->addr, cap * sizeof *addr);
    if (addr) x->addr = addr;
    /* rows aligned to cache lines: a requirement check touches one line. Large tables are
     * aligned to 2 MiB and asked to be backed by huge pages: a query reads rows scattered over
     * all of it, and with 4 KiB pages nearly every one would also miss the TLB. */
    uint8_t *lv = NULL;
    size_t bytes = cap * stride, align = bytes >= (4u << 20) ? (2u << 20) : 64;
    if (posix_memalign((void **)&lv, align, bytes) == 0) {
      if (align > 64) (void)madvise(lv, bytes, MADV_HUGEPAGE);
      if (x->n) memcpy(lv, x->lv, x->n * stride);
      free(x->lv);
      x->lv = lv;
    }
    int64_t *active = realloc(x->active, cap * sizeof *active);
    if (active) x->active = active;
    if (!uid || !addr || !lv || !active) return -1;
    x->cap = cap;
  }
  if (want * 2 > x->nslots) {
    size_t nslots = x->nslots ? x->nslots : 2048;
    while (want * 2 > nslots) nslots *= 2;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots) return -1;
    for (size_t r = 0; r < x->n; r++) slots_put(slots, nslots, x->uid, (uint32_t)r);
    free(x->slots);
    x->slots = slots;
    x->nslots = nslots;
  }
  return 0;
}

/* Appends a person with zero levels; returns the row or -1 when out of memory. */
static int64_t ix_add(ix *x, int64_t uid, const uint8_t *address) {
  if (x->n >= UINT32_MAX - 1 || ix_reserve(x, x->n + 1)) return -1;
  size_t r = x->n++;
  x->uid[r] = uid;
  if (address) memcpy(x->addr[r], address, 20);
  else memset(x->addr[r], 0, 20);
  memset(IX_ROWP(x, r), 0, x->stride);
  IX_REP(x, r) = 0;
  IX_MAXLV(x, r) = 0;
  IX_AVAIL(x, r) = 1;
  x->active[r] = 0;
  slots_put(x->slots, x->nslots, x->uid, (uint32_t)r);
  return (int64_t)r;
}

/* Is row a before row b in a posting list of column c: level desc, then user id asc. */
static int post_before(const ix *x, int c, uint32_t a, uint32_t b) {
  uint8_t la = IX_LV(x, a, c), lb = IX_LV(x, b, c);
  if (la != lb) return la > lb;
  return x->uid[a] < x->uid[b];
}

/* The number of entries of column c's posting list with a level >= min. */
size_t ix_prefix(const ix *x, int c, int min) {
  const posting *p = &x->post[c];
  size_t lo = 0, hi = p->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (IX_LV(x, p->v[mid], c) >= min) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Where row would sit in column c's posting list with its current level. */
static size_t post_position(const ix *x, int c, uint32_t row) {
  const posting *p = &x->post[c];
  size_t lo = 0, hi = p->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (post_before(x, c, p->v[mid], row)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The skills (of the first 64 columns) row has a level in, as bits. */
static uint64_t row_mask(const ix *x, uint32_t row) {
  const uint8_t *lv = IX_ROWP(x, row);
  uint64_t m = 0;
  int cols = x->nskill < 64 ? x->nskill : 64;
  for (int c = 0; c < cols; c++)
    if (lv[c]) m |= 1ull << c;
  return m;
}

/* Sets row's level in column c, moving it in the posting list, and its skills mask in every
 * posting list it is on when it gains or loses the skill. -1 when out of memory. */
static int ix_set_level(ix *x, uint32_t row, int c, int level) {
  posting *p = &x->post[c];
  uint8_t old = IX_LV(x, row, c);
  if (old == level) return 0;
  if (p->n == p->cap && old == 0 && level > 0) { /* room first, so a failure changes nothing */
    uint32_t cap = p->cap ? p->cap * 2 : 64;
    uint32_t *v = realloc(p->v, cap * sizeof *v);
    if (v) p->v = v;
    uint64_t *mk = v ? realloc(p->mask, cap * sizeof *mk) : NULL;
    if (mk) p->mask = mk;
    if (!v || !mk) return -1;
    p->cap = cap;
  }
  if (old > 0) { /* out of the list at its old place */
    size_t at = post_position(x, c, row);
    if (at >= p->n || p->v[at] != row) PHEME_BUG("posting list of '%s' lost row %u", x->slug[c], row);
    memmove(p->v + at, p->v + at + 1, (p->n - at - 1) * sizeof *p->v);
    memmove(p->mask + at, p->mask + at + 1, (p->n - at - 1) * sizeof *p->mask);
    p->n--;
  }
  IX_LV(x, row, c) = (uint8_t)level;
  uint64_t m = row_mask(x, row);
  if (level > 0) {
    size_t at = post_position(x, c, row);
    memmove(p->v + at + 1, p->v + at, (p->n - at) * sizeof *p->v);
    memmove(p->mask + at + 1, p->mask + at, (p->n - at) * sizeof *p->mask);
    p->v[at] = row;
    p->mask[at] = m;
    p->n++;
  }
  if ((old == 0) != (level == 0) && c < 64) { /* the mask changed: every other list of the row */
    for (int k = 0; k < x->nskill; k++) {
      if (k == c || !IX_LV(x, row, k)) continue;
      size_t at = post_position(x, k, row);
      if (at >= x->post[k].n || x->post[k].v[at] != row) PHEME_BUG("posting list of '%s' lost row %u", x->slug[k], row);
      x->post[k].mask[at] = m;
    }
  }
  uint8_t mx = 0;
  const uint8_t *lv = IX_ROWP(x, row);
  for (int k = 0; k < x->nskill; k++)
    if (lv[k] > mx) mx = lv[k];
  IX_MAXLV(x, row) = mx;
  return 0;
}

/* Builds every posting list from the dense levels (after a bulk load): a counting sort by level
 * over rows in ascending user id order. */
static int ix_index_all(ix *x) {
  size_t n = x->n;
  uint32_t *order = malloc((n ? n : 1) * sizeof *order);
  if (!order) return -1;
  for (size_t r = 0; r < n; r++) order[r] = (uint32_t)r;
  /* rows were appended in id order at build; sort them if not */
  int sorted = 1;
  for (size_t r = 1; r < n && sorted; r++) sorted = x->uid[r - 1] < x->uid[r];
  if (!sorted) {
    /* insertion into order by uid (only after updates; builds are sorted) */
    for (size_t i = 1; i < n; i++) {
      uint32_t v = order[i];
      size_t j = i;
      for (; j > 0 && x->uid[order[j - 1]] > x->uid[v]; j--) order[j] = order[j - 1];
      order[j] = v;
    }
  }
  size_t stride = x->stride;
  for (int c = 0; c < x->nskill; c++) {
    uint32_t count[101] = {0};
    for (size_t r = 0; r < n; r++) count[x->lv[r * stride + (size_t)c]]++;
    size_t total = n - count[0];
    posting *p = &x->post[c];
    free(p->v);
    free(p->mask);
    p->cap = (uint32_t)(total ? total : 1);
    p->v = malloc(p->cap * sizeof *p->v);
    p->mask = malloc(p->cap * sizeof *p->mask);
    p->n = (uint32_t)total;
    if (!p->v || !p->mask) {
      free(order);
      return -1;
    }
    uint32_t start[101];
    uint32_t at = 0;
    for (int l = 100; l >= 1; l--) {
      start[l] = at;
      at += count[l];
    }
    for (size_t i = 0; i < n; i++) {
      uint32_t r = order[i];
      uint8_t l = x->lv[(size_t)r * stride + (size_t)c];
      if (l) {
        p->mask[start[l]] = row_mask(x, r);
        p->v[start[l]++] = r;
      }
    }
  }
  free(order);
  return 0;
}

/* ---- open tasks ---- */

/* Reads the task's requirements document: minReputation, minLevel. -1 when it is not an object. */
int ix_requirements(const char *text, int *min_rep, int *min_level) {
  *min_rep = *min_level = 0;
  if (!text || !*text) return 0;
  json_t *o = json_loads(text, 0, NULL);
  if (!json_is_object(o)) {
    json_decref(o);
    return -1;
  }
  long long r = json_int(o, "minReputation", 0), l = json_int(o, "minLevel", 0);
  json_decref(o);
  *min_rep = r < 0 ? 0 : r > 1000 ? 1000 : (int)r;
  *min_level = l < 0 ? 0 : l > 1000 ? 1000 : (int)l;
  return 0;
}

static void otask_release(otask *o) { free(o->slugs); }

/* An open task as the index keeps it; -1 when out of memory or its requirements are not JSON. */
static int otask_make(const ix *x, const task *t, otask *o) {
  memset(o, 0, sizeof *o);
  o->id = t->id;
  o->creator_id = t->creator_id;
  o->deadline = t->deadline;
  o->difficulty = t->difficulty;
  if (ix_requirements(t->requirements, &o->min_rep, &o->min_level)) return -1;
  o->nskills = t->nskills > MATCHING_TASK_SKILLS ? MATCHING_TASK_SKILLS : t->nskills;
  size_t len = 0;
  for (int i = 0; i < o->nskills; i++) len += strlen(t->skills[i].slug) + 1;
  o->slugs = malloc(len ? len : 1);
  if (!o->slugs) return -1;
  char *p = o->slugs;
  for (int i = 0; i < o->nskills; i++) {
    o->col[i] = (int16_t)ix_column(x, t->skills[i].slug);
    o->min[i] = (uint8_t)(t->skills[i].min_level < 0 ? 0 : t->skills[i].min_level > 100 ? 100 : t->skills[i].min_level);
    o->slug[i] = (size_t)(p - o->slugs);
    size_t n = strlen(t->skills[i].slug) + 1;
    memcpy(p, t->skills[i].slug, n);
    p += n;
  }
  return 0;
}

static int64_t ix_task_find(const ix *x, int64_t id) {
  for (size_t i = 0; i < x->ntasks; i++)
    if (x->tasks[i].id == id) return (int64_t)i;
  return -1;
}

static void ix_task_drop(ix *x, int64_t id) {
  int64_t i = ix_task_find(x, id);
  if (i < 0) return;
  otask_release(&x->tasks[i]);
  x->tasks[i] = x->tasks[--x->ntasks];
}

static int ix_task_put(ix *x, const task *t) {
  otask o;
  if (otask_make(x, t, &o)) {
    otask_release(&o);
    return -1;
  }
  int64_t i = ix_task_find(x, t->id);
  if (i >= 0) {
    otask_release(&x->tasks[i]);
    x->tasks[i] = o;
    return 0;
  }
  if (x->ntasks == x->tcap) {
    size_t cap = x->tcap ? x->tcap * 2 : 64;
    otask *v = realloc(x->tasks, cap * sizeof *v);
    if (!v) {
      otask_release(&o);
      return -1;
    }
    x->tasks = v;
    x->tcap = cap;
  }
  x->tasks[x->ntasks++] = o;
  return 0;
}

/* ---- the engine ---- */

static int chain_reputation_one(void *ctx, int64_t user_id) {
  store *s = ctx;
  arena a;
  arena_init(&a, 0);
  store_matching_score *sc;
  int n = 0, score = 0;
  if (store_matching_reputations(s, &a, user_id, user_id, &sc, &n) == PHEME_OK && n) score = sc[0].score;
  arena_release(&a);
  return score;
}

static pheme_err chain_reputation_range(void *ctx, int64_t lo, int64_t hi,
                                        void (*put)(void *k, int64_t user_id, int score), void *k) {
  store *s = ctx;
  arena a;
  arena_init(&a, 0);
  store_matching_score *sc;
  int n = 0;
  pheme_err e = store_matching_reputations(s, &a, lo, hi, &sc, &n);
  for (int i = 0; !e && i < n; i++) put(k, sc[i].user_id, sc[i].score);
  arena_release(&a);
  return e;
}

matching *matching_new(void) {
  matching *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  pthread_rwlock_init(&m->lock, NULL);
  pthread_mutex_init(&m->mu, NULL);
  pthread_cond_init(&m->wake, NULL);
  if (!(m->cur = ix_new(0, NULL, NULL))) {
    matching_free(m);
    return NULL;
  }
  return m;
}

void matching_free(matching *m) {
  if (!m) return;
  matching_stop(m);
  ix_free(m->cur);
  pthread_rwlock_destroy(&m->lock);
  pthread_mutex_destroy(&m->mu);
  pthread_cond_destroy(&m->wake);
  free(m);
}

void matching_set_reputation(matching *m, matching_reputation_fn one,
                             matching_reputation_range_fn range, void *ctx) {
  pthread_rwlock_wrlock(&m->lock);
  m->rep_one = one;
  m->rep_range = range;
  m->rep_ctx = ctx;
  m->rep_set = 1;
  pthread_rwlock_unlock(&m->lock);
}

typedef struct {
  ix *x;
} rep_put_ctx;

static void rep_put(void *k, int64_t user_id, int score) {
  ix *x = ((rep_put_ctx *)k)->x;
  int64_t r = ix_row(x, user_id);
  if (r >= 0) IX_REP(x, r) = (uint8_t)(score < 0 ? 0 : score > 100 ? 100 : score);
}

#define BUILD_PAGE 20000

/* Loads people page by page into x, with their reputation. */
static pheme_err build_people(matching *m, ix *x, store *s, char *why, size_t n) {
  matching_reputation_fn one;
  matching_reputation_range_fn range;
  void *ctx;
  pthread_rwlock_rdlock(&m->lock);
  one = m->rep_set ? m->rep_one : chain_reputation_one;
  range = m->rep_set ? m->rep_range : chain_reputation_range;
  ctx = m->rep_set ? m->rep_ctx : s;
  pthread_rwlock_unlock(&m->lock);
  int64_t after = 0, next_log = 100000, t0 = time_now_ms();
  arena a;
  arena_init(&a, 0);
  pheme_err e = PHEME_OK;
  for (;;) {
    arena_clear(&a);
    store_matching_person *people;
    int count;
    if ((e = store_matching_people(s, &a, after, BUILD_PAGE, &people, &count))) {
      pheme_fail(e, why, n, "matching: reading people after id %lld failed", (long long)after);
      break;
    }
    if (count == 0) break;
    if (ix_reserve(x, x->n + (size_t)count)) {
      e = pheme_fail(PHEME_SYS_NOMEM, why, n, "matching: out of memory at %zu people", x->n);
      break;
    }
    for (int i = 0; i < count; i++) {
      const store_matching_person *p = &people[i];
      int64_t r = ix_add(x, p->user_id, p->address);
      if (r < 0) {
        e = pheme_fail(PHEME_SYS_NOMEM, why, n, "matching: out of memory at %zu people", x->n);
        break;
      }
      IX_AVAIL(x, r) = (uint8_t)p->available;
      x->active[r] = p->last_active;
      uint8_t mx = 0;
      for (int k = 0; k < p->nlevels; k++) {
        int c = column_of_id(x, p->levels[k].skill_id);
        if (c < 0) continue;
        IX_LV(x, r, c) = (uint8_t)p->levels[k].level;
        if (p->levels[k].level > mx) mx = (uint8_t)p->levels[k].level;
      }
      IX_MAXLV(x, r) = mx;
    }
    if (e) break;
    int64_t lo = people[0].user_id, hi = people[count - 1].user_id;
    after = hi;
    rep_put_ctx k = {x};
    if (range) {
      if ((e = range(ctx, lo, hi, rep_put, &k))) {
        pheme_fail(e, why, n, "matching: reading reputation of ids %lld..%lld failed", (long long)lo, (long long)hi);
        break;
      }
    } else if (one) {
      for (int i = 0; i < count; i++) rep_put(&k, people[i].user_id, one(ctx, people[i].user_id));
    }
    if ((int64_t)x->n >= next_log) {
      log_info("matching: indexed %zu people (%.1f s)", x->n, (double)(time_now_ms() - t0) / 1000.0);
      next_log += 100000;
    }
    if (count < BUILD_PAGE) break;
  }
  arena_release(&a);
  return e;
}

/* Loads the open tasks (without those assigned) into x. */
static pheme_err build_tasks(ix *x, store *s, char *why, size_t n) {
  arena a;
  arena_init(&a, 0);
  int64_t *assigned;
  int nassigned = 0;
  pheme_err e = store_matching_assigned_open(s, &a, &assigned, &nassigned);
  task_filter f;
  memset(&f, 0, sizeof f);
  f.status = "OPEN";
  store_page p = {0, 100};
  arena page;
  arena_init(&page, 0);
  while (!e) {
    arena_clear(&page);
    task *list;
    int count;
    if ((e = store_tasks_list(s, &page, &f, &p, &list, &count))) break;
    for (int i = 0; i < count; i++) {
      int skip = 0;
      for (int j = 0; j < nassigned && !skip; j++) skip = assigned[j] == list[i].id;
      if (!skip && ix_task_put(x, &list[i])) log_warn("matching: task %lld has requirements that are not JSON; left out", (long long)list[i].id);
    }
    if (count < p.limit) break;
    p.before = list[count - 1].id;
  }
  arena_release(&page);
  arena_release(&a);
  if (e) pheme_fail(e, why, n, "matching: reading open tasks failed");
  return e;
}

pheme_err matching_build(matching *m, store *s, char *why, size_t n) {
  int64_t t0 = time_now_ms();
  arena a;
  arena_init(&a, 0);
  skill *skills;
  int nskills;
  pheme_err e = store_skills_list(s, &a, NULL, &skills, &nskills);
  if (e) {
    arena_release(&a);
    return pheme_fail(e, why, n, "matching: reading the skills catalogue failed");
  }
  int64_t *ids = malloc(sizeof *ids * (size_t)(nskills ? nskills : 1));
  const char **slugs = malloc(sizeof *slugs * (size_t)(nskills ? nskills : 1));
  ix *x = NULL;
  if (ids && slugs) {
    for (int i = 0; i < nskills; i++) {
      ids[i] = skills[i].id;
      slugs[i] = skills[i].slug;
    }
    x = ix_new(nskills, ids, slugs);
  }
  free(ids);
  free(slugs);
  arena_release(&a);
  if (!x) return pheme_fail(PHEME_SYS_NOMEM, why, n, "matching: out of memory");
  log_info("matching: building the index (%d skills)", nskills);
  e = build_people(m, x, s, why, n);
  if (!e && ix_index_all(x)) e = pheme_fail(PHEME_SYS_NOMEM, why, n, "matching: out of memory for posting lists");
  if (!e) e = build_tasks(x, s, why, n);
  if (e) {
    ix_free(x);
    return e;
  }
  int64_t took = time_now_ms() - t0;
  pthread_rwlock_wrlock(&m->lock);
  ix *old = m->cur;
  m->cur = x;
  m->builds++;
  m->last_build_ms = took;
  m->built_at = time_now_ms();
  pthread_rwlock_unlock(&m->lock);
  ix_free(old);
  log_info("matching: index ready: %zu people, %zu open tasks in %.2f s", x->n, x->ntasks, (double)took / 1000.0);
  return PHEME_OK;
}

/* Sets the matching's index to x directly (tests and benchmarks that build without storage). */
void matching__swap(matching *m, ix *x) {
  pthread_rwlock_wrlock(&m->lock);
  ix *old = m->cur;
  m->cur = x;
  pthread_rwlock_unlock(&m->lock);
  ix_free(old);
}

/* ---- the refresh thread ---- */

static void *refresh_main(void *arg) {
  matching *m = arg;
  pthread_mutex_lock(&m->mu);
  while (!m->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += m->interval;
    while (!m->stop && pthread_cond_timedwait(&m->wake, &m->mu, &until) == 0) {}
    if (m->stop) break;
    pthread_mutex_unlock(&m->mu);
    char why[256];
    if (matching_build(m, m->refresh_store, why, sizeof why)) log_warn("%s (the previous index still answers)", why);
    pthread_mutex_lock(&m->mu);
  }
  pthread_mutex_unlock(&m->mu);
  return NULL;
}

pheme_err matching_start(matching *m, store *s, int refresh_seconds) {
  if (refresh_seconds <= 0) return PHEME_DATA_INVALID;
  if (m->running) return PHEME_DATA_STATE;
  m->refresh_store = s;
  m->interval = refresh_seconds;
  m->stop = 0;
  if (pthread_create(&m->thread, NULL, refresh_main, m)) return PHEME_SYS_INTERNAL;
  m->running = 1;
  return PHEME_OK;
}

void matching_stop(matching *m) {
  if (!m->running) return;
  pthread_mutex_lock(&m->mu);
  m->stop = 1;
  pthread_cond_broadcast(&m->wake);
  pthread_mutex_unlock(&m->mu);
  pthread_join(m->thread, NULL);
  m->running = 0;
}

void matching_size(matching *m, int64_t *people, int64_t *tasks) {
  pthread_rwlock_rdlock(&m->lock);
  *people = (int64_t)m->cur->n;
  *tasks = (int64_t)m->cur->ntasks;
  pthread_rwlock_unlock(&m->lock);
}

void matching_metrics_collect(metrics_writer *w, void *arg) {
  matching *m = arg;
  int64_t people, tasks;
  matching_size(m, &people, &tasks);
  mw_family(w, "pheme_matching_people", METRIC_GAUGE, "People in the matching index");
  mw_i64(w, NULL, people);
  mw_family(w, "pheme_matching_open_tasks", METRIC_GAUGE, "Open tasks in the matching index");
  mw_i64(w, NULL, tasks);
  mw_family(w, "pheme_matching_builds_total", METRIC_COUNTER, "Builds of the matching index from storage");
  mw_u64(w, NULL, __atomic_load_n(&m->builds, __ATOMIC_RELAXED));
  mw_family(w, "pheme_matching_last_build_seconds", METRIC_GAUGE, "How long the last build took");
  mw_f64(w, NULL, (double)__atomic_load_n(&m->last_build_ms, __ATOMIC_RELAXED) / 1000.0);
  mw_family(w, "pheme_matching_updates_total", METRIC_COUNTER, "Updates applied to the matching index");
  mw_u64(w, NULL, __atomic_load_n(&m->updates, __ATOMIC_RELAXED));
  mw_family(w, "pheme_matching_queries_total", METRIC_COUNTER, "Candidate and recommendation queries answered");
  mw_u64(w, NULL, __atomic_load_n(&m->queries, __ATOMIC_RELAXED));
  mw_family(w, "pheme_matching_unknown_skills_total", METRIC_COUNTER,
            "Updates naming a skill the index does not know yet (the next rebuild picks it up)");
  mw_u64(w, NULL, __atomic_load_n(&m->unknown_skills, __ATOMIC_RELAXED));
}

/* ---- updates ---- */

pheme_err matching_apply(matching *m, const matching_update *u) {
  if (u->user_id <= 0 || (u->skill && (u->level < 0 || u->level > 100)) || u->reputation > 100 ||
      u->reputation < -1 || u->available < -1 || u->available > 1)
    return PHEME_DATA_INVALID;
  pheme_err e = PHEME_OK;
  pthread_rwlock_wrlock(&m->lock);
  ix *x = m->cur;
  int64_t r = ix_row(x, u->user_id);
  if (r < 0 && (r = ix_add(x, u->user_id, u->address)) < 0) e = PHEME_SYS_NOMEM;
  if (!e && u->address) memcpy(x->addr[r], u->address, 20);
  if (!e && u->skill) {
    int c = ix_column(x, u->skill);
    if (c < 0) __atomic_add_fetch(&m->unknown_skills, 1, __ATOMIC_RELAXED);
    else if (ix_set_level(x, (uint32_t)r, c, u->level)) e = PHEME_SYS_NOMEM;
  }
  if (!e && u->reputation >= 0) IX_REP(x, r) = (uint8_t)u->reputation;
  if (!e && u->available >= 0) IX_AVAIL(x, r) = (uint8_t)u->available;
  if (!e && u->active_at > x->active[r]) x->active[r] = u->active_at;
  pthread_rwlock_unlock(&m->lock);
  if (!e) __atomic_add_fetch(&m->updates, 1, __ATOMIC_RELAXED);
  return e;
}

pheme_err matching_apply_person(matching *m, store *s, int64_t user_id) {
  arena a;
  arena_init(&a, 0);
  store_matching_person p;
  pheme_err e = store_matching_person_get(s, &a, user_id, &p);
  if (e) {
    arena_release(&a);
    return e;
  }
  int score = 0;
  matching_reputation_fn one;
  void *ctx;
  pthread_rwlock_rdlock(&m->lock);
  one = m->rep_set ? m->rep_one : chain_reputation_one;
  ctx = m->rep_set ? m->rep_ctx : s;
  pthread_rwlock_unlock(&m->lock);
  if (one) score = one(ctx, user_id);
  pthread_rwlock_wrlock(&m->lock);
  ix *x = m->cur;
  int64_t r = ix_row(x, user_id);
  if (r < 0 && (r = ix_add(x, user_id, p.address)) < 0) e = PHEME_SYS_NOMEM;
  if (!e) {
    memcpy(x->addr[r], p.address, 20);
    /* every column: the ones the person no longer has go to 0 */
    uint8_t want[256];
    int cols = x->nskill < 256 ? x->nskill : 256;
    memset(want, 0, sizeof want);
    for (int k = 0; k < p.nlevels; k++) {
      int c = column_of_id(x, p.levels[k].skill_id);
      if (c >= 0 && c < cols) want[c] = (uint8_t)p.levels[k].level;
    }
    for (int c = 0; c < cols && !e; c++)
      if (ix_set_level(x, (uint32_t)r, c, want[c])) e = PHEME_SYS_NOMEM;
    IX_REP(x, r) = (uint8_t)(score < 0 ? 0 : score > 100 ? 100 : score);
    IX_AVAIL(x, r) = (uint8_t)p.available;
    if (p.last_active > x->active[r]) x->active[r] = p.last_active;
  }
  pthread_rwlock_unlock(&m->lock);
  arena_release(&a);
  if (!e) __atomic_add_fetch(&m->updates, 1, __ATOMIC_RELAXED);
  return e;
}

pheme_err matching_apply_task(matching *m, const task *t) {
  pheme_err e = PHEME_OK;
  pthread_rwlock_wrlock(&m->lock);
  if (t->status && strcmp(t->status, "OPEN") == 0) {
    if (ix_task_put(m->cur, t)) e = PHEME_DATA_INVALID;
  } else {
    ix_task_drop(m->cur, t->id);
  }
  pthread_rwlock_unlock(&m->lock);
  return e;
}

static int starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

pheme_err matching_on_event(matching *m, store *s, const char *kind, int64_t user_id,
                            const char *subject_type, int64_t subject_id) {
  static const char *const person_kinds[] = {"xp.", "skill", "level", "submission.", "profile.", "reputation.", "badge."};
  pheme_err e = PHEME_OK;
  int about_person = 0;
  for (size_t i = 0; kind && i < sizeof person_kinds / sizeof *person_kinds; i++) about_person |= starts(kind, person_kinds[i]);
  if (about_person && user_id > 0) e = matching_apply_person(m, s, user_id);
  if (e == PHEME_DATA_NOT_FOUND) e = PHEME_OK;
  if (!e && subject_type && strcmp(subject_type, "task") == 0 && subject_id > 0) {
    arena a;
    arena_init(&a, 0);
    task t;
    e = store_task_get(s, &a, subject_id, &t);
    if (!e) e = matching_apply_task(m, &t);
    else if (e == PHEME_DATA_NOT_FOUND) {
      matching_drop_task(m, subject_id);
      e = PHEME_OK;
    }
    arena_release(&a);
  }
  return e;
}

void matching_drop_task(matching *m, int64_t task_id) {
  pthread_rwlock_wrlock(&m->lock);
  ix_task_drop(m->cur, task_id);
  pthread_rwlock_unlock(&m->lock);
}

/* ---- filling an index without storage (tests, benchmarks) ---- */

ix *ix_test_new(int nskill) {
  int64_t ids[256];
  char names[256][8];
  const char *slugs[256];
  if (nskill < 0 || nskill > 256) return NULL;
  for (int c = 0; c < nskill; c++) {
    ids[c] = c + 1;
    snprintf(names[c], sizeof names[c], "s%d", c);
    slugs[c] = names[c];
  }
  return ix_new(nskill, ids, slugs);
}

int ix_test_person(ix *x, int64_t uid, const uint8_t *levels, int rep, int available, int64_t active) {
  int64_t r = ix_row(x, uid);
  if (r < 0 && (r = ix_add(x, uid, NULL)) < 0) return -1;
  uint8_t mx = 0;
  for (int c = 0; c < x->nskill; c++) {
    uint8_t l = levels[c] > 100 ? 100 : levels[c];
    IX_LV(x, r, c) = l;
    if (l > mx) mx = l;
  }
  IX_MAXLV(x, r) = mx;
  IX_REP(x, r) = (uint8_t)rep;
  IX_AVAIL(x, r) = (uint8_t)available;
  x->active[r] = active;
  return 0;
}

int ix_test_finish(ix *x) { return ix_index_all(x); }
