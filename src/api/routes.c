/* Every route of PHEME's HTTP API. One row says everything about a route: method, path, handler,
 * the role it needs, its rate-limit class, its OpenAPI summary and tag, the schema its body is
 * checked against, its success status and whether its answers may be cached. The OpenAPI document
 * is generated from these rows (openapi.c); the server takes the rate-limit class and the body
 * schema from them. Order matters only between routes of the same shape: literals before
 * parameters. */
#include "api/api.h"
#include "api/events_out.h"

#include <string.h>

#include "core/util.h"
#include "reputation/reputation.h"
#include "work/tasks.h"
#include "core/banned.h"

#define PUBLIC 0
#define USER ROLE_USER
#define CREATOR ROLE_CREATOR
#define ADMIN ROLE_ADMIN
/* rate-limit classes: RL_AUTH, RL_READ, RL_WRITE, RL_GRAPHQL (http/ratelimit.h), or none */
#define UNLIMITED ROUTE_UNLIMITED
/* the body's schema, one of the schemas below */
#define BODY(name) &schema_##name

/* ---- request bodies (before the routes that name them) ---- */

static const json_field profile_update[] = {
    {"displayName", JF_NAME, 0, 0, 64, NULL},
    {"bio", JF_TEXT, 0, 0, 1000, NULL},
};

#define TASK_FIELDS(req)                                                        \
  {"type", JF_ENUM, req, 0, 0, "LESSON|BOUNTY|QUEST"},                          \
  {"title", JF_NAME, req, 1, 200, NULL},                                      \
  {"description", JF_TEXT, req, 1, 20000, NULL},                              \
  {"difficulty", JF_INT, req, 1, 10, NULL},                                     \
  {"xpReward", JF_INT, req, 0, 1000000, NULL},                                  \
  {"tokenReward", JF_AMOUNT, 0, 0, 0, NULL},                                    \
  {"status", JF_ENUM, 0, 0, 0, "DRAFT|OPEN"},                                   \
  {"deadline", JF_STRING, 0, 0, 40, NULL},                                      \
  {"guild", JF_NAME, 0, 1, 64, NULL},                                         \
  {"skills", JF_ARRAY, 0, 0, 20, NULL},                                         \
  {"requirements", JF_OBJECT, 0, 0, 0, NULL},                                   \
  {"validation", JF_OBJECT, 0, 0, 0, NULL}

static const json_field task_create[] = {TASK_FIELDS(1)};
static const json_field task_update[] = {TASK_FIELDS(0)};

const json_field api_task_skill_fields[] = {
    {"skill", JF_NAME, 1, 1, 64, NULL},
    {"minLevel", JF_INT, 0, 0, 100, NULL},
};
const json_field api_requirements_fields[] = {
    {"minReputation", JF_INT, 0, 0, 100, NULL},
    {"minLevel", JF_INT, 0, 0, 100, NULL},
};
const json_field api_validation_fields[] = {
    {"rubric", JF_ARRAY, 0, 1, 20, NULL},
    {"aiReview", JF_BOOL, 0, 0, 0, NULL},
    {"peerReview", JF_BOOL, 0, 0, 0, NULL},
    {"evidenceTypes", JF_ARRAY, 0, 1, 6, NULL},
    {"minScore", JF_INT, 0, 0, 100, NULL},
    {"minValidators", JF_INT, 0, 0, 21, NULL},
    {"consensusThreshold", JF_INT, 0, 50, 100, NULL},
};
const json_field api_rubric_fields[] = {
    {"criterion", JF_NAME, 1, 1, 200, NULL},
    {"weight", JF_INT, 1, 1, 100, NULL},
    {"description", JF_TEXT, 0, 0, 2000, NULL},
};
const json_field api_evidence_fields[] = {
    {"type", JF_ENUM, 1, 0, 0, WORK_EVIDENCE_TYPES},
    {"url", JF_STRING, 1, 8, 2048, NULL},
    {"description", JF_TEXT, 0, 0, 2000, NULL},
};

static const json_field submission_create[] = {
    {"text", JF_TEXT, 1, 1, 50000, NULL},
    {"evidence", JF_ARRAY, 0, 0, 20, NULL},
};

/* the signed review (validation/review.h parses it strictly; the schema gives OpenAPI its shape) */
static const json_field review_post[] = {
    {"submissionId", JF_INT, 1, 0, 9007199254740991LL, NULL},
    {"round", JF_INT, 1, 0, 1000, NULL},
    {"validator", JF_ADDRESS, 1, 0, 0, NULL},
    {"score", JF_INT, 1, 0, 100, NULL},
    {"criteria", JF_ARRAY, 1, 0, 64, NULL},
    {"feedback", JF_STRING, 1, 0, 16384, NULL},
    {"signature", JF_STRING, 1, 132, 132, NULL},
};

