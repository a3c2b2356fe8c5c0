/* The validation pipeline's handlers and operations; see pipeline.h. Each function reads what it
 * needs, does the slow part (assessors) outside any transaction, then makes its change through
 * store_submission_step with a decide callback that checks the state again inside the
 * transaction and asks the transition table. */
#include "validation/pipeline.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "content/cid.h"
#include "chain/contracts.h"
#include "eth/u256.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "eth/address.h"
#include "jobs/jobs.h"
#include "store/content.h"
#include "validation/assessor.h"
#include "validation/fallback.h"
#include "validation/panel.h"
#include "validation/settings.h"
#include "work/states.h"
#include "work/tasks.h"
#include "core/banned.h"

/* ---- small helpers ---- */

/* Dumps j (stolen) as compact text in a; NULL when j is NULL or memory is short. */
static const char *jdump(arena *a, json_t *j) {
  if (!j) return NULL;
  char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(j);
  if (!t) return NULL;
  char *r = arena_strdup(a, t);
  free(t);
  return r;
}

static const char *payload_for(arena *a, int64_t id, int grow) {
  return grow ? arena_printf(a, "{\"grow\":%d,\"submission\":%lld}", grow, (long long)id)
              : arena_printf(a, "{\"submission\":%lld}", (long long)id);
}

static void add_job(sub_step *st, arena *a, const char *kind, int64_t id, int grow) {
  if (st->njobs >= SUB_STEP_MAX_JOBS) return;
  job_request *rq = &st->jobs[st->njobs++];
  memset(rq, 0, sizeof *rq);
  rq->kind = kind;
  rq->payload = payload_for(a, id, grow);
}

/* Adds a move after asking the table: from the state the previous move reached. */
static pheme_err move(sub_step *st, sub_state *cur, sub_event ev, unsigned actors, const char *detail,
                      char *why, size_t n) {
  sub_state to;
  work_verdict v = work_sub_step(*cur, ev, actors, &to);
  if (v != WORK_ALLOWED) {
    snprintf(why, n, "submission in state %s: '%s' is %s", sub_state_name(*cur), sub_event_name(ev),
             v == WORK_NO_ROW ? "not possible now" : "not yours to do");
    return v == WORK_NO_ROW ? PHEME_DATA_STATE : PHEME_AUTH_NOT_OWNER;
  }
  if (st->nmoves >= SUB_STEP_MAX_MOVES) return PHEME_SYS_INTERNAL;
  sub_move *m = &st->moves[st->nmoves++];
  m->event = sub_event_name(ev);
  m->to = sub_state_name(to);
  m->detail = detail;
  *cur = to;
  return PHEME_OK;
}

static int state_of(const sub_view *v, sub_state *s) { return sub_state_parse(v->sub.state, s); }

double pipeline_stake_tokens(const char *wei) {
  if (!wei || !*wei) return 0;
  return strtod(wei, NULL) / 1e18;
}

pipeline_decision pipeline_verdict(int final_score, int min_score) {
  pipeline_decision d = {1, "approve", final_score};
  if (final_score < min_score) d.event = final_score >= min_score - PIPE_CHANGES_MARGIN ? "request_changes" : "reject";
  return d;
}

static sub_event decision_event(const char *name) {
  if (strcmp(name, "approve") == 0) return SUB_EV_APPROVE;
  if (strcmp(name, "reject") == 0) return SUB_EV_REJECT;
  return SUB_EV_REQUEST_CHANGES;
}

pheme_err pipeline_task_rules_load(const task *t, pipeline_task_rules *out) {
  memset(out, 0, sizeof *out);
  json_error_t je;
  out->doc = json_loads(t->validation ? t->validation : "{}", 0, &je);
  if (!out->doc || !json_is_object(out->doc)) {
    json_decref(out->doc);
    out->doc = NULL;
    return PHEME_DATA_INVALID;
  }
  out->ai_review = !json_is_false(json_object_get(out->doc, "aiReview"));
  out->peer_review = !json_is_false(json_object_get(out->doc, "peerReview"));
  out->min_score = (int)json_int(out->doc, "minScore", 70);
  out->min_validators = (int)json_int(out->doc, "minValidators", 3);
  out->consensus = (int)json_int(out->doc, "consensusThreshold", 66);
  out->rubric = json_object_get(out->doc, "rubric");
  if (out->min_validators < 1) out->min_validators = 1;
  return PHEME_OK;
}

/* The outcome row of an approved submission: the task's skills as a JSON array of slugs. The
 * rewards engine's award job (src/game, GAME_JOB_AWARD) joins st's jobs, so it commits with the
 * outcome it pays. */
static outcome_row *outcome_for(sub_step *st, arena *a, const sub_view *v, int final_score) {
  outcome_row *o = arena_zalloc(a, sizeof *o);
  if (!o) return NULL;
  if (st->njobs < SUB_STEP_MAX_JOBS) {
    job_request *rq = &st->jobs[st->njobs++];
    memset(rq, 0, sizeof *rq);
    rq->kind = "game.award";
    rq->payload = arena_printf(a, "{\"submission_id\":%lld}", (long long)v->sub.id);
  }
  json_t *skills = json_array();
  for (int i = 0; i < v->task.nskills; i++) json_array_append_new(skills, json_string(v->task.skills[i].slug));
  o->submission_id = v->sub.id;
  o->user_id = v->sub.user_id;
  o->task_id = v->sub.task_id;
  o->final_score = final_score;
  o->skills = jdump(a, skills);
  return o;
}

/* ---- link sanity ---- */

int pipeline_host_private(const char *host) {
  if (!host || !*host) return 1;
  size_t n = strlen(host);
  static const char *const suffixes[] = {".localhost", ".local", ".internal"};
  if (strcasecmp(host, "localhost") == 0) return 1;
  for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
    size_t k = strlen(suffixes[i]);
    if (n > k && strcasecmp(host + n - k, suffixes[i]) == 0) return 1;
  }
  unsigned char b[16];
  if (inet_pton(AF_INET, host, b) == 1) {
    if (b[0] == 0 || b[0] == 10 || b[0] == 127) return 1;
    if (b[0] == 169 && b[1] == 254) return 1;
    if (b[0] == 172 && (b[1] & 0xf0) == 16) return 1;
    if (b[0] == 192 && b[1] == 168) return 1;
    if (b[0] == 100 && (b[1] & 0xc0) == 64) return 1;
    if (b[0] >= 224) return 1; /* multicast, reserved, broadcast */
    return 0;
  }
  if (inet_pton(AF_INET6, host, b) == 1) {
    static const unsigned char zero[16];
    if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return 1; /* :: and ::1 */
    if ((b[0] & 0xfe) == 0xfc) return 1;                                  /* fc00::/7 */
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return 1;                  /* fe80::/10 */
    if (b[0] == 0xff) return 1;                                           /* multicast */
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, mapped, 12) == 0) {
      char v4[INET_ADDRSTRLEN];
      if (inet_ntop(AF_INET, b + 12, v4, sizeof v4)) return pipeline_host_private(v4);
    }
    return 0;
  }
  /* a name: a number-only name is an address in another notation (0x7f.1, 2130706433) */
  int digits_only = 1;
  for (size_t i = 0; i < n; i++)
    if (!((host[i] >= '0' && host[i] <= '9') || host[i] == '.' || host[i] == 'x' || host[i] == 'X'))
      digits_only = 0;
  return digits_only;
}

pheme_err pipeline_link_check(arena *a, const char *url, const char **cid_text, char *why, size_t n) {
  if (cid_text) *cid_text = NULL;
  size_t len = url ? strlen(url) : 0;
  if (len == 0 || len > PIPE_URL_MAX) {
    return pheme_fail(PHEME_DATA_INVALID, why, n, "link of %zu bytes: 1 to %d allowed", len, PIPE_URL_MAX);
  }
  const char *rest;
  if (strncasecmp(url, "https://", 8) == 0) rest = url + 8;
  else if (strncasecmp(url, "http://", 7) == 0) rest = url + 7;
  else {
    return pheme_fail(PHEME_DATA_INVALID, why, n, "link '%.80s' is not http or https", url);
  }
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f) {
      return pheme_fail(PHEME_DATA_INVALID, why, n, "link '%.80s' holds a space or a control character", url);
    }
  size_t auth_len = strcspn(rest, "/?#");
  const char *path = rest + auth_len;
  /* the host: after any user info, before the port; IPv6 in brackets */
  const char *h = rest, *end = rest + auth_len;
  for (const char *p = rest; p < end; p++)
    if (*p == '@') h = p + 1;
  char host[256];
  size_t hl;
  if (h < end && *h == '[') {
    const char *close = memchr(h, ']', (size_t)(end - h));
    if (!close) {
      return pheme_fail(PHEME_DATA_INVALID, why, n, "link '%.80s' has a malformed host", url);
    }
    hl = (size_t)(close - h - 1);
    h++;
  } else {
    const char *colon = memchr(h, ':', (size_t)(end - h));
    hl = (size_t)((colon ? colon : end) - h);
  }
  if (hl == 0 || hl >= sizeof host) {
    return pheme_fail(PHEME_DATA_INVALID, why, n, "link '%.80s' has no host", url);
  }
  memcpy(host, h, hl);
  host[hl] = 0;
  /* /ipfs/<cid>: content stored here, named by its hash; the host does not matter */
  if (strncmp(path, "/ipfs/", 6) == 0) {
    const char *c = path + 6;
    size_t cl = strcspn(c, "/?#");
    cid parsed;
    char cwhy[128];
    if (cid_parse(&parsed, c, cl, cwhy, sizeof cwhy) != 0) {
      return pheme_fail(PHEME_DATA_INVALID, why, n, "link '%.80s' names an invalid CID: %s", url, cwhy);
    }
    if (cid_text) *cid_text = arena_strndup(a, c, cl);
    return 0;
  }
  if (pipeline_host_private(host)) {
    return pheme_fail(PHEME_DATA_INVALID, why, n, "link '%.80s' points at a private or local host '%s'", url, host);
  }
  return 0;
}

