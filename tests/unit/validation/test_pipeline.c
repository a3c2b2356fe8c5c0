/* The validation pipeline wired to real storage, on SQLite and PostgreSQL (no server): the job
 * handlers run one by one (pipeline_run, as the worker pool would), reviews are signed with real
 * keys, and every step is read back from the timeline. Also the store's step function (the guard
 * on the state, one review per validator and round) and the pure decisions (links, verdicts). */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "backends.h"
#include "content/cid.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/keccak.h"
#include "eth/secp.h"
#include "jobs/jobs.h"
#include "store/chain_index.h"
#include "store/content.h"
#include "store/outbox.h"
#include "store/validation.h"
#include "validation/pipeline.h"
#include "work/tasks.h"

static const store_actor sys = {0, ""};

static work_principal person_at(int n, unsigned roles, const uint8_t *addr_in) {
  arena a;
  arena_init(&a, 0);
  uint8_t addr[20];
  memset(addr, 0, sizeof addr);
  addr[0] = 0x7a;
  addr[19] = (uint8_t)n;
  if (addr_in) memcpy(addr, addr_in, 20);
  user u;
  int created;
  work_principal p;
  memset(&p, 0, sizeof p);
  if (store_user_ensure(S, &a, &sys, addr, &u, &created) == 0) p.user_id = u.id;
  p.roles = roles;
  memcpy(p.address, addr, 20);
  arena_release(&a);
  return p;
}

typedef struct {
  uint8_t key[32];
  uint8_t address[20];
  work_principal who;
  int64_t validator_id;
} vkey;

/* Validator n: a key, its person, its registration with stake (whole tokens). */
static vkey validator_at(int n, const char *tokens) {
  vkey v;
  memset(&v, 0, sizeof v);
  memset(v.key, 0, 32);
  v.key[31] = (uint8_t)(0x40 + n);
  v.key[0] = 0x11;
  pheme_error ee;
  if (secp_address(v.address, v.key, &ee)) return v;
  v.who = person_at(100 + n, ROLE_USER | ROLE_VALIDATOR, v.address);
  arena a;
  arena_init(&a, 0);
  char *stake = arena_printf(&a, "%s000000000000000000", tokens);
  validator_row row;
  if (store_validator_put(S, &a, &sys, v.who.user_id, v.address, stake, NULL, &row) == 0)
    v.validator_id = row.id;
  arena_release(&a);
  return v;
}

static pipeline P;

static pheme_err run(const char *kind, int64_t id) {
  arena a;
  arena_init(&a, 0);
  char payload[64], why[512];
  snprintf(payload, sizeof payload, "{\"submission\":%lld}", (long long)id);
  pheme_err e = pipeline_run(&P, kind, payload, NULL, &a, why, sizeof why);
  if (e) fprintf(stderr, "  %s(%lld): %s\n", kind, (long long)id, why);
  arena_release(&a);
  return e;
}

/* The jobs the pipeline enqueued for submission id, of a kind, still queued; they are dropped
 * (the test runs them itself). */
static int64_t queued(const char *kind, int64_t id) {
  arena a;
  arena_init(&a, 0);
  job_filter f = {kind, JOB_QUEUED};
  store_page p = {0, 100};
  job *list;
  int n = 0, found = 0;
  char want[64];
  snprintf(want, sizeof want, "\"submission\":%lld", (long long)id);
  if (store_jobs_list(S, &a, &f, &p, &list, &n) == 0)
    for (int i = 0; i < n; i++)
      if (strstr(list[i].payload, want)) {
        found++;
        if (store_job_drop(S, &sys, list[i].id)) found = -100;
      }
  arena_release(&a);
  return found;
}

static const char *state_of(arena *a, int64_t id) {
  sub_view v;
  if (store_submission_view(S, a, id, 0, &v)) return "?";
  return v.sub.state;
}

/* The signed body validator v posts for submission id in round. */
static char *review_body(arena *a, const vkey *v, const uint8_t *sign_key, int64_t id, int round, int score) {
  review r;
  memset(&r, 0, sizeof r);
  r.submission_id = id;
  r.round = (uint32_t)round;
  memcpy(r.validator, v->address, 20);
  r.score = (uint8_t)score;
  r.n_criteria = 1;
  r.criterion_ids[0] = 1;
  r.criterion_scores[0] = (uint8_t)score;
  r.feedback = (char *)"looks right";
  r.feedback_len = strlen(r.feedback);
  char err[200];
  if (review_sign(&r, &P.domain, sign_key, err, sizeof err)) return NULL;
  char addr[ADDRESS_TEXT], sig[131];
  bytes_to_hex(sig, r.signature, 65);
  return arena_printf(a,
                      "{\"submissionId\":%lld,\"round\":%d,\"validator\":\"%s\",\"score\":%d,"
                      "\"criteria\":[{\"id\":1,\"score\":%d}],\"feedback\":\"looks right\","
                      "\"signature\":\"0x%s\"}",
                      (long long)id, round, address_to_checksum(addr, v->address), score, score, sig);
}

static pheme_err post_review(arena *a, const vkey *v, const uint8_t *sign_key, int64_t user_id, int64_t id,
                             int round, int score) {
  char *body = review_body(a, v, sign_key, id, round, score);
  if (!body) return PHEME_SYS_INTERNAL;
  char why[512];
  int64_t rid;
  pheme_err e = pipeline_review_post(&P, a, &sys, user_id, id, body, strlen(body), &rid, why, sizeof why);
  if (e && e != PHEME_VAL_NOT_ON_PANEL) fprintf(stderr, "  review: %s\n", why);
  return e;
}

/* The panel of round of submission id: indices into vs. */
static int panel_of(arena *a, int64_t id, int round, vkey *vs, int nv, int *out) {
  sub_view v;
  if (store_submission_view(S, a, id, SUBV_PANEL, &v)) return -1;
  int n = 0;
  for (int i = 0; i < v.nseats; i++)
    if (v.seats[i].round == round)
      for (int k = 0; k < nv; k++)
        if (v.seats[i].v.id == vs[k].validator_id) out[n++] = k;
  return n;
}

static task make_task(arena *a, const work_principal *creator, const char *validation) {
  work_task_input in;
  memset(&in, 0, sizeof in);
  in.fields = (task){.type = "BOUNTY", .title = "Write a parser", .description = "A JSON parser with tests",
                     .difficulty = 3, .xp_reward = 50};
  json_t *val = json_loads(validation, 0, NULL);
  in.validation = val;
  char why[256];
  task t;
  memset(&t, 0, sizeof t);
  if (work_task_create(S, a, &sys, creator, &in, &t, why, sizeof why)) fprintf(stderr, "  task: %s\n", why);
  json_decref(val);
  return t;
}

static int64_t submit(arena *a, const work_principal *who, int64_t task_id, const char *text, const char *evidence) {
  json_t *ev = json_loads(evidence, 0, NULL);
  submission s;
  char why[256];
  pheme_err e = work_submit(S, a, &sys, who, task_id, text, ev, &s, why, sizeof why);
  json_decref(ev);
  if (e) fprintf(stderr, "  submit: %s\n", why);
  return e ? 0 : s.id;
}

static const char *LINK = "[{\"type\":\"link\",\"url\":\"https://example.com/work\"}]";
static const char *TEXT_A =
    "I wrote a streaming JSON parser in C with a fuzz target, property tests over random documents, "
    "benchmarks against two other parsers and documentation of every error the parser can return.";

