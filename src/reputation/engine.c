/* The reputation engine (reputation.h): gathers each person's inputs from storage, runs the
 * formula, writes scores with their receipts; EigenTrust snapshots; epochs and proofs. */
#include "reputation/reputation.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "reputation/merkle.h"
#include "reputation/receipt.h"
#include "store/lease.h"
#include "work/roles.h"
#include "core/banned.h"

pheme_err rep_engine_init(rep_engine *r, store *s, const pheme_config *c, char *err, size_t n) {
  memset(r, 0, sizeof *r);
  r->store = s;
  rep_params *p = &r->params;
  rep_params_default(p);
  if (c) {
    p->w_quality = c->rep_w_quality, p->w_consistency = c->rep_w_consistency;
    p->w_endorsement = c->rep_w_endorsement, p->w_onchain = c->rep_w_onchain;
    p->quality_half_life_days = c->rep_quality_half_life_days;
    p->quality_volume_ppm = c->rep_quality_volume_ppm;
    p->consistency_weeks = c->rep_consistency_weeks;
    p->onchain_stake_full = c->rep_stake_full, p->onchain_badges_full = c->rep_badges_full;
    p->onchain_votes_full = c->rep_votes_full;
    p->w_stake = c->rep_w_stake, p->w_badges = c->rep_w_badges, p->w_votes = c->rep_w_votes;
    p->validator_multiplier_ppm = c->rep_validator_multiplier_ppm;
    p->streak_bonus_per_day_upt = c->rep_streak_bonus_per_day;
    p->streak_bonus_cap_upt = c->rep_streak_bonus_cap;
    p->decay_grace_days = c->rep_decay_grace_days;
    for (int d = 0; d < REP_DOMAINS; d++) p->decay_half_life_days[d] = c->rep_decay_half_life[d];
  }
  r->et.alpha = c ? (double)c->rep_eigentrust_alpha_ppm / 1e6 : 0.15;
  r->et.tolerance = 1.0;
  for (long long i = 0; i < (c ? c->rep_eigentrust_tolerance_exp : 10); i++) r->et.tolerance /= 10.0;
  r->et.max_iterations = c ? (int)c->rep_eigentrust_max_iterations : 200;
  r->threads = c ? (int)c->rep_threads : 2;
  r->et.threads = r->threads;
  return rep_params_check(p, err, n);
}

/* ---- trust ---- */