/* ---- batches ---- */

/* One job of the pipeline's kinds: a submission, the claim to complete (may be NULL), and its
 * answer. The check, assess and panel steps of a claim's jobs of one kind share a transaction
 * (store_submission_steps); a lone job is a batch of one. */
typedef struct {
  int64_t id;
  int grow;               /* submission.panel: the size to grow the panel to; 0 = draw */
  const job_claim *claim;
  pheme_err err;
  char *why;              /* what went wrong, for the job's last error */
  size_t whylen;
} pipe_item;

/* The answers of a batch's steps into its items; ctx_why(k) is the decide function's reason. */
static void items_answer(pipe_item *items, const int *idx, const sub_step_req *reqs, int n,
                         const char *(*ctx_why)(void *ctx), pheme_err rc) {
  for (int k = 0; k < n; k++) {
    pipe_item *it = &items[idx[k]];
    it->err = rc && !reqs[k].err ? rc : reqs[k].err;
    if (it->err) {
      const char *w = ctx_why(reqs[k].ctx);
      snprintf(it->why, it->whylen, "%s", w && w[0] ? w : pheme_err_message(it->err));
    }
  }
}

/* What every batch of items needs: room for one step request per item (reqs[k] is for
 * items[idx[k]]) and, when asked for, the items' submissions read in one snapshot. */
typedef struct {
  sub_view *views;
  sub_step_req *reqs;
  int *idx;
} pipe_batch;

/* Fills b for n items; with read, reads their submissions (an item whose submission cannot be read
 * gets the error). 0, or an error that is then every item's. */
static pheme_err batch_init(pipeline *p, arena *a, pipe_item *items, int n, int read, pipe_batch *b) {
  b->reqs = arena_zalloc(a, sizeof *b->reqs * (size_t)n);
  b->idx = arena_alloc(a, sizeof *b->idx * (size_t)n);
  b->views = read ? arena_alloc(a, sizeof *b->views * (size_t)n) : NULL;
  int64_t *ids = read ? arena_alloc(a, sizeof *ids * (size_t)n) : NULL;
  pheme_err *errs = read ? arena_alloc(a, sizeof *errs * (size_t)n) : NULL;
  pheme_err rc = b->reqs && b->idx && (!read || (b->views && ids && errs)) ? PHEME_OK : PHEME_SYS_NOMEM;
  for (int i = 0; !rc && read && i < n; i++) ids[i] = items[i].id;
  if (!rc && read) rc = store_submission_views(p->store, a, ids, n, 0, b->views, errs);
  for (int i = 0; i < n; i++) items[i].err = rc ? rc : read ? errs[i] : PHEME_OK;
  return rc;
}

/* ---- submission.check ---- */

/* What the checks of one transaction share: the submissions that passed so far in it, which the
 * index does not hold yet (they are added once committed), so that two near-duplicates in one
 * batch cannot both pass. */
typedef struct {
  pipeline *p;
  int n;
  int64_t *ids, *users;
  const uint32_t **sigs;
} check_batch;

typedef struct {
  pipeline *p;
  arena *a;
  check_batch *batch;
  const char *evidence_fail; /* why the evidence checks refused it, or NULL */
  const char *fail;          /* why the checks refused it (evidence or a near-duplicate), or NULL */
  json_t *detail;            /* the check row's detail, completed inside the transaction */
  const uint32_t *sig;       /* the text's MinHash signature */
  long shingles;
  int64_t user_id;
  char why[512];
} check_ctx;
/* The evidence checks outside the transaction (reads only): present, types, link sanity, the
 * stored content and its size. Returns NULL when they pass, else the reason. */
static const char *check_evidence(pipeline *p, arena *a, const sub_view *v, json_t *details) {
  json_error_t je;
  json_t *ev = json_loads(v->sub.evidence ? v->sub.evidence : "[]", 0, &je);
  json_t *rules = json_loads(v->task.validation ? v->task.validation : "{}", 0, &je);
  json_t *types = rules ? json_object_get(rules, "evidenceTypes") : NULL;
  const char *fail = NULL;
  if (!json_is_array(ev) || json_array_size(ev) == 0) {
    fail = "no evidence: at least one item is required";
  } else {
    size_t i;
    json_t *item;
    json_array_foreach(ev, i, item) {
      const char *type = json_str(item, "type", ""), *url = json_str(item, "url", "");
      int accepted = !json_is_array(types) || json_array_size(types) == 0;
      size_t k;
      json_t *t;
      json_array_foreach(types, k, t) if (json_is_string(t) && strcmp(json_string_value(t), type) == 0) accepted = 1;
      char why[300];
      const char *cid_text = NULL;
      if (!accepted) {
        fail = arena_printf(a, "evidence[%zu]: type '%s' is not accepted by the task", i, type);
      } else if (pipeline_link_check(a, url, &cid_text, why, sizeof why) != 0) {
        fail = arena_printf(a, "evidence[%zu]: %s", i, why);
      } else if (cid_text) {
        cid c;
        uint8_t bin[CID_BIN_LEN];
        content_record rec;
        char cwhy[64];
        if (cid_parse(&c, cid_text, strlen(cid_text), cwhy, sizeof cwhy) != 0) {
          fail = arena_printf(a, "evidence[%zu]: invalid CID", i);
        } else {
          cid_to_bytes(&c, bin);
          pheme_err e = store_content_get(p->store, a, bin, sizeof bin, &rec);
          if (e == PHEME_DATA_NOT_FOUND)
            fail = arena_printf(a, "evidence[%zu]: content %s is not stored", i, cid_text);
          else if (e)
            fail = arena_printf(a, "evidence[%zu]: content %s could not be read", i, cid_text);
          else if (p->content_max_size && (uint64_t)rec.size > p->content_max_size)
            fail = arena_printf(a, "evidence[%zu]: content %s is %llu bytes, above %llu", i, cid_text,
                                (unsigned long long)rec.size, (unsigned long long)p->content_max_size);
          else
            json_array_append_new(details, json_pack("{s:s,s:I,s:s}", "cid", cid_text, "size",
                                                     (json_int_t)rec.size, "mediaType", rec.media_type));
        }
      }
      if (fail) break;
    }
  }
  json_decref(ev);
  json_decref(rules);
  return fail;
}

/* Adds to the index the submissions that passed the checks since the last timeline row read. */
static pheme_err dedup_feed(pipeline *p) {
  pthread_mutex_lock(&p->feed_mu);
  arena a;
  arena_init(&a, 0);
  uint32_t *sig = malloc(sizeof *sig * p->dedup_params.hashes);
  pheme_err e = sig ? PHEME_OK : PHEME_SYS_NOMEM;
  for (int more = 1; !e && more;) {
    sub_text *rows;
    int n = 0;
    arena_clear(&a);
    e = store_submission_texts_checked(p->store, &a, p->feed_after, 500, &rows, &n, &p->feed_after);
    for (int i = 0; !e && i < n; i++) {
      long k = dedup_signature(&p->dedup_params, rows[i].text, strlen(rows[i].text), sig);
      if (k < 0) e = PHEME_SYS_NOMEM;
      else if (k > 0) e = dedup_index_add(p->dedup, rows[i].id, rows[i].user_id, sig);
    }
    more = n == 500;
  }
  free(sig);
  arena_release(&a);
  pthread_mutex_unlock(&p->feed_mu);
  return e;
}

