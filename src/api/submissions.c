/* The validation pipeline over HTTP: a submission with its timeline, assessments, panel, reviews,
 * disputes and outcome; a validator's signed review; a dispute; an admin's decision; the
 * validator's queue; validators registered by an admin. Thin adapters over validation/pipeline.h
 * (docs/validation.md, "The pipeline as built"; docs/api.md lists the error codes). */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/util.h"
#include "eth/address.h"
#include "store/chain_index.h"
#include "store/validation.h"
#include "validation/pipeline.h"
#include "work/tasks.h"
#include "core/banned.h"

static pipeline *pipe_of(http_req *r) {
  pipeline *p = req_app(r)->pipeline;
  if (!p) http_error(r, PHEME_API_UNAVAILABLE, "the validation pipeline is not running");
  return p;
}

/* accuracy as a decimal share with six digits, exactly what is stored */
static void validator_write_full(jw *w, const validator_row *v) {
  char acc[16];
  snprintf(acc, sizeof acc, "%d.%06d", v->accuracy_ppm / 1000000, v->accuracy_ppm % 1000000);
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, v->id);
  jw_key(w, "address");
  api_address_write(w, v->address);
  jw_key(w, "stake");
  jw_str(w, v->stake);
  jw_key(w, "domains");
  jw_raw(w, v->domains, "[]");
  jw_key(w, "status");
  jw_str(w, v->status);
  jw_key(w, "accuracy");
  jw_raw(w, acc, "0");
  jw_key(w, "outlierStreak");
  jw_int(w, v->outlier_streak);
  jw_key(w, "slashingCandidate");
  jw_bool(w, v->slashing_candidate);
  jw_end(w);
}

static void hex_write(jw *w, const uint8_t *p, size_t n) {
  char hex[2 * 65 + 3] = "0x";
  bytes_to_hex(hex + 2, p, n);
  jw_str(w, hex);
}

