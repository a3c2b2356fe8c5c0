/* src/store/sessions.c on both backends (like tests/unit/store/test_store.c): single use of a
 * nonce (also under many threads at once) and the sweep of its record, refresh-token rotation and
 * family revocation, logout, linked wallets and role changes. Whether a nonce was made by us and
 * for whom is src/auth/signin.c's (tests/unit/auth/test_signin.c). */
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/auth_store.h"
#include "store/batch.h"
#include "store/store.h"
#include "work/roles.h"
#include "test.h"
#include "backends.h"

static store_actor sys = {0, "test"};
static int seq; /* makes addresses and nonces unique across tests and backends */

static void fresh_addr(uint8_t a[20]) {
  memset(a, 0, 20);
  a[0] = 0xab;
  a[1] = backend[0];
  seq++;
  a[18] = (uint8_t)(seq >> 8);
  a[19] = (uint8_t)seq;
}

#define TTL_MS 300000

/* The use of a fresh nonce for a, issued at issued_ms and used at now_ms; ids are unique across
 * tests and backends (issue time, then the sequence). */
static nonce_use use_at(const uint8_t a[20], int64_t issued_ms, int64_t now_ms) {
  nonce_use u;
  memset(&u, 0, sizeof u);
  for (int i = 0; i < 6; i++) u.id[i] = (uint8_t)((uint64_t)issued_ms >> (40 - 8 * i));
  seq++;
  u.id[6] = (uint8_t)backend[0];
  u.id[7] = (uint8_t)(seq >> 8);
  u.id[8] = (uint8_t)seq;
  u.issued_ms = issued_ms;
  u.ttl_ms = TTL_MS;
  memcpy(u.address, a, 20);
  u.now_ms = now_ms;
  return u;
}

/* A sign-in job run on this thread (store_signin_run), with its results copied out. */
static pheme_err sign_in_job(store *s, arena *a, const store_actor *who, const nonce_use *n,
                             const uint8_t refresh_key[32], int64_t refresh_expires_ms, user *u,
                             auth_session *out, int *created, auth_fault *why) {
  signin_job j = {.job = {.a = a}, .nonce = *n, .refresh_expires_ms = refresh_expires_ms,
                  .request_id = who->request_id};
  memcpy(j.refresh_key, refresh_key, 32);
  pheme_err e = store_signin_run(s, &j);
  *why = j.why;
  *created = j.created;
  if (!e) {
    *u = j.u;
    *out = j.session;
  }
  return e;
}

/* Issues a nonce for a and signs in with it; returns the error, fills session and refresh hash. */
static pheme_err sign_in(arena *ar, const uint8_t a[20], uint8_t hash[32], user *u, auth_session *s) {
  int64_t now = time_now_ms();
  uint8_t raw[32];
  if (random_bytes(raw, 32)) return PHEME_SYS_INTERNAL;
  sha256(hash, raw, 32);
  nonce_use nu = use_at(a, now - 1000, now);
  int created;
  auth_fault why;
  return sign_in_job(S, ar, &sys, &nu, hash, now + 3600000, u, s, &created, &why);
}

TEST(records_of_used_nonces_are_swept_by_age) {
  arena ar;
  arena_init(&ar, 0);
  uint8_t a[20], b[20], h[32];
  fresh_addr(a);
  fresh_addr(b);
  int64_t now = time_now_ms();
  user u;
  auth_session s;
  int created, used = -1;
  auth_fault why;
  nonce_use old = use_at(a, now - TTL_MS - 5000, now - TTL_MS - 4000);
  nonce_use young = use_at(b, now - 1000, now);
  sha256(h, "old", 3);
  CHECK_INT(sign_in_job(S, &ar, &sys, &old, h, now + 1000, &u, &s, &created, &why), 0);
  CHECK_INT(store_nonce_used(S, old.id, &used), 0);
  CHECK_INT(used, 1);
  sha256(h, "young", 5);
  CHECK_INT(sign_in_job(S, &ar, &sys, &young, h, now + 1000, &u, &s, &created, &why), 0);
  CHECK_INT(store_nonce_sweep(S, now, TTL_MS), 0);
  /* the expired one's record is gone (it could not be used anyway), the young one's stays */
  CHECK_INT(store_nonce_used(S, old.id, &used), 0);
  CHECK_INT(used, 0);
  CHECK_INT(store_nonce_used(S, young.id, &used), 0);
  CHECK_INT(used, 1);
  arena_release(&ar);
}