static int64_t find_index(const int64_t *ids, int64_t n, int64_t id) {
  int64_t lo = 0, hi = n - 1;
  while (lo <= hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (ids[mid] == id) return mid;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

pheme_err rep_trust_refresh(rep_engine *r, const char *lease_owner, et_stats *st) {
  arena a;
  arena_init(&a, 0);
  store_rep_edge *edges;
  int64_t ne, *seeds, ns, *ids, np;
  pheme_err e = store_rep_graph_load(r->store, &a, ROLE_ADMIN, &edges, &ne, &seeds, &ns, &ids, &np);
  if (e) {
    arena_release(&a);
    return e;
  }
  et_edge *ee = malloc(sizeof *ee * (size_t)(ne ? ne : 1));
  int32_t *ss = malloc(sizeof *ss * (size_t)(ns ? ns : 1));
  double *t = malloc(sizeof *t * (size_t)(np ? np : 1));
  int64_t *ppb = malloc(sizeof *ppb * (size_t)(np ? np : 1));
  et_graph g = {0};
  int64_t k = 0;
  if (!ee || !ss || !t || !ppb) {
    e = PHEME_SYS_NOMEM;
    goto out;
  }
  /* user id -> index: a direct table when the ids are dense enough (they are sequences), else a
   * binary search per endpoint (20M of them for 10M edges) */
  int64_t top = np ? ids[np - 1] : 0;
  int32_t *dense = np && top >= 0 && top <= 4 * np + 1024 ? malloc(sizeof *dense * (size_t)(top + 1)) : NULL;
  if (dense) {
    for (int64_t i = 0; i <= top; i++) dense[i] = -1;
    for (int64_t i = 0; i < np; i++)
      if (ids[i] >= 0) dense[ids[i]] = (int32_t)i;
  }
  for (int64_t i = 0; i < ne; i++) {
    int64_t f, to;
    if (dense) {
      int64_t a1 = edges[i].from_user, a2 = edges[i].to_user;
      f = a1 >= 0 && a1 <= top ? dense[a1] : -1;
      to = a2 >= 0 && a2 <= top ? dense[a2] : -1;
    } else {
      f = find_index(ids, np, edges[i].from_user), to = find_index(ids, np, edges[i].to_user);
    }
    if (f >= 0 && to >= 0) ee[k++] = (et_edge){(int32_t)f, (int32_t)to, (int32_t)edges[i].weight};
  }
  free(dense);
  int64_t nss = 0;
  for (int64_t i = 0; i < ns; i++) {
    int64_t v = find_index(ids, np, seeds[i]);
    if (v >= 0) ss[nss++] = (int32_t)v;
  }
  if (et_graph_build(&g, np, ee, k, ss, nss, r->threads) || et_run(&g, &r->et, t, st)) {
    e = PHEME_SYS_NOMEM;
    goto out;
  }
  if (!st->converged)
    log_warn("eigentrust did not converge in %d iterations (last change %g)", st->iterations, st->delta);
  double tmax = 0;
  for (int64_t i = 0; i < np; i++)
    if (t[i] > tmax) tmax = t[i];
  for (int64_t i = 0; i < np; i++) {
    double v = tmax > 0 ? t[i] / tmax * 1e9 : 0;
    ppb[i] = v >= 1e9 ? 1000000000 : v <= 0 ? 0 : (int64_t)v;
  }
  e = store_rep_trust_save(r->store, lease_owner, ids, ppb, np, time_now_ms());
out:
  et_graph_release(&g);
  free(ee), free(ss), free(t), free(ppb);
  arena_release(&a);
  return e;
}

/* ---- one person's inputs ---- */

static int domain_of_bit(unsigned bit) {
  return bit == STORE_DOMAIN_TECHNICAL ? REP_TECHNICAL : bit == STORE_DOMAIN_CREATIVE ? REP_CREATIVE
                                                     : bit == STORE_DOMAIN_BUSINESS    ? REP_BUSINESS
                                                                                       : -1;
}

static int64_t wei_to_tokens(const char *wei) {
  size_t n = wei ? strlen(wei) : 0;
  if (n <= 18) return 0;
  if (n - 18 > 15) return 1000000000000000LL;
  int64_t v = 0;
  for (size_t i = 0; i < n - 18; i++) {
    if (wei[i] < '0' || wei[i] > '9') return 0;
    v = v * 10 + (wei[i] - '0');
  }
  return v;
}

/* Cursors over the user-ordered lists of store_rep_inputs. */
typedef struct {
  const store_rep_inputs *s;
  int o, w, e; /* next outcome, week, endorsement */
} rep_cursor;

/* Fills in (arrays from a) for person p, advancing the cursors past p's rows. */
static pheme_err person_inputs(rep_engine *r, arena *a, rep_cursor *c, const store_rep_person *p, int64_t as_of,
                               rep_inputs *in) {
  const store_rep_inputs *s = c->s;
  memset(in, 0, sizeof *in);
  in->as_of = as_of;
  while (c->o < s->noutcomes && s->outcomes[c->o].user_id < p->user_id) c->o++;
  int o0 = c->o;
  while (c->o < s->noutcomes && s->outcomes[c->o].user_id == p->user_id) c->o++;
  while (c->w < s->nweeks && s->weeks[c->w].user_id < p->user_id) c->w++;
  int w0 = c->w;
  while (c->w < s->nweeks && s->weeks[c->w].user_id == p->user_id) c->w++;
  while (c->e < s->nendorsements && s->endorsements[c->e].to_user < p->user_id) c->e++;
  int e0 = c->e;
  while (c->e < s->nendorsements && s->endorsements[c->e].to_user == p->user_id) c->e++;
  in->noutcomes = c->o - o0, in->nweeks = c->w - w0, in->nendorsements = c->e - e0;
  in->outcomes = arena_alloc(a, sizeof *in->outcomes * (size_t)(in->noutcomes + 1));
  in->active_weeks = arena_alloc(a, sizeof *in->active_weeks * (size_t)(in->nweeks + 1));
  in->endorsements = arena_alloc(a, sizeof *in->endorsements * (size_t)(in->nendorsements + 1));
  if (!in->outcomes || !in->active_weeks || !in->endorsements) return PHEME_SYS_NOMEM;
  for (int i = 0; i < in->noutcomes; i++) {
    const store_rep_outcome *x = &s->outcomes[o0 + i];
    unsigned mask = 0;
    for (unsigned b = 1; b <= 4; b <<= 1)
      if (x->domains & b) mask |= 1u << domain_of_bit(b);
    in->outcomes[i] = (rep_outcome){x->submission_id, x->score, x->at, mask};
  }
  for (int i = 0; i < in->nweeks; i++) in->active_weeks[i] = s->weeks[w0 + i].week;
  for (int i = 0; i < in->nendorsements; i++) {
    const store_rep_endorsement *x = &s->endorsements[e0 + i];
    rep_endorsement *y = &in->endorsements[i];
    memcpy(y->from, x->from_address, 20);
    y->skill = x->skill;
    y->domain = domain_of_bit(x->domain);
    y->endorser_trust_ppb = x->from_trust_ppb;
  }
  in->trust_ppb = p->trust_ppb;
  int64_t st1 = wei_to_tokens(p->validator_stake), st2 = wei_to_tokens(p->chain_stake);
  in->stake_tokens = st1 > st2 ? st1 : st2;
  in->badges = p->badges;
  in->votes = p->votes;
  in->is_validator = p->validator_active;
  in->accuracy_ppm = p->validator_active ? p->accuracy_ppm : 0;
  /* the streak the rewards engine stored (streaks), read with the person: every engine made in
   * the program (server, CLI, explain, GraphQL) sees the same value */
  in->streak_days = p->streak_days;
  return PHEME_OK;
}

/* Scores one person into sc (receipt text in a). */
static pheme_err score_person(rep_engine *r, arena *a, rep_cursor *c, const store_rep_person *p, int64_t as_of,
                              store_rep_score *sc, json_t **receipt_out) {
  rep_inputs in;
  pheme_err e = person_inputs(r, a, c, p, as_of, &in);
  if (e) return e;
  rep_result res;
  rep_compute(&r->params, &in, &res);
  memset(sc, 0, sizeof *sc);
  json_t *rc = rep_receipt_build(&r->params, &in, &res, sc->inputs_digest);
  if (!rc) return PHEME_SYS_NOMEM;
  char hex[43];
  address_format_hex(hex, p->address);
  json_object_set_new(rc, "address", json_string(hex));
  json_object_set_new(rc, "userId", json_integer(p->user_id));
  sc->user_id = p->user_id;
  sc->score = res.all.total_upt;
  for (int d = 0; d < REP_DOMAINS; d++) sc->domain[d] = res.domain[d].total_upt;
  sc->formula_version = REP_FORMULA_VERSION;
  sc->as_of = as_of;
  if (receipt_out) {
    *receipt_out = rc;
    return PHEME_OK;
  }
  char *text = json_dumps(rc, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(rc);
  if (!text) return PHEME_SYS_NOMEM;
  sc->receipt = arena_strdup(a, text);
  free(text);
  return sc->receipt ? PHEME_OK : PHEME_SYS_NOMEM;
}

pheme_err rep_update_user(rep_engine *r, int64_t user_id, int64_t as_of, int *changed) {
  if (changed) *changed = 0;
  arena a;
  arena_init(&a, 0);
  store_rep_inputs s;
  pheme_err e = store_rep_inputs_load(r->store, &a, user_id, &s);
  if (!e && s.npeople != 1) e = PHEME_DATA_NOT_FOUND;
  store_rep_score sc;
  rep_cursor c = {&s, 0, 0, 0};
  if (!e) e = score_person(r, &a, &c, &s.people[0], as_of, &sc, NULL);
  store_actor sys = {0, ""};
  if (!e) e = store_rep_scores_save(r->store, &sys, NULL, &sc, 1, changed);
  arena_release(&a);
  return e;
}

#define SAVE_BATCH 512

/* One full recompute at a time on a database, whichever process or thread asks (lease
 * "reputation.recompute", store/lease.h). Two at once had the later one's trust refresh fail on
 * the rows the earlier one inserted (PostgreSQL: its DELETE does not see them, its INSERTs then
 * collide), and the one that read the older state could save its scores last. A recompute that
 * waits for the lease reads everything after the running one is done.
 *
 * A thread of the holder renews the lease every third of its time, so the lease can be short: a
 * holder killed mid-way (a worker node's SIGKILL) holds the others up for REP_RECOMPUTE_LEASE_MS
 * (or r->recompute_lease_ms) at most. A holder that stalled past its time and lost the lease
 * writes nothing more: its trust snapshot and each batch of scores commit only while it holds the
 * lease (the fence, store/reputation.h STORE_REP_RECOMPUTE_LEASE), and once its keeper finds the
 * lease gone it stops before the next batch. */
#define REP_RECOMPUTE_LEASE_MS 15000
#define REP_RECOMPUTE_WAIT_MS 100

static int64_t lease_ms(const rep_engine *r) {
  return r->recompute_lease_ms > 0 ? r->recompute_lease_ms : REP_RECOMPUTE_LEASE_MS;
}

/* Takes the lease for owner, waiting while another holds it. PHEME_DATA_CONFLICT when *stop (may
 * be NULL) became 1 while it waited. */
static pheme_err recompute_lease(rep_engine *r, const char *owner, const volatile int *stop) {
  for (int told = 0;;) {
    arena a;
    arena_init(&a, 0);
    int won;
    const char *holder;
    pheme_err e = store_lease_take(r->store, &a, STORE_REP_RECOMPUTE_LEASE, owner, time_now_ms(), lease_ms(r), &won,
                                   &holder);
    if (!e && !won && !told++) log_info("reputation recompute: waiting for the one %s runs", holder);
    arena_release(&a);
    if (e || won) return e;
    if (stop && *stop) return PHEME_DATA_CONFLICT;
    nanosleep(&(struct timespec){.tv_nsec = REP_RECOMPUTE_WAIT_MS * 1000000L}, NULL);
  }
}

typedef struct {
  rep_engine *r;
  const char *owner;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done;
  int lost; /* a renewal found the lease someone else's */
} lease_keeper;

static void *keep_lease(void *arg) {
  lease_keeper *k = arg;
  pthread_mutex_lock(&k->mu);
  while (!k->done) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    int64_t ns = t.tv_nsec + lease_ms(k->r) / 3 * 1000000;
    t.tv_sec += ns / 1000000000, t.tv_nsec = ns % 1000000000;
    if (pthread_cond_timedwait(&k->cv, &k->mu, &t) == 0 || k->done) continue;
    pthread_mutex_unlock(&k->mu);
    int won = 1;
    /* a storage error is tried again at the next turn; if it lasts past the lease's time, the
     * renewal after it finds the lease lost */
    pheme_err e = store_lease_take(k->r->store, NULL, STORE_REP_RECOMPUTE_LEASE, k->owner, time_now_ms(),
                                   lease_ms(k->r), &won, NULL);
    pthread_mutex_lock(&k->mu);
    if (!e && !won) {
      k->lost = 1;
      log_warn("reputation recompute %s: the lease went to another; this one stops", k->owner);
      break;
    }
  }
  pthread_mutex_unlock(&k->mu);
  return NULL;
}

static int lease_lost(lease_keeper *k) {
  pthread_mutex_lock(&k->mu);
  int lost = k->lost;
  pthread_mutex_unlock(&k->mu);
  return lost;
}

static pheme_err recompute_locked(rep_engine *r, lease_keeper *k, int64_t as_of, rep_progress_fn progress,
                                  void *ctx, rep_recompute_stats *st) {
  int added, removed;
  pheme_err e = store_rep_chain_endorsements_sync(r->store, &added, &removed);
  if (e) return e;
  if (added || removed) log_info("skill wallet endorsements mirrored: %d added, %d removed", added, removed);
  e = lease_lost(k) ? PHEME_DATA_CONFLICT : rep_trust_refresh(r, k->owner, &st->trust);
  if (e) return e;
  arena a, batch;
  arena_init(&a, 0);
  arena_init(&batch, 0);
  store_rep_inputs s;
  e = store_rep_inputs_load(r->store, &a, 0, &s);
  store_rep_score *scores = malloc(sizeof *scores * SAVE_BATCH);
  if (!e && !scores) e = PHEME_SYS_NOMEM;
  rep_cursor c = {&s, 0, 0, 0};
  store_actor sys = {0, ""};
  int nb = 0;
  if (progress && !e) progress(0, s.npeople, ctx);
  for (int i = 0; !e && i < s.npeople; i++) {
    e = score_person(r, &batch, &c, &s.people[i], as_of, &scores[nb++], NULL);
    if (!e && (nb == SAVE_BATCH || i == s.npeople - 1)) {
      int ch = 0;
      e = lease_lost(k) ? PHEME_DATA_CONFLICT : store_rep_scores_save(r->store, &sys, k->owner, scores, nb, &ch);
      st->changed += ch;
      st->people += e ? 0 : nb; /* saved */
      nb = 0;
      arena_clear(&batch);
      if (progress) progress(i + 1, s.npeople, ctx);
    }
  }
  free(scores);
  arena_release(&batch);
  arena_release(&a);
  return e;
}

pheme_err rep_recompute(rep_engine *r, int64_t as_of, const volatile int *stop, rep_progress_fn progress,
                        void *ctx, rep_recompute_stats *st) {
  memset(st, 0, sizeof *st);
  static unsigned long seq;
  char host[64] = "host", owner[LEASE_OWNER_MAX];
  gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = 0;
  snprintf(owner, sizeof owner, "%s:%ld:%lu", host, (long)getpid(), __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
  pheme_err e = recompute_lease(r, owner, stop);
  if (e) return e;
  lease_keeper k = {.r = r, .owner = owner, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
  pthread_t keeper;
  int kept = pthread_create(&keeper, NULL, keep_lease, &k) == 0;
  /* without the keeper the lease may run out during a long recompute: another may then take it,
   * and the fence refuses this one's writes from then on (it fails with PHEME_DATA_CONFLICT) */
  if (!kept) log_warn("reputation recompute %s: no thread to renew the lease", owner);
  e = recompute_locked(r, &k, as_of, progress, ctx, st);
  if (kept) {
    pthread_mutex_lock(&k.mu);
    k.done = 1;
    pthread_cond_signal(&k.cv);
    pthread_mutex_unlock(&k.mu);
    pthread_join(keeper, NULL);
  }
  if (store_lease_release(r->store, STORE_REP_RECOMPUTE_LEASE, owner))
    log_warn("reputation recompute %s: the lease could not be released; it frees itself in %lld ms", owner,
             (long long)lease_ms(r));
  return e;
}

/* ---- receipts ---- */

static json_t *diff_parts(const json_t *before, const json_t *after) {
  json_t *changes = json_array();
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)after, k, v) {
    json_t *b = json_object_get(before, k);
    if (b && json_equal(b, v)) continue;
    json_t *c = json_object();
    json_object_set_new(c, "field", json_string(k));
    json_object_set(c, "before", b ? b : json_null());
    json_object_set(c, "after", v);
    json_array_append_new(changes, c);
  }
  return changes;
}

static json_t *diff_inputs(const json_t *before, const json_t *after) {
  json_t *o = json_object();
  const char *lists[] = {"outcomes", "activeWeeks", "endorsements"};
  for (size_t i = 0; i < 3; i++) {
    json_t *d = json_object();
    json_object_set_new(d, "before", json_integer((json_int_t)json_array_size(json_object_get(before, lists[i]))));
    json_object_set_new(d, "after", json_integer((json_int_t)json_array_size(json_object_get(after, lists[i]))));
    json_object_set_new(o, lists[i], d);
  }
  const char *vals[] = {"trustPpb", "chain", "validator", "streakDays"};
  for (size_t i = 0; i < 4; i++) {
    json_t *b = json_object_get(before, vals[i]), *a = json_object_get(after, vals[i]);
    if (b && a && json_equal(a, b)) continue;
    json_t *d = json_object();
    json_object_set(d, "before", b ? b : json_null());
    json_object_set(d, "after", a ? a : json_null());
    json_object_set_new(o, vals[i], d);
  }
  return o;
}

pheme_err rep_explain(rep_engine *r, arena *a, int64_t user_id, int64_t as_of, json_t **receipt) {
  store_rep_inputs s;
  pheme_err e = store_rep_inputs_load(r->store, a, user_id, &s);
  if (e) return e;
  if (s.npeople != 1) return PHEME_DATA_NOT_FOUND;
  rep_cursor c = {&s, 0, 0, 0};
  store_rep_score sc;
  json_t *rc;
  e = score_person(r, a, &c, &s.people[0], as_of, &sc, &rc);
  if (e) return e;
  store_rep_score prev;
  pheme_err pe = store_rep_score_get(r->store, a, user_id, &prev);
  if (pe && pe != PHEME_DATA_NOT_FOUND) {
    json_decref(rc);
    return pe;
  }
  if (pe == PHEME_DATA_NOT_FOUND) {
    json_object_set_new(rc, "previous", json_null());
    json_object_set_new(rc, "diff", json_null());
  } else {
    json_t *old = json_loads(prev.receipt, 0, NULL);
    json_t *p = json_object();
    json_object_set_new(p, "totalUpt", json_integer(prev.score));
    json_object_set_new(p, "asOf", json_integer(prev.as_of));
    json_object_set_new(p, "formula", json_string(prev.formula_version));
    char hex[67] = "0x";
    bytes_to_hex(hex + 2, prev.inputs_digest, 32);
    json_object_set_new(p, "inputsDigest", json_string(hex));
    json_object_set_new(rc, "previous", p);
    json_t *d = json_object();
    json_object_set_new(d, "totalUpt", json_integer(sc.score - prev.score));
    json_t *oi = json_object_get(json_object_get(old, "intermediates"), "all");
    json_object_set_new(d, "intermediates",
                        diff_parts(oi, json_object_get(json_object_get(rc, "intermediates"), "all")));
    json_object_set_new(d, "inputs", diff_inputs(json_object_get(old, "inputs"), json_object_get(rc, "inputs")));
    json_object_set_new(rc, "diff", d);
    json_decref(old);
  }
  *receipt = rc;
  return PHEME_OK;
}

static void *malloc_ctx(void *ctx, size_t n) {
  arena *a = ctx;
  return arena_alloc(a, n);
}

pheme_err rep_verify(const json_t *receipt, char *why, size_t n) {
  arena a;
  arena_init(&a, 64u << 20);
  rep_params p;
  rep_inputs in;
  pheme_err rc = PHEME_DATA_INVALID;
  if (rep_receipt_read(receipt, &p, &in, malloc_ctx, &a, why, n)) goto out;
  rep_result res;
  rep_compute(&p, &in, &res);
  uint8_t digest[32];
  json_t *again = rep_receipt_build(&p, &in, &res, digest);
  if (!again) {
    rc = pheme_fail(PHEME_SYS_NOMEM, why, n, "out of memory");
    goto out;
  }
  const char *parts[] = {"intermediates", "score", "inputsDigest"};
  rc = PHEME_OK;
  for (size_t i = 0; i < 3 && !rc; i++) {
    json_t *want = json_object_get(receipt, parts[i]), *got = json_object_get(again, parts[i]);
    if (!want || !json_equal(want, got)) {
      char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
      snprintf(why, n, "'%s' differs: recomputed %.400s", parts[i], g ? g : "?");
      free(g);
      rc = PHEME_DATA_INVALID;
    }
  }
  json_decref(again);
out:
  arena_release(&a);
  return rc;
}

/* ---- endorsements ---- */

pheme_err rep_endorse(rep_engine *r, arena *a, const work_principal *p, const store_actor *who,
                      const uint8_t to[20], const char *skill_slug, store_rep_endorsement *out) {
  if (memcmp(p->address, to, 20) == 0) return PHEME_REP_SELF;
  user target;
  pheme_err e = store_user_by_address(r->store, a, to, &target);
  if (e) return e;
  if (target.id == p->user_id) return PHEME_REP_SELF;
  store_rep_score mine;
  int64_t weight = 0;
  if (store_rep_score_get(r->store, a, p->user_id, &mine) == PHEME_OK) weight = mine.score;
  e = store_endorsement_create(r->store, a, who, p->user_id, target.id, skill_slug, weight, "api", REP_JOB_RECOMPUTE, out);
  if (e == PHEME_DATA_NOT_FOUND) return PHEME_REP_UNKNOWN_SKILL;
  if (e == PHEME_DATA_CONFLICT) return PHEME_REP_DUPLICATE;
  if (e == PHEME_DATA_INVALID) return PHEME_REP_SELF;
  return e;
}

/* ---- epochs ---- */

pheme_err rep_epoch_build(rep_engine *r, const store_actor *who, int64_t min_round, int64_t *round, uint8_t root[32],
                          int64_t *nleaves) {
  arena a;
  arena_init(&a, 0);
  store_rep_leaf *leaves;
  int64_t n;
  pheme_err e = store_rep_leaves_current(r->store, &a, &leaves, &n);
  if (!e && n == 0) e = PHEME_DATA_STATE;
  rep_leaf_value *vals = e ? NULL : malloc(sizeof *vals * (size_t)n);
  if (!e && !vals) e = PHEME_SYS_NOMEM;
  for (int64_t i = 0; !e && i < n; i++) {
    memcpy(vals[i].address, leaves[i].address, 20);
    vals[i].score = (uint32_t)leaves[i].score;
  }
  rep_merkle t = {0};
  if (!e && rep_merkle_build(&t, vals, n, r->threads)) e = PHEME_SYS_NOMEM;
  store_rep_epoch last, ep = {0};
  if (!e) {
    pheme_err le = store_rep_epoch_get(r->store, &a, 0, &last);
    if (le && le != PHEME_DATA_NOT_FOUND) e = le;
    ep.round = le ? 1 : last.round + 1;
    if (ep.round < min_round) ep.round = min_round;
    memcpy(ep.root, rep_merkle_root(&t), 32);
  }
  if (!e) e = store_rep_epoch_create(r->store, who, &ep, leaves, n);
  if (!e) {
    *round = ep.round;
    memcpy(root, ep.root, 32);
    *nleaves = n;
  }
  rep_merkle_release(&t);
  free(vals);
  arena_release(&a);
  return e;
}

/* The newest epoch's tree, kept between requests, keyed by its round and root: rebuilt when a newer
 * round appears, or when another store (another database, a restored one) names the same round
 * with a different tree. */
static pthread_mutex_t proof_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  int64_t round;
  uint8_t root[32];
  rep_merkle tree;
  rep_leaf_value *vals;
  int64_t n;
} proof_cache;

static int addr_cmp(const void *k, const void *v) { return memcmp(k, ((const rep_leaf_value *)v)->address, 20); }

pheme_err rep_epoch_proof(rep_engine *r, arena *a, const uint8_t address[20], rep_proof *out) {
  store_rep_epoch ep;
  pheme_err e = store_rep_epoch_get(r->store, a, 0, &ep);
  if (e) return e;
  pthread_mutex_lock(&proof_mu);
  if (proof_cache.round != ep.round || memcmp(proof_cache.root, ep.root, 32) != 0) {
    store_rep_leaf *leaves;
    int64_t n;
    e = store_rep_epoch_leaves(r->store, a, ep.round, &leaves, &n);
    rep_leaf_value *vals = e || n == 0 ? NULL : malloc(sizeof *vals * (size_t)n);
    if (!e && !vals) e = n ? PHEME_SYS_NOMEM : PHEME_DATA_NOT_FOUND;
    rep_merkle t;
    if (!e) {
      for (int64_t i = 0; i < n; i++) {
        memcpy(vals[i].address, leaves[i].address, 20);
        vals[i].score = (uint32_t)leaves[i].score;
      }
      if (rep_merkle_build(&t, vals, n, r->threads)) e = PHEME_SYS_NOMEM;
    }
    if (!e && memcmp(rep_merkle_root(&t), ep.root, 32) != 0) {
      log_error("epoch %lld: the stored leaves do not give the stored root", (long long)ep.round);
      rep_merkle_release(&t);
      e = PHEME_SYS_INTERNAL;
    }
    if (e) {
      free(vals);
      pthread_mutex_unlock(&proof_mu);
      return e;
    }
    rep_merkle_release(&proof_cache.tree);
    free(proof_cache.vals);
    proof_cache.tree = t, proof_cache.vals = vals, proof_cache.n = n, proof_cache.round = ep.round;
    memcpy(proof_cache.root, ep.root, 32);
  }
  const rep_leaf_value *v = bsearch(address, proof_cache.vals, (size_t)proof_cache.n, sizeof *v, addr_cmp);
  if (!v) {
    pthread_mutex_unlock(&proof_mu);
    return PHEME_DATA_NOT_FOUND;
  }
  out->round = ep.round;
  out->score = (int)v->score;
  out->nproof = rep_merkle_proof(&proof_cache.tree, v - proof_cache.vals, out->proof);
  memcpy(out->root, ep.root, 32);
  pthread_mutex_unlock(&proof_mu);
  return PHEME_OK;
}

/* ---- jobs ---- */

/* {"user_id": N}, or the people of a group commit's awards {"user_ids": […]} (the game engine
 * enqueues one job per group, store/game.c): each rescored in turn; an update is a recomputation
 * of the person, so a retry after a failure part-way redoes the first ones to the same result. A
 * person who is gone does not stop the others: the job fails for good once they are done. */
static pheme_err job_update(jobs_run *run, void *ctx) {
  rep_engine *r = ctx;
  int64_t *users, *unused;
  int n;
  pheme_err e = jobs_payload_people(run, &users, &unused, &n), gone = PHEME_OK;
  for (int i = 0; !e && i < n; i++) {
    e = rep_update_user(r, users[i], time_now_ms(), NULL);
    if (e == PHEME_DATA_NOT_FOUND) {
      snprintf(run->error, sizeof run->error, "no user %lld", (long long)users[i]);
      gone = e;
      e = PHEME_OK;
    }
  }
  if (!e && gone) {
    run->permanent = 1;
    e = gone;
  }
  return e;
}

static pheme_err job_recompute(jobs_run *run, void *ctx) {
  rep_engine *r = ctx;
  rep_recompute_stats st;
  pheme_err e = rep_recompute(r, time_now_ms(), run->stopping, NULL, NULL, &st);
  if (e) snprintf(run->error, sizeof run->error, "recompute failed: %s", pheme_err_message(e));
  else log_info("reputation recomputed: %lld people, %lld changed, trust in %d iterations",
                (long long)st.people, (long long)st.changed, st.trust.iterations);
  return e;
}

int rep_register_jobs(rep_engine *r, const pheme_config *cfg) {
  jobs_kind u = {.kind = REP_JOB_UPDATE, .fn = job_update, .ctx = r, .timeout_ms = 60000};
  jobs_kind f = {.kind = REP_JOB_RECOMPUTE, .fn = job_recompute, .ctx = r, .max_attempts = 3};
  if (jobs_register(&u) || jobs_register(&f)) return -1;
  if (cfg && cfg->rep_recompute_interval > 0 &&
      jobs_schedule(REP_JOB_RECOMPUTE, "{}", cfg->rep_recompute_interval * 1000))
    return -1;
  return 0;
}