static const json_field dispute_create[] = {
    {"reason", JF_STRING, 1, 1, 2000, NULL},
};

static const json_field admin_decision[] = {
    {"decision", JF_ENUM, 1, 0, 0, "approve|reject|request_changes"},
    {"score", JF_INT, 1, 0, 100, NULL},
    {"reason", JF_STRING, 0, 0, 2000, NULL},
};

static const json_field validator_slash[] = {
    {"amount", JF_AMOUNT, 1, 0, 0, NULL},
    {"burn", JF_BOOL, 0, 0, 0, NULL},
    {"reason", JF_TEXT, 1, 1, 500, NULL},
};
static const json_field validator_put[] = {
    {"stake", JF_AMOUNT, 0, 0, 0, NULL},
    {"domains", JF_ARRAY, 0, 0, 20, NULL},
};

static const json_field guild_create[] = {
    {"slug", JF_NAME, 1, 3, 64, NULL},
    {"name", JF_NAME, 1, 1, 100, NULL},
    {"type", JF_ENUM, 1, 0, 0, "SKILL|GEO|INTEREST"},
    {"description", JF_TEXT, 0, 0, 2000, NULL},
};

static const json_field auth_nonce_body[] = {
    {"address", JF_ADDRESS, 1, 0, 0, NULL},
    {"chainId", JF_INT, 1, 1, 9007199254740991LL, NULL},
    {"purpose", JF_ENUM, 0, 0, 0, "signin|link"},
};

/* A wallet key's signature is 132 characters; a contract wallet's (EIP-1271), or one wrapped for
 * a wallet not yet deployed (ERC-6492: factory, its calldata, the signature), up to
 * SIGNIN_MAX_SIG bytes in hex. */
#define SIGNATURE_TEXT_MAX (2 + 2 * SIGNIN_MAX_SIG)

static const json_field auth_verify_body[] = {
    {"message", JF_STRING, 1, 1, 8192, NULL},
    {"signature", JF_STRING, 1, 1, SIGNATURE_TEXT_MAX, NULL},
    {"cookies", JF_BOOL, 0, 0, 0, NULL},
};

static const json_field auth_refresh_body[] = {
    {"refreshToken", JF_STRING, 0, 1, 100, NULL},
    {"cookies", JF_BOOL, 0, 0, 0, NULL},
};

static const json_field wallet_link_body[] = {
    {"message", JF_STRING, 1, 1, 8192, NULL},
    {"signature", JF_STRING, 1, 1, SIGNATURE_TEXT_MAX, NULL},
};

static const json_field payout_set_body[] = {
    {"address", JF_ADDRESS, 1, 0, 0, NULL},
};

static const json_field role_grant_body[] = {
    {"role", JF_ENUM, 1, 0, 0, "user|creator|validator|admin"},
};

static const json_field time_zone_set[] = {
    {"utcOffsetMinutes", JF_INT, 1, -720, 840, NULL},
};
static const json_field quest_create[] = {
    {"slug", JF_NAME, 1, 1, 64, NULL},
    {"name", JF_NAME, 1, 1, 200, NULL},
    {"description", JF_TEXT, 0, 0, 5000, NULL},
    {"xpReward", JF_INT, 0, 0, 1000000, NULL},
    {"steps", JF_ARRAY, 1, 1, 50, NULL},
    {"requires", JF_ARRAY, 0, 0, 20, NULL},
};
static const json_field season_create[] = {
    {"slug", JF_NAME, 1, 1, 64, NULL},
    {"name", JF_NAME, 1, 1, 200, NULL},
    {"startsAt", JF_STRING, 1, 1, 40, NULL},
    {"endsAt", JF_STRING, 1, 1, 40, NULL},
};
static const json_field availability_body[] = {
    {"available", JF_BOOL, 1, 0, 0, NULL},
};

static const json_field assign_propose_body[] = {
    {"creator", JF_ADDRESS, 0, 0, 0, NULL},
    {"appliedOnly", JF_BOOL, 0, 0, 0, NULL},
};

static const json_field endorsement_create[] = {
    {"address", JF_ADDRESS, 1, 0, 0, NULL},
    {"skill", JF_NAME, 1, 1, 64, NULL},
};

static const json_field reputation_batch_body[] = {
    {"addresses", JF_ARRAY, 1, 0, REP_BATCH_MAX, NULL},
};

static const json_field webhook_create[] = {
    {"url", JF_STRING, 1, 8, 2048, NULL},
    {"events", JF_ARRAY, 1, 1, 32, NULL},
};

static const json_field webhook_update[] = {
    {"url", JF_STRING, 0, 8, 2048, NULL},
    {"events", JF_ARRAY, 0, 1, 32, NULL},
    {"active", JF_BOOL, 0, 0, 0, NULL},
};