void api_submission_view_write(jw *w, const sub_view *v) {
  jw_obj(w);
  api_submission_fields(w, &v->sub);
  jw_key(w, "round");
  jw_int(w, v->round);
  jw_key(w, "timeline");
  jw_arr(w);
  for (int i = 0; i < v->nevents; i++) {
    const sub_event_row *e = &v->events[i];
    jw_obj(w);
    jw_key(w, "event");
    jw_str(w, e->event);
    jw_key(w, "from");
    if (e->from[0]) jw_str(w, e->from); else jw_null(w);
    jw_key(w, "to");
    jw_str(w, e->to);
    jw_key(w, "actor");
    jw_str(w, e->actor);
    jw_key(w, "at");
    jw_time(w, e->at);
    jw_key(w, "detail");
    jw_raw(w, e->detail, "{}");
    jw_end(w);
  }
  jw_end(w);
  jw_key(w, "assessments");
  jw_arr(w);
  for (int i = 0; i < v->nassessments; i++) {
    const assessment_row *a = &v->assessments[i];
    jw_obj(w);
    jw_key(w, "assessor");
    jw_str(w, a->assessor);
    jw_key(w, "model");
    jw_str(w, a->model);
    jw_key(w, "ok");
    jw_bool(w, a->ok);
    jw_key(w, "scores");
    jw_raw(w, a->scores, "[]");
    jw_key(w, "overall");
    if (a->overall >= 0) jw_int(w, a->overall); else jw_null(w);
    jw_key(w, "confidence");
    if (a->confidence_ppm >= 0) {
      char c[16];
      snprintf(c, sizeof c, "%d.%06d", a->confidence_ppm / 1000000, a->confidence_ppm % 1000000);
      jw_raw(w, c, "null");
    } else {
      jw_null(w);
    }
    jw_key(w, "feedback");
    jw_str(w, a->feedback);
    jw_key(w, "reason");
    jw_str(w, a->reason);
    jw_key(w, "record");
    jw_raw(w, a->record, "{}");
    jw_key(w, "at");
    jw_time(w, a->created_at);
    jw_end(w);
  }
  jw_end(w);
  jw_key(w, "panel");
  jw_arr(w);
  for (int i = 0; i < v->nseats; i++) {
    jw_obj(w);
    jw_key(w, "round");
    jw_int(w, v->seats[i].round);
    jw_key(w, "validator");
    api_address_write(w, v->seats[i].v.address);
    jw_end(w);
  }
  jw_end(w);
  jw_key(w, "reviews");
  jw_arr(w);
  for (int i = 0; i < v->nreviews; i++) {
    const review_row *rv = &v->reviews[i];
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, rv->id);
    jw_key(w, "round");
    jw_int(w, rv->round);
    jw_key(w, "validator");
    api_address_write(w, rv->validator_address);
    jw_key(w, "score");
    jw_int(w, rv->score);
    jw_key(w, "criteria");
    jw_raw(w, rv->criteria, "[]");
    jw_key(w, "feedback");
    jw_str(w, rv->feedback);
    jw_key(w, "signature");
    hex_write(w, rv->signature, 65);
    jw_key(w, "signer");
    api_address_write(w, rv->signer);
    jw_key(w, "at");
    jw_time(w, rv->created_at);
    jw_end(w);
  }
  jw_end(w);
  jw_key(w, "disputes");
  jw_arr(w);
  for (int i = 0; i < v->ndisputes; i++) {
    const dispute_row *d = &v->disputes[i];
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, d->id);
    jw_key(w, "round");
    jw_int(w, d->round);
    jw_key(w, "reason");
    jw_str(w, d->reason);
    jw_key(w, "disputed");
    jw_str(w, d->first_state);
    jw_key(w, "firstScore");
    if (d->first_score >= 0) jw_int(w, d->first_score); else jw_null(w);
    jw_key(w, "outcome");
    if (d->outcome[0]) jw_str(w, d->outcome); else jw_null(w);
    jw_key(w, "finalScore");
    if (d->final_score >= 0) jw_int(w, d->final_score); else jw_null(w);
    jw_key(w, "openedAt");
    jw_time(w, d->created_at);
    jw_key(w, "resolvedAt");
    if (d->resolved_at) jw_time(w, d->resolved_at); else jw_null(w);
    jw_end(w);
  }
  jw_end(w);
  jw_key(w, "outcome");
  if (v->has_outcome) {
    jw_obj(w);
    jw_key(w, "taskId");
    jw_int(w, v->outcome.task_id);
    jw_key(w, "finalScore");
    jw_int(w, v->outcome.final_score);
    jw_key(w, "skills");
    jw_raw(w, v->outcome.skills, "[]");
    jw_key(w, "createdAt");
    jw_time(w, v->outcome.created_at);
    jw_key(w, "consumed");
    jw_bool(w, v->outcome.consumed_at != 0);
    jw_end(w);
  } else {
    jw_null(w);
  }
  jw_end(w);
}

/* Answers the submission as it is now. */
static void answer_view(http_req *r, int status, int64_t id) {
  sub_view v;
  pheme_err e = store_submission_view(req_store(r), &r->arena, id, SUBV_TIMELINE | SUBV_PANEL, &v);
  if (e) {
    api_fail(r, e, "submission");
    return;
  }
  API_ANSWER(r, status, api_submission_view_write, &v);
}

void api_submission_answer(http_req *r, int64_t id) { answer_view(r, 200, id); }

/* Answers an engine's refusal with its sentence, or the code's message. */
static void refuse(http_req *r, pheme_err e, const char *why, const char *subject) {
  if (why[0]) http_error(r, e, "%s", why);
  else api_fail(r, e, subject);
}

/* ---- POST /api/v1/submissions/:id/reviews ---- */