/* Near-duplicates among other people's earlier submissions. Runs inside the check's
 * transaction, which is serialized with every other check (SUBV_SERIAL): the index was brought up
 * to date with what every process has checked when the transaction began (check_begin: all of it
 * committed, since no other check runs meanwhile), and the submissions that passed earlier in this
 * transaction are compared too, so two near-duplicates checked at once cannot both pass. */
static pheme_err check_duplicates(check_ctx *c, const sub_view *v) {
  pipeline *p = c->p;
  json_object_del(c->detail, "duplicateOf");
  json_object_del(c->detail, "similarity");
  if (c->fail || c->shingles <= 0) return PHEME_OK;
  dedup_match best = {0, 0, 0};
  size_t total = 0;
  pheme_err e = dedup_index_query(p->dedup, c->sig, v->sub.user_id, v->sub.id, &best, 1, &total);
  if (e) return e;
  const check_batch *b = c->batch;
  for (int i = 0; i < b->n; i++) {
    if (b->users[i] == v->sub.user_id || b->ids[i] == v->sub.id) continue;
    double j = dedup_estimate(&p->dedup_params, c->sig, b->sigs[i]);
    if (j >= p->dedup_params.threshold && (total == 0 || j > best.jaccard)) {
      best = (dedup_match){b->ids[i], b->users[i], j};
      total++;
    }
  }
  if (total == 0) return PHEME_OK;
  c->fail = arena_printf(c->a, "near-duplicate of submission %lld (estimated similarity %.2f)",
                         (long long)best.submission_id, best.jaccard);
  json_object_set_new(c->detail, "duplicateOf", json_integer(best.submission_id));
  json_object_set_new(c->detail, "similarity", json_real(floor(best.jaccard * 1000 + 0.5) / 1000));
  return PHEME_OK;
}

/* A check transaction begins: nothing of it has passed yet; the index takes in what every process
 * checked before it. */
static pheme_err check_begin(void *bctx) {
  check_batch *b = bctx;
  b->n = 0;
  return dedup_feed(b->p);
}

static pheme_err check_decide(const sub_view *v, sub_step *st, void *vctx) {
  check_ctx *c = vctx;
  sub_state cur;
  if (state_of(v, &cur) || cur != SUB_SUBMITTED) return PHEME_OK; /* done before: nothing to do */
  c->fail = c->evidence_fail; /* decided afresh on every run (store_submission_steps) */
  pheme_err e = check_duplicates(c, v);
  if (e) return e;
  e = move(st, &cur, SUB_EV_CHECK, ACT_SYSTEM, jdump(c->a, json_incref(c->detail)), c->why, sizeof c->why);
  if (e) return e;
  if (c->fail) {
    st->feedback = c->fail;
    return move(st, &cur, SUB_EV_CHECKS_FAILED, ACT_SYSTEM, jdump(c->a, json_pack("{s:s}", "reason", c->fail)),
                c->why, sizeof c->why);
  }
  pipeline_task_rules rules;
  e = pipeline_task_rules_load(&v->task, &rules);
  if (e) return e;
  int ai = rules.ai_review && c->p->assessors[0];
  json_decref(rules.doc);
  e = move(st, &cur, ai ? SUB_EV_TO_AI : SUB_EV_TO_PEER, ACT_SYSTEM, NULL, c->why, sizeof c->why);
  if (e) return e;
  add_job(st, c->a, ai ? PIPE_JOB_ASSESS : PIPE_JOB_PANEL, v->sub.id, 0);
  if (c->shingles > 0) {
    check_batch *b = c->batch;
    b->ids[b->n] = v->sub.id;
    b->users[b->n] = v->sub.user_id;
    b->sigs[b->n] = c->sig;
    b->n++;
  }
  return PHEME_OK;
}

static const char *check_why(void *ctx) { return ((check_ctx *)ctx)->why; }

/* The submissions of items that are still SUBMITTED: the evidence checks and the signatures
 * outside any transaction, then the steps together in one serialized transaction. */
static void run_checks(pipeline *p, arena *a, pipe_item *items, int n) {
  pipe_batch pb;
  check_ctx *ctx = arena_zalloc(a, sizeof *ctx * (size_t)n);
  check_batch b = {p, 0, arena_alloc(a, sizeof(int64_t) * (size_t)n), arena_alloc(a, sizeof(int64_t) * (size_t)n),
                   arena_alloc(a, sizeof(uint32_t *) * (size_t)n)};
  if (!ctx || !b.ids || !b.users || !b.sigs) {
    for (int i = 0; i < n; i++) items[i].err = PHEME_SYS_NOMEM;
    return;
  }
  if (batch_init(p, a, items, n, 1, &pb)) return;
  sub_view *views = pb.views;
  sub_step_req *reqs = pb.reqs;
  int *idx = pb.idx, m = 0;
  for (int i = 0; i < n; i++) {
    if (items[i].err) continue;
    sub_state cur;
    if (state_of(&views[i], &cur) || cur != SUB_SUBMITTED) continue; /* done before */
    check_ctx *c = &ctx[m];
    *c = (check_ctx){.p = p, .a = a, .batch = &b, .detail = json_object(), .user_id = views[i].sub.user_id};
    json_t *contents = json_array();
    c->evidence_fail = check_evidence(p, a, &views[i], contents);
    json_object_set_new(c->detail, "evidence", contents);
    json_object_set_new(c->detail, "evidenceOk", json_boolean(!c->evidence_fail));
    uint32_t *sig = arena_alloc(a, sizeof *sig * p->dedup_params.hashes);
    c->shingles = sig ? dedup_signature(&p->dedup_params, views[i].sub.text, strlen(views[i].sub.text), sig) : -1;
    if (c->shingles < 0) {
      json_decref(c->detail);
      items[i].err = PHEME_SYS_NOMEM;
      continue;
    }
    c->sig = sig;
    json_object_set_new(c->detail, "shingles", json_integer(c->shingles));
    json_object_set_new(c->detail, "dedupThreshold", json_real(p->dedup_params.threshold));
    reqs[m] = (sub_step_req){.id = items[i].id, .claim = items[i].claim, .fn = check_decide, .ctx = c};
    idx[m++] = i;
  }
  if (m == 0) return;
  store_actor sa = {0, ""};
  pheme_err rc = store_submission_steps(p->store, a, &sa, SUBV_SERIAL, time_now_ms(), reqs, m, check_begin, &b);
  items_answer(items, idx, reqs, m, check_why, rc);
  for (int k = 0; k < m; k++) {
    check_ctx *c = &ctx[k];
    pipe_item *it = &items[idx[k]];
    /* kept current: a submission that passed is now an earlier one for those that follow */
    if (!it->err && !c->fail && c->shingles > 0 && reqs[k].done.nmoves > 0)
      it->err = dedup_index_add(p->dedup, it->id, c->user_id, c->sig);
    json_decref(c->detail);
  }
}

/* ---- submission.assess ---- */

typedef struct {
  pipeline *p;
  arena *a;
  assessment_row rows[1];
  int ok, overall;
  char why[256];
} assess_ctx;

static pheme_err assess_decide(const sub_view *v, sub_step *st, void *vctx) {
  assess_ctx *c = vctx;
  sub_state cur;
  if (state_of(v, &cur) || cur != SUB_AI_REVIEW) return PHEME_OK;
  st->assessments = c->rows;
  st->nassessments = 1;
  pipeline_task_rules rules;
  pheme_err e = pipeline_task_rules_load(&v->task, &rules);
  if (e) return e;
  int peer = rules.peer_review, min = rules.min_score;
  json_decref(rules.doc);
  if (peer || !c->ok) {
    const char *detail = c->ok ? NULL : jdump(c->a, json_pack("{s:s}", "reason", "every assessor failed: peer review alone"));
    e = move(st, &cur, SUB_EV_TO_PEER, ACT_SYSTEM, detail, c->why, sizeof c->why);
    if (!e) add_job(st, c->a, PIPE_JOB_PANEL, v->sub.id, 0);
    return e;
  }
  pipeline_decision d = pipeline_verdict(c->overall, min);
  const char *detail = jdump(c->a, json_pack("{s:i,s:i,s:s}", "overall", c->overall, "minScore", min,
                                             "by", "assessment (peer review off)"));
  e = move(st, &cur, decision_event(d.event), ACT_SYSTEM, detail, c->why, sizeof c->why);
  if (e) return e;
  st->final_score = d.final_score;
  if (cur == SUB_APPROVED) st->outcome = outcome_for(st, c->a, v, d.final_score);
  return PHEME_OK;
}

