/* What every handler shares: pagination, body checks, error mapping, rendering, API keys. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "core/jsonw.h"
#include "core/util.h"
#include "eth/address.h"
#include "core/banned.h"

store_actor api_actor(http_req *r) { return (store_actor){r->who.user_id, r->id}; }

work_principal api_principal(const http_req *r) {
  work_principal p;
  memset(&p, 0, sizeof p);
  p.user_id = r->who.user_id;
  p.roles = r->who.roles;
  memcpy(p.address, r->who.address, 20);
  return p;
}

pheme_err api_page(http_req *r, store_page *p) {
  const char *lim = http_query(r, "limit"), *cur = http_query(r, "cursor");
  long long max = req_app(r)->cfg->page_limit_max, limit = max < 20 ? max : 20;
  if (lim && parse_int(lim, 1, max, &limit)) {
    return http_error(r, PHEME_API_BAD_REQUEST, "limit must be an integer from 1 to %lld", max);
  }
  p->before = 0;
  if (cur && *cur) {
    uint8_t b[8];
    long n = base64url_decode(b, sizeof b, cur, strlen(cur));
    int64_t id = 0;
    for (int i = 0; n == 8 && i < 8; i++) id = id << 8 | b[i];
    if (n != 8 || id <= 0) {
      return http_error(r, PHEME_API_BAD_CURSOR, "cursor '%.40s' is not one this API gave out", cur);
    }
    p->before = id;
  }
  p->limit = (int)limit + 1;
  return 0;
}

void api_page_open(jw *w) {
  jw_obj(w);
  jw_key(w, "items");
  jw_arr(w);
}

void api_page_close(jw *w, int n, const store_page *p, int64_t last_id) {
  jw_end(w);
  jw_key(w, "nextCursor");
  if (n >= p->limit && last_id > 0) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(last_id >> (56 - 8 * i));
    char text[16];
    base64url_encode(text, b, 8);
    jw_str(w, text);
  } else {
    jw_null(w);
  }
  jw_end(w);
}

int api_shown(int n, const store_page *p) { return n < p->limit ? n : p->limit - 1; }

void api_begin(buf *b, jw *w) {
  buf_init(b, API_ANSWER_MAX);
  jw_init(w, b);
  /* most answers fit in 4 KiB: one allocation instead of a doubling series */
  if (buf_reserve(b, 4000)) w->err = 1;
}

void api_send(http_req *r, int status, buf *b, jw *w) {
  if (w->err || w->depth != 0) {
    buf_release(b);
    http_error(r, PHEME_SYS_NOMEM, "the answer is larger than %d bytes", API_ANSWER_MAX);
    return;
  }
  size_t n;
  char *text = buf_detach(b, &n);
  http_body(r, status, text, n, "application/json");
}

pheme_err api_fail(http_req *r, pheme_err e, const char *subject) {
  switch (e) {
    case PHEME_DATA_NOT_FOUND: return http_error(r, e, "%s not found", subject);
    case PHEME_DATA_CONFLICT: return http_error(r, e, "%s conflicts with an existing record", subject);
    case PHEME_DATA_STATE: return http_error(r, e, "%s does not allow this in its current state", subject);
    case PHEME_DATA_INVALID: return http_error(r, e, "%s refers to something that does not exist or breaks a rule", subject);
    default: return http_error(r, e, NULL);
  }
}

pheme_err api_body(http_req *r, const char *schema, json_t **body) {
  /* the route's row names the schema; the handler names it too, and the two must agree */
  const api_schema *s = r->route ? r->route->body : NULL;
  if (!s || strcmp(s->name, schema) != 0)
    PHEME_BUG("route %s %s has body schema '%s', its handler expects '%s'", r->method, r->path,
              s ? s->name : "(none)", schema);
  if (!r->json) r->json = json_object();
  char msg[256];
  pheme_err e = json_check(r->json, s->fields, s->nfields, msg, sizeof msg);
  if (e) {
    return http_error(r, e, "%s", msg);
  }
  *body = r->json;
  return 0;
}

pheme_err api_id_param(http_req *r, const char *name, int64_t *id) {
  long long v;
  const char *t = http_param(r, name);
  if (!t || parse_int(t, 1, INT64_MAX, &v)) {
    return http_error(r, PHEME_API_BAD_REQUEST, "%s '%.40s' is not a positive integer", name, t ? t : "");
  }
  *id = v;
  return 0;
}

pheme_err api_address_param(http_req *r, const char *name, uint8_t out[20]) {
  const char *t = http_param(r, name);
  pheme_error why;
  if (!t || address_parse(out, t, strlen(t), 0, &why)) {
    return http_error(r, PHEME_API_BAD_REQUEST, "'%.60s' is not an address: %s", t ? t : "",
               t ? why.msg : "missing");
  }
  return 0;
}

/* ---- rendering ---- */

void api_address_write(jw *w, const uint8_t a[20]) {
  char text[ADDRESS_TEXT];
  jw_str(w, address_to_checksum(text, a));
}

