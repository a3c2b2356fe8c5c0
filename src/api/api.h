/* The REST API: the route table, the handlers (one file per resource) and what they share —
 * the application context, pagination, rendering of records as JSON, and the mapping of storage
 * errors to answers. */
#ifndef PHEME_API_H
#define PHEME_API_H

#include <jansson.h>

#include "auth/signin.h"
#include "chain/suite.h"
#include "content/content.h"
#include "core/config.h"
#include "core/json.h"
#include "core/jsonw.h"
#include "http/server.h"
#include "store/store.h"
#include "store/validation.h"
#include "work/principal.h"
#include "work/roles.h"

typedef struct app {
  pheme_config *cfg;
  store *store;
  http_server *http;
  const signin_config *signin; /* sign-in and sessions; NULL = only API keys authenticate */
  metrics_registry *metrics;   /* what /metrics renders */
  content_backend *content;    /* evidence content (content.c); NULL = uploads refused */
  struct pipeline *pipeline;   /* the validation pipeline (validation/pipeline.h); NULL = off */
  struct events_hub *events;   /* the event hub (jobs/fanout.h) for SSE and /ws; NULL = off */
  struct redis_client *redis;  /* what the nodes share (core/redis.h); NULL = not configured */
  const chain_suite *suite;    /* the contracts on the configured chain (chain/suite.h); NULL = no chain */
  struct leaderboards *boards; /* the in-memory leaderboards (game/leaderboard.h) */
  struct badges_engine *badges; /* badges and their chain issuance (game/badges.h); NULL = off */
  struct matching *matching;   /* the matching index (matching/matching.h); NULL = off */
} app;

static inline app *req_app(http_req *r) { return (app *)r->app; }
static inline store *req_store(http_req *r) { return ((app *)r->app)->store; }

/* The route table and its length. */
extern const http_route api_routes[];
extern const size_t api_route_count;

/* Request-body schemas: the same field tables validate bodies and describe them in OpenAPI. */
struct api_schema {
  const char *name;
  const json_field *fields;
  size_t nfields;
  const char *description;
};
typedef struct api_schema api_schema;
extern const api_schema *const api_schemas[];
extern const size_t api_schema_count;
const api_schema *api_schema_find(const char *name);

/* Authenticates a request (see http_auth_fn): Authorization: Bearer <API key "phk_…" or access
 * JWT>, or, without an Authorization header, the session cookie of cookie mode, in which case an
 * unsafe method must carry the CSRF token in X-CSRF-Token. */
pheme_err api_authenticate(http_req *r, const char *authorization, principal *who, char *msg,
                           size_t msglen);
/* The server's role check (http_options.authorize): work/roles.h's rule, admin passes all. */
pheme_err api_authorize(const principal *who, unsigned need, char *msg, size_t msglen);
/* Makes a new API key: returns the key text (shown once) in out (64 bytes) and its hash. */
int api_key_generate(char out[64], uint8_t hash[32]) PHEME_MUST_CHECK;

/* --- helpers for handlers (api/common.c) --- */

/* The store actor of a request (caller and request id) for the audit log. */
store_actor api_actor(http_req *r);
/* The engines' view of the caller (work/principal.h). */
work_principal api_principal(const http_req *r);
/* Refuses evidence that names a content CID not stored: answers WORK002 and returns the code; 0
 * when all named content is stored. */
pheme_err api_evidence_stored(http_req *r, const json_t *evidence);
/* Reads ?limit= and ?cursor=; answers 400 and returns the code when they are bad. One more row than
 * the limit is asked of the store so that api_page_json knows whether a next page exists. */
pheme_err api_page(http_req *r, store_page *p) PHEME_MUST_CHECK;
/* Answers are written with the streaming writer (core/jsonw.h) into a buffer capped at
 * API_ANSWER_MAX: api_begin prepares both, api_send answers with what was written (or 503 when
 * the cap was passed). A page is {"items":[…],"nextCursor":…}: api_page_open, one item per row
 * shown (api_shown rows: the store returns one more than the limit), api_page_close with the id
 * of the last row shown. */
#define API_ANSWER_MAX (8 << 20)
void api_begin(buf *b, jw *w);
void api_send(http_req *r, int status, buf *b, jw *w);
void api_page_open(jw *w);
int api_shown(int n, const store_page *p);
void api_page_close(jw *w, int n, const store_page *p, int64_t last_id);
/* Answers with a page of records: list[0..n) from the store (one more than the page shows),
 * each written by writer, the cursor made from idfield of the last one shown. */