/* The assessors of the configuration, created for this run. */
static size_t make_assessors(pipeline *p, assessor *out, size_t max, json_t *notes) {
  size_t n = 0;
  char list[256];
  snprintf(list, sizeof list, "%s", p->assessors);
  for (char *s = list; *s && n < max;) {
    char *e = s + strcspn(s, ",");
    int last = *e == 0;
    *e = 0;
    while (*s == ' ') s++;
    if (strcmp(s, "builtin") == 0) {
      out[n++] = assessor_builtin();
    } else if (strcmp(s, "openai") == 0 && p->cfg) {
      openai_config oc;
      char *key = NULL, err[256] = "";
      if (validation_openai_config(p->cfg, &oc, &key, err, sizeof err) == PHEME_OK &&
          assessor_openai(&out[n], &oc, err, sizeof err) == ASSESS_OK)
        n++;
      else
        json_array_append_new(notes, json_pack("{s:s,s:s}", "assessor", "openai", "skipped", err));
      free(key);
    }
    if (last) break;
    s = e + 1;
  }
  return n;
}

/* Runs the assessors of list on the submission of v (outside any transaction) and fills c with
 * the assessment row its step records. */
static pheme_err assess_one(pipeline *p, arena *a, const sub_view *vp, assessor *list, size_t nlist,
                            json_t *notes, assess_ctx *c) {
  const sub_view v = *vp;
  pipeline_task_rules rules;
  pheme_err e = pipeline_task_rules_load(&v.task, &rules);
  if (e) return e;
  /* the task and submission as the assessors see them */
  assess_criterion crit[ASSESS_MAX_CRITERIA];
  size_t ncrit = 0, i;
  json_t *item;
  json_array_foreach(rules.rubric, i, item) {
    if (ncrit == ASSESS_MAX_CRITERIA) break;
    crit[ncrit].id = (int64_t)ncrit + 1;
    crit[ncrit].name = arena_strdup(a, json_str(item, "criterion", "criterion"));
    crit[ncrit].description = arena_strdup(a, json_str(item, "description", ""));
    crit[ncrit].weight = (double)json_int(item, "weight", 1);
    ncrit++;
  }
  const char *accepted[8];
  size_t nacc = 0;
  json_array_foreach(json_object_get(rules.doc, "evidenceTypes"), i, item)
    if (nacc < ARRAY_SIZE(accepted) && json_is_string(item)) accepted[nacc++] = arena_strdup(a, json_string_value(item));
  json_decref(rules.doc);
  json_error_t je;
  json_t *ev = json_loads(v.sub.evidence ? v.sub.evidence : "[]", 0, &je);
  assess_evidence evs[ASSESS_MAX_EVIDENCE];
  size_t nev = 0;
  json_array_foreach(ev, i, item) {
    if (nev == ASSESS_MAX_EVIDENCE) break;
    evs[nev].type = arena_strdup(a, json_str(item, "type", "link"));
    evs[nev].ref = arena_strdup(a, json_str(item, "url", ""));
    evs[nev].size = 0;
    evs[nev].media_type = NULL;
    nev++;
  }
  json_decref(ev);
  assess_task at = {v.task.title, v.task.description, crit, ncrit, accepted, nacc};
  assess_submission as = {v.sub.text, strlen(v.sub.text), evs, nev};

  assessment out;
  memset(&out, 0, sizeof out);
  json_t *record = NULL;
  fallback_policy pol = {1};
  assess_code code = nlist ? fallback_run(list, nlist, &pol, &at, &as, &out, &record) : ASSESS_CONFIG;
  *c = (assess_ctx){p, a, {{0}}, code == ASSESS_OK, out.overall, ""};
  assessment_row *row = &c->rows[0];
  row->overall = -1;
  row->confidence_ppm = -1;
  if (code == ASSESS_OK) {
    json_t *scores = json_array();
    for (size_t k = 0; k < out.n_criteria && k < ncrit; k++)
      json_array_append_new(scores, json_pack("{s:s,s:i}", "criterion", crit[k].name, "score",
                                              out.criterion_scores[k]));
    row->assessor = arena_strdup(a, out.assessor);
    row->model = arena_strdup(a, out.model);
    row->scores = jdump(a, scores);
    row->overall = out.overall;
    row->confidence_ppm = (int)lround(out.confidence * 1e6);
    row->feedback = arena_strdup(a, out.feedback ? out.feedback : "");
    json_t *m = out.measured ? json_incref(out.measured) : json_object();
    if (json_array_size(notes)) json_object_set(m, "skipped", notes);
    /* the attempts that came before this answer (retries, assessors that failed) */
    if (record && !json_object_get(m, "fallback")) json_object_set(m, "fallback", record);
    row->record = jdump(a, m);
    row->ok = 1;
    row->reason = "";
  } else {
    row->assessor = nlist ? "fallback" : "none";
    row->model = "";
    row->scores = "[]";
    row->feedback = "";
    json_t *m = json_pack("{s:O?,s:O}", "steps", record, "skipped", notes);
    row->record = jdump(a, m);
    row->ok = 0;
    row->reason = nlist ? arena_printf(a, "every assessor failed (last: %s)", assess_code_name(code))
                        : "no assessor is configured";
  }
  json_decref(record);
  assessment_release(&out);
  return PHEME_OK;
}

static const char *assess_why(void *ctx) { return ((assess_ctx *)ctx)->why; }

/* The submissions of items that are in AI_REVIEW: the assessors outside any transaction (created
 * once for the batch), then the steps together. */
static void run_assesses(pipeline *p, arena *a, pipe_item *items, int n) {
  pipe_batch pb;
  assess_ctx *ctx = arena_zalloc(a, sizeof *ctx * (size_t)n);
  if (!ctx) {
    for (int i = 0; i < n; i++) items[i].err = PHEME_SYS_NOMEM;
    return;
  }
  if (batch_init(p, a, items, n, 1, &pb)) return;
  sub_view *views = pb.views;
  sub_step_req *reqs = pb.reqs;
  int *idx = pb.idx, m = 0;
  assessor list[4];
  json_t *notes = json_array();
  size_t nlist = 0;
  for (int i = 0; i < n; i++) {
    sub_state cur;
    if (items[i].err || state_of(&views[i], &cur) || cur != SUB_AI_REVIEW) continue; /* done before */
    if (m == 0 && nlist == 0) nlist = make_assessors(p, list, ARRAY_SIZE(list), notes);
    if ((items[i].err = assess_one(p, a, &views[i], list, nlist, notes, &ctx[m]))) continue;
    reqs[m] = (sub_step_req){.id = items[i].id, .claim = items[i].claim, .fn = assess_decide, .ctx = &ctx[m]};
    idx[m++] = i;
  }
  for (size_t k = 0; k < nlist; k++) assessor_destroy(&list[k]);
  json_decref(notes);
  if (m == 0) return;
  store_actor sa = {0, ""};
  pheme_err rc = store_submission_steps(p->store, a, &sa, 0, time_now_ms(), reqs, m, NULL, NULL);
  items_answer(items, idx, reqs, m, assess_why, rc);
}


/* ---- submission.panel ---- */

typedef struct {
  pipeline *p;
  arena *a;
  int grow;
  char why[256];
} panel_ctx;

static pheme_err panel_decide(const sub_view *v, sub_step *st, void *vctx) {
  panel_ctx *c = vctx;
  sub_state cur;
  if (state_of(v, &cur) || (cur != SUB_PEER_REVIEW && cur != SUB_DISPUTED)) return PHEME_OK;
  pipeline_task_rules rules;
  pheme_err e = pipeline_task_rules_load(&v->task, &rules);
  if (e) return e;
  int min = rules.min_validators;
  json_decref(rules.doc);
  int in_round = 0;
  for (int i = 0; i < v->nseats; i++) in_round += v->seats[i].round == v->round;
  /* a grown panel's job names the size it grows to, so a second run draws nobody more */
  int want = (c->grow ? c->grow : min) - in_round;
  if (want <= 0) return PHEME_OK; /* drawn before */
  /* this round's members are out (a growing panel); for a dispute's panel, everyone ever seated
   * is out too. A resubmission's panel may draw the earlier reviewers again: they judge new work. */
  int dispute_round = 0;
  for (int i = 0; i < v->ndisputes; i++) dispute_round |= v->disputes[i].round == v->round;
  int64_t *exclude = arena_zalloc(c->a, sizeof *exclude * (size_t)(v->nseats + 1));
  panel_candidate *cands = arena_zalloc(c->a, sizeof *cands * (size_t)(v->ncandidates + 1));
  size_t *picked = arena_zalloc(c->a, sizeof *picked * (size_t)(want + 1));
  int64_t *seats = arena_zalloc(c->a, sizeof *seats * (size_t)(want + 1));
  if (!exclude || !cands || !picked || !seats) return PHEME_SYS_NOMEM;
  size_t nexclude = 0;
  for (int i = 0; i < v->nseats; i++)
    if (dispute_round || v->seats[i].round == v->round) exclude[nexclude++] = v->seats[i].v.id;
  for (int i = 0; i < v->ncandidates; i++) {
    const validator_row *vr = &v->candidates[i];
    cands[i].validator_id = vr->id;
    cands[i].person_id = vr->user_id;
    memcpy(cands[i].address, vr->address, 20);
    cands[i].stake = pipeline_stake_tokens(vr->stake);
    cands[i].domain_score = (double)vr->domain_upt / 1e6; /* reputation in the task's domain, 0..100 */
  }
  panel_request rq = {v->sub.id, v->sub.user_id, c->p->min_stake, c->p->min_domain_score, exclude, nexclude,
                      PANEL_STAKE_WEIGHTED};
  size_t drawn = 0;
  e = panel_draw(&rq, cands, (size_t)v->ncandidates, (size_t)want, picked, &drawn, c->why, sizeof c->why);
  if (e) return e;
  json_t *who = json_array();
  for (size_t i = 0; i < drawn; i++) {
    seats[i] = cands[picked[i]].validator_id;
    char addr[ADDRESS_TEXT];
    json_array_append_new(who, json_string(address_to_checksum(addr, cands[picked[i]].address)));
  }
  json_t *detail = json_pack("{s:i,s:i,s:i,s:o,s:f}", "round", v->round, "requested", want, "drawn",
                             (int)drawn, "validators", who, "minStake", c->p->min_stake);
  if ((int)drawn < want && (c->grow || in_round + (int)drawn < min)) {
    /* too few eligible validators: an admin decides */
    json_object_set_new(detail, "reason", json_string("too few eligible validators"));
    return move(st, &cur, SUB_EV_ESCALATE, ACT_SYSTEM, jdump(c->a, detail), c->why, sizeof c->why);
  }
  st->seats = seats;
  st->nseats = (int)drawn;
  st->seat_round = v->round;
  /* not a transition: the panel is recorded on the timeline in the state it is drawn in */
  if (st->nmoves < SUB_STEP_MAX_MOVES) {
    sub_move *m = &st->moves[st->nmoves++];
    m->event = "panel";
    m->to = sub_state_name(cur);
    m->detail = jdump(c->a, detail);
  }
  return PHEME_OK;
}

