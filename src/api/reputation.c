/* Reputation over HTTP (docs/api.md, docs/reputation.md): a person's score, its receipt
 * (explain), its history, its Merkle proof in the newest epoch, batch lookups of up to 10,000
 * addresses, and endorsements. The engine (src/reputation) does the work; these parse and render. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/util.h"
#include "eth/address.h"
#include "reputation/reputation.h"
#include "store/reputation.h"
#include "core/banned.h"

static pheme_err engine(http_req *r, rep_engine *e) {
  char why[200];
  pheme_err err = rep_engine_init(e, req_store(r), req_app(r)->cfg, why, sizeof why);
  if (err) return http_error(r, err, "%s", why);
  return PHEME_OK;
}

/* Micro-points as a JSON number of points with six decimals ("12.345678"), written backwards
 * from the end of s (room for 32); returns where it starts. By hand because a batch answer holds
 * 40,000 of them. upt is 0..100000000. */
static char *points_text(char s[32], int64_t upt) {
  char *p = s + 31;
  uint64_t v = upt < 0 ? 0 : (uint64_t)upt;
  *p = 0;
  for (int i = 0; i < 6; i++, v /= 10) *--p = (char)('0' + v % 10);
  *--p = '.';
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return p;
}

static void points(jw *w, const char *key, int64_t upt) {
  char s[32];
  jw_key(w, key);
  jw_raw(w, points_text(s, upt), "0");
}

/* Appends text to *p (within end); the batch's items are written as one raw value each. */
static void put_text(char **p, const char *end, const char *text) {
  size_t n = strlen(text);
  if (n > (size_t)(end - *p)) n = (size_t)(end - *p);
  memcpy(*p, text, n);
  *p += n;
}

static void domains(jw *w, const int64_t d[3]) {
  jw_key(w, "domains");
  jw_obj(w);
  for (int i = 0; i < REP_DOMAINS; i++) points(w, rep_domain_names[i], d[i]);
  jw_end(w);
}

static pheme_err person(http_req *r, uint8_t addr[20], user *u) {
  PHEME_TRY(api_address_param(r, "address", addr));
  pheme_err e = store_user_by_address(req_store(r), &r->arena, addr, u);
  if (e == PHEME_DATA_NOT_FOUND) {
    char text[ADDRESS_TEXT];
    return http_error(r, e, "no PHEME account holds %s", address_to_checksum(text, addr));
  }
  if (e) return api_fail(r, e, "person");
  return PHEME_OK;
}

static void score_fields(jw *w, const store_rep_score *sc, int found) {
  points(w, "score", found ? sc->score : 0);
  if (found) {
    domains(w, sc->domain);
    jw_key(w, "formula");
    jw_str(w, sc->formula_version);
    jw_key(w, "asOf");
    jw_time(w, sc->as_of);
  }
  jw_key(w, "computed");
  jw_bool(w, found);
}

pheme_err api_reputation_wallet(http_req *r, jw *w, int64_t user_id) {
  store_rep_score sc;
  pheme_err e = store_rep_score_get(req_store(r), &r->arena, user_id, &sc);
  if (e && e != PHEME_DATA_NOT_FOUND) return e;
  jw_key(w, "reputation");
  jw_obj(w);
  score_fields(w, &sc, e == PHEME_OK);
  jw_end(w);
  return PHEME_OK;
}

