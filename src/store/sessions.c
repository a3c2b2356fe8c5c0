/* Sign-in nonces, sessions and refresh tokens, linked wallets and roles; see auth_store.h.
 * Audit rows of these changes name the user (subject "user") so they show in one place. */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "store/auth_store.h"
#include "store/internal.h"
#include "core/banned.h"

static pheme_err user_by_id(sx *x, int64_t id, user *out, int64_t *roles_version) {
  db_result r;
  pheme_err e = Q(x, &r, "SELECT " USER_COLS " FROM users u WHERE u.id = $1", dbv_int(id));
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  sx_user_read(&r, 0, out);
  if (roles_version) *roles_version = db_int(&r, 0, USER_COL_ROLES_VERSION);
  return PHEME_OK;
}

static void detail_address(char out[64], const uint8_t a[20]) {
  char hex[43];
  address_format_hex(hex, a);
  snprintf(out, 64, "{\"address\":\"%s\"}", hex);
}

const char *auth_fault_text(auth_fault f, int refresh) {
  switch (f) {
    case AUTH_FAULT_NONE: return "ok";
    case AUTH_FAULT_UNKNOWN: return refresh ? "refresh token is not one this server issued" : "nonce was not issued by this server";
    case AUTH_FAULT_USED: return refresh ? "refresh token was already used: the whole session is revoked" : "nonce was already used";
    case AUTH_FAULT_EXPIRED: return refresh ? "refresh token has expired" : "nonce has expired";
    case AUTH_FAULT_OTHER_ADDRESS: return "nonce was issued for another address or chain id";
    case AUTH_FAULT_OTHER_CHAIN: return "nonce was issued for another chain id";
    case AUTH_FAULT_OTHER_PURPOSE: return "nonce was issued for another purpose (sign-in or wallet link)";
    case AUTH_FAULT_REVOKED: return "session was revoked";
  }
  return "refused";
}

/* ---------- nonces ---------- */

/* Process-wide: when expired nonce uses and refresh tokens were last swept. */
static int64_t sweep_last_ms;

/* The id of nonce uses issued before cutoff_ms: ids start with the 6-byte issue time. */
static void id_floor(uint8_t out[14], int64_t cutoff_ms) {
  memset(out, 0, 14);
  for (int i = 0; i < 6; i++) out[i] = (uint8_t)((uint64_t)(cutoff_ms < 0 ? 0 : cutoff_ms) >> (40 - 8 * i));
}

static pheme_err sweep(sx *x, int64_t now_ms, int64_t nonce_ttl_ms) {
  uint8_t floor_id[14];
  id_floor(floor_id, now_ms - nonce_ttl_ms);
  pheme_err e = Q(x, NULL, "DELETE FROM auth_nonce_uses WHERE id < $1", dbv_blob(floor_id, 14));
  if (!e) e = Q(x, NULL, "DELETE FROM refresh_tokens WHERE expires_at <= $1", dbv_int(now_ms));
  return e;
}

pheme_err store_nonce_sweep(store *s, int64_t now_ms, int64_t nonce_ttl_ms) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  e = sweep(&x, now_ms, nonce_ttl_ms);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (!e) __atomic_store_n(&sweep_last_ms, now_ms, __ATOMIC_RELAXED);
  return e;
}