#define SCHEMA(name, fields, desc) \
  const api_schema schema_##name = {#name, fields, ARRAY_SIZE(fields), desc}
SCHEMA(ProfileUpdate, profile_update, "Fields of the caller's profile to change");
SCHEMA(TaskCreate, task_create, "A new task");
SCHEMA(TaskUpdate, task_update, "Fields of a task to change");
SCHEMA(TaskSkill, api_task_skill_fields, "A skill a task asks for, by slug, with a minimum level");
SCHEMA(TaskRequirements, api_requirements_fields, "Who may take the task");
SCHEMA(TaskValidation, api_validation_fields, "How submissions are judged; consensusThreshold is a percentage");
SCHEMA(RubricCriterion, api_rubric_fields, "One weighted criterion of the rubric");
SCHEMA(Evidence, api_evidence_fields, "A link to evidence of the work (http or https)");
SCHEMA(SubmissionCreate, submission_create, "Work submitted to a task");
/* badges (badges.c; docs/badges.md) */
#define BADGE_TYPE_FIELDS(req)                                           \
  {"name", JF_NAME, req, 1, 100, NULL},                                  \
  {"description", JF_TEXT, 0, 0, 2000, NULL},                            \
  {"assetCid", JF_STRING, 0, 0, 100, NULL},                              \
  {"issuance", JF_ENUM, 0, 0, 0, "voucher|mint"},                        \
  {"rule", JF_OBJECT, req, 0, 0, NULL},                                  \
  {"active", JF_BOOL, 0, 0, 0, NULL}
static const json_field badge_type_create[] = {
    BADGE_TYPE_FIELDS(1),
    {"slug", JF_STRING, 1, 1, 64, NULL},
    {"rarity", JF_ENUM, 1, 0, 0, "COMMON|RARE|EPIC|LEGENDARY"},
    {"soulbound", JF_BOOL, 0, 0, 0, NULL},
    {"maxSupply", JF_INT, 0, 0, 1000000000000LL, NULL},
    {"validity", JF_INT, 0, 0, 3153600000LL, NULL},
};
static const json_field badge_type_update[] = {BADGE_TYPE_FIELDS(0)};
static const json_field badge_revoke[] = {
    {"reason", JF_TEXT, 1, 1, 500, NULL},
};
SCHEMA(BadgeTypeCreate, badge_type_create, "A badge type: rarity, soulbound or tradeable, max supply (0 = unlimited), validity in seconds (0 = forever; soulbound only), asset CID, issuance (voucher or mint) and the rule that earns it (docs/badges.md)");
SCHEMA(BadgeTypeUpdate, badge_type_update, "Fields of a badge type to change (rarity, soulbound, max supply and validity are fixed on chain)");
SCHEMA(BadgeRevoke, badge_revoke, "Why the badge is revoked (written on chain with the revocation)");
SCHEMA(ReviewPost, review_post, "A validator's review as EIP-712 typed data (contracts/signing.json validatorReview) with its signature (0x + 130 hex digits); criteria are {id, score} by ascending id");
SCHEMA(DisputeCreate, dispute_create, "Why the decision is disputed");
SCHEMA(AdminDecision, admin_decision, "An admin's decision on an escalated or disputed submission");
SCHEMA(ValidatorSlash, validator_slash, "Wei to take from the validator's stake (a decimal uint256), burned or sent to the treasury (burn), and why (recorded on chain)");
SCHEMA(ValidatorPut, validator_put, "A validator's stake in wei (omit it to take the stake indexed from PhemeStaking) and domains");
SCHEMA(GuildCreate, guild_create, "A new guild; slug is lower-case letters, digits and '-'");
SCHEMA(AuthNonce, auth_nonce_body, "Who will sign (EIP-55 or all-lowercase address) on which chain; purpose 'link' for " "POST /api/v1/me/wallets");
SCHEMA(AuthVerify, auth_verify_body, "The message from /auth/nonce exactly as signed, and its personal_sign signature (0x + " "130 hex digits); cookies: true for cookie mode");
SCHEMA(AuthRefresh, auth_refresh_body, "The refresh token (phr_…); omit it in cookie mode, where the cookie and X-CSRF-Token are used");
SCHEMA(WalletLink, wallet_link_body, "A message signed by the wallet to link, for a nonce of purpose 'link'");
SCHEMA(PayoutSet, payout_set_body, "One of the caller's linked addresses");
SCHEMA(RoleGrant, role_grant_body, "The role to grant");
SCHEMA(TimeZoneSet, time_zone_set, "The caller's time zone as minutes east of UTC (-720..840): streak days end at midnight there");
SCHEMA(QuestCreate, quest_create, "A quest chain: steps are task ids in order; requires are the slugs of quests to complete first");
SCHEMA(SeasonCreate, season_create, "A season (RFC 3339 times); the server draws its secret seed and publishes the seed's keccak256");
SCHEMA(Availability, availability_body, "Whether the caller takes work now (false keeps them out of candidate lists and assignments)");
SCHEMA(AssignPropose, assign_propose_body, "Whose bounties to assign (an admin may name a creator; default the caller), and whether a person may only get a bounty they applied to");
SCHEMA(EndorsementCreate, endorsement_create, "Endorse the person holding address in a skill (by slug)");
SCHEMA(ReputationBatch, reputation_batch_body, "Up to 10,000 addresses (0x + 40 hex digits) to look up");
SCHEMA(WebhookCreate, webhook_create, "An http(s) URL of a public address and the event kinds to deliver there (\"submission.approved\", \"submission.*\", \"*\")");
SCHEMA(WebhookUpdate, webhook_update, "Fields of a webhook to change; active false pauses it");