void submissions_review(http_req *r) {
  int64_t id;
  json_t *b;
  if (api_id_param(r, "id", &id) || api_body(r, "ReviewPost", &b)) return;
  pipeline *p = pipe_of(r);
  if (!p) return;
  store_actor sa = api_actor(r);
  char why[512];
  int64_t rid = 0;
  /* the signed body itself, parsed strictly (validation/review.h): what is stored is what was signed */
  pheme_err e = pipeline_review_post(p, &r->arena, &sa, r->who.user_id, id, r->body.data, r->body.len, &rid,
                                     why, sizeof why);
  if (e) {
    refuse(r, e, why, "submission");
    return;
  }
  answer_view(r, 201, id);
}

/* ---- POST /api/v1/submissions/:id/resubmit ---- */

void submissions_resubmit(http_req *r) {
  int64_t id;
  json_t *b;
  if (api_id_param(r, "id", &id) || api_body(r, "SubmissionCreate", &b)) return;
  const json_t *evidence = json_object_get(b, "evidence");
  if (evidence && api_evidence_stored(r, evidence)) return;
  pipeline *p = pipe_of(r);
  if (!p) return;
  store_actor sa = api_actor(r);
  work_principal who = api_principal(r);
  char why[512];
  pheme_err e = pipeline_resubmit(p, &r->arena, &sa, &who, id, json_str(b, "text", ""), evidence, why, sizeof why);
  if (e) {
    refuse(r, e, why, "submission");
    return;
  }
  answer_view(r, 200, id);
}

/* ---- POST /api/v1/submissions/:id/disputes ---- */

void submissions_dispute(http_req *r) {
  int64_t id;
  json_t *b;
  if (api_id_param(r, "id", &id) || api_body(r, "DisputeCreate", &b)) return;
  pipeline *p = pipe_of(r);
  if (!p) return;
  store_actor sa = api_actor(r);
  char why[512];
  int64_t did = 0;
  pheme_err e = pipeline_dispute_open(p, &r->arena, &sa, r->who.user_id, id, json_str(b, "reason", ""), &did,
                                      why, sizeof why);
  if (e) {
    refuse(r, e, why, "submission");
    return;
  }
  answer_view(r, 201, id);
}

/* ---- POST /api/v1/submissions/:id/decision (admin) ---- */

void submissions_decision(http_req *r) {
  int64_t id;
  json_t *b;
  if (api_id_param(r, "id", &id) || api_body(r, "AdminDecision", &b)) return;
  pipeline *p = pipe_of(r);
  if (!p) return;
  store_actor sa = api_actor(r);
  char why[512];
  pheme_err e = pipeline_admin_decide(p, &r->arena, &sa, r->who.user_id, id, json_str(b, "decision", ""),
                                      (int)json_int(b, "score", -1), json_str(b, "reason", ""), why, sizeof why);
  if (e) {
    refuse(r, e, why, "submission");
    return;
  }
  answer_view(r, 200, id);
}

/* ---- GET /api/v1/validators/me/queue ---- */

void validators_queue(http_req *r) {
  pipeline *p = pipe_of(r);
  if (!p) return;
  validator_row v;
  pheme_err e = store_validator_by_user(req_store(r), &r->arena, r->who.user_id, &v);
  if (e == PHEME_DATA_NOT_FOUND) {
    http_error(r, e, "you are not a registered validator");
    return;
  }
  if (e) {
    api_fail(r, e, "validator");
    return;
  }
  submission *subs;
  int *rounds, n = 0;
  e = store_validator_queue(req_store(r), &r->arena, v.id, 100, &subs, &rounds, &n);
  if (e) {
    api_fail(r, e, "queue");
    return;
  }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "validator");
  validator_write_full(&w, &v);
  /* what a review is signed in (validation/review.h) */
  jw_key(&w, "domain");
  jw_obj(&w);
  jw_key(&w, "name");
  jw_str(&w, "PhemeValidatorRegistry");
  jw_key(&w, "version");
  jw_str(&w, "1");
  jw_key(&w, "chainId");
  jw_int(&w, (long long)p->domain.chain_id);
  jw_key(&w, "verifyingContract");
  api_address_write(&w, p->domain.verifying_contract);
  jw_end(&w);
  jw_key(&w, "items");
  jw_arr(&w);
  for (int i = 0; i < n; i++) {
    jw_obj(&w);
    api_submission_fields(&w, &subs[i]);
    jw_key(&w, "round");
    jw_int(&w, rounds[i]);
    jw_end(&w);
  }
  jw_end(&w);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