TEST(the_whole_loop) {
  arena a;
  arena_init(&a, 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  cfg.panel_max = 3;
  char err[256];
  REQUIRE(pipeline_init(&P, S, &cfg, err, sizeof err) == 0);

  work_principal creator = person_at(1, ROLE_USER | ROLE_CREATOR, NULL), ada = person_at(2, ROLE_USER, NULL),
                 bob = person_at(3, ROLE_USER, NULL);
  vkey vs[7];
  for (int i = 0; i < 6; i++) vs[i] = validator_at(i, "1000");
  vs[6] = validator_at(6, "5"); /* below validator_min_stake: never drawn */
  for (int i = 0; i < 7; i++) REQUIRE(vs[i].validator_id > 0);
  task t = make_task(&a, &creator, "{\"minScore\":60,\"minValidators\":3,\"consensusThreshold\":66}");
  REQUIRE(t.id > 0);

  /* submit: the first timeline row and the check job, in the submission's transaction */
  int64_t s1 = submit(&a, &ada, t.id, TEXT_A, LINK);
  REQUIRE(s1 > 0);
  CHECK_INT(queued(PIPE_JOB_CHECK, s1), 1);
  CHECK_INT(run(PIPE_JOB_CHECK, s1), 0);
  CHECK_STR(state_of(&a, s1), "AI_REVIEW");
  CHECK_INT(queued(PIPE_JOB_ASSESS, s1), 1);
  /* a job run twice changes nothing the second time */
  CHECK_INT(run(PIPE_JOB_CHECK, s1), 0);
  CHECK_INT(queued(PIPE_JOB_ASSESS, s1), 0);
  CHECK_INT(run(PIPE_JOB_ASSESS, s1), 0);
  CHECK_STR(state_of(&a, s1), "PEER_REVIEW");
  CHECK_INT(queued(PIPE_JOB_PANEL, s1), 1);
  CHECK_INT(run(PIPE_JOB_PANEL, s1), 0);
  int seat[8];
  REQUIRE(panel_of(&a, s1, 0, vs, 7, seat) == 3);
  for (int i = 0; i < 3; i++) CHECK(seat[i] != 6);
  /* the queue of a seated validator holds it */
  submission *q;
  int *rounds, nq = 0;
  CHECK_INT(store_validator_queue(S, &a, vs[seat[0]].validator_id, 10, &q, &rounds, &nq), 0);
  CHECK_INT(nq, 1);
  if (nq == 1) CHECK_INT(q[0].id, s1);
  int outsider = -1;
  for (int k = 0; k < 6 && outsider < 0; k++)
    if (k != seat[0] && k != seat[1] && k != seat[2]) outsider = k;

  /* refused reviews, each with its own code */
  CHECK_INT(post_review(&a, &vs[seat[0]], vs[seat[0]].key, ada.user_id, s1, 0, 90), PHEME_VAL_SUBMITTER);
  CHECK_INT(post_review(&a, &vs[outsider], vs[outsider].key, vs[outsider].who.user_id, s1, 0, 90),
            PHEME_VAL_NOT_ON_PANEL);
  CHECK_INT(post_review(&a, &vs[seat[0]], vs[outsider].key, vs[seat[0]].who.user_id, s1, 0, 90),
            PHEME_VAL_WRONG_SIGNER);
  CHECK_INT(post_review(&a, &vs[seat[0]], vs[seat[0]].key, vs[seat[0]].who.user_id, s1, 1, 90), PHEME_DATA_INVALID);

  /* three reviews close together: approved at their weighted median, the outcome written */
  static const int scores[] = {80, 84, 78};
  for (int i = 0; i < 3; i++) {
    CHECK_INT(post_review(&a, &vs[seat[i]], vs[seat[i]].key, vs[seat[i]].who.user_id, s1, 0, scores[i]), 0);
    CHECK_INT(queued(PIPE_JOB_DECIDE, s1), 1);
    if (i == 0) /* the same signed review again: one per validator and round */
      CHECK_INT(post_review(&a, &vs[seat[0]], vs[seat[0]].key, vs[seat[0]].who.user_id, s1, 0, scores[0]),
                PHEME_DATA_CONFLICT);
    CHECK_INT(run(PIPE_JOB_DECIDE, s1), 0);
    CHECK_STR(state_of(&a, s1), i < 2 ? "PEER_REVIEW" : "APPROVED");
  }
  sub_view v;
  REQUIRE(store_submission_view(S, &a, s1, SUBV_TIMELINE | SUBV_PANEL, &v) == 0);
  CHECK_INT(v.sub.final_score, 80);
  CHECK(v.has_outcome);
  CHECK_INT(v.outcome.final_score, 80);
  CHECK_INT(v.outcome.user_id, ada.user_id);
  CHECK_INT(v.nreviews, 3);
  CHECK_INT(v.nassessments, 1);
  if (v.nassessments) {
    CHECK_STR(v.assessments[0].assessor, "builtin");
    CHECK(v.assessments[0].ok);
  }
  /* submit, check, to_ai, to_peer, panel, review x3, approve */
  static const char *const events[] = {"submit", "check", "to_ai", "to_peer", "panel",
                                       "review", "review", "review", "approve"};
  CHECK_INT(v.nevents, 9);
  for (int i = 0; i < v.nevents && i < 9; i++) CHECK_STR(v.events[i].event, events[i]);
  if (v.nevents == 9) {
    CHECK_STR(v.events[8].from, "PEER_REVIEW");
    CHECK(strstr(v.events[8].detail, "\"finalScore\":80") != NULL);
  }

  /* a near-duplicate by another person is rejected, naming the earlier submission */
  int64_t s2 = submit(&a, &bob, t.id, TEXT_A, LINK);
  REQUIRE(s2 > 0);
  CHECK_INT(run(PIPE_JOB_CHECK, s2), 0);
  CHECK_STR(state_of(&a, s2), "REJECTED");
  sub_view v2;
  REQUIRE(store_submission_view(S, &a, s2, SUBV_TIMELINE, &v2) == 0);
  char named[64];
  snprintf(named, sizeof named, "near-duplicate of submission %lld", (long long)s1);
  CHECK(strstr(v2.sub.feedback, named) != NULL);
  CHECK_INT(queued(PIPE_JOB_ASSESS, s2), 0);

  /* bob's own work goes on; a review signed for ada's submission is refused on bob's */
  int64_t s3 = submit(&a, &bob, t.id, "A different approach: a table-driven tokenizer and a recursive descent "
                                      "parser, measured on large inputs.", LINK);
  REQUIRE(s3 > 0);
  CHECK_INT(run(PIPE_JOB_CHECK, s3), 0);
  CHECK_INT(run(PIPE_JOB_ASSESS, s3), 0);
  CHECK_INT(run(PIPE_JOB_PANEL, s3), 0);
  int seat3[8];
  REQUIRE(panel_of(&a, s3, 0, vs, 7, seat3) == 3);
  char *replayed = review_body(&a, &vs[seat3[0]], vs[seat3[0]].key, s1, 0, 80);
  char why[512];
  CHECK_INT(pipeline_review_post(&P, &a, &sys, vs[seat3[0]].who.user_id, s3, replayed, strlen(replayed), NULL,
                                 why, sizeof why),
            PHEME_VAL_REPLAY);
  CHECK(strstr(why, "signed for submission") != NULL);
  /* scores far apart at the panel's limit: escalated; an admin decides */
  static const int spread[] = {10, 50, 95};
  for (int i = 0; i < 3; i++) {
    CHECK_INT(post_review(&a, &vs[seat3[i]], vs[seat3[i]].key, vs[seat3[i]].who.user_id, s3, 0, spread[i]), 0);
    CHECK_INT(run(PIPE_JOB_DECIDE, s3), 0);
  }
  CHECK_STR(state_of(&a, s3), "ESCALATED");
  CHECK_INT(pipeline_admin_decide(&P, &a, &sys, creator.user_id, s3, "approve", 70, "checked by hand", why,
                                  sizeof why),
            0);
  sub_view v3;
  REQUIRE(store_submission_view(S, &a, s3, SUBV_PANEL, &v3) == 0);
  CHECK_STR(v3.sub.state, "APPROVED");
  CHECK(v3.has_outcome);
  CHECK_INT(v3.sub.final_score, 70);
  CHECK_INT(pipeline_admin_decide(&P, &a, &sys, creator.user_id, s3, "approve", 70, "", why, sizeof why),
            PHEME_DATA_STATE);

  /* a dispute: only the submitter or the creator; a fresh panel with no earlier member */
  CHECK_INT(pipeline_dispute_open(&P, &a, &sys, bob.user_id, s1, "too generous", NULL, why, sizeof why),
            PHEME_AUTH_NOT_OWNER);
  int64_t did = 0;
  CHECK_INT(pipeline_dispute_open(&P, &a, &sys, creator.user_id, s1, "the tests are missing", &did, why, sizeof why), 0);
  CHECK(did > 0);
  CHECK_STR(state_of(&a, s1), "DISPUTED");
  CHECK_INT(pipeline_dispute_open(&P, &a, &sys, creator.user_id, s1, "again", NULL, why, sizeof why), PHEME_DATA_STATE);
  CHECK_INT(queued(PIPE_JOB_PANEL, s1), 1);
  CHECK_INT(run(PIPE_JOB_PANEL, s1), 0);
  int seat1[8];
  REQUIRE(panel_of(&a, s1, 1, vs, 7, seat1) == 3);
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++) CHECK(seat1[i] != seat[k]);
  /* a first-panel member is not on the fresh panel */
  CHECK_INT(post_review(&a, &vs[seat[0]], vs[seat[0]].key, vs[seat[0]].who.user_id, s1, 1, 30), PHEME_VAL_NOT_ON_PANEL);
  static const int low[] = {30, 32, 28};
  for (int i = 0; i < 3; i++) {
    CHECK_INT(post_review(&a, &vs[seat1[i]], vs[seat1[i]].key, vs[seat1[i]].who.user_id, s1, 1, low[i]), 0);
    CHECK_INT(run(PIPE_JOB_DECIDE, s1), 0);
  }
  sub_view v4;
  REQUIRE(store_submission_view(S, &a, s1, SUBV_PANEL, &v4) == 0);
  CHECK_STR(v4.sub.state, "RESOLVED");
  CHECK_INT(v4.sub.final_score, 30);
  CHECK_INT(v4.ndisputes, 1);
  if (v4.ndisputes) {
    CHECK_STR(v4.disputes[0].outcome, "RESOLVED");
    CHECK_INT(v4.disputes[0].first_score, 80);
    CHECK_INT(v4.disputes[0].final_score, 30);
  }
  /* the overturned first panel lost accuracy */
  validator_row vr;
  REQUIRE(store_validator_by_user(S, &a, vs[seat[0]].who.user_id, &vr) == 0);
  CHECK(vr.accuracy_ppm < 1000000);

  pipeline_release(&P);
  config_release(&cfg);
  arena_release(&a);
}

