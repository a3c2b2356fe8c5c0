/* Sign-In with Ethereum, sessions, linked wallets and roles over HTTP (DESIGN §5, §7):
 *
 *   POST /api/v1/auth/nonce    {address, chainId[, purpose]} -> nonce + the EIP-4361 message
 *   POST /api/v1/auth/verify   {message, signature[, cookies]} -> access JWT + refresh token
 *   POST /api/v1/auth/refresh  {refreshToken} or the refresh cookie -> a new pair (rotation)
 *   POST /api/v1/auth/logout   ends the caller's session
 *   /api/v1/me/wallets, /api/v1/me/payout, /api/v1/admin/users/:address/roles
 *
 * The rules live in src/auth (pure) and store/auth_store.h (single use, rotation); this file
 * turns them into answers. Cookie mode: verify or refresh with "cookies": true sets the access
 * and refresh tokens as HttpOnly; Secure; SameSite=Strict cookies (never in the body, out of
 * reach of scripts) and a readable CSRF cookie whose value must come back in X-CSRF-Token on
 * every unsafe request authenticated by cookie (double submit; api_authenticate checks it). */
#include <microhttpd.h>
#include <nettle/memops.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/session.h"
#include "core/util.h"
#include "eth/address.h"
#include "store/auth_store.h"
#include "core/banned.h"

static const signin_config *settings(http_req *r) {
  const signin_config *c = req_app(r)->signin;
  if (!c) http_error(r, PHEME_SYS_CONFIG, "sign-in is not configured on this server");
  return c;
}

/* ---------- cookies ---------- */

const char *auth_cookie(http_req *r, const char *name) {
  const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
  return v && *v ? v : NULL;
}

int auth_csrf_ok(http_req *r) {
  const char *h = http_request_header(r, "X-CSRF-Token"), *c = auth_cookie(r, AUTH_COOKIE_CSRF);
  if (!h || !c) return 0;
  size_t n = strlen(c);
  return n >= 32 && strlen(h) == n && memeql_sec(h, c, n);
}

static void set_cookie(http_req *r, const char *name, const char *value, int64_t max_age,
                       int http_only) {
  char *v = arena_printf(&r->arena, "%s=%s; Path=/; Max-Age=%lld;%s Secure; SameSite=Strict", name,
                         value, (long long)max_age, http_only ? " HttpOnly;" : "");
  if (v) http_header(r, "Set-Cookie", v);
}

static void clear_cookies(http_req *r) {
  set_cookie(r, AUTH_COOKIE_ACCESS, "", 0, 1);
  set_cookie(r, AUTH_COOKIE_REFRESH, "", 0, 1);
  set_cookie(r, AUTH_COOKIE_CSRF, "", 0, 0);
}

/* ---------- the session's answer ---------- */

/* Answers a new or refreshed session: tokens in the body, or as cookies in cookie mode. */
static void session_answer(http_req *r, const signin_config *c, const user *u,
                           const auth_session *s, const char *refresh, int64_t now, int cookies,
                           int created) {
  char access[JWT_TEXT_MAX];
  if (session_access_token(c, u->id, s->id, s->roles_version, now, access, sizeof access) < 0) {
    http_error(r, PHEME_SYS_INTERNAL, "could not make the access token of session %lld", (long long)s->id);
    return;
  }
  char csrf[SESSION_CSRF_TEXT];
  if (cookies && session_csrf_new(csrf)) {
    http_error(r, PHEME_SYS_INTERNAL, "no random bytes for the CSRF token");
    return;
  }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "expiresIn");
  jw_int(&w, c->access_ttl_s);
  jw_key(&w, "sessionId");
  char sid[24];
  snprintf(sid, sizeof sid, "%lld", (long long)s->id);
  jw_str(&w, sid);
  jw_key(&w, "refreshExpiresIn");
  jw_int(&w, c->refresh_ttl_s);
  jw_key(&w, "user");
  api_user_write(&w, u);
  jw_key(&w, "created");
  jw_bool(&w, created);
  if (cookies) {
    set_cookie(r, AUTH_COOKIE_ACCESS, access, c->access_ttl_s, 1);
    set_cookie(r, AUTH_COOKIE_REFRESH, refresh, c->refresh_ttl_s, 1);
    set_cookie(r, AUTH_COOKIE_CSRF, csrf, c->refresh_ttl_s, 0);
    jw_key(&w, "tokenType");
    jw_str(&w, "cookie");
    jw_key(&w, "csrfToken");
    jw_str(&w, csrf);
  } else {
    jw_key(&w, "tokenType");
    jw_str(&w, "Bearer");
    jw_key(&w, "accessToken");
    jw_str(&w, access);
    jw_key(&w, "refreshToken");
    jw_str(&w, refresh);
  }
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

