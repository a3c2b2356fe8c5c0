/* The leaderboards of leaderboard.h: a directory of ranked sets per board kind, filled from the
 * ledger at start and kept current by the award listener.
 *
 * Each kind's directory is a sorted array of (id, set) under its own rwlock: lookups (every read,
 * every applied row) take it shared; creating a board (the first row naming a new skill, guild or
 * season) takes it exclusive. Sets are never freed before the leaderboards, so a reader may keep
 * using a set after the directory lock is released. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "game/leaderboard.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "store/leaderboard.h"
#include "core/banned.h"

typedef struct {
  int64_t id;
  rank_set *set;
} board;

typedef struct {
  pthread_rwlock_t lock;
  board *b; /* sorted by id */
  size_t n, cap;
} directory;

/* What the follow has taken: every id <= frontier, and the ids in seen[0..nseen) above it (in
 * order), which a missing id below them holds back (on PostgreSQL a transaction takes its ids
 * at INSERT and may commit after a later one). */
typedef struct {
  pthread_mutex_t mu; /* one follow at a time */
  store *s;           /* set by leaderboards_load */
  int64_t frontier;
  int64_t *seen;
  size_t nseen, cap;
  int64_t gap_id, gap_since_ms; /* the missing id holding the frontier back, since when */
  _Atomic int64_t followed;     /* frontier, for readers without mu */
  /* the thread (leaderboards_follow_start) */
  pthread_mutex_t wake_mu;
  pthread_cond_t wake_cv;
  pthread_t thread;
  int running, stop; /* under wake_mu */
  int poll_ms;
} follower;

struct leaderboards {
  directory dir[LB__KINDS];
  _Atomic uint64_t applied, failures;
  _Atomic int64_t load_ms, loaded_groups;
  follower f;
};

static const char *const kind_name[LB__KINDS] = {"global", "skill", "guild", "season", "guilds"};

leaderboards *leaderboards_new(void) {
  leaderboards *lb = calloc(1, sizeof *lb);
  if (!lb) return NULL;
  for (int k = 0; k < LB__KINDS; k++) pthread_rwlock_init(&lb->dir[k].lock, NULL);
  pthread_mutex_init(&lb->f.mu, NULL);
  pthread_mutex_init(&lb->f.wake_mu, NULL);
  pthread_cond_init(&lb->f.wake_cv, NULL);
  return lb;
}

void leaderboards_free(leaderboards *lb) {
  if (!lb) return;
  leaderboards_follow_stop(lb);
  free(lb->f.seen);
  pthread_mutex_destroy(&lb->f.mu);
  pthread_mutex_destroy(&lb->f.wake_mu);
  pthread_cond_destroy(&lb->f.wake_cv);
  for (int k = 0; k < LB__KINDS; k++) {
    for (size_t i = 0; i < lb->dir[k].n; i++) rank_set_free(lb->dir[k].b[i].set);
    free(lb->dir[k].b);
    pthread_rwlock_destroy(&lb->dir[k].lock);
  }
  free(lb);
}