void reputation_get(http_req *r) {
  uint8_t addr[20];
  user u;
  if (person(r, addr, &u)) return;
  store_rep_score sc;
  pheme_err e = store_rep_score_get(req_store(r), &r->arena, u.id, &sc);
  if (e && e != PHEME_DATA_NOT_FOUND) { api_fail(r, e, "reputation"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "address");
  api_address_write(&w, addr);
  score_fields(&w, &sc, e == PHEME_OK);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

void reputation_explain(http_req *r) {
  uint8_t addr[20];
  user u;
  rep_engine eng;
  if (person(r, addr, &u) || engine(r, &eng)) return;
  json_t *rc;
  pheme_err e = rep_explain(&eng, &r->arena, u.id, time_now_ms(), &rc);
  if (e) { api_fail(r, e, "reputation"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_value(&w, rc);
  json_decref(rc);
  api_send(r, 200, &b, &w);
}

static void history_write(jw *w, const store_rep_score *h) {
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, h->history_id);
  points(w, "score", h->score);
  jw_key(w, "previous");
  if (h->previous >= 0) {
    char s[32];
    snprintf(s, sizeof s, "%lld.%06lld", (long long)(h->previous / 1000000), (long long)(h->previous % 1000000));
    jw_raw(w, s, "null");
  } else {
    jw_null(w);
  }
  jw_key(w, "formula");
  jw_str(w, h->formula_version);
  char hex[67] = "0x";
  bytes_to_hex(hex + 2, h->inputs_digest, 32);
  jw_key(w, "inputsDigest");
  jw_str(w, hex);
  jw_key(w, "asOf");
  jw_time(w, h->as_of);
  jw_key(w, "receipt");
  jw_raw(w, h->receipt, "null");
  jw_end(w);
}

void reputation_history(http_req *r) {
  uint8_t addr[20];
  user u;
  store_page p;
  if (person(r, addr, &u) || api_page(r, &p)) return;
  store_rep_score *list;
  int n;
  pheme_err e = store_rep_history(req_store(r), &r->arena, u.id, &p, &list, &n);
  if (e) { api_fail(r, e, "reputation history"); return; }
  API_ANSWER_PAGE(r, list, n, &p, history_write, history_id);
}

void reputation_proof(http_req *r) {
  uint8_t addr[20];
  rep_engine eng;
  if (api_address_param(r, "address", addr) || engine(r, &eng)) return;
  rep_proof *pf = arena_alloc(&r->arena, sizeof *pf);
  if (!pf) { api_fail(r, PHEME_SYS_NOMEM, "proof"); return; }
  pheme_err e = rep_epoch_proof(&eng, &r->arena, addr, pf);
  if (e == PHEME_DATA_NOT_FOUND) {
    char text[ADDRESS_TEXT];
    http_error(r, e, "no published epoch holds a score for %s", address_to_checksum(text, addr));
    return;
  }
  if (e) { api_fail(r, e, "proof"); return; }
  buf b;
  jw w;
  char hex[67] = "0x";
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "address");
  api_address_write(&w, addr);
  jw_key(&w, "score");
  jw_int(&w, pf->score);
  jw_key(&w, "round");
  jw_int(&w, pf->round);
  bytes_to_hex(hex + 2, pf->root, 32);
  jw_key(&w, "root");
  jw_str(&w, hex);
  jw_key(&w, "proof");
  jw_arr(&w);
  for (int i = 0; i < pf->nproof; i++) {
    bytes_to_hex(hex + 2, pf->proof[i], 32);
    jw_str(&w, hex);
  }
  jw_end(&w);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

void reputation_batch(http_req *r) {
  json_t *body;
  if (api_body(r, "ReputationBatch", &body)) return;
  json_t *list = json_object_get(body, "addresses");
  size_t n = json_array_size(list);
  uint8_t(*addrs)[20] = arena_alloc(&r->arena, 20 * (n ? n : 1));
  store_rep_lookup *out = arena_alloc(&r->arena, sizeof *out * (n ? n : 1));
  char(*text)[ADDRESS_TEXT] = arena_alloc(&r->arena, ADDRESS_TEXT * (n ? n : 1));
  if (!addrs || !out || !text) { api_fail(r, PHEME_SYS_NOMEM, "batch"); return; }
  for (size_t i = 0; i < n; i++) {
    const char *t = json_string_value(json_array_get(list, i));
    if (!t || address_parse_hex(addrs[i], t)) {
      http_error(r, PHEME_API_BAD_REQUEST, "addresses[%zu] '%.60s' is not an address", i, t ? t : "(not a string)");
      return;
    }
  }
  pheme_err e = rep_lookup_many(req_store(r), &r->arena, (const uint8_t(*)[20])addrs, (int)n, out, text);
  if (e) { api_fail(r, e, "batch"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "items");
  jw_arr(&w);
  for (size_t i = 0; i < n; i++) {
    /* {"address":…,"score":…,"domains":{…},"known":…}, as jw writes it, in one piece */
    char item[320], num[32], *p = item;
    const char *end = item + sizeof item - 1;
    put_text(&p, end, "{\"address\":\"");
    put_text(&p, end, text[i]);
    put_text(&p, end, "\",\"score\":");
    put_text(&p, end, points_text(num, out[i].found ? out[i].score : 0));
    put_text(&p, end, ",\"domains\":{");
    for (int d = 0; d < REP_DOMAINS; d++) {
      put_text(&p, end, d ? ",\"" : "\"");
      put_text(&p, end, rep_domain_names[d]);
      put_text(&p, end, "\":");
      put_text(&p, end, points_text(num, out[i].found ? out[i].domain[d] : 0));
    }
    put_text(&p, end, out[i].found ? "},\"known\":true}" : "},\"known\":false}");
    *p = 0;
    jw_raw(&w, item, "null");
  }
  jw_end(&w);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

void endorsements_create(http_req *r) {
  json_t *body;
  rep_engine eng;
  if (api_body(r, "EndorsementCreate", &body) || engine(r, &eng)) return;
  uint8_t to[20];
  const char *addr = json_str(body, "address", ""), *slug = json_str(body, "skill", "");
  if (address_parse_hex(to, addr)) {
    http_error(r, PHEME_API_BAD_REQUEST, "address '%.60s' is not an address", addr);
    return;
  }
  work_principal p = {.user_id = r->who.user_id, .roles = r->who.roles};
  memcpy(p.address, r->who.address, 20);
  store_actor who = api_actor(r);
  store_rep_endorsement en;
  pheme_err e = rep_endorse(&eng, &r->arena, &p, &who, to, slug, &en);
  char text[ADDRESS_TEXT];
  switch (e) {
    case PHEME_OK: break;
    case PHEME_REP_SELF: http_error(r, e, "you may not endorse yourself (%s)", address_to_checksum(text, to)); return;
    case PHEME_REP_UNKNOWN_SKILL: http_error(r, e, "unknown skill '%.64s'", slug); return;
    case PHEME_REP_DUPLICATE:
      http_error(r, e, "you endorsed %s in '%.64s' already", address_to_checksum(text, to), slug);
      return;
    case PHEME_DATA_NOT_FOUND: http_error(r, e, "no PHEME account holds %s", address_to_checksum(text, to)); return;
    default: api_fail(r, e, "endorsement"); return;
  }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "id");
  jw_int(&w, en.id);
  jw_key(&w, "from");
  api_address_write(&w, en.from_address);
  jw_key(&w, "to");
  api_address_write(&w, to);
  jw_key(&w, "skill");
  jw_str(&w, en.skill);
  jw_key(&w, "weight");
  jw_int(&w, en.weight);
  jw_key(&w, "source");
  jw_str(&w, en.source);
  jw_key(&w, "createdAt");
  jw_time(&w, en.created_at);
  jw_end(&w);
  api_send(r, 201, &b, &w);
}