/* Whether the client asks for cookie mode ("cookies": true) in *on; refused (answered) when the
 * server has it off. */
static pheme_err want_cookies(http_req *r, const signin_config *c, const json_t *b, int *on) {
  *on = json_is_true(json_object_get(b, "cookies"));
  if (*on && !c->cookies)
    return http_error(r, PHEME_API_BAD_REQUEST, "cookie mode is turned off on this server (auth_cookies)");
  return PHEME_OK;
}

/* ---------- sign-in ---------- */

void auth_nonce(http_req *r) {
  const signin_config *c = settings(r);
  json_t *b;
  if (!c || api_body(r, "AuthNonce", &b)) return;
  const char *text = json_str(b, "address", "");
  uint8_t addr[20];
  pheme_error ee;
  if (address_parse(addr, text, strlen(text), 0, &ee)) {
    http_error(r, PHEME_API_BAD_REQUEST, "field 'address': %s", ee.msg);
    return;
  }
  long long chain = json_int(b, "chainId", 0);
  if (!signin_chain_allowed(c, (uint64_t)chain)) {
    char allowed[256];
    signin_chains_text(c, allowed, sizeof allowed);
    http_error(r, PHEME_API_BAD_REQUEST, "chain id '%lld' is not allowed (allowed: %s)", chain, allowed);
    return;
  }
  signin_purpose purpose = strcmp(json_str(b, "purpose", "signin"), "link") == 0
                               ? SIGNIN_PURPOSE_LINK : SIGNIN_PURPOSE_SIGNIN;
  char nonce[SIGNIN_NONCE_LEN + 1];
  int64_t now = signin_now_ms();
  /* stateless: nothing is stored until the nonce is used (src/auth/signin.h) */
  if (signin_nonce_mint(c, nonce, addr, (uint64_t)chain, purpose, now)) {
    http_error(r, PHEME_SYS_INTERNAL, "no random bytes for a nonce");
    return;
  }
  buf m;
  buf_init(&m, 8192);
  signin_fields f;
  if (signin_message(&m, &f, c, addr, (uint64_t)chain, nonce, purpose, now)) {
    buf_release(&m);
    http_error(r, PHEME_SYS_INTERNAL, "could not write the sign-in message for nonce '%s'", nonce);
    return;
  }
  buf out;
  jw w;
  api_begin(&out, &w);
  jw_obj(&w);
  jw_key(&w, "nonce");
  jw_str(&w, nonce);
  jw_key(&w, "message");
  jw_strn(&w, m.data, m.len);
  jw_key(&w, "address");
  jw_str(&w, f.address);
  jw_key(&w, "chainId");
  jw_int(&w, chain);
  jw_key(&w, "domain");
  jw_str(&w, c->domain);
  jw_key(&w, "uri");
  jw_str(&w, c->uri);
  jw_key(&w, "version");
  jw_str(&w, "1");
  jw_key(&w, "statement");
  jw_str(&w, purpose == SIGNIN_PURPOSE_LINK ? SIGNIN_LINK_STATEMENT : SIGNIN_STATEMENT);
  jw_key(&w, "issuedAt");
  jw_str(&w, f.issued_at);
  jw_key(&w, "expirationTime");
  jw_str(&w, f.expiration_time);
  jw_key(&w, "purpose");
  jw_str(&w, purpose == SIGNIN_PURPOSE_LINK ? "link" : "signin");
  jw_end(&w);
  buf_release(&m);
  api_send(r, 200, &out, &w);
}

/* Checks {message, signature} of body b; answers and returns -1 when it does not verify. */
static pheme_err checked_message(http_req *r, const signin_config *c, const json_t *b, int64_t now,
                           siwe_message *m) {
  const json_t *msg = json_object_get(b, "message");
  char err[512];
  pheme_err e = signin_check(c, &r->arena, json_string_value(msg), json_string_length(msg),
                             json_str(b, "signature", ""), now, m, err, sizeof err);
  if (e == PHEME_SYS_IO) { /* a contract wallet's chain did not answer: the signature may be good */
    http_header(r, "Retry-After", "5");
    return http_error(r, PHEME_CHAIN_UNAVAILABLE, "%s", err);
  }
  if (e) {
    return http_error(r, e, "%s", err);
  }
  return 0;
}

