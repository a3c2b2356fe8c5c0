/* src/store/sessions.c on both backends (like tests/unit/store/test_store.c): nonce cap and sweep,
 * single use of a nonce (also under many threads at once), refresh-token rotation and family
 * revocation, logout, linked wallets and role changes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/auth_store.h"
#include "store/store.h"
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

static void fresh_nonce(char out[32]) { snprintf(out, 32, "n%c%08dabcdefgh", backend[0], ++seq); }

static const nonce_limits limits = {300000, 5, 100000};

static nonce_use use_of(const char *nonce, const uint8_t a[20], int purpose, int64_t now) {
  nonce_use u = {nonce, {0}, 1, purpose, now};
  memcpy(u.address, a, 20);
  return u;
}

/* Issues a nonce for a and signs in with it; returns the error, fills session and refresh hash. */
static pheme_err sign_in(arena *ar, const uint8_t a[20], uint8_t hash[32], user *u, auth_session *s) {
  char n[32];
  fresh_nonce(n);
  int64_t now = time_now_ms();
  pheme_err e = store_nonce_issue(S, n, a, 1, 0, now, &limits);
  if (e) return e;
  uint8_t raw[32];
  if (random_bytes(raw, 32)) return PHEME_SYS_INTERNAL;
  sha256(hash, raw, 32);
  nonce_use nu = use_of(n, a, 0, now);
  int created;
  auth_fault why;
  return store_signin(S, ar, &sys, &nu, hash, now + 3600000, u, s, &created, &why);
}