static const char *panel_why(void *ctx) { return ((panel_ctx *)ctx)->why; }

/* The panels of items (drawn, or grown to item.grow), their steps together: the candidates are
 * read once per transaction for the submissions of one task. */
static void run_panels(pipeline *p, arena *a, pipe_item *items, int n) {
  pipe_batch pb;
  panel_ctx *ctx = arena_zalloc(a, sizeof *ctx * (size_t)n);
  if (!ctx) {
    for (int i = 0; i < n; i++) items[i].err = PHEME_SYS_NOMEM;
    return;
  }
  if (batch_init(p, a, items, n, 0, &pb)) return;
  sub_step_req *reqs = pb.reqs;
  int *idx = pb.idx;
  for (int i = 0; i < n; i++) {
    ctx[i] = (panel_ctx){p, a, items[i].grow, ""};
    reqs[i] = (sub_step_req){.id = items[i].id, .claim = items[i].claim, .fn = panel_decide, .ctx = &ctx[i]};
    idx[i] = i;
  }
  store_actor sa = {0, ""};
  pheme_err rc = store_submission_steps(p->store, a, &sa, SUBV_PANEL | SUBV_CANDIDATES, time_now_ms(), reqs, n, NULL, NULL);
  items_answer(items, idx, reqs, n, panel_why, rc);
}

/* ---- submission.decide ---- */

typedef struct {
  pipeline *p;
  arena *a;
  char why[256];
} decide_ctx;

static const validator_row *seat_of(const sub_view *v, int round, int64_t validator_id) {
  for (int i = 0; i < v->nseats; i++)
    if (v->seats[i].round == round && v->seats[i].v.id == validator_id) return &v->seats[i].v;
  return NULL;
}

static pheme_err decide_decide(const sub_view *v, sub_step *st, void *vctx) {
  decide_ctx *c = vctx;
  sub_state cur;
  if (state_of(v, &cur) || (cur != SUB_PEER_REVIEW && cur != SUB_DISPUTED)) return PHEME_OK;
  pipeline_task_rules rules;
  pheme_err e = pipeline_task_rules_load(&v->task, &rules);
  if (e) return e;
  int min_score = rules.min_score;
  consensus_params cp;
  consensus_params_default(&cp, rules.consensus / 100.0, (unsigned)rules.min_validators);
  json_decref(rules.doc);
  cp.max_panel = c->p->panel_max;
  int round = v->round, seated = 0, n = 0;
  for (int i = 0; i < v->nseats; i++) seated += v->seats[i].round == round;
  consensus_review *rs = arena_zalloc(c->a, sizeof *rs * (size_t)(v->nreviews + 1));
  if (!rs) return PHEME_SYS_NOMEM;
  for (int i = 0; i < v->nreviews; i++) {
    if (v->reviews[i].round != round) continue;
    const validator_row *vr = seat_of(v, round, v->reviews[i].validator_id);
    if (!vr) continue;
    rs[n].validator_id = vr->id;
    rs[n].score = v->reviews[i].score;
    rs[n].stake = pipeline_stake_tokens(vr->stake);
    if (rs[n].stake <= 0) rs[n].stake = 1e-18;
    rs[n].accuracy = vr->accuracy_ppm / 1e6;
    n++;
  }
  consensus_result res;
  e = consensus_decide(&cp, rs, (size_t)n, (unsigned)seated, &res, c->why, sizeof c->why);
  if (e) return e;
  if (res.action == CONSENSUS_WAIT) return PHEME_OK;
  /* a panel that grew decides again only once every seat has answered */
  if (res.action != CONSENSUS_ACCEPT && n < seated) return PHEME_OK;
  json_t *detail = json_pack("{s:i,s:i,s:i,s:f,s:f,s:f}", "round", round, "reviews", n, "panel", seated,
                             "median", res.median, "agreement", res.agreement, "threshold", cp.threshold);
  if (res.action == CONSENSUS_GROW) {
    json_decref(detail);
    add_job(st, c->a, PIPE_JOB_PANEL, v->sub.id, seated + (int)res.grow_by);
    return PHEME_OK;
  }
  if (res.action == CONSENSUS_ESCALATE) {
    json_object_set_new(detail, "reason", json_string("no consensus at the panel's limit"));
    return move(st, &cur, SUB_EV_ESCALATE, ACT_SYSTEM, jdump(c->a, detail), c->why, sizeof c->why);
  }
  int final = res.final_score;
  json_object_set_new(detail, "finalScore", json_integer(final));
  json_object_set_new(detail, "minScore", json_integer(min_score));
  /* the standings of this round's reviewers, and of an overturned first panel */
  validator_standing *sd = arena_zalloc(c->a, sizeof *sd * (size_t)(v->nreviews + 1));
  if (!sd) return PHEME_SYS_NOMEM;
  int nsd = 0;
  for (int i = 0; i < n; i++) {
    const validator_row *vr = seat_of(v, round, rs[i].validator_id);
    consensus_standing cs = consensus_update(&cp, vr->accuracy_ppm / 1e6, (unsigned)vr->outlier_streak,
                                             rs[i].score, final);
    sd[nsd++] = (validator_standing){vr->id, (int)lround(cs.accuracy * 1e6), (int)cs.streak,
                                     cs.slashing_candidate || vr->slashing_candidate};
  }
  if (cur == SUB_DISPUTED) {
    const dispute_row *d = &v->disputes[v->ndisputes - 1];
    int overturned = d->first_score >= 0 && consensus_overturned(&cp, d->first_score, final, min_score);
    json_object_set_new(detail, "overturned", json_boolean(overturned));
    for (int i = 0; overturned && i < v->nreviews; i++) {
      if (v->reviews[i].round != round - 1) continue;
      const validator_row *vr = seat_of(v, round - 1, v->reviews[i].validator_id);
      if (!vr) continue;
      consensus_standing cs = consensus_update_overturned(&cp, vr->accuracy_ppm / 1e6,
                                                          (unsigned)vr->outlier_streak, v->reviews[i].score, final);
      sd[nsd++] = (validator_standing){vr->id, (int)lround(cs.accuracy * 1e6), (int)cs.streak,
                                       cs.slashing_candidate || vr->slashing_candidate};
    }
    e = move(st, &cur, SUB_EV_RESOLVE, ACT_SYSTEM, jdump(c->a, detail), c->why, sizeof c->why);
    if (e) return e;
    st->settle_dispute = 1;
    if (final >= min_score && !v->has_outcome) st->outcome = outcome_for(st, c->a, v, final);
  } else {
    pipeline_decision dd = pipeline_verdict(final, min_score);
    e = move(st, &cur, decision_event(dd.event), ACT_SYSTEM, jdump(c->a, detail), c->why, sizeof c->why);
    if (e) return e;
    if (cur == SUB_APPROVED && !v->has_outcome) st->outcome = outcome_for(st, c->a, v, final);
  }
  st->final_score = final;
  st->standings = sd;
  st->nstandings = nsd;
  return PHEME_OK;
}

