/* The index's queries: the qualified candidates of a task, best fit first, and the open tasks a
 * person qualifies for, best growth first; each result with the reasons it was chosen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "matching/internal.h"
#include "core/banned.h"

#define DAY_MS 86400000LL

/* ---- a bounded heap of the best items seen (root = the worst kept) ---- */

typedef struct {
  int score;
  int64_t id;  /* the ordering id: user id, or −task id */
  uint32_t at; /* row or task index */
} hitem;

/* Does a rank before b: score desc, id asc. */
static inline int better(const hitem *a, const hitem *b) {
  return a->score != b->score ? a->score > b->score : a->id < b->id;
}

typedef struct {
  hitem *v;
  int n, cap;
} heap;

static void heap_down(heap *h, int i) {
  for (;;) {
    int l = 2 * i + 1, r = l + 1, w = i;
    if (l < h->n && better(&h->v[w], &h->v[l])) w = l;
    if (r < h->n && better(&h->v[w], &h->v[r])) w = r;
    if (w == i) return;
    hitem t = h->v[i];
    h->v[i] = h->v[w];
    h->v[w] = t;
    i = w;
  }
}

static void heap_offer(heap *h, const hitem *it) {
  if (h->n < h->cap) {
    int i = h->n++;
    h->v[i] = *it;
    while (i > 0) {
      int p = (i - 1) / 2;
      if (!better(&h->v[p], &h->v[i])) break;
      hitem t = h->v[i];
      h->v[i] = h->v[p];
      h->v[p] = t;
      i = p;
    }
  } else if (better(it, &h->v[0])) {
    h->v[0] = *it;
    heap_down(h, 0);
  }
}

