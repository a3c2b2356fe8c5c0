/* /api/v1/webhooks: a person's webhooks and their delivery logs (docs/internals/events.md).
 * A webhook's URL is checked when it is made or changed (jobs/webhooks.h: http(s), no
 * credentials, a host whose addresses are all public unless webhooks_allow_private) and again
 * at every delivery. The secret is shown once, in the answer to the creation. */
#include <stdio.h>
#include <string.h>

#include "api/events_out.h"
#include "core/util.h"
#include "jobs/webhooks.h"
#include "store/events.h"
#include "core/banned.h"

static void hook_write(jw *w, const webhook *h, int with_secret) {
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, h->id);
  jw_key(w, "url");
  jw_str(w, h->url);
  jw_key(w, "events");
  jw_arr(w);
  for (const char *p = h->events; *p;) {
    size_t n = strcspn(p, ",");
    jw_strn(w, p, n);
    p += n;
    if (*p == ',') p++;
  }
  jw_end(w);
  jw_key(w, "active");
  jw_bool(w, h->active);
  if (with_secret) {
    jw_key(w, "secret");
    jw_str(w, h->secret);
  }
  jw_key(w, "createdAt");
  jw_time(w, h->created_at);
  jw_key(w, "updatedAt");
  jw_time(w, h->updated_at);
  jw_end(w);
}

static void hook_item(jw *w, const webhook *h) { hook_write(w, h, 0); }

static void delivery_item(jw *w, const webhook_delivery *d) {
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, d->id);
  jw_key(w, "eventId");
  jw_int(w, d->event_id);
  jw_key(w, "attempt");
  jw_int(w, d->attempt);
  jw_key(w, "outcome");
  jw_str(w, d->outcome);
  jw_key(w, "status");
  if (d->status) jw_int(w, d->status);
  else jw_null(w);
  jw_key(w, "error");
  jw_str(w, d->error);
  jw_key(w, "durationMs");
  jw_int(w, d->duration_ms);
  jw_key(w, "at");
  jw_time(w, d->at);
  jw_end(w);
}

/* The "events" array as a comma-separated list in r's arena; answers 400 and returns NULL when
 * it is not an array of valid kinds. */
static const char *kinds_of(http_req *r, json_t *arr) {
  buf b;
  buf_init(&b, EVENTS_KINDS_MAX + 1);
  size_t i;
  json_t *v;
  int err = 0;
  json_array_foreach(arr, i, v) {
    if (!json_is_string(v)) {
      buf_release(&b);
      http_error(r, PHEME_API_BAD_REQUEST, "field 'events' must be an array of event kinds (strings)");
      return NULL;
    }
    if (i) err |= buf_addc(&b, ',');
    err |= buf_adds(&b, json_string_value(v));
  }
  char msg[200];
  if (err || events_kinds_check(b.len ? b.data : "", msg, sizeof msg)) {
    if (err) snprintf(msg, sizeof msg, "the list of kinds is over %d characters", EVENTS_KINDS_MAX);
    buf_release(&b);
    http_error(r, PHEME_API_BAD_REQUEST, "field 'events': %s", msg);
    return NULL;
  }
  const char *out = arena_strdup(&r->arena, b.data);
  buf_release(&b);
  if (!out) http_error(r, PHEME_SYS_NOMEM, NULL);
  return out;
}

static pheme_err url_ok(http_req *r, const char *url) {
  webhook_target t;
  char msg[400];
  pheme_err e = webhook_target_check(url, req_app(r)->cfg->webhooks_allow_private, &t, msg, sizeof msg);
  if (e) return http_error(r, e, "%s", msg);
  return PHEME_OK;
}

/* The caller's own webhook named by :id; answers 404 (also for another person's) and returns the
 * code. Admins may read any. */