static pheme_err run_decide(pipeline *p, int64_t id, const job_claim *claim, arena *a, char *why,
                            size_t n) {
  decide_ctx c = {p, a, ""};
  store_actor sa = {0, ""};
  pheme_err e = store_submission_step(p->store, a, &sa, id, SUBV_PANEL, claim, time_now_ms(),
                                      decide_decide, &c, NULL, NULL);
  if (e) snprintf(why, n, "%s", c.why[0] ? c.why : pheme_err_message(e));
  return e;
}

/* ---- the handlers ---- */

/* The submission and panel size a job's payload names; PHEME_DATA_INVALID with why set when none. */
static pheme_err payload_item(const char *payload, pipe_item *it) {
  json_error_t je;
  json_t *j = json_loads(payload ? payload : "{}", 0, &je);
  long long id = j ? json_int(j, "submission", 0) : 0, grow = j ? json_int(j, "grow", 0) : 0;
  json_decref(j);
  if (id <= 0 || grow < 0 || grow > 1000) {
    snprintf(it->why, it->whylen, "payload '%.100s' names no submission", payload ? payload : "");
    return PHEME_DATA_INVALID;
  }
  it->id = id;
  it->grow = (int)grow;
  return PHEME_OK;
}

/* Runs items (jobs of kind, their payloads read) together where the kind allows it. */
static void run_items(pipeline *p, const char *kind, arena *a, pipe_item *items, int n) {
  if (strcmp(kind, PIPE_JOB_CHECK) == 0) {
    run_checks(p, a, items, n);
  } else if (strcmp(kind, PIPE_JOB_ASSESS) == 0) {
    run_assesses(p, a, items, n);
  } else if (strcmp(kind, PIPE_JOB_PANEL) == 0) {
    run_panels(p, a, items, n);
  } else if (strcmp(kind, PIPE_JOB_DECIDE) == 0) {
    /* one at a time: a decision updates its validators' standings, and two transactions updating
     * the same validators in other orders would deadlock on PostgreSQL */
    for (int i = 0; i < n; i++) items[i].err = run_decide(p, items[i].id, items[i].claim, a, items[i].why, items[i].whylen);
  } else {
    for (int i = 0; i < n; i++) {
      snprintf(items[i].why, items[i].whylen, "unknown kind '%s'", kind);
      items[i].err = PHEME_DATA_INVALID;
    }
  }
}

pheme_err pipeline_run(pipeline *p, const char *kind, const char *payload, const job_claim *claim,
                       arena *a, char *why, size_t n) {
  why[0] = 0;
  pipe_item it = {.claim = claim, .why = why, .whylen = n};
  pheme_err e = payload_item(payload, &it);
  if (e) return e;
  run_items(p, kind, a, &it, 1);
  return it.err;
}

/* a submission that is gone or a payload that names none will not get better */
static int permanent(pheme_err e) { return e == PHEME_DATA_INVALID || e == PHEME_DATA_NOT_FOUND; }

static pheme_err handler(jobs_run *run, void *ctx) {
  pheme_err e = pipeline_run(ctx, run->claim->kind, run->claim->payload, run->claim, run->a,
                             run->error, sizeof run->error);
  run->permanent = permanent(e);
  return e;
}

/* The runs of one claim of one kind: those whose payload names a submission together. */
static void batch_handler(jobs_run *runs, int n, void *ctx) {
  pipe_item *items = arena_zalloc(runs[0].a, sizeof *items * (size_t)n);
  int *of = arena_zalloc(runs[0].a, sizeof *of * (size_t)n);
  if (!items || !of) {
    for (int i = 0; i < n; i++) runs[i].result = PHEME_SYS_NOMEM;
    return;
  }
  int m = 0;
  for (int i = 0; i < n; i++) {
    runs[i].error[0] = 0;
    pipe_item *it = &items[m];
    *it = (pipe_item){.claim = runs[i].claim, .why = runs[i].error, .whylen = sizeof runs[i].error};
    if ((runs[i].result = payload_item(runs[i].claim->payload, it))) {
      runs[i].permanent = 1;
      continue;
    }
    of[m++] = i;
  }
  if (m) run_items(ctx, runs[0].claim->kind, runs[0].a, items, m);
  for (int k = 0; k < m; k++) {
    runs[of[k]].result = items[k].err;
    runs[of[k]].permanent = permanent(items[k].err);
  }
}

int pipeline_register(pipeline *p) {
  static const char *const kinds[] = {PIPE_JOB_CHECK, PIPE_JOB_ASSESS, PIPE_JOB_PANEL, PIPE_JOB_DECIDE};
  for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
    jobs_kind k = {kinds[i], handler, p, 0, 0, 0, 0, strcmp(kinds[i], PIPE_JOB_DECIDE) ? batch_handler : NULL};
    if (jobs_register(&k)) return -1;
  }
  return 0;
}

/* ---- setup ---- */

pheme_err pipeline_init(pipeline *p, store *s, const pheme_config *cfg, char *err, size_t errlen) {
  memset(p, 0, sizeof *p);
  p->store = s;
  p->cfg = cfg;
  pheme_err e = validation_dedup_params(cfg, &p->dedup_params, err, errlen);
  if (e) return e;
  snprintf(p->assessors, sizeof p->assessors, "%s", cfg->assessors ? cfg->assessors : "");
  p->min_stake = (double)cfg->validator_min_stake;
  p->min_domain_score = (double)cfg->validator_min_domain_score;
  p->panel_max = (unsigned)cfg->panel_max;
  p->dispute_window_ms = cfg->dispute_window_hours * 3600000LL;
  p->content_max_size = (uint64_t)cfg->content_max_size;
  p->domain.chain_id = cfg->review_chain_id   ? (uint64_t)cfg->review_chain_id
                       : cfg->chain_id        ? (uint64_t)cfg->chain_id
                                              : 31337;
  if (cfg->review_registry && cfg->review_registry[0] &&
      address_parse_hex(p->domain.verifying_contract, cfg->review_registry) != 0)
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "invalid review_registry '%s'", cfg->review_registry);
  if (!(p->dedup = dedup_index_new(&p->dedup_params))) return PHEME_SYS_NOMEM;
  pthread_mutex_init(&p->feed_mu, NULL);
  p->feed_ready = 1;
  /* the feed starts after the rows that exist now: their submissions are in the load below */
  e = store_submission_events_last(s, &p->feed_after);
  if (e) return pheme_fail(e, err, errlen, "could not read the submission timeline");
  /* Only a process that runs the check jobs reads the index. An API node (jobs_workers 0) keeps
   * it empty: at 10M submissions the load takes minutes and gigabytes (docs/operations.md). */
  if (cfg->jobs_workers <= 0) {
    log_info("near-duplicate index: not loaded (this node runs no jobs)");
    return PHEME_OK;
  }
  /* the index is rebuilt from the stored texts, a page at a time */
  arena a;
  arena_init(&a, 0);
  uint32_t *sig = malloc(sizeof *sig * p->dedup_params.hashes);
  int64_t after = 0;
  size_t loaded = 0;
  e = sig ? PHEME_OK : PHEME_SYS_NOMEM;
  while (!e) {
    sub_text *rows;
    int n = 0;
    arena_clear(&a);
    e = store_submission_texts(s, &a, after, 1000, &rows, &n);
    for (int i = 0; !e && i < n; i++) {
      after = rows[i].id;
      long k = dedup_signature(&p->dedup_params, rows[i].text, strlen(rows[i].text), sig);
      if (k < 0) e = PHEME_SYS_NOMEM;
      else if (k > 0 && !(e = dedup_index_add(p->dedup, rows[i].id, rows[i].user_id, sig))) loaded++;
    }
    if (n < 1000) break;
  }
  free(sig);
  arena_release(&a);
  if (e) {
    return pheme_fail(e, err, errlen, "could not rebuild the near-duplicate index: %s", pheme_err_message(e));
  }
  log_info("near-duplicate index: %zu submissions, %zu bytes", loaded, dedup_index_memory(p->dedup));
  return PHEME_OK;
}

void pipeline_release(pipeline *p) {
  dedup_index_free(p->dedup);
  p->dedup = NULL;
  if (p->feed_ready) pthread_mutex_destroy(&p->feed_mu);
  p->feed_ready = 0;
}

/* ---- reviews ---- */

typedef struct {
  pipeline *p;
  arena *a;
  int64_t user_id;
  review *r;
  review_row row;
  int verified;
  uint8_t verified_addr[20], signer[20];
  char why[512];
} review_ctx;

/* The signature of c->r against the seat's validator: an EOA's (it recovers to the address), or,
 * when a contract check is configured, a contract wallet's (EIP-1271, asked with the digest). */