static size_t dir_lower(const directory *d, int64_t id) {
  size_t lo = 0, hi = d->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (d->b[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

rank_set *leaderboards_board(leaderboards *lb, lb_kind kind, int64_t id) {
  directory *d = &lb->dir[kind];
  pthread_rwlock_rdlock(&d->lock);
  size_t i = dir_lower(d, id);
  rank_set *s = i < d->n && d->b[i].id == id ? d->b[i].set : NULL;
  pthread_rwlock_unlock(&d->lock);
  return s;
}

/* The board of kind and id, made when missing; NULL when memory is short. */
static rank_set *board_make(leaderboards *lb, lb_kind kind, int64_t id) {
  rank_set *s = leaderboards_board(lb, kind, id);
  if (s) return s;
  directory *d = &lb->dir[kind];
  pthread_rwlock_wrlock(&d->lock);
  size_t i = dir_lower(d, id);
  if (i < d->n && d->b[i].id == id) {
    s = d->b[i].set;
  } else {
    if (d->n == d->cap) {
      size_t cap = d->cap ? d->cap * 2 : 16;
      board *more = realloc(d->b, cap * sizeof *more);
      if (more) d->b = more, d->cap = cap;
    }
    if (d->n < d->cap && (s = rank_set_new())) {
      memmove(&d->b[i + 1], &d->b[i], (d->n - i) * sizeof *d->b);
      d->b[i] = (board){id, s};
      d->n++;
    }
  }
  pthread_rwlock_unlock(&d->lock);
  return s;
}

static int add_to(leaderboards *lb, lb_kind kind, int64_t board_id, int64_t member, int64_t amount) {
  rank_set *s = board_make(lb, kind, board_id);
  return s && rank_set_add(s, member, amount, NULL) == 0 ? 0 : -1;
}

void leaderboard_apply(leaderboards *lb, const lb_xp_row *rows, int n) {
  for (int i = 0; i < n; i++) {
    const lb_xp_row *r = &rows[i];
    if (r->user_id <= 0 || r->amount == 0) continue;
    int bad = add_to(lb, LB_GLOBAL, 0, r->user_id, r->amount);
    if (r->skill_id > 0) bad |= add_to(lb, LB_SKILL, r->skill_id, r->user_id, r->amount);
    if (r->guild_id > 0) {
      bad |= add_to(lb, LB_GUILD, r->guild_id, r->user_id, r->amount);
      bad |= add_to(lb, LB_GUILDS, 0, r->guild_id, r->amount);
    }
    if (r->season_id > 0) bad |= add_to(lb, LB_SEASON, r->season_id, r->user_id, r->amount);
    atomic_fetch_add_explicit(&lb->applied, 1, memory_order_relaxed);
    if (bad) {
      atomic_fetch_add_explicit(&lb->failures, 1, memory_order_relaxed);
      log_error("leaderboards: out of memory applying %lld XP of user %lld; a restart rebuilds the boards",
                (long long)r->amount, (long long)r->user_id);
    }
  }
}

typedef struct {
  leaderboards *lb;
  int64_t groups;
  int64_t started_ms, logged_ms;
  lb_xp_row *rows;
  size_t cap;
} load_state;

static int load_page(void *ctx, const store_lb_group *g, int n, int64_t upto, int64_t max) {
  load_state *st = ctx;
  if ((size_t)n > st->cap) {
    lb_xp_row *more = realloc(st->rows, (size_t)n * sizeof *more);
    if (!more) return -1;
    st->rows = more;
    st->cap = (size_t)n;
  }
  for (int i = 0; i < n; i++)
    st->rows[i] = (lb_xp_row){g[i].user_id, g[i].skill_id, g[i].guild_id, g[i].season_id, g[i].xp, 0};
  uint64_t failed = atomic_load(&st->lb->failures);
  leaderboard_apply(st->lb, st->rows, n);
  if (atomic_load(&st->lb->failures) != failed) return -1;
  st->groups += n;
  int64_t now = time_now_ms();
  if (now - st->logged_ms >= 2000) { /* a large ledger: say how far the load has come */
    log_info("leaderboards: loading, ledger ids up to %lld of %lld (%lld rows) after %lld ms",
             (long long)upto, (long long)max, (long long)st->groups, (long long)(now - st->started_ms));
    st->logged_ms = now;
  }
  return 0;
}

pheme_err leaderboards_load(leaderboards *lb, store *s, int64_t page_rows, char *err, size_t errlen) {
  load_state st = {.lb = lb, .started_ms = time_now_ms()};
  st.logged_ms = st.started_ms;
  int64_t last_id = 0;
  pheme_err e = store_leaderboard_scan(s, page_rows, load_page, &st, &last_id);
  free(st.rows);
  pthread_mutex_lock(&lb->f.mu);
  lb->f.s = e ? NULL : s;
  lb->f.frontier = last_id;
  lb->f.nseen = 0;
  atomic_store(&lb->f.followed, last_id);
  pthread_mutex_unlock(&lb->f.mu);
  if (e) return pheme_fail(e, err, errlen, "leaderboards: could not load the XP ledger: %s", pheme_err_message(e));
  int64_t ms = time_now_ms() - st.started_ms;
  atomic_store(&lb->load_ms, ms);
  atomic_store(&lb->loaded_groups, st.groups);
  rank_set *g = leaderboards_board(lb, LB_GLOBAL, 0);
  log_info("leaderboards: loaded %lld people (%lld ledger groups) in %lld ms",
           (long long)(g ? rank_set_size(g) : 0), (long long)st.groups, (long long)ms);
  return 0;
}

/* ---- following the ledger ---- */

static int seen_has(const follower *f, int64_t id) {
  size_t lo = 0, hi = f->nseen;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (f->seen[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < f->nseen && f->seen[lo] == id;
}

/* Adds id (above the frontier, not seen yet) in order; -1 when memory is short. */
static int seen_add(follower *f, int64_t id) {
  if (f->nseen == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 1024;
    int64_t *more = realloc(f->seen, cap * sizeof *more);
    if (!more) return -1;
    f->seen = more, f->cap = cap;
  }
  size_t i = f->nseen;
  while (i > 0 && f->seen[i - 1] > id) i--; /* rows come in id order: a late one goes back a little */
  memmove(&f->seen[i + 1], &f->seen[i], (f->nseen - i) * sizeof *f->seen);
  f->seen[i] = id;
  f->nseen++;
  return 0;
}

/* Moves the frontier over the ids taken right above it, and over a run of missing ones that has
 * been missing for LB_FOLLOW_GAP_WAIT_MS (their transaction rolled back). The run is every id up
 * to the lowest one taken above it: all of them were missing, below that one, when the first was
 * found missing, so they wait once together (a rolled-back award leaves a run of ids, one per
 * row, and each waiting in turn held the frontier for minutes while seen grew). */
static void frontier_advance(follower *f, int64_t now_ms) {
  size_t k = 0;
  for (;;) {
    while (k < f->nseen && f->seen[k] == f->frontier + 1) f->frontier = f->seen[k++];
    if (k == f->nseen) break;
    int64_t missing = f->frontier + 1;
    if (f->gap_id != missing) {
      f->gap_id = missing;
      f->gap_since_ms = now_ms;
    }
    if (now_ms - f->gap_since_ms < LB_FOLLOW_GAP_WAIT_MS) break;
    log_warn("leaderboards: ledger ids %lld to %lld still missing after %d ms: taken as rolled back",
             (long long)missing, (long long)(f->seen[k] - 1), LB_FOLLOW_GAP_WAIT_MS);
    f->frontier = f->seen[k] - 1;
  }
  if (k) { /* (f->seen is NULL until the first late row: memmove wants a pointer even for 0 bytes) */
    memmove(f->seen, f->seen + k, (f->nseen - k) * sizeof *f->seen);
    f->nseen -= k;
  }
  atomic_store(&f->followed, f->frontier);
}

/* Under f->mu: applies rows not taken yet; returns the highest id read, or -1 (memory). */
static int64_t take_rows(leaderboards *lb, const store_lb_row *rows, int n) {
  follower *f = &lb->f;
  lb_xp_row chunk[64];
  int k = 0;
  int64_t high = 0;
  for (int i = 0; i < n; i++) {
    const store_lb_row *r = &rows[i];
    high = r->id;
    if (r->id <= f->frontier || seen_has(f, r->id)) continue;
    if (seen_add(f, r->id)) return -1;
    if (!r->counts) continue;
    chunk[k++] = (lb_xp_row){r->user_id, r->skill_id, r->guild_id, r->season_id, r->amount, 0};
    if (k == 64) leaderboard_apply(lb, chunk, k), k = 0;
  }
  if (k) leaderboard_apply(lb, chunk, k);
  return high;
}

pheme_err leaderboards_follow(leaderboards *lb) {
  follower *f = &lb->f;
  pthread_mutex_lock(&f->mu);
  pheme_err e = PHEME_OK;
  if (!f->s) goto out; /* not loaded */
  arena a;
  arena_init(&a, 0);
  /* first the holes below the highest id taken (a late commit fills one; at most
   * LB_FOLLOW_HOLES of them, the lowest, per follow), then everything above, a page at a time */
  int64_t hole[LB_FOLLOW_HOLES][2];
  int nholes = 0;
  for (size_t i = 0, prev = 0; i < f->nseen && nholes < LB_FOLLOW_HOLES; i++) {
    int64_t below = i ? f->seen[prev] : f->frontier;
    if (f->seen[i] > below + 1) hole[nholes][0] = below, hole[nholes++][1] = f->seen[i] - 1;
    prev = i;
  }
  int64_t top = f->nseen ? f->seen[f->nseen - 1] : f->frontier;
  for (int h = 0; !e && h <= nholes; h++) {
    int64_t after = h < nholes ? hole[h][0] : top, upto = h < nholes ? hole[h][1] : 0;
    for (;;) {
      store_lb_row *rows;
      int n;
      if ((e = store_leaderboard_rows(f->s, &a, after, upto, LB_FOLLOW_PAGE, &rows, &n))) break;
      int64_t high = take_rows(lb, rows, n);
      arena_clear(&a);
      if (high < 0) {
        e = PHEME_SYS_NOMEM;
        break;
      }
      if (n < LB_FOLLOW_PAGE) break;
      after = high;
    }
  }
  arena_release(&a);
  frontier_advance(f, time_now_ms());
out:
  pthread_mutex_unlock(&f->mu);
  return e;
}

int64_t leaderboards_followed(leaderboards *lb) { return atomic_load(&lb->f.followed); }

static void *follow_main(void *p) {
  leaderboards *lb = p;
  follower *f = &lb->f;
  pthread_mutex_lock(&f->wake_mu);
  while (!f->stop) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + (int64_t)f->poll_ms * 1000000;
    ts.tv_sec += ns / 1000000000;
    ts.tv_nsec = ns % 1000000000;
    pthread_cond_timedwait(&f->wake_cv, &f->wake_mu, &ts);
    if (f->stop) break;
    pthread_mutex_unlock(&f->wake_mu);
    pheme_err e = leaderboards_follow(lb);
    if (e) log_warn("leaderboards: following the XP ledger failed: %s", pheme_err_message(e));
    pthread_mutex_lock(&f->wake_mu);
  }
  pthread_mutex_unlock(&f->wake_mu);
  return NULL;
}

int leaderboards_follow_start(leaderboards *lb, int poll_ms) {
  follower *f = &lb->f;
  f->poll_ms = poll_ms > 0 ? poll_ms : 1000;
  f->stop = 0;
  if (pthread_create(&f->thread, NULL, follow_main, lb)) return -1;
  pthread_setname_np(f->thread, "pheme-lb-follow");
  f->running = 1;
  return 0;
}

void leaderboards_follow_stop(leaderboards *lb) {
  follower *f = &lb->f;
  if (!f->running) return;
  pthread_mutex_lock(&f->wake_mu);
  f->stop = 1;
  pthread_cond_signal(&f->wake_cv);
  pthread_mutex_unlock(&f->wake_mu);
  pthread_join(f->thread, NULL);
  f->running = 0;
}

void leaderboards_metrics_collect(metrics_writer *w, void *ctx) {
  leaderboards *lb = ctx;
  int64_t boards[LB__KINDS] = {0}, members[LB__KINDS] = {0};
  uint64_t bytes[LB__KINDS] = {0};
  for (int k = 0; k < LB__KINDS; k++) {
    directory *d = &lb->dir[k];
    pthread_rwlock_rdlock(&d->lock);
    boards[k] = (int64_t)d->n;
    for (size_t i = 0; i < d->n; i++) {
      members[k] += rank_set_size(d->b[i].set);
      bytes[k] += rank_set_bytes(d->b[i].set) + sizeof(board);
    }
    pthread_rwlock_unlock(&d->lock);
  }
  mw_family(w, "pheme_leaderboard_boards", METRIC_GAUGE, "Leaderboards held in memory, by kind");
  for (int k = 0; k < LB__KINDS; k++) mw_i64(w, (const char *[]){"kind", kind_name[k], NULL}, boards[k]);
  mw_family(w, "pheme_leaderboard_members", METRIC_GAUGE, "Entries on the leaderboards of each kind (people; guilds for kind guilds)");
  for (int k = 0; k < LB__KINDS; k++) mw_i64(w, (const char *[]){"kind", kind_name[k], NULL}, members[k]);
  mw_family(w, "pheme_leaderboard_bytes", METRIC_GAUGE, "Memory the leaderboards of each kind hold");
  for (int k = 0; k < LB__KINDS; k++) mw_u64(w, (const char *[]){"kind", kind_name[k], NULL}, bytes[k]);
  mw_family(w, "pheme_leaderboard_load_seconds", METRIC_GAUGE, "How long the last build of the leaderboards from the XP ledger took");
  mw_f64(w, NULL, (double)atomic_load(&lb->load_ms) / 1000.0);
  mw_family(w, "pheme_leaderboard_load_groups", METRIC_GAUGE, "Ledger groups (person, skill, guild, season) read by the last build");
  mw_i64(w, NULL, atomic_load(&lb->loaded_groups));
  mw_family(w, "pheme_leaderboard_applied_total", METRIC_COUNTER, "Ledger rows (or groups, while loading) added to the leaderboards");
  mw_u64(w, NULL, atomic_load(&lb->applied));
  mw_family(w, "pheme_leaderboard_apply_failures_total", METRIC_COUNTER, "Ledger rows some board missed for want of memory");
  mw_u64(w, NULL, atomic_load(&lb->failures));
}

static const char hexd[] = "0123456789abcdef";

void lb_cursor_format(rank_key k, char out[LB_CURSOR_LEN + 1]) {
  uint64_t v[2] = {(uint64_t)k.xp, (uint64_t)k.id};
  for (int h = 0; h < 2; h++)
    for (int i = 0; i < 16; i++) out[h * 16 + i] = hexd[(v[h] >> (60 - 4 * i)) & 15];
  out[LB_CURSOR_LEN] = 0;
}

int lb_cursor_parse(const char *s, rank_key *out) {
  uint64_t v[2] = {0, 0};
  for (int i = 0; i < LB_CURSOR_LEN; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return -1; /* also the end of a shorter string */
    v[i / 16] = v[i / 16] << 4 | (uint64_t)d;
  }
  if (s[LB_CURSOR_LEN] || (int64_t)v[1] <= 0) return -1;
  out->xp = (int64_t)v[0];
  out->id = (int64_t)v[1];
  return 0;
}