TEST(nonce_is_single_use) {
  arena ar;
  arena_init(&ar, 0);
  uint8_t a[20], h[32];
  fresh_addr(a);
  int64_t now = time_now_ms();
  user u;
  auth_session s;
  int created;
  auth_fault why;
  nonce_use nu = use_at(a, now - 10, now);
  sha256(h, "first", 5);
  CHECK_INT(sign_in_job(S, &ar, &sys, &nu, h, now + 1000, &u, &s, &created, &why), 0);
  CHECK_INT(created, 1);
  CHECK_MEM(u.address, 20, a, 20);
  CHECK_INT(u.roles, ROLE_USER);
  CHECK(s.id > 0);
  CHECK_INT(s.user_id, u.id);
  uint8_t h2[32];
  sha256(h2, "again", 5);
  CHECK_INT(sign_in_job(S, &ar, &sys, &nu, h2, now + 1000, &u, &s, &created, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_USED);
  /* a second nonce signs the same person in again, without creating anyone */
  nonce_use again = use_at(a, now - 5, now);
  CHECK_INT(sign_in_job(S, &ar, &sys, &again, h2, now + 1000, &u, &s, &created, &why), 0);
  CHECK_INT(created, 0);
  /* one audit row per sign-in: the first created the person */
  audit_entry *log;
  int n;
  store_page p = {0, 10};
  CHECK_INT(store_audit_list(S, &ar, "user", u.id, &p, &log, &n), 0);
  CHECK_INT(n, 2);
  CHECK_STR(log[0].action, "session.create");
  CHECK_STR(log[1].action, "user.create");
  arena_release(&ar);
}

typedef struct {
  nonce_use use;
  int index;
  pheme_err result;
} race_arg;

static pthread_barrier_t race_start;

static void *racer(void *p) {
  race_arg *ra = p;
  arena ar;
  arena_init(&ar, 0);
  uint8_t h[32];
  char seed[32];
  snprintf(seed, sizeof seed, "%s-%d", backend, ra->index);
  sha256(h, seed, strlen(seed));
  nonce_use nu = ra->use;
  user u;
  auth_session s;
  int created;
  auth_fault why;
  pthread_barrier_wait(&race_start);
  ra->result = sign_in_job(S, &ar, &sys, &nu, h, nu.now_ms + 100000, &u, &s, &created, &why);
  arena_release(&ar);
  return NULL;
}

TEST(concurrent_uses_of_one_nonce_make_one_session) {
  enum { N = 24 };
  uint8_t a[20];
  fresh_addr(a);
  int64_t now = time_now_ms();
  nonce_use nu = use_at(a, now - 10, now);
  pthread_t th[N];
  race_arg args[N];
  pthread_barrier_init(&race_start, NULL, N);
  for (int i = 0; i < N; i++) {
    args[i] = (race_arg){nu, i, -1};
    pthread_create(&th[i], NULL, racer, &args[i]);
  }
  int ok = 0, refused = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    ok += args[i].result == PHEME_OK;
    refused += args[i].result == PHEME_AUTH_INVALID;
  }
  pthread_barrier_destroy(&race_start);
  CHECK_INT(ok, 1);
  CHECK_INT(refused, N - 1);
}