#define API_ANSWER_PAGE(r, list, n, p, writer, idfield)                              \
  do {                                                                              \
    buf api_b_;                                                                     \
    jw api_w_;                                                                      \
    api_begin(&api_b_, &api_w_);                                                    \
    api_page_open(&api_w_);                                                         \
    int api_shown_ = api_shown((n), (p));                                           \
    for (int api_i_ = 0; api_i_ < api_shown_; api_i_++) writer(&api_w_, &(list)[api_i_]); \
    api_page_close(&api_w_, (n), (p), api_shown_ ? (list)[api_shown_ - 1].idfield : 0); \
    api_send((r), 200, &api_b_, &api_w_);                                           \
  } while (0)

/* Answers with one record written by writer (api_task_write, …). */
#define API_ANSWER(r, status, writer, rec) \
  do {                                     \
    buf api_b_;                            \
    jw api_w_;                             \
    api_begin(&api_b_, &api_w_);           \
    writer(&api_w_, rec);                  \
    api_send(r, status, &api_b_, &api_w_); \
  } while (0)
/* Answers a storage error with a message about subject ("task 12"). */
pheme_err api_fail(http_req *r, pheme_err e, const char *subject);
/* Checks a body against a schema; answers 400 and returns the code when it does not fit. A missing
 * body counts as {} (so required fields are reported by name). */
pheme_err api_body(http_req *r, const char *schema, json_t **body) PHEME_MUST_CHECK;
/* A positive id from a path parameter; answers 400 and returns the code when it is not one. */
pheme_err api_id_param(http_req *r, const char *name, int64_t *id) PHEME_MUST_CHECK;
/* An address from a path parameter; answers 400 and returns the code when it is not one. */
pheme_err api_address_param(http_req *r, const char *name, uint8_t out[20]) PHEME_MUST_CHECK;

/* Rendering. */
void api_address_write(jw *w, const uint8_t a[20]); /* EIP-55 */
void api_user_write(jw *w, const user *u);
/* The profile's fields alone, for answers that add their own to the object. */
void api_user_fields(jw *w, const user *u);
void api_task_write(jw *w, const task *t);
void api_submission_write(jw *w, const submission *s);
/* The submission's fields without the enclosing object (for answers that add more). */
void api_submission_fields(jw *w, const submission *s);
void api_guild_write(jw *w, const guild *g);
void api_key_write(jw *w, const api_key *k);
void api_skill_write(jw *w, const skill *k);
/* jansson forms, for the few answers built as trees (sign-in, errors). */
json_t *api_address_json(const uint8_t a[20]);
json_t *api_time_json(int64_t ms); /* RFC 3339 in UTC, or null for 0 */
/* Parses RFC 3339 ("2026-12-01T00:00:00Z", offsets allowed) to Unix ms; -1 when invalid. */
int api_time_parse(const char *s, int64_t *ms) PHEME_MUST_CHECK;

/* Handlers, by file. */
void ops_healthz(http_req *r);
void ops_readyz(http_req *r);
void ops_metrics(http_req *r);
void ops_openapi(http_req *r);
void users_list(http_req *r);
void users_get(http_req *r);
void me_get(http_req *r);
void me_update(http_req *r);
void me_submissions(http_req *r);
void me_keys(http_req *r);
void wallets_get(http_req *r);
/* reputation.c */
void reputation_get(http_req *r);
void reputation_explain(http_req *r);
void reputation_history(http_req *r);
void reputation_proof(http_req *r);
void reputation_batch(http_req *r);
void endorsements_create(http_req *r);
/* Writes "reputation": the person's stored score and domain scores ({"score": 0, "computed":
 * false} before the first computation) into an open object. */