json_t *api_address_json(const uint8_t a[20]) {
  char text[ADDRESS_TEXT];
  return json_string(address_to_checksum(text, a));
}

json_t *api_time_json(int64_t ms) {
  if (ms <= 0) return json_null();
  char t[TIME_RFC3339_TEXT];
  return time_format_rfc3339(t, ms) ? json_null() : json_string(t);
}

static int days_in_month(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 ? 28 + leap : d[m - 1];
}

static int digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int api_time_parse(const char *s, int64_t *ms) {
  /* YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM) */
  size_t n = strlen(s);
  if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
      s[16] != ':')
    return -1;
  int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2), h = digits(s + 11, 2),
      mi = digits(s + 14, 2), se = digits(s + 17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
      se > 59 || d > days_in_month(y, mo))
    return -1;
  const char *p = s + 19;
  int frac = 0, fd = 0;
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9') {
      if (fd < 3) frac = frac * 10 + (*p - '0');
      fd++;
      p++;
    }
    if (fd == 0) return -1;
    while (fd < 3) frac *= 10, fd++;
  }
  int off = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
    int oh = digits(p + 1, 2), om = digits(p + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return -1;
    off = (oh * 60 + om) * (*p == '+' ? 1 : -1);
    p += 6;
  } else {
    return -1;
  }
  if (*p) return -1;
  /* days from civil (Howard Hinnant's algorithm) */
  int yy = mo <= 2 ? y - 1 : y;
  int era = yy / 400, yoe = yy - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = (int64_t)era * 146097 + doe - 719468;
  *ms = ((days * 86400 + h * 3600 + mi * 60 + se) - (int64_t)off * 60) * 1000 + frac;
  return 0;
}

void api_user_fields(jw *w, const user *u) {
  jw_key(w, "address");
  api_address_write(w, u->address);
  jw_key(w, "displayName");
  jw_str(w, u->display_name);
  jw_key(w, "bio");
  jw_str(w, u->bio);
  jw_key(w, "roles");
  jw_arr(w);
  for (unsigned b = 1; b <= ROLE_ADMIN; b <<= 1)
    if (u->roles & b) jw_str(w, role_name(b));
  jw_end(w);
  jw_key(w, "createdAt");
  jw_time(w, u->created_at);
}

void api_user_write(jw *w, const user *u) {
  jw_obj(w);
  api_user_fields(w, u);
  jw_end(w);
}

void api_task_write(jw *w, const task *t) {
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, t->id);
  jw_key(w, "type");
  jw_str(w, t->type);
  jw_key(w, "title");
  jw_str(w, t->title);
  jw_key(w, "description");
  jw_str(w, t->description);
  jw_key(w, "difficulty");
  jw_int(w, t->difficulty);
  jw_key(w, "xpReward");
  jw_int(w, t->xp_reward);
  jw_key(w, "tokenReward");
  jw_str(w, t->token_reward);
  jw_key(w, "status");
  jw_str(w, t->status);
  jw_key(w, "creator");
  api_address_write(w, t->creator_address);
  jw_key(w, "guildId");
  if (t->guild_id) jw_int(w, t->guild_id); else jw_null(w);
  jw_key(w, "deadline");
  jw_time(w, t->deadline);
  jw_key(w, "skills");
  jw_arr(w);
  for (int i = 0; i < t->nskills; i++) {
    jw_obj(w);
    jw_key(w, "skill");
    jw_str(w, t->skills[i].slug);
    jw_key(w, "minLevel");
    jw_int(w, t->skills[i].min_level);
    jw_end(w);
  }
  jw_end(w);
  /* stored normalised by the API (tasks.c), so written as they are */
  jw_key(w, "requirements");
  jw_raw(w, t->requirements, "{}");
  jw_key(w, "validation");
  jw_raw(w, t->validation, "{}");
  jw_key(w, "createdAt");
  jw_time(w, t->created_at);
  jw_key(w, "updatedAt");
  jw_time(w, t->updated_at);
  jw_end(w);
}

void api_submission_write(jw *w, const submission *s) {
  jw_obj(w);
  api_submission_fields(w, s);
  jw_end(w);
}

void api_submission_fields(jw *w, const submission *s) {
  jw_key(w, "id");
  jw_int(w, s->id);
  jw_key(w, "taskId");
  jw_int(w, s->task_id);
  jw_key(w, "author");
  api_address_write(w, s->user_address);
  jw_key(w, "text");
  jw_str(w, s->text);
  jw_key(w, "evidence");
  jw_raw(w, s->evidence, "[]");
  jw_key(w, "state");
  jw_str(w, s->state);
  jw_key(w, "finalScore");
  if (s->final_score >= 0) jw_int(w, s->final_score); else jw_null(w);
  jw_key(w, "feedback");
  jw_str(w, s->feedback);
  jw_key(w, "createdAt");
  jw_time(w, s->created_at);
  jw_key(w, "updatedAt");
  jw_time(w, s->updated_at);
}