TEST(checks_refuse_bad_evidence) {
  arena a;
  arena_init(&a, 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  char err[256];
  REQUIRE(pipeline_init(&P, S, &cfg, err, sizeof err) == 0);
  work_principal creator = person_at(11, ROLE_USER | ROLE_CREATOR, NULL), cyd = person_at(12, ROLE_USER, NULL),
                 dan = person_at(13, ROLE_USER, NULL), eve = person_at(14, ROLE_USER, NULL);
  task t = make_task(&a, &creator, "{\"aiReview\":false}");
  REQUIRE(t.id > 0);
  /* a link to a private host */
  int64_t s = submit(&a, &cyd, t.id, "private host evidence", "[{\"type\":\"link\",\"url\":\"http://10.0.0.7/x\"}]");
  REQUIRE(s > 0);
  CHECK_INT(run(PIPE_JOB_CHECK, s), 0);
  sub_view v;
  REQUIRE(store_submission_view(S, &a, s, SUBV_TIMELINE, &v) == 0);
  CHECK_STR(v.sub.state, "REJECTED");
  CHECK(strstr(v.sub.feedback, "private or local host '10.0.0.7'") != NULL);
  /* content named by CID that is not stored; then stored: on to peer review (AI off) */
  cid c;
  REQUIRE(cid_of_bytes(&c, "evidence bytes", 14) == 0);
  char ct[CID_TEXT_SIZE];
  cid_format(&c, ct);
  char *ev = arena_printf(&a, "[{\"type\":\"link\",\"url\":\"http://127.0.0.1:4000/ipfs/%s\"}]", ct);
  int64_t s2 = submit(&a, &dan, t.id, "content evidence", ev);
  REQUIRE(s2 > 0);
  CHECK_INT(run(PIPE_JOB_CHECK, s2), 0);
  REQUIRE(store_submission_view(S, &a, s2, 0, &v) == 0);
  CHECK_STR(v.sub.state, "REJECTED");
  CHECK(strstr(v.sub.feedback, "is not stored") != NULL);
  uint8_t bin[CID_BIN_LEN];
  cid_to_bytes(&c, bin);
  content_record rec;
  int created;
  REQUIRE(store_content_put(S, &a, &sys, bin, sizeof bin, 14, "text/plain", eve.user_id, &rec, &created) == 0);
  int64_t s3 = submit(&a, &eve, t.id, "content evidence", ev);
  REQUIRE(s3 > 0);
  CHECK_INT(run(PIPE_JOB_CHECK, s3), 0);
  REQUIRE(store_submission_view(S, &a, s3, SUBV_TIMELINE, &v) == 0);
  CHECK_STR(v.sub.state, "PEER_REVIEW");
  CHECK_INT(queued(PIPE_JOB_PANEL, s3), 1);
  if (v.nevents >= 2) CHECK(strstr(v.events[1].detail, ct) != NULL);
  /* the store refuses a move that does not start from the stored state */
  CHECK_INT(run(PIPE_JOB_ASSESS, s3), 0); /* not in AI_REVIEW: nothing happens */
  CHECK_STR(state_of(&a, s3), "PEER_REVIEW");
  pipeline_release(&P);
  config_release(&cfg);
  arena_release(&a);
}

static pheme_err stale_move(const sub_view *v, sub_step *st, void *ctx) {
  (void)v;
  (void)ctx;
  st->nmoves = 1;
  st->moves[0].event = "approve";
  st->moves[0].to = "APPROVED";
  return PHEME_OK;
}

/* A member of a batch of steps: moves to CHECKING, or fails with fail; counts its runs. */
typedef struct {
  int runs;
  pheme_err fail;
} member;

static pheme_err member_step(const sub_view *v, sub_step *st, void *ctx) {
  member *m = ctx;
  (void)v;
  m->runs++;
  if (m->fail) return m->fail;
  st->moves[st->nmoves++] = (sub_move){"check", "CHECKING", NULL};
  return PHEME_OK;
}

static pheme_err count_begin(void *ctx) {
  (*(int *)ctx)++;
  return PHEME_OK;
}

/* store_submission_steps: members commit together; one that fails is taken out, the others run
 * again without it and commit, and it then runs alone for an answer of its own. */
TEST(steps_commit_together_and_a_failure_runs_alone) {
  arena a;
  arena_init(&a, 0);
  work_principal creator = person_at(160, ROLE_USER | ROLE_CREATOR, NULL);
  task t = make_task(&a, &creator, "{}");
  int64_t s[3];
  for (int i = 0; i < 3; i++) {
    work_principal who = person_at(161 + i, ROLE_USER, NULL);
    s[i] = submit(&a, &who, t.id, arena_printf(&a, "work number %d of a batch", i), LINK);
    REQUIRE(s[i] > 0);
  }
  member m[3] = {{0, 0}, {0, PHEME_DATA_CONFLICT}, {0, 0}};
  sub_step_req rq[3];
  for (int i = 0; i < 3; i++) rq[i] = (sub_step_req){.id = s[i], .fn = member_step, .ctx = &m[i]};
  int begins = 0;
  CHECK_INT(store_submission_steps(S, &a, &sys, 0, time_now_ms(), rq, 3, count_begin, &begins), 0);
  CHECK_INT(rq[0].err, 0);
  CHECK_INT(rq[1].err, PHEME_DATA_CONFLICT);
  CHECK_INT(rq[2].err, 0);
  CHECK_INT(rq[0].done.nmoves, 1);
  CHECK_STR(state_of(&a, s[0]), "CHECKING");
  CHECK_STR(state_of(&a, s[1]), "SUBMITTED");
  CHECK_STR(state_of(&a, s[2]), "CHECKING");
  /* the first transaction stops at the failure; the second holds the others; the third is alone */
  CHECK_INT(begins, 3);
  CHECK_INT(m[0].runs, 2);
  CHECK_INT(m[1].runs, 2);
  CHECK_INT(m[2].runs, 1);
  /* one timeline row each, whatever the reruns */
  sub_view v;
  REQUIRE(store_submission_view(S, &a, s[0], SUBV_TIMELINE, &v) == 0);
  CHECK_INT(v.nevents, 2);
  /* one member, fine: one transaction, one run */
  member one = {0, 0};
  sub_step_req single = {.id = s[1], .fn = member_step, .ctx = &one};
  begins = 0;
  CHECK_INT(store_submission_steps(S, &a, &sys, 0, time_now_ms(), &single, 1, count_begin, &begins), 0);
  CHECK_INT(single.err, 0);
  CHECK_INT(begins, 1);
  CHECK_INT(one.runs, 1);
  CHECK_STR(state_of(&a, s[1]), "CHECKING");
  /* one member that fails: its answer is already its own, it is not run again */
  member bad = {0, PHEME_DATA_CONFLICT};
  single = (sub_step_req){.id = s[1], .fn = member_step, .ctx = &bad};
  begins = 0;
  CHECK_INT(store_submission_steps(S, &a, &sys, 0, time_now_ms(), &single, 1, count_begin, &begins), 0);
  CHECK_INT(single.err, PHEME_DATA_CONFLICT);
  CHECK_INT(begins, 1);
  CHECK_INT(bad.runs, 1);
  arena_release(&a);
}

TEST(step_guards_and_pure_decisions) {
  arena a;
  arena_init(&a, 0);
  work_principal creator = person_at(21, ROLE_USER | ROLE_CREATOR, NULL), fay = person_at(22, ROLE_USER, NULL);
  task t = make_task(&a, &creator, "{}");
  int64_t s = submit(&a, &fay, t.id, "some work", LINK);
  REQUIRE(s > 0);
  /* a decide function's move is written from the state read in the transaction */
  sub_step done;
  CHECK_INT(store_submission_step(S, &a, &sys, s, 0, NULL, 1, stale_move, NULL, &done, NULL), 0);
  CHECK_STR(state_of(&a, s), "APPROVED");
  CHECK_INT(store_submission_step(S, &a, &sys, 999999, 0, NULL, 1, stale_move, NULL, &done, NULL),
            PHEME_DATA_NOT_FOUND);

  char why[256];
  CHECK_INT(pipeline_link_check(&a, "https://example.com/a", NULL, why, sizeof why), 0);
  CHECK_INT(pipeline_link_check(&a, "ftp://example.com/a", NULL, why, sizeof why), PHEME_DATA_INVALID);
  CHECK(strstr(why, "not http or https") != NULL);
  CHECK_INT(pipeline_link_check(&a, "http://localhost:8080/", NULL, why, sizeof why), PHEME_DATA_INVALID);
  CHECK_INT(pipeline_link_check(&a, "http://user@[::1]:80/", NULL, why, sizeof why), PHEME_DATA_INVALID);
  CHECK_INT(pipeline_link_check(&a, "http://[::ffff:192.168.1.1]/", NULL, why, sizeof why), PHEME_DATA_INVALID);
  CHECK_INT(pipeline_link_check(&a, "http://2130706433/", NULL, why, sizeof why), PHEME_DATA_INVALID);
  CHECK_INT(pipeline_link_check(&a, "http://169.254.169.254/latest", NULL, why, sizeof why), PHEME_DATA_INVALID);
  CHECK_INT(pipeline_link_check(&a, "https://8.8.8.8/", NULL, why, sizeof why), 0);
  CHECK_INT(pipeline_link_check(&a, "https://a.b/ x", NULL, why, sizeof why), PHEME_DATA_INVALID);
  CHECK_INT(pipeline_link_check(&a, "https://example.com/ipfs/notacid", NULL, why, sizeof why), PHEME_DATA_INVALID);
  CHECK_INT(pipeline_host_private("printer.local"), 1);
  CHECK_INT(pipeline_host_private("172.31.0.1"), 1);
  CHECK_INT(pipeline_host_private("172.32.0.1"), 0);
  CHECK_INT(pipeline_host_private("100.64.0.1"), 1);

  pipeline_decision d = pipeline_verdict(70, 70);
  CHECK_STR(d.event, "approve");
  d = pipeline_verdict(69, 70);
  CHECK_STR(d.event, "request_changes");
  d = pipeline_verdict(70 - PIPE_CHANGES_MARGIN - 1, 70);
  CHECK_STR(d.event, "reject");
  arena_release(&a);
}

/* Changes requested by the panel, then the submitter's new work: the pipeline runs again from
 * the checks, a new review round begins (round 1), reviews signed for the old round are refused,
 * and the new panel's reviews decide. */
TEST(a_resubmission_starts_a_new_round) {
  arena a;
  arena_init(&a, 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  cfg.panel_max = 3;
  char err[256], why[512];
  REQUIRE(pipeline_init(&P, S, &cfg, err, sizeof err) == 0);
  work_principal creator = person_at(31, ROLE_USER | ROLE_CREATOR, NULL), gus = person_at(32, ROLE_USER, NULL);
  vkey vs[6];
  for (int i = 0; i < 6; i++) REQUIRE((vs[i] = validator_at(i, "1000")).validator_id > 0);
  task t = make_task(&a, &creator, "{\"minScore\":60,\"minValidators\":3,\"consensusThreshold\":66}");
  REQUIRE(t.id > 0);
  int64_t s = submit(&a, &gus, t.id,
                     "A ring buffer in C with a lock-free single producer and consumer, documented and "
                     "tested under ThreadSanitizer with a model checker for the memory orderings.", LINK);
  REQUIRE(s > 0);
  CHECK_INT(queued(PIPE_JOB_CHECK, s), 1);
  CHECK_INT(run(PIPE_JOB_CHECK, s), 0);
  CHECK_INT(run(PIPE_JOB_ASSESS, s), 0);
  CHECK_INT(run(PIPE_JOB_PANEL, s), 0);
  int seat[8];
  REQUIRE(panel_of(&a, s, 0, vs, 6, seat) == 3);
  static const int close_below[] = {52, 55, 50}; /* within PIPE_CHANGES_MARGIN below minScore 60 */
  for (int i = 0; i < 3; i++) {
    CHECK_INT(post_review(&a, &vs[seat[i]], vs[seat[i]].key, vs[seat[i]].who.user_id, s, 0, close_below[i]), 0);
    CHECK_INT(run(PIPE_JOB_DECIDE, s), 0);
  }
  CHECK_STR(state_of(&a, s), "CHANGES_REQUESTED");
  json_t *ev = json_loads("[{\"type\":\"link\",\"url\":\"https://example.com/work-v2\"}]", 0, NULL);
  const char *v2 = "The ring buffer again, now with the requested benchmarks, a bounded-wait variant and the "
                   "model checker's traces for each ordering, explained line by line.";
  /* only the submitter may resubmit */
  CHECK_INT(pipeline_resubmit(&P, &a, &sys, &creator, s, v2, ev, why, sizeof why), PHEME_AUTH_NOT_OWNER);
  CHECK(strstr(why, "only the person who submitted") != NULL);
  CHECK_INT(pipeline_resubmit(&P, &a, &sys, &gus, s, v2, ev, why, sizeof why), 0);
  CHECK_INT(pipeline_resubmit(&P, &a, &sys, &gus, s, v2, ev, why, sizeof why), PHEME_DATA_STATE);
  json_decref(ev);
  sub_view v;
  REQUIRE(store_submission_view(S, &a, s, SUBV_TIMELINE, &v) == 0);
  CHECK_STR(v.sub.state, "SUBMITTED");
  CHECK_STR(v.sub.text, v2);
  CHECK(strstr(v.sub.evidence, "work-v2") != NULL);
  CHECK_INT(v.sub.final_score, -1);
  CHECK_INT(v.round, 1);
  CHECK_INT(queued(PIPE_JOB_CHECK, s), 1);
  CHECK_INT(run(PIPE_JOB_CHECK, s), 0);
  CHECK_INT(run(PIPE_JOB_ASSESS, s), 0);
  CHECK_INT(run(PIPE_JOB_PANEL, s), 0);
  CHECK_STR(state_of(&a, s), "PEER_REVIEW");
  int seat1[8];
  REQUIRE(panel_of(&a, s, 1, vs, 6, seat1) == 3);
  /* a review signed for the first round does not count in the second */
  CHECK_INT(post_review(&a, &vs[seat1[0]], vs[seat1[0]].key, vs[seat1[0]].who.user_id, s, 0, 90), PHEME_DATA_INVALID);
  static const int good[] = {82, 85, 80};
  for (int i = 0; i < 3; i++) {
    CHECK_INT(post_review(&a, &vs[seat1[i]], vs[seat1[i]].key, vs[seat1[i]].who.user_id, s, 1, good[i]), 0);
    CHECK_INT(run(PIPE_JOB_DECIDE, s), 0);
  }
  REQUIRE(store_submission_view(S, &a, s, SUBV_TIMELINE | SUBV_PANEL, &v) == 0);
  CHECK_STR(v.sub.state, "APPROVED");
  CHECK_INT(v.sub.final_score, 82);
  CHECK(v.has_outcome);
  CHECK_INT(v.nassessments, 2); /* one per version of the work */
  int resubmits = 0;
  for (int i = 0; i < v.nevents; i++) resubmits += strcmp(v.events[i].event, "resubmit") == 0;
  CHECK_INT(resubmits, 1);
  pipeline_release(&P);
  config_release(&cfg);
  arena_release(&a);
}

/* A handler's effect commits with its job's completion, under its claim: a run whose claim was
 * taken over writes nothing; the holder's run moves the submission and completes the job. */
TEST(a_job_effect_commits_once_under_its_claim) {
  arena a;
  arena_init(&a, 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  char err[256], why[256];
  REQUIRE(pipeline_init(&P, S, &cfg, err, sizeof err) == 0);
  work_principal creator = person_at(31, ROLE_USER | ROLE_CREATOR, NULL), gus = person_at(32, ROLE_USER, NULL);
  task t = make_task(&a, &creator, "{}");
  int64_t s = submit(&a, &gus, t.id, "work under a claim, with its own words", LINK);
  REQUIRE(s > 0);
  int64_t now = time_now_ms();
  job_claim *c1;
  int n1 = 0;
  REQUIRE(store_jobs_claim(S, &a, "test-a", JOB_CLAIM_MAX, now, 1000, &c1, &n1) == 0);
  const job_claim *mine = NULL;
  char want[64];
  snprintf(want, sizeof want, "{\"submission\":%lld}", (long long)s);
  for (int i = 0; i < n1; i++)
    if (strcmp(c1[i].kind, PIPE_JOB_CHECK) == 0 && strcmp(c1[i].payload, want) == 0) mine = &c1[i];
  REQUIRE(mine != NULL);
  int64_t job_id = mine->id;
  /* the lease runs out; another worker claims it again */
  int requeued = 0;
  REQUIRE(store_jobs_reclaim(S, now + 2000, &requeued, NULL) == 0);
  CHECK(requeued >= 1);
  job_claim *c2;
  int n2 = 0;
  REQUIRE(store_jobs_claim(S, &a, "test-b", JOB_CLAIM_MAX, now + 2001, 60000, &c2, &n2) == 0);
  const job_claim *holder = NULL;
  for (int i = 0; i < n2; i++)
    if (c2[i].id == job_id) holder = &c2[i];
  REQUIRE(holder != NULL);
  /* the stale run: refused, nothing written */
  job_claim stale = *mine;
  stale.lease_expires_at = now + 1000000;
  CHECK_INT(pipeline_run(&P, PIPE_JOB_CHECK, want, &stale, &a, why, sizeof why), PHEME_DATA_STATE);
  CHECK_STR(state_of(&a, s), "SUBMITTED");
  /* the holder's run: moved and completed in one transaction */
  CHECK_INT(pipeline_run(&P, PIPE_JOB_CHECK, want, holder, &a, why, sizeof why), 0);
  CHECK_STR(state_of(&a, s), "AI_REVIEW");
  job j;
  REQUIRE(store_job_get(S, &a, job_id, &j) == 0);
  CHECK_INT(j.state, JOB_DONE);
  /* the other jobs go back to the queue, and ours are dropped */
  const job_claim *others = c2;
  CHECK_INT(store_jobs_release(S, others, n2, now + 2002), 0);
  CHECK_INT(queued(PIPE_JOB_ASSESS, s), 1);
  pipeline_release(&P);
  config_release(&cfg);
  arena_release(&a);
}

/* No consensus below the panel's limit: the panel grows to the size the decision names, once, and
 * the grown panel decides when every seat has answered. */
TEST(a_panel_grows_once) {
  arena a;
  arena_init(&a, 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  cfg.panel_max = 5;
  char err[256];
  REQUIRE(pipeline_init(&P, S, &cfg, err, sizeof err) == 0);
  vkey vs[6];
  for (int i = 0; i < 6; i++) vs[i] = validator_at(i, "1000");
  work_principal creator = person_at(41, ROLE_USER | ROLE_CREATOR, NULL), hal = person_at(42, ROLE_USER, NULL);
  task t = make_task(&a, &creator, "{\"aiReview\":false,\"minScore\":50}");
  int64_t s = submit(&a, &hal, t.id, "a growing panel decides this one in the end", LINK);
  REQUIRE(s > 0);
  CHECK_INT(run(PIPE_JOB_CHECK, s), 0);
  CHECK_INT(run(PIPE_JOB_PANEL, s), 0);
  int seat[8];
  REQUIRE(panel_of(&a, s, 0, vs, 6, seat) == 3);
  static const int spread[] = {10, 50, 95};
  for (int i = 0; i < 3; i++) {
    CHECK_INT(post_review(&a, &vs[seat[i]], vs[seat[i]].key, vs[seat[i]].who.user_id, s, 0, spread[i]), 0);
    CHECK_INT(run(PIPE_JOB_DECIDE, s), 0);
  }
  CHECK_STR(state_of(&a, s), "PEER_REVIEW");
  /* the decision asked for a panel of five: run twice, it draws two, once */
  arena_clear(&a);
  job_filter f = {PIPE_JOB_PANEL, JOB_QUEUED};
  store_page pg = {0, 100};
  job *list;
  int n = 0;
  char *payload = NULL;
  REQUIRE(store_jobs_list(S, &a, &f, &pg, &list, &n) == 0);
  char want[64];
  snprintf(want, sizeof want, "\"submission\":%lld", (long long)s);
  for (int i = 0; i < n; i++)
    if (strstr(list[i].payload, want) && strstr(list[i].payload, "grow")) payload = arena_strdup(&a, list[i].payload);
  REQUIRE(payload != NULL);
  CHECK(strstr(payload, "\"grow\":5") != NULL);
  char why[256];
  CHECK_INT(pipeline_run(&P, PIPE_JOB_PANEL, payload, NULL, &a, why, sizeof why), 0);
  CHECK_INT(pipeline_run(&P, PIPE_JOB_PANEL, payload, NULL, &a, why, sizeof why), 0);
  REQUIRE(panel_of(&a, s, 0, vs, 6, seat) == 5);
  /* two more close to 50: five reviews, three of them within the tolerance of the median */
  CHECK_INT(post_review(&a, &vs[seat[3]], vs[seat[3]].key, vs[seat[3]].who.user_id, s, 0, 52), 0);
  CHECK_INT(run(PIPE_JOB_DECIDE, s), 0);
  CHECK_STR(state_of(&a, s), "PEER_REVIEW"); /* a seat has not answered yet */
  CHECK_INT(post_review(&a, &vs[seat[4]], vs[seat[4]].key, vs[seat[4]].who.user_id, s, 0, 48), 0);
  CHECK_INT(run(PIPE_JOB_DECIDE, s), 0);
  CHECK_STR(state_of(&a, s), "ESCALATED"); /* 3 of 5 agree: below 66%, and the panel is at its limit */
  pipeline_release(&P);
  config_release(&cfg);
  arena_release(&a);
}

/* The store's validators, texts, outcomes and figures. */
TEST(store_records) {
  arena a;
  arena_init(&a, 0);
  work_principal ivy = person_at(51, ROLE_USER, NULL), jon = person_at(52, ROLE_USER, NULL);
  validator_row v;
  uint8_t addr[20];
  memset(addr, 0x51, sizeof addr);
  CHECK_INT(store_validator_put(S, &a, &sys, ivy.user_id, addr, "01", NULL, &v), PHEME_DATA_INVALID);
  CHECK_INT(store_validator_put(S, &a, &sys, ivy.user_id, addr, "12a", NULL, &v), PHEME_DATA_INVALID);
  CHECK_INT(store_validator_put(S, &a, &sys, ivy.user_id, addr, "", NULL, &v), PHEME_DATA_INVALID);
  /* a uint256 is kept exactly */
  const char *big = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  CHECK_INT(store_validator_put(S, &a, &sys, ivy.user_id, addr, big, "[\"technical\"]", &v), 0);
  CHECK_STR(v.stake, big);
  CHECK_STR(v.domains, "[\"technical\"]");
  CHECK_INT(v.accuracy_ppm, 1000000);
  /* the same person again: updated, one row; another person with that address: a conflict */
  int64_t first_id = v.id;
  CHECK_INT(store_validator_put(S, &a, &sys, ivy.user_id, addr, "5", NULL, &v), 0);
  CHECK_INT(v.id, first_id);
  CHECK_STR(v.stake, "5");
  CHECK_INT(store_validator_put(S, &a, &sys, jon.user_id, addr, "5", NULL, &v), PHEME_DATA_CONFLICT);
  CHECK_INT(store_validator_by_user(S, &a, jon.user_id, &v), PHEME_DATA_NOT_FOUND);
  /* outcomes are consumed once */
  pipeline_stats st;
  REQUIRE(store_pipeline_stats(S, &a, &st) == 0);
  CHECK(st.outcomes_unconsumed >= 1);
  validator_row *list;
  int n = 0;
  CHECK_INT(store_validators_list(S, &a, 0, &list, &n), 0);
  CHECK(n >= 7);
  sub_text *texts;
  int nt = 0;
  CHECK_INT(store_submission_texts(S, &a, 0, 1000, &texts, &nt), 0);
  int64_t approved = 0;
  for (int i = 0; i < nt && !approved; i++) {
    sub_view sv;
    if (store_submission_view(S, &a, texts[i].id, SUBV_PANEL, &sv) == 0 && sv.has_outcome) approved = sv.sub.id;
    CHECK(strcmp(sv.sub.state, "REJECTED") != 0 && strcmp(sv.sub.state, "SUBMITTED") != 0);
  }
  REQUIRE(approved > 0);
  CHECK_INT(store_outcome_consume(S, approved, 5), 0);
  CHECK_INT(store_outcome_consume(S, approved, 6), PHEME_DATA_STATE);
  CHECK_INT(store_outcome_consume(S, 999999, 6), PHEME_DATA_NOT_FOUND);
  pipeline_stats st2;
  REQUIRE(store_pipeline_stats(S, &a, &st2) == 0);
  CHECK_INT(st2.outcomes_unconsumed, st.outcomes_unconsumed - 1);
  arena_release(&a);
}

/* Two processes (two pipelines on one store): what one checked, the other's index takes in before
 * its next lookup, so a near-duplicate is caught whichever process checks it. */
/* Two workers (two pipelines with their own indexes, as two `pheme worker` processes have) check
 * two near-duplicates by different people at the same instant, 20 times: every time exactly one
 * passes and the other is rejected naming it. The checks are serialized in storage (SUBV_SERIAL),
 * so the second always sees the first. */
typedef struct {
  pipeline *p;
  int64_t id;
  pthread_barrier_t *go;
  pheme_err e;
} racer;

static void *race_check(void *arg) {
  racer *r = arg;
  arena a;
  arena_init(&a, 0);
  char payload[64], why[256];
  snprintf(payload, sizeof payload, "{\"submission\":%lld}", (long long)r->id);
  pthread_barrier_wait(r->go);
  r->e = pipeline_run(r->p, PIPE_JOB_CHECK, payload, NULL, &a, why, sizeof why);
  arena_release(&a);
  return NULL;
}

TEST(near_duplicates_checked_at_once_never_both_pass) {
  arena a;
  arena_init(&a, 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  char err[256];
  pipeline one, two;
  REQUIRE(pipeline_init(&one, S, &cfg, err, sizeof err) == 0);
  REQUIRE(pipeline_init(&two, S, &cfg, err, sizeof err) == 0);
  work_principal creator = person_at(71, ROLE_USER | ROLE_CREATOR, NULL);
  task t = make_task(&a, &creator, "{}");
  int both_passed = 0, one_rejected = 0;
  for (int round = 0; round < 20; round++) {
    work_principal x = person_at(72 + 2 * round, ROLE_USER, NULL), y = person_at(73 + 2 * round, ROLE_USER, NULL);
    /* a text of its own each round (words drawn by a generator seeded with the round), so rounds
     * are not near-duplicates of each other */
    static const char *const words[] = {"vault", "proxy", "oracle", "bridge", "storage", "layout", "guard",
                                        "reentrancy", "audit", "token", "ledger", "slippage", "governor",
                                        "quorum", "epoch", "merkle", "relayer", "nonce", "fee", "market"};
    char *text = arena_printf(&a, "essay");
    uint32_t r = 2463534242u + (uint32_t)round * 2654435761u;
    for (int w = 0; w < 30; w++) {
      r ^= r << 13, r ^= r >> 17, r ^= r << 5;
      text = arena_printf(&a, "%s %s", text, words[r % 20]);
    }
    int64_t s1 = submit(&a, &x, t.id, text, LINK), s2 = submit(&a, &y, t.id, text, LINK);
    REQUIRE(s1 > 0 && s2 > 0);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    racer r1 = {&one, s1, &go, 0}, r2 = {&two, s2, &go, 0};
    pthread_t t1, t2;
    REQUIRE(pthread_create(&t1, NULL, race_check, &r1) == 0);
    REQUIRE(pthread_create(&t2, NULL, race_check, &r2) == 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_barrier_destroy(&go);
    CHECK_INT(r1.e, 0);
    CHECK_INT(r2.e, 0);
    const char *st1 = state_of(&a, s1), *st2 = state_of(&a, s2);
    int rej1 = strcmp(st1, "REJECTED") == 0, rej2 = strcmp(st2, "REJECTED") == 0;
    both_passed += !rej1 && !rej2;
    one_rejected += rej1 != rej2;
  }
  CHECK_INT(both_passed, 0);
  CHECK_INT(one_rejected, 20);
  pipeline_release(&one);
  pipeline_release(&two);
  config_release(&cfg);
  arena_release(&a);
}

/* The worker pool runs a claim's check jobs together (one transaction): of two near-duplicates
 * in one batch, the first passes and the second is rejected naming it; the checks of the batch
 * share the transaction's time. */
TEST(near_duplicates_in_one_batch_never_both_pass) {
  arena a;
  arena_init(&a, 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  char err[256];
  REQUIRE(pipeline_init(&P, S, &cfg, err, sizeof err) == 0);
  REQUIRE(pipeline_register(&P) == 0);
  /* only this test's jobs in the queue */
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  CHECK_INT(Q0(&x, NULL, "DELETE FROM jobs WHERE state = 'queued'"), 0);
  CHECK_INT(sx_commit(&x), 0);
  sx_end(&x);
  work_principal creator = person_at(170, ROLE_USER | ROLE_CREATOR, NULL);
  task t = make_task(&a, &creator, "{\"peerReview\":false}");
  static const char *copied = "A review of three lending protocols: interest rate models, liquidation "
                              "thresholds, oracle choices and what each did in the last market crash.";
  static const char *other = "Notes on a zero-knowledge circuit for set membership, with constraints "
                             "counted, a trusted setup avoided and benchmarks on two provers.";
  work_principal w[3] = {person_at(171, ROLE_USER, NULL), person_at(172, ROLE_USER, NULL), person_at(173, ROLE_USER, NULL)};
  int64_t s1 = submit(&a, &w[0], t.id, copied, LINK), s2 = submit(&a, &w[1], t.id, copied, LINK),
          s3 = submit(&a, &w[2], t.id, other, LINK);
  REQUIRE(s1 > 0 && s2 > 0 && s3 > 0);
  /* one worker, claims of up to 100: the three checks are one claim */
  jobs_options o = {.workers = 1, .poll_ms = 20, .lease_ms = 30000, .backoff_base_ms = 1, .backoff_cap_ms = 5,
                    .batch = 100};
  jobs_pool *pool = jobs_pool_start(S, &o, err, sizeof err);
  REQUIRE(pool != NULL);
  for (int i = 0; i < 3000 && !strcmp(state_of(&a, s3), "SUBMITTED"); i++) usleep(10000);
  jobs_pool_stop(pool);
  sub_view v1, v2, v3;
  REQUIRE(store_submission_view(S, &a, s1, SUBV_TIMELINE, &v1) == 0);
  REQUIRE(store_submission_view(S, &a, s2, SUBV_TIMELINE, &v2) == 0);
  REQUIRE(store_submission_view(S, &a, s3, SUBV_TIMELINE, &v3) == 0);
  /* the timeline: submitted, check, then past the checks or refused by them */
  REQUIRE(v1.nevents >= 3 && v2.nevents >= 3 && v3.nevents >= 3);
  CHECK_STR(v1.events[2].event, "to_ai");
  CHECK_STR(v2.events[2].event, "checks_failed");
  CHECK_STR(v3.events[2].event, "to_ai");
  CHECK(v2.sub.feedback && strstr(v2.sub.feedback, arena_printf(&a, "near-duplicate of submission %lld", (long long)s1)));
  CHECK_STR(v2.events[1].event, "check");
  CHECK(v1.events[1].at == v2.events[1].at && v2.events[1].at == v3.events[1].at);
  pipeline_release(&P);
  config_release(&cfg);
  arena_release(&a);
}

TEST(two_processes_share_near_duplicates) {
  arena a;
  arena_init(&a, 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  char err[256], why[256], payload[64];
  pipeline other;
  REQUIRE(pipeline_init(&other, S, &cfg, err, sizeof err) == 0);
  REQUIRE(pipeline_init(&P, S, &cfg, err, sizeof err) == 0);
  work_principal creator = person_at(61, ROLE_USER | ROLE_CREATOR, NULL), kim = person_at(62, ROLE_USER, NULL),
                 lee = person_at(63, ROLE_USER, NULL);
  task t = make_task(&a, &creator, "{}");
  static const char *text = "An original essay on gas optimisation: storage packing, calldata over memory, "
                            "unchecked loops and custom errors, each measured before and after.";
  int64_t s1 = submit(&a, &kim, t.id, text, LINK), s2 = submit(&a, &lee, t.id, text, LINK);
  REQUIRE(s1 > 0 && s2 > 0);
  snprintf(payload, sizeof payload, "{\"submission\":%lld}", (long long)s1);
  CHECK_INT(pipeline_run(&other, PIPE_JOB_CHECK, payload, NULL, &a, why, sizeof why), 0);
  CHECK_STR(state_of(&a, s1), "AI_REVIEW");
  snprintf(payload, sizeof payload, "{\"submission\":%lld}", (long long)s2);
  CHECK_INT(pipeline_run(&P, PIPE_JOB_CHECK, payload, NULL, &a, why, sizeof why), 0);
  CHECK_STR(state_of(&a, s2), "REJECTED");
  pipeline_release(&other);
  pipeline_release(&P);
  config_release(&cfg);
  arena_release(&a);
}

/* validator_min_domain_score: only validators whose reputation in the task's domain reaches it are
 * drawn (the reputation engine's stored scores; here written by hand). */
TEST(the_panel_needs_the_domain_score) {
  arena a;
  arena_init(&a, 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  cfg.validator_min_domain_score = 10;
  char err[256];
  REQUIRE(pipeline_init(&P, S, &cfg, err, sizeof err) == 0);
  vkey vs[6];
  for (int i = 0; i < 6; i++) REQUIRE((vs[i] = validator_at(i, "1000")).validator_id > 0);
  uint8_t digest[32] = {1};
  for (int i = 0; i < 6; i++) {
    sx x;
    REQUIRE(sx_write(S, NULL, &x) == 0);
    int64_t upt = i < 3 ? 50000000 : 5000000; /* 50 points, or 5 */
    db_result r;
    pheme_err e = Q(&x, &r,
                    "INSERT INTO reputation (user_id, score, technical, creative, business, formula_version, "
                    "inputs_digest, receipt, as_of, computed_at) VALUES ($1, $2, $2, 0, 0, 'test', $3, '{}', 1, 1)",
                    dbv_int(vs[i].who.user_id), dbv_int(upt), dbv_blob(digest, 32));
    if (!e) e = sx_commit(&x);
    sx_end(&x);
    REQUIRE(e == 0);
  }
  work_principal creator = person_at(91, ROLE_USER | ROLE_CREATOR, NULL), kai = person_at(92, ROLE_USER, NULL);
  task t = make_task(&a, &creator, "{\"minValidators\":3}");
  int64_t s = submit(&a, &kai, t.id, "A guide to reading EVM traces: call frames, storage diffs and the gas of each "
                                    "opcode, with three real transactions walked through.", LINK);
  REQUIRE(s > 0);
  CHECK_INT(run(PIPE_JOB_CHECK, s), 0);
  CHECK_INT(run(PIPE_JOB_ASSESS, s), 0);
  CHECK_INT(run(PIPE_JOB_PANEL, s), 0);
  int seat[8];
  REQUIRE(panel_of(&a, s, 0, vs, 6, seat) == 3);
  for (int i = 0; i < 3; i++) CHECK(seat[i] < 3);
  /* the scores are cleared again for the tests that follow */
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  db_result r;
  pheme_err e = Q0(&x, &r, "DELETE FROM reputation WHERE formula_version = 'test'");
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  CHECK_INT(e, 0);
  pipeline_release(&P);
  config_release(&cfg);
  arena_release(&a);
}

/* An admin's slash goes to the chain through the outbox: one intent to the registry whose calldata
 * is slash(address,uint256,bool,string) for the validator and amount, the candidate flag cleared,
 * in one transaction; a zero amount and an unknown validator are refused. */
TEST(a_slash_is_an_intent_to_the_registry) {
  arena a;
  arena_init(&a, 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  char err[256], why[300];
  REQUIRE(pipeline_init(&P, S, &cfg, err, sizeof err) == 0);
  vkey v = validator_at(5, "1000");
  REQUIRE(v.validator_id > 0);
  chain_suite suite;
  memset(&suite, 0, sizeof suite);
  suite.chain_id = 31337;
  memset(suite.m.registry, 0x5e, 20);
  memset(suite.sender, 0xf3, 20);
  int64_t intent = 0;
  CHECK_INT(pipeline_slash(&P, &a, &sys, &suite, v.address, "0", 1, "outlier", &intent, why, sizeof why),
            PHEME_API_BAD_REQUEST);
  uint8_t nobody[20];
  memset(nobody, 0x99, 20);
  CHECK_INT(pipeline_slash(&P, &a, &sys, &suite, nobody, "5", 1, "outlier", &intent, why, sizeof why),
            PHEME_DATA_NOT_FOUND);
  CHECK_INT(pipeline_slash(&P, &a, &sys, &suite, v.address, "2500000000000000000", 1, "persistent outlier", &intent,
                           why, sizeof why),
            0);
  REQUIRE(intent > 0);
  outbox_intent oi;
  REQUIRE(outbox_get(S, &a, intent, &oi) == 0);
  CHECK_INT(oi.chain_id, 31337);
  CHECK_MEM(oi.to, 20, suite.m.registry, 20);
  CHECK_MEM(oi.sender, 20, suite.sender, 20);
  CHECK_STR(oi.kind, "validator.slash");
  /* the selector, computed here from the signature; then the validator's address word */
  uint8_t h[32];
  const char *sig = "slash(address,uint256,bool,string)";
  keccak_256(h, sig, strlen(sig));
  REQUIRE(oi.data_len >= 4 + 32 * 4);
  CHECK_MEM(oi.data, 4, h, 4);
  CHECK_MEM(oi.data + 4 + 12, 20, v.address, 20);
  CHECK_INT(oi.data[4 + 32 + 31], 0x00); /* 2.5e18 = 0x22b1c8c1227a0000: last byte 0 */
  CHECK_INT(oi.data[4 + 32 + 24], 0x22);
  CHECK_INT(oi.data[4 + 64 + 31], 1); /* burn */
  validator_row vr;
  REQUIRE(store_validator_by_user(S, &a, v.who.user_id, &vr) == 0);
  CHECK_INT(vr.slashing_candidate, 0);
  pipeline_release(&P);
  config_release(&cfg);
  arena_release(&a);
}

/* The chain's stake decides the draw: validators whose stake the indexer shows below the minimum
 * (moved or slashed on chain after they were registered) are never drawn, and the validator row
 * reads the chain's figure. Last in the file: it lowers validators 0..2 for good. */
TEST(the_chain_stake_decides_the_draw) {
  arena a;
  arena_init(&a, 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  char err[256];
  REQUIRE(pipeline_init(&P, S, &cfg, err, sizeof err) == 0);
  vkey vs[6];
  for (int i = 0; i < 6; i++) REQUIRE((vs[i] = validator_at(i, "1000")).validator_id > 0);
  int won = 0;
  REQUIRE(store_chain_lease(S, 31337, "test", 1, time_now_ms(), 60000, &won) == 0 && won);
  chain_unit *u;
  REQUIRE(chain_unit_begin(S, &a, 31337, "test", &u) == 0);
  for (int i = 0; i < 3; i++) {
    char key[43];
    address_format_hex(key, vs[i].address);
    chain_entity ce = {.kind = "stake", .key = arena_strdup(&a, key), .has_owner = 1,
                       .amount = "5000000000000000000", .data = "{}", .ord = 1, .block_number = 7};
    memcpy(ce.owner, vs[i].address, 20);
    REQUIRE(chain_unit_put(u, 7, &ce) == 0);
  }
  REQUIRE(chain_unit_commit(u) == 0);
  validator_row vr;
  REQUIRE(store_validator_by_user(S, &a, vs[0].who.user_id, &vr) == 0);
  CHECK_STR(vr.stake, "5000000000000000000");
  REQUIRE(store_validator_by_user(S, &a, vs[3].who.user_id, &vr) == 0);
  CHECK_STR(vr.stake, "1000000000000000000000");
  work_principal creator = person_at(81, ROLE_USER | ROLE_CREATOR, NULL), ivy = person_at(82, ROLE_USER, NULL);
  task t = make_task(&a, &creator, "{\"minValidators\":3}");
  int64_t s = submit(&a, &ivy, t.id, "Notes on staking economics: slashing, cooldowns and delegation, with a model of "
                                    "validator incentives under three reward schedules and their failure modes.", LINK);
  REQUIRE(s > 0);
  CHECK_INT(run(PIPE_JOB_CHECK, s), 0);
  CHECK_INT(run(PIPE_JOB_ASSESS, s), 0);
  CHECK_INT(run(PIPE_JOB_PANEL, s), 0);
  int seat[8];
  REQUIRE(panel_of(&a, s, 0, vs, 6, seat) == 3);
  for (int i = 0; i < 3; i++) CHECK(seat[i] >= 3);
  pipeline_release(&P);
  config_release(&cfg);
  arena_release(&a);
}

static void all_tests(void) {
  RUN(the_whole_loop);
  RUN(checks_refuse_bad_evidence);
  RUN(step_guards_and_pure_decisions);
  RUN(steps_commit_together_and_a_failure_runs_alone);
  RUN(a_resubmission_starts_a_new_round);
  RUN(a_job_effect_commits_once_under_its_claim);
  RUN(a_panel_grows_once);
  RUN(store_records);
  RUN(two_processes_share_near_duplicates);
  RUN(near_duplicates_checked_at_once_never_both_pass);
  RUN(near_duplicates_in_one_batch_never_both_pass);
  RUN(the_panel_needs_the_domain_score);
  RUN(a_slash_is_an_intent_to_the_registry);
  RUN(the_chain_stake_decides_the_draw);
}

int main(void) { return backends_main("test_pipeline", all_tests); }