pheme_err store_nonce_used(store *s, const uint8_t id[14], int *used) {
  sx x;
  pheme_err e = sx_read(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT 1 FROM auth_nonce_uses WHERE id = $1", dbv_blob(id, 14));
  if (!e) *used = r.rows > 0;
  sx_end(&x);
  return e;
}

/* Records the one use of a nonce inside x's transaction: of many concurrent attempts, the one
 * whose INSERT lands wins (the others see the row, or wait for its transaction on PostgreSQL,
 * and get AUTH_FAULT_USED). A nonce issued before nonces_after (a logout) counts as used. Once a
 * minute per process the same transaction also sweeps expired records. */
static pheme_err consume_nonce(sx *x, const nonce_use *n, int64_t nonces_after, auth_fault *why) {
  if (n->issued_ms <= nonces_after) {
    *why = AUTH_FAULT_USED;
    return PHEME_AUTH_INVALID;
  }
  /* A plain INSERT: its unique violation is the refusal. (It ends a PostgreSQL transaction, which
   * is what a refused sign-in does anyway; a group commit reruns its batch without it.) */
  pheme_err e = Q(x, NULL, "INSERT INTO auth_nonce_uses (id) VALUES ($1)", dbv_blob(n->id, 14));
  if (e == PHEME_DATA_CONFLICT) {
    *why = AUTH_FAULT_USED;
    return PHEME_AUTH_INVALID;
  }
  if (e) return e;
  int64_t last = __atomic_load_n(&sweep_last_ms, __ATOMIC_RELAXED);
  if ((n->now_ms - last >= 60000 || n->now_ms < last) &&
      __atomic_compare_exchange_n(&sweep_last_ms, &last, n->now_ms, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    e = sweep(x, n->now_ms, n->ttl_ms);
  return e;
}

/* ---------- sessions ---------- */

#define SESSION_COLS "s.id, s.user_id, s.address, s.created_at, coalesce(s.revoked_at, 0)"

/* The sign-in's writes (a group-commit job, batch.h): rerunnable, results written afresh. */
static pheme_err signin_work(sx *x, store_job *job) {
  signin_job *j = (signin_job *)job;
  const nonce_use *n = &j->nonce;
  user *u = &j->u;
  auth_session *out = &j->session;
  j->why = AUTH_FAULT_NONE;
  j->created = 0;
  db_result r;
  pheme_err e = Q(x, &r, "SELECT " USER_COLS " FROM wallets w JOIN users u ON u.id = w.user_id WHERE w.address = $1",
                  dbv_blob(n->address, 20));
  if (!e && r.rows) {
    sx_user_read(&r, 0, u);
    out->roles_version = db_int(&r, 0, USER_COL_ROLES_VERSION);
    e = consume_nonce(x, n, db_int(&r, 0, USER_COL_NONCES_AFTER), &j->why);
  } else if (!e) {
    e = consume_nonce(x, n, 0, &j->why);
    /* a new person: every column is given, so the row is known without reading it back */
    memset(u, 0, sizeof *u);
    memcpy(u->address, n->address, 20);
    u->display_name = u->bio = "";
    u->roles = STORE_NEW_USER_ROLES;
    u->created_at = u->updated_at = n->now_ms;
    out->roles_version = 0;
    if (!e) e = sx_user_insert(x, n->address, "", n->now_ms, &u->id);
    if (!e) j->created = 1;
  }
  /* the session row holds its first refresh token's key: no row of its own */
  if (!e)
    e = QID(x, &out->id,
            "INSERT INTO sessions (user_id, address, created_at, refresh_key, refresh_expires_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            dbv_int(u->id), dbv_blob(n->address, 20), dbv_int(n->now_ms), dbv_blob(j->refresh_key, 32),
            dbv_int(j->refresh_expires_ms));
  if (!e) {
    out->user_id = u->id;
    memcpy(out->address, n->address, 20);
    out->created_at = n->now_ms;
    out->revoked_at = 0;
  }
  if (!e) {
    /* one audit row per sign-in: the person's first one also records their creation */
    char detail[64];
    snprintf(detail, sizeof detail, "{\"session\":%lld}", (long long)out->id);
    store_actor self = {u->id, j->request_id};
    e = sx_audit(x, &self, j->created ? "user.create" : "session.create", "user", u->id, detail);
  }
  return e;
}

void store_signin_submit(store *s, signin_job *j) {
  j->job.work = signin_work;
  store_job_submit(s, &j->job);
}

pheme_err store_signin_run(store *s, signin_job *j) {
  j->job.work = signin_work;
  return store_job_run(s, &j->job);
}

/* Revokes a session inside x's transaction; its refresh tokens die with it (a token is only
 * accepted while its session is not revoked). */
static pheme_err revoke_family(sx *x, int64_t session_id, int64_t now_ms) {
  return Q(x, NULL, "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
           dbv_int(now_ms), dbv_int(session_id));
}

pheme_err store_refresh_rotate(store *s, arena *a, const store_actor *who, int64_t session_id,
                               const uint8_t old_key[32], const uint8_t new_key[32],
                               int64_t now_ms, int64_t new_expires_ms, user *u,
                               auth_session *out, auth_fault *why) {
  *why = AUTH_FAULT_NONE;
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT " SESSION_COLS ", s.refresh_key, s.refresh_expires_at FROM sessions s WHERE s.id = $1",
        dbv_int(session_id));
  if (e) goto out;
  if (r.rows == 0) {
    *why = AUTH_FAULT_UNKNOWN;
    e = PHEME_AUTH_INVALID;
    goto out;
  }
  auth_session sess;
  sess.id = db_int(&r, 0, 0);
  sess.user_id = db_int(&r, 0, 1);
  sx_addr(&r, 0, 2, sess.address);
  sess.created_at = db_int(&r, 0, 3);
  sess.revoked_at = db_int(&r, 0, 4);
  size_t klen = 0;
  const uint8_t *current = db_blob(&r, 0, 5, &klen);
  int64_t expires = db_int(&r, 0, 6);
  int is_current = current && klen == 32 && memcmp(current, old_key, 32) == 0;
  if (sess.revoked_at) {
    *why = AUTH_FAULT_REVOKED;
    e = PHEME_AUTH_INVALID;
    goto out;
  }
  int reused = 0;
  if (!is_current) {
    /* An earlier token of this session, used already: someone holds a copy. Anything else is
     * not a token we issued (and revokes nothing: it proves no copy). */
    e = Q(&x, &r, "SELECT 1 FROM refresh_tokens WHERE hash = $1 AND session_id = $2", dbv_blob(old_key, 32),
          dbv_int(sess.id));
    if (e) goto out;
    if (r.rows == 0) {
      *why = AUTH_FAULT_UNKNOWN;
      e = PHEME_AUTH_INVALID;
      goto out;
    }
    reused = 1;
  } else if (expires <= now_ms) {
    *why = AUTH_FAULT_EXPIRED;
    e = PHEME_AUTH_INVALID;
    goto out;
  } else {
    /* the swap is conditional: of two concurrent uses of one token, the second finds the key
     * changed (on PostgreSQL, after waiting for the first) and counts as reuse */
    e = Q(&x, &r,
          "UPDATE sessions SET refresh_key = $1, refresh_expires_at = $2 WHERE id = $3 AND refresh_key = $4 "
          "RETURNING id",
          dbv_blob(new_key, 32), dbv_int(new_expires_ms), dbv_int(sess.id), dbv_blob(old_key, 32));
    if (e) goto out;
    reused = r.rows == 0;
  }
  if (reused) {
    /* Reuse of a rotated token: end the family and keep that decision. */
    e = revoke_family(&x, sess.id, now_ms);
    char detail[96];
    snprintf(detail, sizeof detail, "{\"session\":%lld,\"reason\":\"refresh token reuse\"}", (long long)sess.id);
    if (!e) e = sx_audit(&x, who, "session.revoke", "user", sess.user_id, detail);
    if (!e) e = sx_commit(&x);
    if (!e) {
      *why = AUTH_FAULT_USED;
      e = PHEME_AUTH_INVALID;
    }
    goto out;
  }
  /* the used token is remembered until it would have expired, to recognise its reuse */
  e = Q(&x, NULL,
        "INSERT INTO refresh_tokens (hash, session_id, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $3)",
        dbv_blob(old_key, 32), dbv_int(sess.id), dbv_int(now_ms), dbv_int(expires));
  if (!e) e = user_by_id(&x, sess.user_id, u, &sess.roles_version);
  if (!e) e = sx_commit(&x);
  if (!e) *out = sess;
out:
  sx_end(&x);
  return e;
}

pheme_err store_session_state(store *s, int64_t session_id, session_state *out) {
  arena a;
  arena_init(&a, 0);
  sx x;
  pheme_err e = sx_read(s, &a, &x);
  if (e) {
    arena_release(&a);
    return e;
  }
  db_result r;
  e = Q(&x, &r,
        "SELECT s.user_id, coalesce(s.revoked_at, 0), u.address, u.roles, u.roles_version "
        "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
        dbv_int(session_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) {
    out->session_id = session_id;
    out->user_id = db_int(&r, 0, 0);
    out->revoked = db_int(&r, 0, 1) != 0;
    sx_addr(&r, 0, 2, out->address);
    out->roles = (unsigned)db_int(&r, 0, 3);
    out->roles_version = db_int(&r, 0, 4);
  }
  sx_end(&x);
  arena_release(&a);
  return e;
}

pheme_err store_session_revoke(store *s, const store_actor *who, int64_t session_id,
                               int64_t user_id, int64_t now_ms) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT id FROM sessions WHERE id = $1 AND user_id = $2", dbv_int(session_id),
        dbv_int(user_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) e = revoke_family(&x, session_id, now_ms);
  /* the nonces issued before now can no longer sign anyone in (see consume_nonce) */
  if (!e)
    e = Q(&x, NULL, "UPDATE users SET nonces_after = $1 WHERE id = $2", dbv_int(now_ms), dbv_int(user_id));
  char detail[96];
  snprintf(detail, sizeof detail, "{\"session\":%lld,\"reason\":\"logout\"}", (long long)session_id);
  if (!e) e = sx_audit(&x, who, "session.revoke", "user", user_id, detail);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

/* ---------- linked wallets ---------- */

pheme_err store_wallets_list(store *s, arena *a, int64_t user_id, linked_wallet **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT address, is_primary, linked_at FROM wallets WHERE user_id = $1 "
        "ORDER BY is_primary DESC, linked_at, address LIMIT 1000",
        dbv_int(user_id));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    sx_addr(&r, i, 0, (*out)[i].address);
    (*out)[i].primary = db_int(&r, i, 1) != 0;
    (*out)[i].linked_at = db_int(&r, i, 2);
  }
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_wallet_link(store *s, arena *a, const store_actor *who, int64_t user_id,
                            const nonce_use *n, linked_wallet *out, auth_fault *why,
                            int *owner_is_self) {
  *why = AUTH_FAULT_NONE;
  *owner_is_self = 0;
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT nonces_after FROM users WHERE id = $1", dbv_int(user_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) e = consume_nonce(&x, n, db_int(&r, 0, 0), why);
  if (!e) e = Q(&x, &r, "SELECT user_id FROM wallets WHERE address = $1", dbv_blob(n->address, 20));
  if (!e && r.rows) {
    *owner_is_self = db_int(&r, 0, 0) == user_id;
    e = PHEME_DATA_CONFLICT;
  }
  if (!e)
    e = Q(&x, NULL, "INSERT INTO wallets (address, user_id, is_primary, linked_at) VALUES ($1, $2, 0, $3)",
          dbv_blob(n->address, 20), dbv_int(user_id), dbv_int(n->now_ms));
  char detail[64];
  detail_address(detail, n->address);
  if (!e) e = sx_audit(&x, who, "wallet.link", "user", user_id, detail);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (!e) {
    memcpy(out->address, n->address, 20);
    out->primary = 0;
    out->linked_at = n->now_ms;
  }
  return e;
}

pheme_err store_wallet_unlink(store *s, const store_actor *who, int64_t user_id,
                              const uint8_t address[20]) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  int64_t now = time_now_ms();
  e = Q(&x, &r, "SELECT is_primary FROM wallets WHERE address = $1 AND user_id = $2",
        dbv_blob(address, 20), dbv_int(user_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e && db_int(&r, 0, 0)) e = PHEME_DATA_STATE;
  if (!e) e = Q(&x, NULL, "DELETE FROM wallets WHERE address = $1", dbv_blob(address, 20));
  /* Sessions opened by signing with the unlinked wallet end with it: whoever holds that key no
   * longer speaks for this person. */
  if (!e)
    e = Q(&x, NULL, "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND address = $3 AND revoked_at IS NULL",
          dbv_int(now), dbv_int(user_id), dbv_blob(address, 20));
  char detail[64];
  detail_address(detail, address);
  if (!e) e = sx_audit(&x, who, "wallet.unlink", "user", user_id, detail);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_payout_set(store *s, arena *a, const store_actor *who, int64_t user_id,
                           const uint8_t address[20], user *out) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT is_primary FROM wallets WHERE address = $1 AND user_id = $2",
        dbv_blob(address, 20), dbv_int(user_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e)
    e = Q(&x, NULL,
          "UPDATE wallets SET is_primary = CASE WHEN address = $1 THEN 1 ELSE 0 END WHERE user_id = $2",
          dbv_blob(address, 20), dbv_int(user_id));
  if (!e)
    e = Q(&x, NULL, "UPDATE users SET address = $1, updated_at = $2 WHERE id = $3",
          dbv_blob(address, 20), dbv_int(time_now_ms()), dbv_int(user_id));
  char detail[64];
  detail_address(detail, address);
  if (!e) e = sx_audit(&x, who, "wallet.payout", "user", user_id, detail);
  if (!e) e = user_by_id(&x, user_id, out, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

/* ---------- roles ---------- */

pheme_err store_user_role_set(store *s, arena *a, const store_actor *who,
                              const uint8_t address[20], unsigned role, const char *role_name,
                              int grant, user *out, int *changed) {
  *changed = 0;
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT " USER_COLS " FROM wallets w JOIN users u ON u.id = w.user_id WHERE w.address = $1",
        dbv_blob(address, 20));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) sx_user_read(&r, 0, out);
  unsigned roles = e ? 0 : (grant ? out->roles | role : out->roles & ~role);
  if (!e && roles != out->roles) {
    e = Q(&x, NULL,
          "UPDATE users SET roles = $1, roles_version = roles_version + 1, updated_at = $2 WHERE id = $3",
          dbv_int(roles), dbv_int(time_now_ms()), dbv_int(out->id));
    char detail[64];
    snprintf(detail, sizeof detail, "{\"role\":\"%.20s\"}", role_name);
    if (!e) e = sx_audit(&x, who, grant ? "user.role.grant" : "user.role.revoke", "user", out->id, detail);
    if (!e) e = user_by_id(&x, out->id, out, NULL);
    if (!e) *changed = 1;
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}