TEST(refresh_rotates_and_reuse_revokes_the_family) {
  arena ar;
  arena_init(&ar, 0);
  uint8_t a[20], t0[32], t1[32], t2[32], t3[32];
  fresh_addr(a);
  user u;
  auth_session s, s2;
  REQUIRE(sign_in(&ar, a, t0, &u, &s) == 0);
  sha256(t1, "t1", 2);
  t1[0] ^= (uint8_t)seq;
  memcpy(t2, t1, 32);
  t2[1] ^= 0x55;
  memcpy(t3, t2, 32);
  t3[2] ^= 0x55;
  int64_t now = time_now_ms();
  auth_fault why;
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, s.id, t0, t1, now, now + 60000, &u, &s2, &why), 0);
  CHECK_INT(s2.id, s.id);
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, s.id, t1, t2, now, now + 60000, &u, &s2, &why), 0);
  session_state st;
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.revoked, 0);
  /* a key this session never had, and the right key under another session: unknown, and the
   * session lives on (they prove no copy of a token) */
  uint8_t nope[32] = {1, 2, 3};
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, s.id, nope, t3, now, now + 60000, &u, &s2, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_UNKNOWN);
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, s.id + 1000000, t2, t3, now, now + 60000, &u, &s2, &why),
            PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_UNKNOWN);
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.revoked, 0);
  /* t0 again: someone kept a copy; the whole session ends, t2 included */
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, s.id, t0, t3, now, now + 60000, &u, &s2, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_USED);
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.revoked, 1);
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, s.id, t2, t3, now, now + 60000, &u, &s2, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_REVOKED);
  /* an expired token */
  uint8_t e0[32];
  REQUIRE(sign_in(&ar, a, e0, &u, &s) == 0);
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, s.id, e0, t3, now + 3700000, now + 7200000, &u, &s2, &why),
            PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_EXPIRED);
  arena_release(&ar);
}

TEST(logout_revokes_session_tokens_and_nonces) {
  arena ar;
  arena_init(&ar, 0);
  uint8_t a[20], t0[32], t1[32];
  fresh_addr(a);
  user u;
  auth_session s, s2;
  REQUIRE(sign_in(&ar, a, t0, &u, &s) == 0);
  int64_t now = time_now_ms() + 10;
  nonce_use before = use_at(a, now - 5, now + 10), after = use_at(a, now + 5, now + 10);
  CHECK_INT(store_session_revoke(S, &sys, s.id, u.id + 1, now), PHEME_DATA_NOT_FOUND); /* not theirs */
  CHECK_INT(store_session_revoke(S, &sys, s.id, u.id, now), 0);
  session_state st;
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.revoked, 1);
  /* a nonce issued before the logout no longer signs in; one issued after it does */
  auth_fault why;
  int created;
  sha256(t1, "after-logout", 12);
  CHECK_INT(sign_in_job(S, &ar, &sys, &before, t1, now + 1000, &u, &s2, &created, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_USED);
  CHECK_INT(sign_in_job(S, &ar, &sys, &after, t1, now + 1000, &u, &s2, &created, &why), 0);
  CHECK(s2.id != s.id);
  uint8_t t2[32];
  sha256(t2, "after-logout-2", 14);
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, s.id, t0, t2, now, now + 1000, &u, &s2, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_REVOKED);
  CHECK_INT(store_session_state(S, 99999999, &st), PHEME_DATA_NOT_FOUND);
  arena_release(&ar);
}