static pheme_err review_check_signature(review_ctx *c, const sub_view *v, const validator_row *seat) {
  char err[300];
  review *r = c->r;
  pheme_err e = review_verify(&c->p->domain, r, v->sub.id, (uint32_t)v->round, seat->address, err, sizeof err);
  if (e == PHEME_AUTH_INVALID && c->p->contract_check) {
    uint8_t digest[32];
    char cerr[300];
    if (review_digest(digest, &c->p->domain, r, cerr, sizeof cerr) == PHEME_OK &&
        c->p->contract_check(c->p->contract_ctx, seat->address, c->p->domain.chain_id, digest, r->signature,
                             sizeof r->signature, cerr, sizeof cerr) == PHEME_OK) {
      memcpy(c->signer, seat->address, 20);
      c->verified = 1;
      memcpy(c->verified_addr, seat->address, 20);
      return PHEME_OK;
    }
  }
  if (e == PHEME_AUTH_INVALID || e == PHEME_AUTH_FORBIDDEN)
    return pheme_fail(PHEME_VAL_WRONG_SIGNER, c->why, sizeof c->why, "%s", err);
  if (e) return pheme_fail(e, c->why, sizeof c->why, "%s", err);
  e = review_recover(c->signer, &c->p->domain, r, err, sizeof err);
  if (e) return pheme_fail(PHEME_VAL_WRONG_SIGNER, c->why, sizeof c->why, "%s", err);
  c->verified = 1;
  memcpy(c->verified_addr, seat->address, 20);
  return PHEME_OK;
}

static pheme_err review_decide(const sub_view *v, sub_step *st, void *vctx) {
  review_ctx *c = vctx;
  review *r = c->r;
  if (r->submission_id != v->sub.id)
    return pheme_fail(PHEME_VAL_REPLAY, c->why, sizeof c->why,
                      "the review is signed for submission %lld, not %lld", (long long)r->submission_id,
                      (long long)v->sub.id);
  if (c->user_id == v->sub.user_id)
    return pheme_fail(PHEME_VAL_SUBMITTER, c->why, sizeof c->why,
                      "submission %lld is yours: you may not review it", (long long)v->sub.id);
  sub_state cur;
  if (state_of(v, &cur) || (cur != SUB_PEER_REVIEW && cur != SUB_DISPUTED))
    return pheme_fail(PHEME_DATA_STATE, c->why, sizeof c->why,
                      "submission %lld is %s, not under review", (long long)v->sub.id, v->sub.state);
  const validator_row *seat = NULL;
  for (int i = 0; i < v->nseats; i++)
    if (v->seats[i].round == v->round && v->seats[i].v.user_id == c->user_id) seat = &v->seats[i].v;
  if (!seat)
    return pheme_fail(PHEME_VAL_NOT_ON_PANEL, c->why, sizeof c->why,
                      "you are not on the panel of submission %lld (round %d)", (long long)v->sub.id, v->round);
  pheme_err e;
  /* verified once, before the transaction (a contract wallet is asked over RPC); inside it only
   * that the seat is still the same address */
  if (!c->verified || memcmp(c->verified_addr, seat->address, 20) != 0) {
    e = review_check_signature(c, v, seat);
    if (e) return e;
  }
  const uint8_t *signer = c->signer;
  json_t *crit = json_array();
  for (size_t i = 0; i < r->n_criteria; i++)
    json_array_append_new(crit, json_pack("{s:I,s:i}", "id", (json_int_t)r->criterion_ids[i], "score",
                                          r->criterion_scores[i]));
  c->row.round = v->round;
  c->row.validator_id = seat->id;
  c->row.score = r->score;
  c->row.criteria = jdump(c->a, crit);
  c->row.feedback = arena_strdup(c->a, r->feedback ? r->feedback : "");
  memcpy(c->row.signature, r->signature, 65);
  memcpy(c->row.signer, signer, 20);
  char addr[ADDRESS_TEXT];
  const char *detail = jdump(c->a, json_pack("{s:i,s:s,s:i}", "round", v->round, "validator",
                                             address_to_checksum(addr, seat->address), "score", r->score));
  e = move(st, &cur, SUB_EV_REVIEW, ACT_VALIDATOR, detail, c->why, sizeof c->why);
  if (e) return e;
  st->actor = "validator";
  st->actor_id = c->user_id;
  st->audit_action = "submission.review";
  st->review = &c->row;
  add_job(st, c->a, PIPE_JOB_DECIDE, v->sub.id, 0);
  return PHEME_OK;
}

pheme_err pipeline_review_post(pipeline *p, arena *a, const store_actor *sa, int64_t user_id,
                               int64_t id, const char *body, size_t len, int64_t *review_id,
                               char *why, size_t n) {
  why[0] = 0;
  review r;
  memset(&r, 0, sizeof r);
  pheme_err e = review_parse(&r, body, len, why, n);
  if (e) {
    review_release(&r);
    return e;
  }
  review_ctx c;
  memset(&c, 0, sizeof c);
  c.p = p;
  c.a = a;
  c.user_id = user_id;
  c.r = &r;
  /* every check first on the submission as read, so the signature (maybe an RPC call to a
   * contract wallet) is verified outside the write transaction */
  sub_view pre;
  sub_step done;
  e = store_submission_view(p->store, a, id, SUBV_PANEL, &pre);
  if (!e) {
    sub_step_init(&done);
    e = review_decide(&pre, &done, &c);
  }
  if (!e)
    e = store_submission_step(p->store, a, sa, id, SUBV_PANEL, NULL, time_now_ms(), review_decide, &c,
                              &done, NULL);
  review_release(&r);
  if (e == PHEME_DATA_NOT_FOUND && !c.why[0]) snprintf(c.why, sizeof c.why, "no submission %lld", (long long)id);
  if (e == PHEME_DATA_CONFLICT && !c.why[0])
    snprintf(c.why, sizeof c.why, "you have already reviewed submission %lld in this round", (long long)id);
  if (e) {
    snprintf(why, n, "%s", c.why);
    return e;
  }
  if (review_id) *review_id = done.written_id;
  return PHEME_OK;
}

/* ---- disputes ---- */

typedef struct {
  pipeline *p;
  arena *a;
  int64_t user_id;
  const char *reason;
  int64_t now;
  dispute_row row;
  char why[256];
} dispute_ctx;

static pheme_err dispute_decide(const sub_view *v, sub_step *st, void *vctx) {
  dispute_ctx *c = vctx;
  sub_state cur;
  if (state_of(v, &cur)) return PHEME_DATA_STATE;
  unsigned actors = 0;
  if (c->user_id == v->sub.user_id) actors |= ACT_SUBMITTER;
  if (c->user_id == v->task.creator_id) actors |= ACT_CREATOR;
  /* the decision's time: the last move of the timeline */
  int64_t decided = v->nevents ? v->events[v->nevents - 1].at : v->sub.updated_at;
  pheme_err e = move(st, &cur, SUB_EV_DISPUTE, actors, NULL, c->why, sizeof c->why);
  if (e) {
    if (e == PHEME_AUTH_NOT_OWNER)
      snprintf(c->why, sizeof c->why, "only the submitter or the task's creator may dispute submission %lld",
               (long long)v->sub.id);
    return e;
  }
  if (c->now - decided > c->p->dispute_window_ms)
    return pheme_fail(PHEME_VAL_WINDOW, c->why, sizeof c->why,
                      "submission %lld was decided more than %lld hours ago", (long long)v->sub.id,
                      (long long)(c->p->dispute_window_ms / 3600000));
  c->row.round = v->round + 1;
  c->row.opened_by = c->user_id;
  c->row.reason = c->reason;
  c->row.first_state = v->sub.state;
  c->row.first_score = v->sub.final_score;
  st->moves[st->nmoves - 1].detail = jdump(c->a, json_pack("{s:i,s:s,s:i,s:s}", "round", c->row.round,
                                                           "disputed", v->sub.state, "firstScore",
                                                           v->sub.final_score, "reason", c->reason));
  st->actor = actors & ACT_SUBMITTER ? "submitter" : "creator";
  st->actor_id = c->user_id;
  st->audit_action = "submission.dispute";
  st->dispute = &c->row;
  add_job(st, c->a, PIPE_JOB_PANEL, v->sub.id, 0);
  return PHEME_OK;
}

pheme_err pipeline_dispute_open(pipeline *p, arena *a, const store_actor *sa, int64_t user_id,
                                int64_t id, const char *reason, int64_t *dispute_id, char *why,
                                size_t n) {
  dispute_ctx c;
  memset(&c, 0, sizeof c);
  c.p = p;
  c.a = a;
  c.user_id = user_id;
  c.reason = reason ? reason : "";
  c.now = time_now_ms();
  sub_step done;
  pheme_err e = store_submission_step(p->store, a, sa, id, SUBV_TIMELINE, NULL, c.now, dispute_decide,
                                      &c, &done, NULL);
  snprintf(why, n, "%s", c.why);
  if (!e && dispute_id) *dispute_id = done.written_id;
  return e;
}