/* Every schema, for OpenAPI's components and for nested objects (api_schema_find). */
const api_schema *const api_schemas[] = {
    &schema_ProfileUpdate,
    &schema_TaskCreate,
    &schema_TaskUpdate,
    &schema_TaskSkill,
    &schema_TaskRequirements,
    &schema_TaskValidation,
    &schema_RubricCriterion,
    &schema_Evidence,
    &schema_SubmissionCreate,
    &schema_ReviewPost,
    &schema_DisputeCreate,
    &schema_AdminDecision,
    &schema_ValidatorPut,
    &schema_ValidatorSlash,
    &schema_GuildCreate,
    &schema_TimeZoneSet,
    &schema_QuestCreate,
    &schema_SeasonCreate,
    &schema_AuthNonce,
    &schema_AuthVerify,
    &schema_AuthRefresh,
    &schema_WalletLink,
    &schema_PayoutSet,
    &schema_RoleGrant,
    &schema_WebhookCreate,
    &schema_WebhookUpdate,
    &schema_BadgeTypeCreate,
    &schema_BadgeTypeUpdate,
    &schema_BadgeRevoke,
    &schema_Availability,
    &schema_AssignPropose,
    &schema_EndorsementCreate,
    &schema_ReputationBatch,
};
const size_t api_schema_count = ARRAY_SIZE(api_schemas);