TEST(wallets_link_unlink_and_payout) {
  arena ar;
  arena_init(&ar, 0);
  uint8_t a[20], b[20], c[20], t0[32], t1[32];
  fresh_addr(a);
  fresh_addr(b);
  fresh_addr(c);
  user u, v;
  auth_session s, sb, sc;
  REQUIRE(sign_in(&ar, a, t0, &u, &s) == 0);
  REQUIRE(sign_in(&ar, c, t1, &v, &sc) == 0); /* someone else, holding c */
  int64_t now = time_now_ms();
  nonce_use nu = use_at(b, now - 10, now);
  linked_wallet w;
  auth_fault why;
  int self;
  CHECK_INT(store_wallet_link(S, &ar, &sys, u.id, &nu, &w, &why, &self), 0);
  CHECK_MEM(w.address, 20, b, 20);
  linked_wallet *list;
  int n;
  CHECK_INT(store_wallets_list(S, &ar, u.id, &list, &n), 0);
  CHECK_INT(n, 2);
  CHECK_MEM(list[0].address, 20, a, 20);
  CHECK_INT(list[0].primary, 1);
  /* the same nonce again: used; the same address again (new nonce): already ours; c: someone else's */
  CHECK_INT(store_wallet_link(S, &ar, &sys, u.id, &nu, &w, &why, &self), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_USED);
  nu = use_at(b, now - 9, now);
  CHECK_INT(store_wallet_link(S, &ar, &sys, u.id, &nu, &w, &why, &self), PHEME_DATA_CONFLICT);
  CHECK_INT(self, 1);
  nu = use_at(c, now - 8, now);
  CHECK_INT(store_wallet_link(S, &ar, &sys, u.id, &nu, &w, &why, &self), PHEME_DATA_CONFLICT);
  CHECK_INT(self, 0);
  /* signing in with b now reaches the same person */
  uint8_t tb[32];
  user ub;
  CHECK_INT(sign_in(&ar, b, tb, &ub, &sb), 0);
  CHECK_INT(ub.id, u.id);
  /* the primary cannot go; after the payout moves to b, a can, and a's sessions end */
  CHECK_INT(store_wallet_unlink(S, &sys, u.id, a), PHEME_DATA_STATE);
  CHECK_INT(store_wallet_unlink(S, &sys, u.id, c), PHEME_DATA_NOT_FOUND);
  user moved;
  CHECK_INT(store_payout_set(S, &ar, &sys, u.id, c, &moved), PHEME_DATA_NOT_FOUND);
  CHECK_INT(store_payout_set(S, &ar, &sys, u.id, b, &moved), 0);
  CHECK_MEM(moved.address, 20, b, 20);
  CHECK_INT(store_wallet_unlink(S, &sys, u.id, a), 0);
  session_state st;
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.revoked, 1);
  CHECK_INT(store_session_state(S, sb.id, &st), 0);
  CHECK_INT(st.revoked, 0);
  CHECK_MEM(st.address, 20, b, 20);
  CHECK_INT(store_wallets_list(S, &ar, u.id, &list, &n), 0);
  CHECK_INT(n, 1);
  CHECK_INT(store_wallet_unlink(S, &sys, u.id, b), PHEME_DATA_STATE); /* the last one */
  arena_release(&ar);
}

TEST(role_changes_bump_the_roles_version) {
  arena ar;
  arena_init(&ar, 0);
  uint8_t a[20], t0[32];
  fresh_addr(a);
  user u, out;
  auth_session s;
  REQUIRE(sign_in(&ar, a, t0, &u, &s) == 0);
  session_state st;
  REQUIRE(store_session_state(S, s.id, &st) == 0);
  int64_t rv = st.roles_version;
  CHECK_INT(s.roles_version, rv);
  int changed;
  CHECK_INT(store_user_role_set(S, &ar, &sys, a, ROLE_CREATOR, role_name(ROLE_CREATOR), 1, &out, &changed), 0);
  CHECK_INT(changed, 1);
  CHECK_INT(out.roles, ROLE_USER | ROLE_CREATOR);
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.roles_version, rv + 1);
  CHECK_INT(st.roles, ROLE_USER | ROLE_CREATOR);
  CHECK_INT(store_user_role_set(S, &ar, &sys, a, ROLE_CREATOR, role_name(ROLE_CREATOR), 1, &out, &changed), 0);
  CHECK_INT(changed, 0);
  CHECK_INT(store_user_role_set(S, &ar, &sys, a, ROLE_CREATOR, role_name(ROLE_CREATOR), 0, &out, &changed), 0);
  CHECK_INT(changed, 1);
  CHECK_INT(out.roles, ROLE_USER);
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.roles_version, rv + 2);
  uint8_t nobody[20];
  fresh_addr(nobody);
  CHECK_INT(store_user_role_set(S, &ar, &sys, nobody, ROLE_ADMIN, role_name(ROLE_ADMIN), 1, &out, &changed), PHEME_DATA_NOT_FOUND);
  /* audited */
  audit_entry *log;
  int n;
  store_page p = {0, 10};
  CHECK_INT(store_audit_list(S, &ar, "user", u.id, &p, &log, &n), 0);
  CHECK(n >= 2);
  CHECK_STR(log[0].action, "user.role.revoke");
  CHECK_STR(log[1].action, "user.role.grant");
  arena_release(&ar);
}