static pheme_err own_hook(http_req *r, webhook *h) {
  int64_t id;
  PHEME_TRY(api_id_param(r, "id", &id));
  pheme_err e = store_webhook_get(req_store(r), &r->arena, id, h);
  if (!e && h->user_id != r->who.user_id && !(r->who.roles & ROLE_ADMIN)) e = PHEME_DATA_NOT_FOUND;
  if (e) return api_fail(r, e, arena_printf(&r->arena, "webhook %lld", (long long)id));
  return PHEME_OK;
}

void webhooks_create(http_req *r) {
  json_t *b;
  if (api_body(r, "WebhookCreate", &b)) return;
  webhook h = {0};
  h.user_id = r->who.user_id;
  h.url = json_string_value(json_object_get(b, "url"));
  if (!(h.events = kinds_of(r, json_object_get(b, "events")))) return;
  if (url_ok(r, h.url)) return;
  uint8_t raw[32];
  char hex[65];
  if (random_bytes(raw, sizeof raw)) {
    http_error(r, PHEME_SYS_INTERNAL, "no randomness for the webhook's secret");
    return;
  }
  bytes_to_hex(hex, raw, sizeof raw);
  h.secret = arena_printf(&r->arena, "whsec_%s", hex);
  store_actor who = api_actor(r);
  pheme_err e = store_webhook_create(req_store(r), &who, &h);
  if (e == PHEME_DATA_CONFLICT) {
    http_error(r, e, "a person may have at most %d webhooks", WEBHOOKS_PER_PERSON_MAX);
    return;
  }
  if (e) {
    api_fail(r, e, "webhook");
    return;
  }
  buf out;
  jw w;
  api_begin(&out, &w);
  hook_write(&w, &h, 1);
  api_send(r, 201, &out, &w);
}

void webhooks_list(http_req *r) {
  store_page p;
  if (api_page(r, &p)) return;
  webhook *list;
  int n;
  pheme_err e = store_webhooks_list(req_store(r), &r->arena, r->who.user_id, &p, &list, &n);
  if (e) {
    api_fail(r, e, "webhooks");
    return;
  }
  API_ANSWER_PAGE(r, list, n, &p, hook_item, id);
}

void webhooks_get(http_req *r) {
  webhook h;
  if (own_hook(r, &h)) return;
  API_ANSWER(r, 200, hook_item, &h);
}

void webhooks_update(http_req *r) {
  json_t *b;
  if (api_body(r, "WebhookUpdate", &b)) return;
  webhook h;
  if (own_hook(r, &h)) return;
  const char *url = json_string_value(json_object_get(b, "url"));
  const char *kinds = NULL;
  json_t *ev = json_object_get(b, "events"), *act = json_object_get(b, "active");
  if (ev && !(kinds = kinds_of(r, ev))) return;
  if (url && url_ok(r, url)) return;
  store_actor who = api_actor(r);
  pheme_err e = store_webhook_update(req_store(r), &who, h.id, url, kinds, act ? json_is_true(act) : -1);
  if (!e) e = store_webhook_get(req_store(r), &r->arena, h.id, &h);
  if (e) {
    api_fail(r, e, arena_printf(&r->arena, "webhook %lld", (long long)h.id));
    return;
  }
  API_ANSWER(r, 200, hook_item, &h);
}

void webhooks_delete(http_req *r) {
  webhook h;
  if (own_hook(r, &h)) return;
  store_actor who = api_actor(r);
  pheme_err e = store_webhook_delete(req_store(r), &who, h.id);
  if (e) {
    api_fail(r, e, arena_printf(&r->arena, "webhook %lld", (long long)h.id));
    return;
  }
  http_no_content(r);
}

void webhooks_deliveries(http_req *r) {
  webhook h;
  if (own_hook(r, &h)) return;
  store_page p;
  if (api_page(r, &p)) return;
  webhook_delivery *list;
  int n;
  pheme_err e = store_webhook_deliveries(req_store(r), &r->arena, h.id, &p, &list, &n);
  if (e) {
    api_fail(r, e, "deliveries");
    return;
  }
  API_ANSWER_PAGE(r, list, n, &p, delivery_item, id);
}