const http_route api_routes[] = {
    /* operations */
    {"GET", "/healthz", ops_healthz, PUBLIC, UNLIMITED, "Liveness: the process answers", "operations", NULL, 200},
    {"GET", "/readyz", ops_readyz, PUBLIC, UNLIMITED, "Readiness: storage answers and migrations are applied; each dependency (database, redis, chain) with its state, and what is degraded", "operations", NULL, 200},
    {"GET", "/metrics", ops_metrics, PUBLIC, UNLIMITED, "Prometheus metrics", "operations", NULL, 200},
    {"GET", "/api/v1/openapi.json", ops_openapi, PUBLIC, RL_READ, "This API's OpenAPI 3.1 document", "operations", NULL, 200},
    /* sign-in and sessions (auth.c) */
    {"POST", "/api/v1/auth/nonce", auth_nonce, PUBLIC, RL_AUTH, "A single-use nonce and the Sign-In with Ethereum (EIP-4361) message to sign", "auth", BODY(AuthNonce), 200},
    {"POST", "/api/v1/auth/verify", auth_verify, PUBLIC, RL_AUTH, "Sign in with a signed message: an access token (JWT) and a refresh token, or cookies", "auth", BODY(AuthVerify), 200},
    {"POST", "/api/v1/auth/refresh", auth_refresh, PUBLIC, RL_AUTH, "Trade a refresh token (body or cookie) for a new pair; a reused one revokes the session", "auth", BODY(AuthRefresh), 200},
    {"POST", "/api/v1/auth/logout", auth_logout, USER, RL_AUTH, "End the caller's session and its refresh tokens", "auth", NULL, 204},
    /* people */
    {"GET", "/api/v1/me", me_get, USER, RL_READ, "The caller's own profile", "me", NULL, 200},
    {"PATCH", "/api/v1/me", me_update, USER, RL_WRITE, "Update the caller's display name and bio", "me", BODY(ProfileUpdate), 200},
    {"GET", "/api/v1/me/submissions", me_submissions, USER, RL_READ, "The caller's submissions", "me", NULL, 200},
    {"GET", "/api/v1/me/keys", me_keys, USER, RL_READ, "The caller's API keys", "me", NULL, 200},
    {"GET", "/api/v1/me/recommendations", me_recommendations, USER, RL_READ, "Open tasks the caller qualifies for, favouring growth just above their level, with reasons", "matching", NULL, 200},
    {"PUT", "/api/v1/me/availability", me_availability_put, USER, RL_WRITE, "Say whether the caller takes work now", "matching", BODY(Availability), 200},
    {"GET", "/api/v1/me/wallets", auth_wallets_list, USER, RL_READ, "The caller's linked wallets, the primary (payout) one first", "me", NULL, 200},
    {"POST", "/api/v1/me/wallets", auth_wallet_link, USER, RL_WRITE, "Link another wallet by its own signed sign-in message (nonce purpose 'link')", "me", BODY(WalletLink), 201},
    {"DELETE", "/api/v1/me/wallets/:address", auth_wallet_unlink, USER, RL_WRITE, "Unlink a wallet (not the primary one); its sessions end", "me", NULL, 204},
    {"PUT", "/api/v1/me/payout", auth_payout_set, USER, RL_WRITE, "Make one of the caller's wallets the primary (payout) address", "me", BODY(PayoutSet), 200},
    {"GET", "/api/v1/users", users_list, PUBLIC, RL_READ, "Public profiles, newest first (?role=user|creator|validator|admin: holders of that role only)", "users", NULL, 200},
    {"GET", "/api/v1/users/:address", users_get, PUBLIC, RL_READ, "A public profile by address", "users", NULL, 200},
    {"GET", "/api/v1/wallets/:address", wallets_get, PUBLIC, RL_READ, "The Skill Wallet of an address: profile, XP, level, skills, badges, guilds", "wallets", NULL, 200, ROUTE_CACHEABLE},
    /* catalogue */
    {"GET", "/api/v1/skills", skills_list, PUBLIC, RL_READ, "The skills catalogue (?domain=technical|creative|business)", "skills", NULL, 200},
    {"GET", "/api/v1/skills/:slug", skills_get, PUBLIC, RL_READ, "One skill", "skills", NULL, 200},
    /* work */
    {"GET", "/api/v1/tasks", tasks_list, PUBLIC, RL_READ, "Tasks, newest first, filtered by type, skill, difficulty, status, creator", "tasks", NULL, 200},
    {"POST", "/api/v1/tasks", tasks_create, CREATOR, RL_WRITE, "Post a task", "tasks", BODY(TaskCreate), 201},
    /* matching (matching.c): literals before the :id rows of the same shape */
    {"POST", "/api/v1/tasks/assign", tasks_assign, CREATOR, RL_WRITE, "Propose the best one-to-one assignment of applicants to the caller's open bounties (Hungarian algorithm), with the total fit", "matching", BODY(AssignPropose), 201},
    {"GET", "/api/v1/tasks/assign/:id", tasks_assign_get, CREATOR, RL_READ, "An assignment proposal (its creator or an admin)", "matching", NULL, 200},
    {"POST", "/api/v1/tasks/assign/:id/confirm", tasks_assign_confirm, CREATOR, RL_WRITE, "Confirm an assignment proposal: its pairs become task assignments and each assignee is told", "matching", NULL, 200},
    {"GET", "/api/v1/tasks/:id/candidates", tasks_candidates, CREATOR, RL_READ, "People who meet every requirement of a task, best fit first, with reasons (its creator or an admin)", "matching", NULL, 200},
    {"GET", "/api/v1/tasks/:id", tasks_get, PUBLIC, RL_READ, "One task", "tasks", NULL, 200, ROUTE_CACHEABLE},
    {"PATCH", "/api/v1/tasks/:id", tasks_update, CREATOR, RL_WRITE, "Edit a task (its creator or an admin)", "tasks", BODY(TaskUpdate), 200},
    {"POST", "/api/v1/tasks/:id/close", tasks_close, CREATOR, RL_WRITE, "Close a task to new submissions (its creator or an admin)", "tasks", NULL, 200},
    {"POST", "/api/v1/tasks/:id/submissions", tasks_submit, USER, RL_WRITE, "Submit work to a task", "submissions", BODY(SubmissionCreate), 201},
    {"GET", "/api/v1/tasks/:id/submissions", tasks_submissions, CREATOR, RL_READ, "Submissions to a task (its creator or an admin)", "submissions", NULL, 200},
    {"GET", "/api/v1/submissions/:id", submissions_get, USER, RL_READ, "One submission with its timeline, assessments, panel, reviews, disputes and outcome (its author, the task's creator, a validator or an admin)", "submissions", NULL, 200},
    /* the validation pipeline (submissions.c) */
    {"POST", "/api/v1/submissions/:id/reviews", submissions_review, USER, RL_WRITE, "A panel validator's EIP-712 signed review, verified by the server", "validation", BODY(ReviewPost), 201},
    {"POST", "/api/v1/submissions/:id/resubmit", submissions_resubmit, USER, RL_WRITE, "The submitter's new text and evidence after changes were requested; the pipeline runs again and a new review round begins", "submissions", BODY(SubmissionCreate), 200},
    {"POST", "/api/v1/submissions/:id/disputes", submissions_dispute, USER, RL_WRITE, "Dispute a decision (the submitter or the task's creator, within the dispute window); a fresh panel decides", "validation", BODY(DisputeCreate), 201},
    {"POST", "/api/v1/submissions/:id/decision", submissions_decision, ADMIN, RL_WRITE, "An admin decides an escalated (or disputed) submission", "validation", BODY(AdminDecision), 200},
    {"GET", "/api/v1/validators/me/queue", validators_queue, USER, RL_READ, "The caller's review queue as a validator, and the EIP-712 domain reviews are signed in", "validation", NULL, 200},
    /* evidence content (content.c): the body is the file, streamed */
    {"POST", "/api/v1/content", content_post, USER, RL_WRITE, "Store a file (the body, of an allowed Content-Type) under its IPFS CIDv1; idempotent", "content", NULL, 201, 0, &content_upload_stream},
    {"GET", "/ipfs/:cid", content_get, PUBLIC, RL_READ, "A stored file by CID: immutable, ETag = CID, If-None-Match, single byte ranges", "content", NULL, 200},
    /* guilds */
    {"GET", "/api/v1/guilds", guilds_list, PUBLIC, RL_READ, "Guilds, newest first (?type=SKILL|GEO|INTEREST)", "guilds", NULL, 200},
    {"POST", "/api/v1/guilds", guilds_create, USER, RL_WRITE, "Found a guild; the caller becomes its owner", "guilds", BODY(GuildCreate), 201},
    {"GET", "/api/v1/guilds/:slug", guilds_get, PUBLIC, RL_READ, "One guild", "guilds", NULL, 200},
    {"POST", "/api/v1/guilds/:slug/join", guilds_join, USER, RL_WRITE, "Join a guild", "guilds", NULL, 200},
    {"POST", "/api/v1/guilds/:slug/leave", guilds_leave, USER, RL_WRITE, "Leave a guild (owners cannot)", "guilds", NULL, 200},
    {"GET", "/api/v1/guilds/:slug/members", guilds_members, PUBLIC, RL_READ, "Members of a guild", "guilds", NULL, 200},
    /* leaderboards (in memory, kept current from the XP ledger); not cacheable: the answer cache
     * keys on the path alone and these answers depend on ?limit, ?cursor and ?around */
    {"GET", "/api/v1/leaderboards/global", leaderboards_global, PUBLIC, RL_READ, "People by all their XP (?limit=1..100, ?cursor=, ?around=ADDRESS)", "leaderboards", NULL, 200},
    {"GET", "/api/v1/leaderboards/skills/:slug", leaderboards_skill, PUBLIC, RL_READ, "People by their XP in one skill (?limit=1..100, ?cursor=, ?around=ADDRESS)", "leaderboards", NULL, 200},
    {"GET", "/api/v1/leaderboards/guilds/:slug", leaderboards_guild, PUBLIC, RL_READ, "A guild's members by the XP they earned for it, with the guild's XP and rank among guilds (?limit=1..100, ?cursor=, ?around=ADDRESS)", "leaderboards", NULL, 200},
    {"GET", "/api/v1/leaderboards/guilds", leaderboards_guilds, PUBLIC, RL_READ, "Guilds by guild XP, the XP their members earned for them (?limit=1..100, ?cursor=)", "leaderboards", NULL, 200},
    {"GET", "/api/v1/leaderboards/seasons/:id", leaderboards_season, PUBLIC, RL_READ, "People by their XP in one season (?limit=1..100, ?cursor=, ?around=ADDRESS)", "leaderboards", NULL, 200},
    /* rewards and progression (progress.c; docs/rewards.md) */
    {"GET", "/api/v1/me/progress", me_progress, USER, RL_READ, "The caller's XP, level, skill levels, streak with its next deadline, guild contributions and quests in progress", "progress", NULL, 200},
    {"GET", "/api/v1/me/xp", me_ledger, USER, RL_READ, "The caller's XP ledger rows, newest first, each with every factor of its computation", "progress", NULL, 200},
    {"PUT", "/api/v1/me/time-zone", me_time_zone, USER, RL_WRITE, "Set the caller's time zone (minutes east of UTC) for streak days", "progress", BODY(TimeZoneSet), 200},
    {"GET", "/api/v1/quests", quests_list, PUBLIC, RL_READ, "Quest chains with their steps (and the caller's progress when signed in)", "progress", NULL, 200},
    {"POST", "/api/v1/quests", quests_create, ADMIN, RL_WRITE, "Create a quest chain", "progress", BODY(QuestCreate), 201},
    {"GET", "/api/v1/quests/:id", quests_get, PUBLIC, RL_READ, "One quest chain (with the caller's progress when signed in)", "progress", NULL, 200},
    {"GET", "/api/v1/seasons", seasons_list, PUBLIC, RL_READ, "Seasons with their seed hash, and the seed once revealed", "progress", NULL, 200},
    {"POST", "/api/v1/seasons", seasons_create, ADMIN, RL_WRITE, "Create a season; its seed's hash is published at once", "progress", BODY(SeasonCreate), 201},
    {"POST", "/api/v1/seasons/:id/reveal", seasons_reveal, ADMIN, RL_WRITE, "Reveal an ended season's seed (?force=true: before its end)", "progress", NULL, 200},
    /* on-chain views, from the indexer's projections (onchain.c) */
    {"GET", "/api/v1/staking/:address", onchain_staking, PUBLIC, RL_READ, "Stake, cooldown, token balance, votes, delegation and reward claims of an address, as indexed from the chain", "chain", NULL, 200},
    {"GET", "/api/v1/governance/proposals", onchain_proposals, PUBLIC, RL_READ, "Governance proposals, newest first, with their tallies, as indexed from the chain", "chain", NULL, 200},
    {"GET", "/api/v1/governance/proposals/:id", onchain_proposal, PUBLIC, RL_READ, "One governance proposal and its votes", "chain", NULL, 200},
    {"GET", "/api/v1/chain/status", chain_status_get, PUBLIC, RL_READ, "The chain, its head, the suite's addresses, the operator's balance, the indexer's lag and pending transactions", "chain", NULL, 200},
    {"GET", "/api/v1/validators", onchain_validators, PUBLIC, RL_READ, "The validator registry: status, domains, slashing, as indexed from the chain", "chain", NULL, 200},
    /* events out (events.c, ws_events.c, webhooks.c; docs/internals/events.md) */
    {"GET", "/api/v1/events", events_stream, PUBLIC, RL_READ, "The event stream as server-sent events (?kinds=a,b, ?person=ADDRESS; Last-Event-ID resumes); public events, and the caller's own private ones", "events", NULL, 200, ROUTE_LIVE},
    {"GET", "/ws", events_ws, PUBLIC, RL_READ, "The event stream over a WebSocket (RFC 6455): subscribe/unsubscribe messages, auth by token", "events", NULL, 101, ROUTE_LIVE},
    {"POST", "/api/v1/webhooks", webhooks_create, USER, RL_WRITE, "Create a webhook; its signing secret is shown in this answer only", "events", BODY(WebhookCreate), 201},
    {"GET", "/api/v1/webhooks", webhooks_list, USER, RL_READ, "The caller's webhooks, newest first", "events", NULL, 200},
    {"GET", "/api/v1/webhooks/:id", webhooks_get, USER, RL_READ, "One of the caller's webhooks", "events", NULL, 200},
    {"PATCH", "/api/v1/webhooks/:id", webhooks_update, USER, RL_WRITE, "Change a webhook's URL, kinds or active flag", "events", BODY(WebhookUpdate), 200},
    {"DELETE", "/api/v1/webhooks/:id", webhooks_delete, USER, RL_WRITE, "Delete a webhook and its delivery log", "events", NULL, 204},
    {"GET", "/api/v1/webhooks/:id/deliveries", webhooks_deliveries, USER, RL_READ, "A webhook's delivery log, newest first", "events", NULL, 200},
    /* GraphQL (graphql.c; the schema is docs/schema.graphql) */
    {"POST", "/graphql", graphql_post, PUBLIC, RL_GRAPHQL, "A GraphQL query or mutation: {query, operationName, variables, extensions}", "graphql", NULL, 200},
    {"GET", "/graphql", graphql_get, PUBLIC, RL_GRAPHQL, "A GraphQL query from ?query=&operationName=&variables=&extensions= (no mutations)", "graphql", NULL, 200},
    /* reputation (reputation.c; docs/reputation.md) */
    {"POST", "/api/v1/reputation/batch", reputation_batch, PUBLIC, RL_WRITE, "Scores of up to 10,000 addresses, one item per address in order; unknown people score 0", "reputation", BODY(ReputationBatch), 200},
    {"GET", "/api/v1/reputation/:address", reputation_get, PUBLIC, RL_READ, "A person's reputation (0-100) and domain scores", "reputation", NULL, 200},
    {"GET", "/api/v1/reputation/:address/explain", reputation_explain, PUBLIC, RL_READ, "The receipt of a person's score: every input and intermediate, the formula version, the diff against the stored score", "reputation", NULL, 200},
    {"GET", "/api/v1/reputation/:address/history", reputation_history, PUBLIC, RL_READ, "A person's score changes, newest first, each with its receipt", "reputation", NULL, 200},
    {"GET", "/api/v1/reputation/:address/proof", reputation_proof, PUBLIC, RL_READ, "What ReputationOracle.verifyScore needs: the score in the newest epoch, its round and Merkle proof", "reputation", NULL, 200},
    {"POST", "/api/v1/endorsements", endorsements_create, USER, RL_WRITE, "Endorse a person in a skill (refused: REP001 self, REP002 unknown skill, REP003 duplicate)", "reputation", BODY(EndorsementCreate), 201},
    /* administration */
    {"GET", "/api/v1/keys", keys_list, ADMIN, RL_READ, "Every API key (hashes are never shown)", "admin", NULL, 200},
    {"DELETE", "/api/v1/keys/:id", keys_revoke, USER, RL_WRITE, "Revoke an API key (its owner or an admin)", "admin", NULL, 204},
    {"POST", "/api/v1/admin/users/:address/roles", auth_role_grant, ADMIN, RL_WRITE, "Grant a role to the person holding an address (audited)", "admin", BODY(RoleGrant), 200},
    {"DELETE", "/api/v1/admin/users/:address/roles/:role", auth_role_revoke, ADMIN, RL_WRITE, "Revoke a role (audited); their access tokens stop working", "admin", NULL, 200},
    {"PUT", "/api/v1/admin/validators/:address", admin_validator_put, ADMIN, RL_WRITE, "Register a validator with its stake (given, or indexed from PhemeStaking)", "admin", BODY(ValidatorPut), 200},
    {"POST", "/api/v1/admin/validators/:address/slash", admin_validator_slash, ADMIN, RL_WRITE, "An admin's slash of a validator (a slashing candidate or any other): ValidatorRegistry.slash through the transaction manager; answers the intent", "admin", BODY(ValidatorSlash), 202},
    {"GET", "/api/v1/admin/validators", admin_validators_list, ADMIN, RL_READ, "Validators with their standing (?candidates=1: slashing candidates only)", "admin", NULL, 200},
    /* badges (badges.c) */
    {"GET", "/api/v1/badges", badges_list, PUBLIC, RL_READ, "Badge types with rarity, supply, issuance and rule (?all=1: inactive too, admins)", "badges", NULL, 200},
    {"GET", "/api/v1/badges/:id", badges_get, PUBLIC, RL_READ, "One badge type", "badges", NULL, 200},
    {"GET", "/api/v1/me/badges", me_badges, USER, RL_READ, "The caller's badge awards with their state on chain (claimable, claimed, minted, revoked, expired)", "badges", NULL, 200},
    {"GET", "/api/v1/me/badges/:id/voucher", me_badge_voucher, USER, RL_READ, "The EIP-712 voucher of one of the caller's awards (contracts/signing.json badgeVoucher), signed by the issuer", "badges", NULL, 200},
    {"POST", "/api/v1/admin/badges", badges_admin_create, ADMIN, RL_WRITE, "Create a badge type (and, with a chain, its createBadgeType transaction)", "admin", BODY(BadgeTypeCreate), 201},
    {"PATCH", "/api/v1/admin/badges/:id", badges_admin_update, ADMIN, RL_WRITE, "Change a badge type's name, description, asset, issuance, rule or activity", "admin", BODY(BadgeTypeUpdate), 200},
    {"POST", "/api/v1/admin/badges/awards/:id/revoke", badges_admin_revoke, ADMIN, RL_WRITE, "Revoke a badge award, on chain too when the badge is there", "admin", BODY(BadgeRevoke), 200},
    /* the site's figures and the operator's job queue (site.c) */
    {"GET", "/api/v1/stats", stats_get, PUBLIC, RL_READ, "The site in figures: open tasks, people with XP, guilds, skills, quests", "operations", NULL, 200, ROUTE_CACHEABLE},
    {"GET", "/api/v1/admin/jobs", admin_jobs_list, ADMIN, RL_READ, "Background jobs, newest first (?state=queued|running|done|dead, ?kind=): `pheme jobs list` over HTTP", "admin", NULL, 200},
    {"GET", "/api/v1/admin/jobs/stats", admin_jobs_stats, ADMIN, RL_READ, "The job queue by kind (queued, running, dead, retrying, oldest queued) and this node's job runs by outcome", "admin", NULL, 200},
    {"POST", "/api/v1/admin/jobs/:id/retry", admin_job_retry, ADMIN, RL_WRITE, "Queue a dead job again, due now, its attempts reset (`pheme jobs retry`); JOB state refusal when it is not dead", "admin", NULL, 200},
    {"GET", "/api/v1/audit", audit_list, ADMIN, RL_READ, "The audit log of one record (?subject=task&id=12)", "admin", NULL, 200},
};
const size_t api_route_count = ARRAY_SIZE(api_routes);

const api_schema *api_schema_find(const char *name) {
  for (size_t i = 0; i < api_schema_count; i++)
    if (strcmp(api_schemas[i]->name, name) == 0) return api_schemas[i];
  return NULL;
}