pheme_err api_reputation_wallet(http_req *r, jw *w, int64_t user_id);
void skills_list(http_req *r);
void skills_get(http_req *r);
void tasks_list(http_req *r);
void tasks_create(http_req *r);
void tasks_get(http_req *r);
void tasks_update(http_req *r);
void tasks_close(http_req *r);
void tasks_submit(http_req *r);
void tasks_submissions(http_req *r);
void submissions_get(http_req *r);
/* --- matching (matching.c) --- */
void tasks_candidates(http_req *r);
void me_recommendations(http_req *r);
void me_availability_put(http_req *r);
void tasks_assign(http_req *r);
void tasks_assign_get(http_req *r);
void tasks_assign_confirm(http_req *r);
/* Tells the matching index that t was created or changed (no-op when matching is off). */
void api_matching_task_changed(http_req *r, const task *t);
/* --- the validation pipeline (submissions.c) --- */
void submissions_review(http_req *r);
void submissions_resubmit(http_req *r);
void submissions_dispute(http_req *r);
void submissions_decision(http_req *r);
void validators_queue(http_req *r);
void admin_validator_put(http_req *r);
void admin_validator_slash(http_req *r);
void admin_validators_list(http_req *r);
/* Answers 200 with submission id, its timeline, assessments, panel, reviews, disputes, outcome. */
void api_submission_answer(http_req *r, int64_t id);
void api_submission_view_write(jw *w, const sub_view *v);
void guilds_list(http_req *r);
void guilds_create(http_req *r);
void guilds_get(http_req *r);
void guilds_join(http_req *r);
void guilds_leave(http_req *r);
void guilds_members(http_req *r);
/* Leaderboards (leaderboards.c). */
void leaderboards_global(http_req *r);
void leaderboards_skill(http_req *r);
void leaderboards_guild(http_req *r);
void leaderboards_season(http_req *r);
void leaderboards_guilds(http_req *r);
/* rewards and progression (progress.c) */
void me_progress(http_req *r);
void me_ledger(http_req *r);
void me_time_zone(http_req *r);
void quests_list(http_req *r);
void quests_get(http_req *r);
void quests_create(http_req *r);
void seasons_list(http_req *r);
void seasons_create(http_req *r);
void seasons_reveal(http_req *r);
void keys_list(http_req *r);
void keys_revoke(http_req *r);
void audit_list(http_req *r);
/* The landing page's figures and the operator's job queue (site.c). */
void stats_get(http_req *r);
void admin_jobs_list(http_req *r);
void admin_jobs_stats(http_req *r);
void admin_job_retry(http_req *r);
/* Chain status (chain.c): GET /api/v1/chain/status. */
void chain_status_get(http_req *r);
/* The indexer's on-chain views (onchain.c). */
void onchain_staking(http_req *r);
void onchain_proposals(http_req *r);
void onchain_proposal(http_req *r);
void onchain_validators(http_req *r);
/* Writes "onchain": {…} (Skill Wallet token and skills, badges, reputation, balance, stake of
 * address on the configured chain), or "onchain": null when no chain is configured, into the
 * open object of w. For the wallets handler; returns 0 or a storage error (nothing written). */
pheme_err api_onchain_wallet(http_req *r, jw *w, const uint8_t address[20]) PHEME_MUST_CHECK;

/* GraphQL over HTTP (graphql.c): POST /graphql and GET /graphql. */
void graphql_post(http_req *r);
void graphql_get(http_req *r);
/* Badges (badges.c): types, the caller's awards and vouchers, admin CRUD and revocation. */
void badges_list(http_req *r);
void badges_get(http_req *r);
void badges_admin_create(http_req *r);
void badges_admin_update(http_req *r);
void badges_admin_revoke(http_req *r);
void me_badges(http_req *r);
void me_badge_voucher(http_req *r);

/* Evidence content (content.c): POST /api/v1/content streams its body (content_upload_stream),
 * GET /ipfs/:cid serves a stored file. */
extern const http_body_stream content_upload_stream;
void content_post(http_req *r);
void content_get(http_req *r);

/* Sign-in, sessions, linked wallets and roles (auth.c). */
void auth_nonce(http_req *r);
void auth_verify(http_req *r);
void auth_refresh(http_req *r);
void auth_logout(http_req *r);
void auth_wallets_list(http_req *r);
void auth_wallet_link(http_req *r);
void auth_wallet_unlink(http_req *r);
void auth_payout_set(http_req *r);
void auth_role_grant(http_req *r);
void auth_role_revoke(http_req *r);
/* The principal of an access JWT: verifies the token, then reads its session on every request
 * (no cache, so a logout or role change takes effect on the next request, on every node).
 * Returns 0 with who filled, or PHEME_AUTH_INVALID with msg saying why. */
pheme_err auth_session_principal(http_req *r, const char *token, principal *who, char *msg,
                                 size_t msglen);
/* Cookie mode: the value of a request cookie, or NULL. */
const char *auth_cookie(http_req *r, const char *name);
/* Cookie mode's CSRF check: 1 when X-CSRF-Token equals the CSRF cookie (compared in constant
 * time), else 0. */
int auth_csrf_ok(http_req *r);
#define AUTH_COOKIE_ACCESS "__Host-pheme_access"
#define AUTH_COOKIE_REFRESH "__Host-pheme_refresh"
#define AUTH_COOKIE_CSRF "__Host-pheme_csrf"

/* Demo data for a fresh install (only when there are no tasks yet), and bulk data for
 * benchmarks (users with addresses 0xbe9c5eed…<id>, tasks spread over them). The store's error with err set. */
pheme_err demo_seed(store *s, char *err, size_t errlen);
/* When no submission exists yet: the dev chain's validators (accounts 1..3) registered with their
 * stake, and one submission by account 4 taken through the whole pipeline (checks, builtin
 * assessment, panel, three signed reviews, consensus), so a newcomer sees it work. */
pheme_err demo_pipeline_seed(store *s, struct pipeline *p, char *err, size_t errlen);
pheme_err bench_seed(store *s, int64_t users, int64_t tasks, char *err, size_t errlen);

/* The OpenAPI 3.1 document of the route table (openapi.c). */
json_t *api_openapi(const char *public_url);

#endif
