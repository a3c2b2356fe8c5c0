/* Operations endpoints: liveness, readiness, metrics, the OpenAPI document. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/redis.h"
#include "store/chain_index.h"
#include "core/banned.h"

void ops_healthz(http_req *r) { http_json(r, 200, json_pack("{s:s}", "status", "ok")); }

/* Ready when the database answers with the schema this build needs (503 otherwise). Each
 * dependency is named with its state: the database; the read replica when one is configured ("up",
 * "down" while reads go to the primary, "unknown" before its first check); Redis ("off" when not configured, "down" while
 * this node uses its own rate limits instead); the chain ("off", "up", "halted" past a deep reorg).
 * A Redis or a replica that is down, or a halted indexer, leave the node ready, listed under
 * "degraded". */
void ops_readyz(http_req *r) {
  char why[200];
  store *s = req_store(r);
  if (store_ready(s, why, sizeof why)) {
    http_error(r, PHEME_SYS_STORAGE, "not ready: %s", why);
    return;
  }
  app *a = req_app(r);
  json_t *deps = json_pack("{s:{s:s,s:s}}", "database", "state", "up", "driver", store_driver_name(s));
  json_t *degraded = json_array();
  if (!a->redis) {
    json_object_set_new(deps, "redis", json_pack("{s:s}", "state", "off"));
  } else if (redis_up(a->redis)) {
    json_object_set_new(deps, "redis", json_pack("{s:s,s:s}", "state", "up", "at", redis_where(a->redis)));
  } else {
    char last[200];
    redis_last_error(a->redis, last, sizeof last);
    json_object_set_new(deps, "redis", json_pack("{s:s,s:s,s:s,s:s}", "state", "down", "at", redis_where(a->redis),
                                                 "error", last, "meanwhile", "rate limits per node"));
    json_array_append_new(degraded, json_string("redis"));
  }
  int usable, replica = store_replica_state(s, &usable);
  if (replica > -2) {
    json_object_set_new(deps, "replica", json_pack("{s:s,s:b}", "state", replica == 1 ? "up" : replica == 0 ? "down" : "unknown",
                                                   "usable", usable));
    if (replica == 0) {
      json_object_set_new(json_object_get(deps, "replica"), "meanwhile", json_string("reads on the primary"));
      json_array_append_new(degraded, json_string("replica"));
    }
  }
  uint64_t chain = (uint64_t)a->cfg->chain_id;
  if (!chain && store_chain_default(s, &chain)) chain = 0;
  store_chain_cursor cur;
  if (!chain || store_chain_cursor_get(s, &r->arena, chain, &cur)) {
    json_object_set_new(deps, "chain", json_pack("{s:s}", "state", "off"));
  } else {
    json_object_set_new(deps, "chain", json_pack("{s:s,s:I,s:I,s:I}", "state", cur.halted ? "halted" : "up", "chainId",
                                                 (json_int_t)chain, "indexedBlock", (json_int_t)cur.block_number,
                                                 "head", (json_int_t)cur.head_number));
    if (cur.halted) json_array_append_new(degraded, json_string("chain"));
  }
  http_json(r, 200, json_pack("{s:s,s:s,s:o,s:o}", "status", "ready", "storage", store_driver_name(s), "dependencies",
                              deps, "degraded", degraded));
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