static int cmp_items(const void *a, const void *b) {
  return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

/* Is it after the cursor (strictly later in the order)? */
static inline int after_cursor(const matching_cursor *c, int score, int64_t id) {
  return !c || score < c->score || (score == c->score && id > c->id);
}

/* ---- reasons ---- */

static void activity_words(buf *b, int64_t active_at, int64_t now, int *bad) {
  if (*bad) return;
  if (active_at <= 0) {
    *bad = buf_adds(b, "no recorded activity");
    return;
  }
  int64_t days = active_at >= now ? 0 : (now - active_at) / DAY_MS;
  if (days == 0) *bad = buf_adds(b, "active today");
  else if (days == 1) *bad = buf_adds(b, "active 1 day ago");
  else *bad = buf_printf(b, "active %lld days ago", (long long)days);
}

static const char *finish(arena *a, buf *b, int bad) {
  const char *out = bad ? "" : arena_strndup(a, b->data, b->len);
  buf_release(b);
  return out ? out : "";
}

/* ---- candidates ---- */

typedef struct {
  int n, col[MATCHING_TASK_SKILLS], min[MATCHING_TASK_SKILLS];
  int min_rep, min_level;
  int64_t creator;
} need;

/* Whether row meets every requirement; its fit into *f when it does. */
static inline int qualifies(const ix *x, const need *q, uint32_t row, int64_t now, matching_fit *f) {
  const uint8_t *lv = IX_ROWP(x, row); /* one cache line: levels, reputation, level, availability */
  if (!lv[x->nskill + 2] || lv[x->nskill] < q->min_rep || lv[x->nskill + 1] < q->min_level) return 0;
  int levels[MATCHING_TASK_SKILLS];
  for (int k = 0; k < q->n; k++) {
    levels[k] = q->col[k] >= 0 ? lv[q->col[k]] : 0;
    if (levels[k] < q->min[k]) return 0;
  }
  if (x->uid[row] == q->creator) return 0;
  *f = matching_fit_of(levels, q->n, lv[x->nskill + 1], lv[x->nskill], x->active[row], now);
  return 1;
}

static const char *candidate_reasons(arena *a, const task *t, const need *q, const matching_candidate *c,
                                     int64_t now) {
  buf b;
  buf_init(&b, 4096);
  int bad = 0;
  for (int k = 0; k < q->n && !bad; k++)
    bad = buf_printf(&b, "%s level %d (needs %d); ", t->skills[k].slug, c->skill_levels[k], q->min[k]);
  if (!bad) bad = q->min_rep ? buf_printf(&b, "reputation %d (needs %d); ", c->reputation, q->min_rep)
                             : buf_printf(&b, "reputation %d; ", c->reputation);
  if (!bad && q->min_level) bad = buf_printf(&b, "top skill level %d (needs %d); ", c->level, q->min_level);
  activity_words(&b, c->active_at, now, &bad);
  return finish(a, &b, bad);
}

pheme_err matching_candidates(matching *m, arena *a, const task *t, int64_t now,
                              const matching_cursor *after, int limit, matching_candidate *out,
                              int *n, int *more) {
  *n = 0;
  *more = 0;
  if (limit < 1 || limit > MATCHING_PAGE_MAX || t->nskills > MATCHING_TASK_SKILLS) return PHEME_DATA_INVALID;
  need q;
  memset(&q, 0, sizeof q);
  if (ix_requirements(t->requirements, &q.min_rep, &q.min_level)) return PHEME_DATA_INVALID;
  q.creator = t->creator_id;
  q.n = t->nskills;
  hitem items[MATCHING_PAGE_MAX + 1];
  heap h = {items, 0, limit + 1};
  __atomic_add_fetch(&m->queries, 1, __ATOMIC_RELAXED);
  pthread_rwlock_rdlock(&m->lock);
  const ix *x = m->cur;
  int impossible = q.min_rep > 100 || q.min_level > 100;
  int driver = -1;
  size_t driver_len = x->n;
  for (int k = 0; k < q.n; k++) {
    q.col[k] = ix_column(x, t->skills[k].slug);
    q.min[k] = t->skills[k].min_level;
    if (q.min[k] <= 0) continue;
    if (q.col[k] < 0) {
      impossible = 1; /* nobody has a skill the index does not know */
      continue;
    }
    size_t len = ix_prefix(x, q.col[k], q.min[k]);
    if (driver < 0 || len < driver_len) {
      driver = k;
      driver_len = len;
    }
  }
  matching_fit f;
  if (!impossible && driver >= 0) {
    /* the required skills as a mask: a posting entry lacking one is dropped on the spot */
    uint64_t wanted = 0;
    for (int k = 0; k < q.n; k++)
      if (q.min[k] > 0 && q.col[k] >= 0 && q.col[k] < 64) wanted |= 1ull << q.col[k];
    const posting *p = &x->post[q.col[driver]];
    const uint64_t *mk = p->mask;
    const uint32_t *v = p->v;
    /* 64 entries at a time: a branch-free pass marks those with every required skill; only they
     * are read, their rows asked for as they are found and checked 64 or more at a time */
    uint32_t batch[128];
    int nb = 0;
    for (size_t base = 0; base < driver_len || nb; base += 64) {
      size_t len = base < driver_len ? (driver_len - base < 64 ? driver_len - base : 64) : 0;
      /* the row ids are read sparsely (about 1 in 100), too sparsely for the hardware to fetch
       * them ahead: ask for the ids of the block after next now */
      if (base + 128 < driver_len)
        for (size_t k = 0; k < 64; k += 16) __builtin_prefetch(v + base + 128 + k);
      uint64_t hits = 0;
      for (size_t i = 0; i < len; i++) hits |= (uint64_t)((mk[base + i] & wanted) == wanted) << i;
      for (; hits; hits &= hits - 1) {
        uint32_t row = v[base + (size_t)__builtin_ctzll(hits)];
        __builtin_prefetch(IX_ROWP(x, row));
        batch[nb++] = row;
      }
      if (nb < 64 && base + 64 < driver_len) continue;
      for (int b = 0; b < nb; b++) {
        uint32_t row = batch[b];
        if (!qualifies(x, &q, row, now, &f) || !after_cursor(after, f.total, x->uid[row])) continue;
        hitem it = {f.total, x->uid[row], row};
        heap_offer(&h, &it);
      }
      nb = 0;
    }
  } else if (!impossible) {
    for (uint32_t row = 0; row < x->n; row++) {
      if (!qualifies(x, &q, row, now, &f) || !after_cursor(after, f.total, x->uid[row])) continue;
      hitem it = {f.total, x->uid[row], row};
      heap_offer(&h, &it);
    }
  }
  qsort(h.v, (size_t)h.n, sizeof *h.v, cmp_items);
  int shown = h.n > limit ? limit : h.n;
  for (int i = 0; i < shown; i++) {
    uint32_t row = h.v[i].at;
    matching_candidate *c = &out[i];
    memset(c, 0, sizeof *c);
    c->user_id = x->uid[row];
    memcpy(c->address, x->addr[row], 20);
    qualifies(x, &q, row, now, &c->fit);
    c->reputation = IX_REP(x, row);
    c->level = IX_MAXLV(x, row);
    c->active_at = x->active[row];
    c->available = IX_AVAIL(x, row);
    for (int k = 0; k < q.n; k++) c->skill_levels[k] = q.col[k] >= 0 ? IX_LV(x, row, q.col[k]) : 0;
  }
  pthread_rwlock_unlock(&m->lock);
  for (int i = 0; i < shown; i++) out[i].reasons = candidate_reasons(a, t, &q, &out[i], now);
  *n = shown;
  *more = h.n > limit;
  return PHEME_OK;
}

/* ---- recommendations ---- */

static int clamp100(int v) { return v < 0 ? 0 : v > 100 ? 100 : v; }

/* Scores task o for the person (levels: their dense row, or NULL for nobody yet); 0 when they do
 * not qualify. */
static int recommend_score(const otask *o, const uint8_t *lv, int rep, int level, int64_t uid, int64_t now,
                           matching_recommendation *r) {
  if (o->creator_id == uid || (o->deadline && o->deadline < now) || rep < o->min_rep || level < o->min_level)
    return 0;
  int sum = 0, gap = 0;
  for (int k = 0; k < o->nskills; k++) {
    int have = o->col[k] >= 0 && lv ? lv[o->col[k]] : 0;
    if (have < o->min[k]) return 0;
    sum += have;
    gap += have - o->min[k];
  }
  int base = o->nskills ? sum / o->nskills : level;
  int over = o->nskills ? gap / o->nskills : level - o->min_level;
  int challenge = 10 * o->difficulty, target = base + 10;
  r->task_id = o->id;
  r->person_level = base;
  r->growth = clamp100(100 - abs(challenge - target));
  r->closeness = clamp100(100 - over);
  r->score = 6 * r->growth + 4 * r->closeness;
  return 1;
}

static const char *recommend_reasons(arena *a, const otask *o, const uint8_t *lv, int rep, int level,
                                     const matching_recommendation *r) {
  buf b;
  buf_init(&b, 4096);
  int bad = 0;
  for (int k = 0; k < o->nskills && !bad; k++)
    bad = buf_printf(&b, "your %s level %d (needs %d); ", o->slugs + o->slug[k],
                     o->col[k] >= 0 && lv ? lv[o->col[k]] : 0, o->min[k]);
  if (!bad && o->min_rep) bad = buf_printf(&b, "your reputation %d (needs %d); ", rep, o->min_rep);
  if (!bad && o->min_level) bad = buf_printf(&b, "your top skill level %d (needs %d); ", level, o->min_level);
  if (!bad) {
    /* the task's challenge is 10 × its difficulty, on the skill levels' 0–100 scale */
    int challenge = 10 * o->difficulty, d = challenge - r->person_level;
    bad = buf_printf(&b, "its challenge (%d) %s your level (%d)%s", challenge,
                     d > 0 && d <= 20 ? "is just above" : d > 20 ? "is well above" : d == 0 ? "equals" : "is below",
                     r->person_level, d > 0 && d <= 20 ? ": room to grow" : "");
  }
  return finish(a, &b, bad);
}

pheme_err matching_recommend(matching *m, arena *a, int64_t user_id, int64_t now,
                             const matching_cursor *after, int limit, matching_recommendation *out,
                             int *n, int *more) {
  *n = 0;
  *more = 0;
  if (limit < 1 || limit > MATCHING_PAGE_MAX) return PHEME_DATA_INVALID;
  hitem items[MATCHING_PAGE_MAX + 1];
  heap h = {items, 0, limit + 1};
  __atomic_add_fetch(&m->queries, 1, __ATOMIC_RELAXED);
  pthread_rwlock_rdlock(&m->lock);
  const ix *x = m->cur;
  int64_t row = ix_row(x, user_id);
  const uint8_t *lv = row >= 0 ? IX_ROWP(x, row) : NULL;
  int rep = row >= 0 ? IX_REP(x, row) : 0, level = row >= 0 ? IX_MAXLV(x, row) : 0;
  matching_recommendation r;
  for (size_t i = 0; i < x->ntasks; i++) {
    if (!recommend_score(&x->tasks[i], lv, rep, level, user_id, now, &r)) continue;
    if (!after_cursor(after, r.score, -r.task_id)) continue;
    hitem it = {r.score, -r.task_id, (uint32_t)i};
    heap_offer(&h, &it);
  }
  qsort(h.v, (size_t)h.n, sizeof *h.v, cmp_items);
  int shown = h.n > limit ? limit : h.n;
  for (int i = 0; i < shown; i++) {
    const otask *o = &x->tasks[h.v[i].at];
    memset(&out[i], 0, sizeof out[i]);
    recommend_score(o, lv, rep, level, user_id, now, &out[i]);
    out[i].reasons = recommend_reasons(a, o, lv, rep, level, &out[i]);
  }
  pthread_rwlock_unlock(&m->lock);
  *n = shown;
  *more = h.n > limit;
  return PHEME_OK;
}