/* ---- a resubmission after changes were requested ---- */

typedef struct {
  arena *a;
  const work_principal *who;
  const work_person *person;
  const json_t *evidence;
  const char *text, *evidence_text;
  int64_t now;
  char why[256];
} resubmit_ctx;

static pheme_err resubmit_decide(const sub_view *v, sub_step *st, void *vctx) {
  resubmit_ctx *c = vctx;
  sub_state cur;
  if (state_of(v, &cur)) return PHEME_DATA_STATE;
  unsigned actors = c->who->user_id == v->sub.user_id ? ACT_SUBMITTER : 0;
  pheme_err e = move(st, &cur, SUB_EV_RESUBMIT, actors,
                     jdump(c->a, json_pack("{s:i}", "round", v->round + 1)), c->why, sizeof c->why);
  if (e == PHEME_AUTH_NOT_OWNER)
    snprintf(c->why, sizeof c->why, "only the person who submitted may resubmit submission %lld",
             (long long)v->sub.id);
  /* the task as it is now: still open, before its deadline, the evidence and the requirements */
  if (!e) e = work_submit_check(c->who, c->person, &v->task, c->evidence, NULL, 0, c->now, c->why, sizeof c->why);
  if (e) return e;
  st->actor = "submitter";
  st->actor_id = c->who->user_id;
  st->audit_action = "submission.resubmit";
  st->text = c->text;
  st->evidence = c->evidence_text;
  add_job(st, c->a, PIPE_JOB_CHECK, v->sub.id, 0);
  return PHEME_OK;
}

pheme_err pipeline_resubmit(pipeline *p, arena *a, const store_actor *sa, const work_principal *who,
                            int64_t id, const char *text, const json_t *evidence, char *why, size_t n) {
  work_person person;
  pheme_err e = work_person_load(p->store, a, who, &person);
  if (e) return pheme_fail(e, why, n, "cannot read your Skill Wallet");
  resubmit_ctx c = {.a = a, .who = who, .person = &person, .evidence = evidence, .text = text,
                    .now = time_now_ms()};
  c.evidence_text = evidence ? jdump(a, json_incref((json_t *)evidence)) : "[]";
  if (!c.evidence_text) return PHEME_SYS_NOMEM;
  e = store_submission_step(p->store, a, sa, id, SUBV_TIMELINE, NULL, c.now, resubmit_decide, &c, NULL, NULL);
  snprintf(why, n, "%s", c.why);
  return e;
}

/* ---- slashing ---- */

pheme_err pipeline_slash(pipeline *p, arena *a, const store_actor *sa, const chain_suite *suite,
                         const uint8_t validator[20], const char *amount_wei, int burn, const char *reason,
                         int64_t *intent_id, char *why, size_t n) {
  uint8_t amount[32], zero[32] = {0};
  pheme_error ee;
  if (!amount_wei || u256_parse(amount, amount_wei, strlen(amount_wei), 0, &ee) || memcmp(amount, zero, 32) == 0)
    return pheme_fail(PHEME_API_BAD_REQUEST, why, n, "amount '%.80s' must be a decimal number of wei above 0",
                      amount_wei ? amount_wei : "");
  validator_row v;
  user u;
  pheme_err e = store_user_by_address(p->store, a, validator, &u);
  if (!e) e = store_validator_by_user(p->store, a, u.id, &v);
  char who[ADDRESS_TEXT];
  address_to_checksum(who, validator);
  if (e == PHEME_DATA_NOT_FOUND) return pheme_fail(e, why, n, "%s is not a registered validator", who);
  if (e) return e;
  buf cd;
  buf_init(&cd, 4096);
  if ((e = ct_ValidatorRegistry_slash(&cd, validator, amount, burn, reason ? reason : "", &ee))) {
    buf_release(&cd);
    return pheme_fail(e, why, n, "slash calldata: %s", ee.msg);
  }
  /* one slash per validator, amount and moment asked: a repeated request is a new key only when
   * it is a new decision */
  char *key = arena_printf(a, "validator.slash:%lld:%s:%lld", (long long)v.id, amount_wei, (long long)time_now_ms());
  const char *detail = jdump(a, json_pack("{s:s,s:s,s:b,s:s}", "validator", who, "amount", amount_wei, "burn", burn,
                                          "reason", reason ? reason : ""));
  outbox_request rq = chain_suite_request(suite, suite->m.registry, (const uint8_t *)cd.data, cd.len,
                                          "validator.slash", key ? key : "");
  e = key && detail ? store_validator_slash(p->store, a, sa, v.id, &rq, detail, intent_id) : PHEME_SYS_NOMEM;
  buf_release(&cd);
  if (e == PHEME_DATA_CONFLICT) return pheme_fail(e, why, n, "this slash of %s was already asked for", who);
  return e;
}

/* ---- an admin's decision ---- */

typedef struct {
  arena *a;
  int64_t admin_id;
  const char *decision, *reason;
  int score;
  char why[256];
} admin_ctx;

static pheme_err admin_decide(const sub_view *v, sub_step *st, void *vctx) {
  admin_ctx *c = vctx;
  sub_state cur;
  if (state_of(v, &cur)) return PHEME_DATA_STATE;
  int disputed = cur == SUB_DISPUTED;
  sub_event ev = disputed ? SUB_EV_RESOLVE : decision_event(c->decision);
  const char *detail = jdump(c->a, json_pack("{s:s,s:i,s:s}", "decision", c->decision, "score", c->score,
                                             "reason", c->reason));
  pheme_err e = move(st, &cur, ev, ACT_ADMIN, detail, c->why, sizeof c->why);
  if (e) return e;
  st->actor = "admin";
  st->actor_id = c->admin_id;
  st->audit_action = "submission.decide";
  st->final_score = c->score;
  st->feedback = c->reason;
  if (disputed) st->settle_dispute = 1;
  if (strcmp(c->decision, "approve") == 0 && !v->has_outcome) st->outcome = outcome_for(st, c->a, v, c->score);
  return PHEME_OK;
}

pheme_err pipeline_admin_decide(pipeline *p, arena *a, const store_actor *sa, int64_t admin_id,
                                int64_t id, const char *decision, int score, const char *reason,
                                char *why, size_t n) {
  if (!decision || (strcmp(decision, "approve") && strcmp(decision, "reject") && strcmp(decision, "request_changes")))
    return pheme_fail(PHEME_API_BAD_REQUEST, why, n, "decision must be approve, reject or request_changes");
  if (score < 0 || score > 100) return pheme_fail(PHEME_API_BAD_REQUEST, why, n, "score %d is outside 0..100", score);
  admin_ctx c = {a, admin_id, decision, reason ? reason : "", score, ""};
  pheme_err e = store_submission_step(p->store, a, sa, id, SUBV_PANEL, NULL, time_now_ms(), admin_decide, &c,
                                      NULL, NULL);
  snprintf(why, n, "%s", c.why);
  return e;
}

/* ---- metrics ---- */

void pipeline_metrics_collect(metrics_writer *w, void *store_) {
  arena a;
  arena_init(&a, 0);
  pipeline_stats st;
  pheme_err e = store_pipeline_stats(store_, &a, &st);
  mw_family(w, "pheme_submissions", METRIC_GAUGE, "Submissions by state.");
  for (int i = 0; !e && i < st.nstates; i++) mw_i64(w, (const char *[]){"state", st.states[i].state, NULL}, st.states[i].count);
  mw_family(w, "pheme_reviews", METRIC_GAUGE, "Signed validator reviews stored.");
  if (!e) mw_i64(w, NULL, st.reviews);
  mw_family(w, "pheme_disputes_open", METRIC_GAUGE, "Disputes not settled yet.");
  if (!e) mw_i64(w, NULL, st.disputes_open);
  mw_family(w, "pheme_outcomes_unconsumed", METRIC_GAUGE, "Approved outcomes the rewards engine has not taken yet.");
  if (!e) mw_i64(w, NULL, st.outcomes_unconsumed);
  mw_family(w, "pheme_validators_active", METRIC_GAUGE, "Registered validators that may be drawn.");
  if (!e) mw_i64(w, NULL, st.validators_active);
  mw_family(w, "pheme_validators_slashing_candidates", METRIC_GAUGE, "Validators listed as slashing candidates.");
  if (!e) mw_i64(w, NULL, st.slashing_candidates);
  mw_family(w, "pheme_pipeline_storage_up", METRIC_GAUGE, "Whether the pipeline's figures could be read (0: storage failed).");
  mw_i64(w, NULL, e ? 0 : 1);
  arena_release(&a);
}