/* Opens the message's nonce for purpose into *nu; answers and returns -1 when it cannot be used. */
static pheme_err opened_nonce(http_req *r, const signin_config *c, const siwe_message *m,
                        signin_purpose purpose, int64_t now, nonce_use *nu) {
  signin_nonce_info info;
  auth_fault why = (auth_fault)signin_nonce_open(c, m->nonce, m->address_bytes, m->chain_id, purpose, now, &info);
  if (why != AUTH_FAULT_NONE) {
    return http_error(r, PHEME_AUTH_INVALID, "nonce '%.64s' for %s: %s", m->nonce, m->address,
               auth_fault_text(why, 0));
  }
  memset(nu, 0, sizeof *nu);
  memcpy(nu->id, info.id, sizeof nu->id);
  nu->issued_ms = info.issued_ms;
  nu->ttl_ms = c->nonce_ttl_s * 1000;
  memcpy(nu->address, m->address_bytes, 20);
  nu->now_ms = now;
  return 0;
}

static void nonce_refused(http_req *r, const siwe_message *m, auth_fault why) {
  http_error(r, PHEME_AUTH_INVALID, "nonce '%.64s' for %s: %s", m->nonce, m->address,
             auth_fault_text(why, 0));
}

/* A verify waiting for its sign-in to be committed (group commit, store/batch.h). */
typedef struct {
  signin_job job;
  http_req *r;
  siwe_message m;
  uint8_t secret[SESSION_REFRESH_SECRET]; /* of the refresh token; its text names the session */
  int64_t now;
  int cookies;
} verify_wait;

static void verify_committed(store_job *j) { http_resume(((verify_wait *)(void *)j)->r); }

static void verify_answer(http_req *r) {
  verify_wait *w = r->wait;
  pheme_err e = w->job.job.err;
  if (e == PHEME_AUTH_INVALID) { nonce_refused(r, &w->m, w->job.why); return; }
  if (e) { api_fail(r, e, "session"); return; }
  char refresh[SESSION_REFRESH_TEXT];
  session_refresh_text(refresh, w->job.session.id, w->secret);
  session_answer(r, settings(r), &w->job.u, &w->job.session, refresh, w->now, w->cookies, w->job.created);
}

/* Checks the message and its signature here; the writes (the nonce's use, the person, the
 * session) join the next group commit, and the request sleeps until it is durable. */
void auth_verify(http_req *r) {
  const signin_config *c = settings(r);
  json_t *b;
  if (!c || api_body(r, "AuthVerify", &b)) return;
  verify_wait *w = arena_zalloc(&r->arena, sizeof *w);
  if (!w) { http_error(r, PHEME_SYS_NOMEM, NULL); return; }
  w->r = r;
  if (want_cookies(r, c, b, &w->cookies)) return;
  w->now = signin_now_ms();
  if (checked_message(r, c, b, w->now, &w->m)) return;
  if (opened_nonce(r, c, &w->m, SIGNIN_PURPOSE_SIGNIN, w->now, &w->job.nonce)) return;
  if (session_refresh_secret(w->secret, w->job.refresh_key)) {
    http_error(r, PHEME_SYS_INTERNAL, "no random bytes for a refresh token");
    return;
  }
  w->job.refresh_expires_ms = w->now + c->refresh_ttl_s * 1000;
  w->job.request_id = r->id;
  w->job.job.a = &r->arena;
  r->wait = w;
  if (http_server_connections(r->srv) <= 1) {
    /* The server's only client: no other sign-in could arrive to share the transaction, so commit
     * it here rather than pay for waking the committer and being woken by it. (Requests in flight
     * would not tell: one thread reads the next request only after answering this one.) */
    (void)store_signin_run(req_store(r), &w->job);
    verify_answer(r);
    return;
  }
  w->job.job.done = verify_committed;
  http_suspend(r, verify_answer);
  store_signin_submit(req_store(r), &w->job);
}