/* Concurrent refreshes with one token: the conditional swap lets exactly one through; every other
 * use is reuse of a spent token (or meets the revoked session), and the family ends. */
typedef struct {
  int64_t sid;
  uint8_t old_key[32];
  int index;
  pheme_err result;
  auth_fault why;
} refresh_race;

static void *refresher(void *p) {
  refresh_race *rr = p;
  arena ar;
  arena_init(&ar, 0);
  uint8_t fresh[32];
  char seed[32];
  snprintf(seed, sizeof seed, "%s-refresh-%d", backend, rr->index);
  sha256(fresh, seed, strlen(seed));
  user u;
  auth_session s;
  pthread_barrier_wait(&race_start);
  int64_t now = time_now_ms();
  rr->result = store_refresh_rotate(S, &ar, &sys, rr->sid, rr->old_key, fresh, now, now + 60000, &u, &s, &rr->why);
  arena_release(&ar);
  return NULL;
}

TEST(concurrent_refreshes_with_one_token_let_one_through_and_end_the_family) {
  enum { N = 8 };
  arena ar;
  arena_init(&ar, 0);
  uint8_t a[20], t0[32];
  fresh_addr(a);
  user u;
  auth_session s;
  REQUIRE(sign_in(&ar, a, t0, &u, &s) == 0);
  pthread_t th[N];
  refresh_race rr[N];
  pthread_barrier_init(&race_start, NULL, N);
  for (int i = 0; i < N; i++) {
    rr[i] = (refresh_race){.sid = s.id, .index = i, .result = -1};
    memcpy(rr[i].old_key, t0, 32);
    pthread_create(&th[i], NULL, refresher, &rr[i]);
  }
  int ok = 0, refused = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    ok += rr[i].result == PHEME_OK;
    refused += rr[i].result == PHEME_AUTH_INVALID &&
               (rr[i].why == AUTH_FAULT_USED || rr[i].why == AUTH_FAULT_REVOKED);
  }
  pthread_barrier_destroy(&race_start);
  CHECK_INT(ok, 1);
  CHECK_INT(refused, N - 1);
  session_state st;
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.revoked, 1);
  arena_release(&ar);
}

/* ---------- group commit (store/batch.h) ---------- */

typedef struct {
  signin_job job;
  int calls; /* done calls, atomic */
} counted_job;

static int jobs_done; /* atomic */

static void count_done(store_job *j) {
  __atomic_add_fetch(&((counted_job *)(void *)j)->calls, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&jobs_done, 1, __ATOMIC_RELEASE);
}

/* A job that holds the committer until the test has queued everything behind it, so the batches
 * that follow are the full ones the test expects. */
static sem_t gate;
static pheme_err wait_at_gate(struct sx *x, store_job *j) {
  (void)x;
  (void)j;
  while (sem_wait(&gate) != 0) {}
  return PHEME_OK;
}

