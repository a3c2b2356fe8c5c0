/* Operations endpoints: liveness, readiness, metrics, the OpenAPI document. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/banned.h"

void ops_healthz(http_req *r) { http_json(r, 200, json_pack("{s:s}", "status", "ok")); }

void ops_readyz(http_req *r) {
  char why[200];
  if (store_ready(req_store(r), why, sizeof why)) {
    http_error(r, PHEME_SYS_STORAGE, "not ready: %s", why);
    return;
  }
  http_json(r, 200, json_pack("{s:s,s:s}", "status", "ready", "storage", store_driver_name(req_store(r))));
}

void ops_metrics(http_req *r) {
  buf out;
  buf_init(&out, 4u << 20);
  int err = metrics_render(req_app(r)->metrics, &out);
  if (err) {
    buf_release(&out);
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  size_t n;
  char *text = buf_detach(&out, &n);
  free(r->out);
  r->out = text;
  r->out_len = n;
  r->status = 200;
  r->content_type = "text/plain; version=0.0.4; charset=utf-8";
  r->answered = 1;
}

void ops_openapi(http_req *r) {
  json_t *doc = api_openapi(req_app(r)->cfg->public_url);
  if (!doc) {
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  http_json(r, 200, doc);
}