void auth_refresh(http_req *r) {
  const signin_config *c = settings(r);
  json_t *b;
  if (!c || api_body(r, "AuthRefresh", &b)) return;
  int cookies;
  if (want_cookies(r, c, b, &cookies)) return;
  const char *token = json_str(b, "refreshToken", NULL);
  if (!token) {
    token = auth_cookie(r, AUTH_COOKIE_REFRESH);
    if (!token) {
      http_error(r, PHEME_API_BAD_REQUEST, "give refreshToken in the body, or send the " AUTH_COOKIE_REFRESH " cookie");
      return;
    }
    if (!auth_csrf_ok(r)) {
      http_error(r, PHEME_AUTH_FORBIDDEN, "a refresh by cookie must send the " AUTH_COOKIE_CSRF
                 " cookie's value in X-CSRF-Token");
      return;
    }
    cookies = 1;
  }
  uint8_t old[32], fresh[32], secret[SESSION_REFRESH_SECRET];
  int64_t sid;
  if (session_refresh_parse(token, &sid, old)) {
    http_error(r, PHEME_AUTH_INVALID, "refresh token '%.8s…' is not shaped like one (phr_ and 43 base64url characters)", token);
    return;
  }
  int64_t now = signin_now_ms();
  if (session_refresh_secret(secret, fresh)) {
    http_error(r, PHEME_SYS_INTERNAL, "no random bytes for a refresh token");
    return;
  }
  store_actor who = api_actor(r);
  user u;
  auth_session s;
  auth_fault why;
  pheme_err e = store_refresh_rotate(req_store(r), &r->arena, &who, sid, old, fresh, now,
                                     now + c->refresh_ttl_s * 1000, &u, &s, &why);
  if (e == PHEME_AUTH_INVALID) {
    if (cookies) clear_cookies(r);
    http_error(r, e, "refresh token '%.8s…': %s", token, auth_fault_text(why, 1));
    return;
  }
  if (e) { api_fail(r, e, "session"); return; }
  char refresh[SESSION_REFRESH_TEXT];
  session_refresh_text(refresh, sid, secret);
  session_answer(r, c, &u, &s, refresh, now, cookies, 0);
}

/* The access token the request came with (header or cookie), or NULL. */
static const char *access_token(http_req *r, int *by_cookie) {
  const char *h = http_request_header(r, "Authorization");
  *by_cookie = 0;
  if (h) return strncmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
  *by_cookie = 1;
  return auth_cookie(r, AUTH_COOKIE_ACCESS);
}

void auth_logout(http_req *r) {
  const signin_config *c = settings(r);
  if (!c) return;
  int by_cookie;
  const char *token = access_token(r, &by_cookie);
  jwt_claims cl;
  char err[256];
  if (strcmp(r->who.kind, "session") != 0 || !token ||
      session_access_verify(c, token, signin_now_ms(), &cl, err, sizeof err)) {
    http_error(r, PHEME_API_BAD_REQUEST, "logout ends a session, and this request was authenticated "
               "by an API key (revoke keys with DELETE /api/v1/keys/:id)");
    return;
  }
  store_actor who = api_actor(r);
  pheme_err e = store_session_revoke(req_store(r), &who, cl.sid, r->who.user_id, signin_now_ms());
  if (e) { api_fail(r, e, arena_printf(&r->arena, "session %lld", (long long)cl.sid)); return; }
  if (by_cookie) clear_cookies(r);
  http_no_content(r);
}

pheme_err auth_session_principal(http_req *r, const char *token, principal *who, char *msg,
                                 size_t msglen) {
  const signin_config *c = req_app(r)->signin;
  if (!c) {
    snprintf(msg, msglen, "unknown kind of bearer token (sessions are not configured)");
    return PHEME_AUTH_INVALID;
  }
  jwt_claims cl;
  char err[256];
  if (session_access_verify(c, token, signin_now_ms(), &cl, err, sizeof err)) {
    snprintf(msg, msglen, "access token refused: %s", err);
    return PHEME_AUTH_INVALID;
  }
  session_state st;
  pheme_err e = store_session_state(req_store(r), cl.sid, &st);
  if (e && e != PHEME_DATA_NOT_FOUND) return e;
  if (e || st.revoked || st.user_id != cl.sub) {
    snprintf(msg, msglen, "session %lld has ended (logout, refresh-token reuse or a removed wallet): sign in again",
             (long long)cl.sid);
    return PHEME_AUTH_INVALID;
  }
  if (st.roles_version != cl.rv) {
    snprintf(msg, msglen, "your roles changed after this access token was made: refresh the session");
    return PHEME_AUTH_INVALID;
  }
  who->kind = "session";
  who->user_id = st.user_id;
  memcpy(who->address, st.address, 20);
  who->roles = st.roles;
  who->key_id = 0;
  return PHEME_OK;
}

/* ---------- linked wallets ---------- */

static json_t *wallet_json(const linked_wallet *w) {
  return json_pack("{s:o,s:b,s:o}", "address", api_address_json(w->address), "primary", w->primary,
                   "linkedAt", api_time_json(w->linked_at));
}