TEST(group_commit_batches_sign_ins_and_keeps_each_answer_its_own) {
  enum { PEOPLE = 150, TWINS = 4 };
  counted_job *jobs = calloc(PEOPLE + TWINS, sizeof *jobs);
  arena ar;
  arena_init(&ar, 0);
  store_batch_stats before, after;
  store_batch_stats_get(S, &before);
  sem_init(&gate, 0, 0);
  store_job hold = {.work = wait_at_gate, .done = NULL};
  store_job_submit(S, &hold);
  int64_t now = time_now_ms();
  uint8_t twin_addr[20];
  fresh_addr(twin_addr);
  nonce_use twin = use_at(twin_addr, now - 10, now);
  for (int i = 0; i < PEOPLE + TWINS; i++) {
    counted_job *c = &jobs[i];
    if (i < PEOPLE) {
      uint8_t a[20];
      fresh_addr(a);
      c->job.nonce = use_at(a, now - 10, now);
    } else {
      c->job.nonce = twin; /* the same signed message, verified TWINS times at once */
    }
    sha256(c->job.refresh_key, &c->job.nonce, sizeof c->job.nonce);
    c->job.refresh_key[0] ^= (uint8_t)i; /* distinct even for the twins */
    c->job.refresh_key[1] ^= (uint8_t)(i >> 8);
    c->job.refresh_expires_ms = now + 3600000;
    c->job.request_id = "test-batch";
    c->job.job.a = &ar;
    c->job.job.done = count_done;
  }
  /* half of the people go between the twins, so a twin's refusal rolls back others' writes */
  counted_job t = jobs[PEOPLE / 2];
  jobs[PEOPLE / 2] = jobs[PEOPLE];
  jobs[PEOPLE] = t;
  __atomic_store_n(&jobs_done, 0, __ATOMIC_RELAXED);
  for (int i = 0; i < PEOPLE + TWINS; i++) store_signin_submit(S, &jobs[i].job);
  sem_post(&gate);
  for (int waited = 0; __atomic_load_n(&jobs_done, __ATOMIC_ACQUIRE) < PEOPLE + TWINS && waited < 3000; waited++)
    usleep(10000);
  CHECK_INT(__atomic_load_n(&jobs_done, __ATOMIC_ACQUIRE), PEOPLE + TWINS);
  store_batch_stats_get(S, &after);
  sem_destroy(&gate);

  int ok_twins = 0, refused_twins = 0, calls_ok = 1;
  for (int i = 0; i < PEOPLE + TWINS; i++) {
    counted_job *c = &jobs[i];
    calls_ok &= c->calls == 1;
    if (memcmp(c->job.nonce.address, twin_addr, 20) == 0) {
      ok_twins += c->job.job.err == PHEME_OK;
      refused_twins += c->job.job.err == PHEME_AUTH_INVALID && c->job.why == AUTH_FAULT_USED;
      continue;
    }
    CHECK_INT(c->job.job.err, 0);
    CHECK_INT(c->job.created, 1);
    /* durable and whole: the person, their wallet and the session are there, once */
    user u;
    CHECK_INT(store_user_by_address(S, &ar, c->job.nonce.address, &u), 0);
    CHECK_INT(u.id, c->job.u.id);
    session_state st;
    CHECK_INT(store_session_state(S, c->job.session.id, &st), 0);
    CHECK_INT(st.user_id, u.id);
  }
  CHECK(calls_ok);
  CHECK_INT(ok_twins, 1);
  CHECK_INT(refused_twins, TWINS - 1);
  /* the 154 jobs queued behind the gate went in full batches, and each refused twin cost a rerun */
  CHECK_INT((long long)after.largest, 64);
  CHECK((long long)(after.commits - before.commits) <= 1 + 3 + (TWINS - 1));
  CHECK((long long)(after.reruns - before.reruns) >= 1);
  CHECK_INT((long long)(after.jobs - before.jobs), PEOPLE + TWINS + 1);
  free(jobs);
  arena_release(&ar);
}

static void all_tests(void) {
  RUN(records_of_used_nonces_are_swept_by_age);
  RUN(nonce_is_single_use);
  RUN(concurrent_uses_of_one_nonce_make_one_session);
  RUN(refresh_rotates_and_reuse_revokes_the_family);
  RUN(concurrent_refreshes_with_one_token_let_one_through_and_end_the_family);
  RUN(logout_revokes_session_tokens_and_nonces);
  RUN(wallets_link_unlink_and_payout);
  RUN(role_changes_bump_the_roles_version);
  RUN(group_commit_batches_sign_ins_and_keeps_each_answer_its_own);
}

int main(void) { return backends_main("test_sessions", all_tests); }