void api_guild_write(jw *w, const guild *g) {
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, g->id);
  jw_key(w, "slug");
  jw_str(w, g->slug);
  jw_key(w, "name");
  jw_str(w, g->name);
  jw_key(w, "type");
  jw_str(w, g->type);
  jw_key(w, "description");
  jw_str(w, g->description);
  jw_key(w, "memberCount");
  jw_int(w, g->member_count);
  jw_key(w, "createdAt");
  jw_time(w, g->created_at);
  jw_end(w);
}

void api_key_write(jw *w, const api_key *k) {
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, k->id);
  jw_key(w, "owner");
  api_address_write(w, k->address);
  jw_key(w, "prefix");
  jw_str(w, k->prefix);
  jw_key(w, "role");
  jw_str(w, k->role);
  jw_key(w, "label");
  jw_str(w, k->label);
  jw_key(w, "createdAt");
  jw_time(w, k->created_at);
  jw_key(w, "revokedAt");
  jw_time(w, k->revoked_at);
  jw_end(w);
}

void api_skill_write(jw *w, const skill *k) {
  jw_obj(w);
  jw_key(w, "slug");
  jw_str(w, k->slug);
  jw_key(w, "name");
  jw_str(w, k->name);
  jw_key(w, "domain");
  jw_str(w, k->domain);
  jw_key(w, "description");
  jw_str(w, k->description);
  jw_key(w, "parent");
  jw_str(w, k->parent);
  jw_end(w);
}

/* ---- API keys ---- */

#define KEY_PREFIX "phk_"

int api_key_generate(char out[64], uint8_t hash[32]) {
  uint8_t raw[32];
  if (random_bytes(raw, sizeof raw)) return -1;
  memcpy(out, KEY_PREFIX, 4);
  base64url_encode(out + 4, raw, sizeof raw);
  sha256(hash, out, strlen(out));
  return 0;
}

static unsigned roles_of_key(const char *role) {
  unsigned r = role_from_name(role);
  return r == ROLE_ADMIN ? (ROLE_USER | ROLE_CREATOR | ROLE_VALIDATOR | ROLE_ADMIN) : (ROLE_USER | r);
}

static int unsafe_method(const char *m) {
  return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

pheme_err api_authenticate(http_req *r, const char *authorization, principal *who, char *msg,
                           size_t msglen) {
  memset(who, 0, sizeof *who);
  who->kind = "";
  if (!authorization) {
    /* Cookie mode: only when the browser sends the session cookie. Bearer tokens need no CSRF
     * check (a browser never attaches them on its own); cookies do, on every unsafe method. */
    const char *cookie = auth_cookie(r, AUTH_COOKIE_ACCESS);
    if (!cookie) return PHEME_OK;
    /* On a public route a stale or unconfirmed cookie is ignored rather than refused, so that a
     * browser holding an expired access cookie can still refresh or sign in again. */
    int public_route = r->route && r->route->role == 0;
    pheme_err e = PHEME_OK;
    if (unsafe_method(r->method) && !auth_csrf_ok(r)) {
      snprintf(msg, msglen, "a request authenticated by cookie must send the " AUTH_COOKIE_CSRF
               " cookie's value in X-CSRF-Token");
      e = PHEME_AUTH_FORBIDDEN;
    }
    if (!e) e = auth_session_principal(r, cookie, who, msg, msglen);
    if (e && public_route) {
      memset(who, 0, sizeof *who);
      who->kind = "";
      msg[0] = 0;
      return PHEME_OK;
    }
    return e;
  }
  if (strncmp(authorization, "Bearer ", 7) != 0) {
    snprintf(msg, msglen, "Authorization must be 'Bearer <token>'");
    return PHEME_AUTH_INVALID;
  }
  const char *token = authorization + 7;
  if (strncmp(token, KEY_PREFIX, 4) != 0) return auth_session_principal(r, token, who, msg, msglen);
  if (strlen(token) != 4 + 43) {
    snprintf(msg, msglen, "API key '%.12s…' is not shaped like one", token);
    return PHEME_AUTH_INVALID;
  }
  uint8_t hash[32];
  sha256(hash, token, strlen(token));
  api_key k;
  pheme_err e = store_key_by_hash(req_store(r), &r->arena, hash, &k);
  if (e == PHEME_DATA_NOT_FOUND) {
    snprintf(msg, msglen, "API key '%.12s…' is not valid or was revoked", token);
    return PHEME_AUTH_INVALID;
  }
  if (e) return e;
  who->kind = "api_key";
  who->user_id = k.user_id;
  memcpy(who->address, k.address, 20);
  who->roles = roles_of_key(k.role);
  who->key_id = k.id;
  return PHEME_OK;
}

pheme_err api_authorize(const principal *who, unsigned need, char *msg, size_t msglen) {
  if (role_allows(who->roles, need)) return PHEME_OK;
  return pheme_fail(PHEME_AUTH_FORBIDDEN, msg, msglen, "this route needs the %s role", role_name(need));
}