TEST(nonce_cap_keeps_the_newest_per_address) {
  arena ar;
  arena_init(&ar, 0);
  uint8_t a[20];
  fresh_addr(a);
  int64_t now = time_now_ms(), n = -1;
  char nonces[7][32];
  for (int i = 0; i < 7; i++) {
    fresh_nonce(nonces[i]);
    CHECK_INT(store_nonce_issue(S, nonces[i], a, 1, 0, now, &limits), 0);
  }
  CHECK_INT(store_nonce_count(S, a, now, &n), 0);
  CHECK_INT(n, 5);
  /* the two oldest were dropped, the newest works */
  user u;
  auth_session s;
  int created;
  auth_fault why;
  uint8_t h[32];
  sha256(h, "cap", 3);
  nonce_use nu = use_of(nonces[0], a, 0, now);
  CHECK_INT(store_signin(S, &ar, &sys, &nu, h, now + 1000, &u, &s, &created, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_UNKNOWN);
  nu = use_of(nonces[6], a, 0, now);
  CHECK_INT(store_signin(S, &ar, &sys, &nu, h, now + 1000, &u, &s, &created, &why), 0);
  CHECK_INT(created, 1);
  arena_release(&ar);
}

TEST(expired_nonces_are_swept_and_total_is_capped) {
  int64_t now = time_now_ms(), left = -1, n = -1;
  uint8_t a[20];
  fresh_addr(a);
  nonce_limits shortlived = {1000, 5, 100000};
  char nn[32];
  fresh_nonce(nn);
  CHECK_INT(store_nonce_issue(S, nn, a, 1, 0, now, &shortlived), 0);
  CHECK_INT(store_nonce_count(S, a, now, &n), 0);
  CHECK_INT(n, 1);
  CHECK_INT(store_nonce_sweep(S, now + 5000, &left), 0);
  CHECK_INT(store_nonce_count(S, NULL, now, &n), 0); /* gone from the table, not just expired */
  CHECK_INT(n, left);
  CHECK_INT(store_nonce_count(S, a, now, &n), 0);
  CHECK_INT(n, 0);
  /* the total cap: room for two more, then refused until some expire */
  CHECK_INT(store_nonce_sweep(S, now, &left), 0);
  nonce_limits cap = {1000, 5, left + 2};
  for (int i = 0; i < 2; i++) {
    uint8_t b[20];
    fresh_addr(b);
    fresh_nonce(nn);
    CHECK_INT(store_nonce_issue(S, nn, b, 1, 0, now, &cap), 0);
  }
  uint8_t c[20];
  fresh_addr(c);
  fresh_nonce(nn);
  CHECK_INT(store_nonce_issue(S, nn, c, 1, 0, now, &cap), PHEME_API_RATE_LIMITED);
  /* two seconds later they have expired: the full path sweeps at once and there is room */
  fresh_nonce(nn);
  CHECK_INT(store_nonce_issue(S, nn, c, 1, 0, now + 2000, &cap), 0);
}

TEST(nonce_is_single_use_and_bound_to_address_chain_purpose) {
  arena ar;
  arena_init(&ar, 0);
  uint8_t a[20], other[20], h[32];
  fresh_addr(a);
  fresh_addr(other);
  int64_t now = time_now_ms();
  char n[32];
  fresh_nonce(n);
  REQUIRE(store_nonce_issue(S, n, a, 1, 0, now, &limits) == 0);
  user u;
  auth_session s;
  int created;
  auth_fault why;
  nonce_use nu = use_of(n, other, 0, now);
  sha256(h, n, strlen(n));
  CHECK_INT(store_signin(S, &ar, &sys, &nu, h, now + 1000, &u, &s, &created, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_OTHER_ADDRESS);
  nu = use_of(n, a, 0, now);
  nu.chain_id = 5;
  CHECK_INT(store_signin(S, &ar, &sys, &nu, h, now + 1000, &u, &s, &created, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_OTHER_CHAIN);
  nu = use_of(n, a, 1, now);
  CHECK_INT(store_signin(S, &ar, &sys, &nu, h, now + 1000, &u, &s, &created, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_OTHER_PURPOSE);
  nu = use_of(n, a, 0, now + limits.ttl_ms);
  CHECK_INT(store_signin(S, &ar, &sys, &nu, h, now + 1000, &u, &s, &created, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_EXPIRED);
  nu = use_of("never-issued-nonce", a, 0, now);
  CHECK_INT(store_signin(S, &ar, &sys, &nu, h, now + 1000, &u, &s, &created, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_UNKNOWN);
  nu = use_of(n, a, 0, now);
  CHECK_INT(store_signin(S, &ar, &sys, &nu, h, now + 1000, &u, &s, &created, &why), 0);
  CHECK_INT(created, 1);
  CHECK_MEM(u.address, 20, a, 20);
  CHECK(s.id > 0);
  CHECK_INT(s.user_id, u.id);
  uint8_t h2[32];
  sha256(h2, "again", 5);
  CHECK_INT(store_signin(S, &ar, &sys, &nu, h2, now + 1000, &u, &s, &created, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_USED);
  arena_release(&ar);
}

typedef struct {
  const char *nonce;
  uint8_t address[20];
  int64_t now;
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
  nonce_use nu = use_of(ra->nonce, ra->address, 0, ra->now);
  user u;
  auth_session s;
  int created;
  auth_fault why;
  pthread_barrier_wait(&race_start);
  ra->result = store_signin(S, &ar, &sys, &nu, h, ra->now + 100000, &u, &s, &created, &why);
  arena_release(&ar);
  return NULL;
}

TEST(concurrent_uses_of_one_nonce_make_one_session) {
  enum { N = 24 };
  uint8_t a[20];
  fresh_addr(a);
  char n[32];
  fresh_nonce(n);
  int64_t now = time_now_ms();
  REQUIRE(store_nonce_issue(S, n, a, 1, 0, now, &limits) == 0);
  pthread_t th[N];
  race_arg args[N];
  pthread_barrier_init(&race_start, NULL, N);
  for (int i = 0; i < N; i++) {
    args[i] = (race_arg){n, {0}, now, i, -1};
    memcpy(args[i].address, a, 20);
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
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, t0, t1, now, now + 60000, &u, &s2, &why), 0);
  CHECK_INT(s2.id, s.id);
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, t1, t2, now, now + 60000, &u, &s2, &why), 0);
  session_state st;
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.revoked, 0);
  /* t0 again: someone kept a copy; the whole session ends, t2 included */
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, t0, t3, now, now + 60000, &u, &s2, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_USED);
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.revoked, 1);
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, t2, t3, now, now + 60000, &u, &s2, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_REVOKED);
  /* unknown and expired tokens */
  uint8_t nope[32] = {1, 2, 3};
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, nope, t3, now, now + 60000, &u, &s2, &why), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_UNKNOWN);
  uint8_t e0[32];
  REQUIRE(sign_in(&ar, a, e0, &u, &s) == 0);
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, e0, t3, now + 3700000, now + 7200000, &u, &s2, &why),
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
  int64_t now = time_now_ms(), n = -1;
  char nn[32];
  fresh_nonce(nn);
  CHECK_INT(store_nonce_issue(S, nn, a, 1, 0, now, &limits), 0);
  CHECK_INT(store_nonce_count(S, a, now, &n), 0);
  CHECK_INT(n, 1);
  CHECK_INT(store_session_revoke(S, &sys, s.id, u.id + 1, now), PHEME_DATA_NOT_FOUND); /* not theirs */
  CHECK_INT(store_session_revoke(S, &sys, s.id, u.id, now), 0);
  session_state st;
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.revoked, 1);
  CHECK_INT(store_nonce_count(S, a, now, &n), 0);
  CHECK_INT(n, 0);
  auth_fault why;
  sha256(t1, "after-logout", 12);
  CHECK_INT(store_refresh_rotate(S, &ar, &sys, t0, t1, now, now + 1000, &u, &s2, &why), PHEME_AUTH_INVALID);
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
  char nn[32];
  fresh_nonce(nn);
  REQUIRE(store_nonce_issue(S, nn, b, 1, 1, now, &limits) == 0);
  nonce_use nu = use_of(nn, b, 1, now);
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
  /* the same address again (new nonce): already ours; c: someone else's */
  fresh_nonce(nn);
  REQUIRE(store_nonce_issue(S, nn, b, 1, 1, now, &limits) == 0);
  nu = use_of(nn, b, 1, now);
  CHECK_INT(store_wallet_link(S, &ar, &sys, u.id, &nu, &w, &why, &self), PHEME_DATA_CONFLICT);
  CHECK_INT(self, 1);
  fresh_nonce(nn);
  REQUIRE(store_nonce_issue(S, nn, c, 1, 1, now, &limits) == 0);
  nu = use_of(nn, c, 1, now);
  CHECK_INT(store_wallet_link(S, &ar, &sys, u.id, &nu, &w, &why, &self), PHEME_DATA_CONFLICT);
  CHECK_INT(self, 0);
  /* a sign-in nonce does not link */
  fresh_nonce(nn);
  REQUIRE(store_nonce_issue(S, nn, c, 1, 0, now, &limits) == 0);
  nu = use_of(nn, c, 1, now);
  CHECK_INT(store_wallet_link(S, &ar, &sys, u.id, &nu, &w, &why, &self), PHEME_AUTH_INVALID);
  CHECK_INT(why, AUTH_FAULT_OTHER_PURPOSE);
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
  CHECK_INT(store_user_role_set(S, &ar, &sys, a, ROLE_CREATOR, 1, &out, &changed), 0);
  CHECK_INT(changed, 1);
  CHECK_INT(out.roles, ROLE_USER | ROLE_CREATOR);
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.roles_version, rv + 1);
  CHECK_INT(st.roles, ROLE_USER | ROLE_CREATOR);
  CHECK_INT(store_user_role_set(S, &ar, &sys, a, ROLE_CREATOR, 1, &out, &changed), 0);
  CHECK_INT(changed, 0);
  CHECK_INT(store_user_role_set(S, &ar, &sys, a, ROLE_CREATOR, 0, &out, &changed), 0);
  CHECK_INT(changed, 1);
  CHECK_INT(out.roles, ROLE_USER);
  CHECK_INT(store_session_state(S, s.id, &st), 0);
  CHECK_INT(st.roles_version, rv + 2);
  uint8_t nobody[20];
  fresh_addr(nobody);
  CHECK_INT(store_user_role_set(S, &ar, &sys, nobody, ROLE_ADMIN, 1, &out, &changed), PHEME_DATA_NOT_FOUND);
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

static void all_tests(void) {
  RUN(nonce_cap_keeps_the_newest_per_address);
  RUN(expired_nonces_are_swept_and_total_is_capped);
  RUN(nonce_is_single_use_and_bound_to_address_chain_purpose);
  RUN(concurrent_uses_of_one_nonce_make_one_session);
  RUN(refresh_rotates_and_reuse_revokes_the_family);
  RUN(logout_revokes_session_tokens_and_nonces);
  RUN(wallets_link_unlink_and_payout);
  RUN(role_changes_bump_the_roles_version);
}

int main(void) { return backends_main("test_sessions", all_tests); }