/* ---- validators, registered by an admin ---- */

/* POST /api/v1/admin/validators/:address/slash */
void admin_validator_slash(http_req *r) {
  uint8_t a[20];
  json_t *b;
  if (api_address_param(r, "address", a) || api_body(r, "ValidatorSlash", &b)) return;
  pipeline *p = pipe_of(r);
  if (!p) return;
  const chain_suite *suite = req_app(r)->suite;
  if (!suite) {
    http_error(r, PHEME_DATA_STATE, "no chain is configured: a slash is sent to ValidatorRegistry on chain");
    return;
  }
  store_actor sa = api_actor(r);
  char why[300];
  int64_t intent = 0;
  pheme_err e = pipeline_slash(p, &r->arena, &sa, suite, a, json_str(b, "amount", NULL),
                               json_is_true(json_object_get(b, "burn")), json_str(b, "reason", ""), &intent, why,
                               sizeof why);
  if (e) {
    refuse(r, e, why, "validator");
    return;
  }
  http_json(r, 202, json_pack("{s:I,s:s,s:s}", "intentId", (json_int_t)intent, "kind", "validator.slash", "state",
                              "queued"));
}

void admin_validator_put(http_req *r) {
  uint8_t a[20];
  json_t *b;
  if (api_address_param(r, "address", a) || api_body(r, "ValidatorPut", &b)) return;
  const char *stake = json_str(b, "stake", NULL);
  if (!stake) {
    /* no stake given: the chain's, as indexed from PhemeStaking */
    uint64_t chain = (uint64_t)req_app(r)->cfg->chain_id;
    if (!chain && store_chain_default(req_store(r), &chain)) chain = 0;
    if (!chain) {
      http_error(r, PHEME_API_BAD_REQUEST, "stake is required when no chain is configured");
      return;
    }
    char k[43];
    address_format_hex(k, a);
    chain_entity ce;
    pheme_err e = store_chain_entity(req_store(r), &r->arena, chain, "stake", k, &ce);
    if (e == PHEME_DATA_NOT_FOUND || (!e && (!ce.amount || strcmp(ce.amount, "0") == 0))) {
      http_error(r, PHEME_DATA_STATE, "%s has no stake indexed on chain %llu", k, (unsigned long long)chain);
      return;
    }
    if (e) {
      api_fail(r, e, "stake");
      return;
    }
    stake = ce.amount;
  }
  const json_t *domains = json_object_get(b, "domains");
  char *dtext = domains ? json_dumps(domains, JSON_COMPACT) : NULL;
  const char *dom = dtext ? arena_strdup(&r->arena, dtext) : "[]";
  free(dtext);
  store_actor sa = api_actor(r);
  user u;
  int created;
  pheme_err e = store_user_ensure(req_store(r), &r->arena, &sa, a, &u, &created);
  validator_row v;
  if (!e) e = store_validator_put(req_store(r), &r->arena, &sa, u.id, a, stake, dom, &v);
  if (e) {
    api_fail(r, e, "validator");
    return;
  }
  API_ANSWER(r, 200, validator_write_full, &v);
}

void admin_validators_list(http_req *r) {
  const char *q = http_query(r, "candidates");
  validator_row *list;
  int n = 0;
  pheme_err e = store_validators_list(req_store(r), &r->arena, q && strcmp(q, "1") == 0, &list, &n);
  if (e) {
    api_fail(r, e, "validators");
    return;
  }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "items");
  jw_arr(&w);
  for (int i = 0; i < n; i++) validator_write_full(&w, &list[i]);
  jw_end(&w);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}