void auth_wallets_list(http_req *r) {
  linked_wallet *list;
  int n;
  pheme_err e = store_wallets_list(req_store(r), &r->arena, r->who.user_id, &list, &n);
  if (e) { api_fail(r, e, "wallets"); return; }
  json_t *items = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(items, wallet_json(&list[i]));
  http_json(r, 200, json_pack("{s:o,s:o}", "items", items, "payoutAddress",
                              n && list[0].primary ? api_address_json(list[0].address) : json_null()));
}

void auth_wallet_link(http_req *r) {
  const signin_config *c = settings(r);
  json_t *b;
  if (!c || api_body(r, "WalletLink", &b)) return;
  int64_t now = signin_now_ms();
  siwe_message m;
  if (checked_message(r, c, b, now, &m)) return;
  nonce_use nu;
  if (opened_nonce(r, c, &m, SIGNIN_PURPOSE_LINK, now, &nu)) return;
  store_actor who = api_actor(r);
  linked_wallet w;
  auth_fault why;
  int self;
  pheme_err e = store_wallet_link(req_store(r), &r->arena, &who, r->who.user_id, &nu, &w, &why, &self);
  if (e == PHEME_AUTH_INVALID) { nonce_refused(r, &m, why); return; }
  if (e == PHEME_DATA_CONFLICT) {
    http_error(r, e, self ? "address %s is already linked to your account"
                          : "address %s belongs to another PHEME account", m.address);
    return;
  }
  if (e) { api_fail(r, e, "wallet"); return; }
  http_json(r, 201, wallet_json(&w));
}

void auth_wallet_unlink(http_req *r) {
  uint8_t a[20];
  if (api_address_param(r, "address", a)) return;
  char text[ADDRESS_TEXT];
  address_to_checksum(text, a);
  store_actor who = api_actor(r);
  pheme_err e = store_wallet_unlink(req_store(r), &who, r->who.user_id, a);
  if (e == PHEME_DATA_NOT_FOUND) { http_error(r, e, "address %s is not one of your wallets", text); return; }
  if (e == PHEME_DATA_STATE) {
    http_error(r, e, "address %s is your primary (payout) address: make another wallet primary with "
               "PUT /api/v1/me/payout first", text);
    return;
  }
  if (e) { api_fail(r, e, "wallet"); return; }
  http_no_content(r);
}

void auth_payout_set(http_req *r) {
  json_t *b;
  if (api_body(r, "PayoutSet", &b)) return;
  const char *text = json_str(b, "address", "");
  uint8_t a[20];
  pheme_error ee;
  if (address_parse(a, text, strlen(text), 0, &ee)) {
    http_error(r, PHEME_API_BAD_REQUEST, "field 'address': %s", ee.msg);
    return;
  }
  store_actor who = api_actor(r);
  user u;
  pheme_err e = store_payout_set(req_store(r), &r->arena, &who, r->who.user_id, a, &u);
  if (e == PHEME_DATA_NOT_FOUND) {
    char cs[ADDRESS_TEXT];
    http_error(r, e, "address %s is not one of your wallets: link it first", address_to_checksum(cs, a));
    return;
  }
  if (e) { api_fail(r, e, "payout address"); return; }
  API_ANSWER(r, 200, api_user_write, &u);
}

/* ---------- roles ---------- */

static void role_change(http_req *r, const char *role, int grant) {
  uint8_t a[20];
  if (api_address_param(r, "address", a)) return;
  unsigned bit = role_from_name(role);
  if (!bit) {
    http_error(r, PHEME_API_BAD_REQUEST, "unknown role '%.40s': expected user, creator, validator or admin",
               role ? role : "");
    return;
  }
  store_actor who = api_actor(r);
  user u;
  int changed;
  pheme_err e = store_user_role_set(req_store(r), &r->arena, &who, a, bit, role_name(bit), grant, &u,
                                     &changed);
  if (e == PHEME_DATA_NOT_FOUND) {
    char cs[ADDRESS_TEXT];
    http_error(r, e, "no PHEME account holds %s", address_to_checksum(cs, a));
    return;
  }
  if (e) { api_fail(r, e, "user"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  api_user_fields(&w, &u);
  jw_key(&w, "changed");
  jw_bool(&w, changed);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

void auth_role_grant(http_req *r) {
  json_t *b;
  if (api_body(r, "RoleGrant", &b)) return;
  role_change(r, json_str(b, "role", ""), 1);
}

void auth_role_revoke(http_req *r) { role_change(r, http_param(r, "role"), 0); }
