/* The chain indexer; see indexer.h and docs/internals/indexer.md.
 *
 * A step reads nothing it has not checked: the chain id and head first, then the range's logs,
 * then the headers of every block of the range, and only when they all agree (parent links, each
 * log's block hash, the addresses asked for) does it open one transaction for blocks, logs,
 * projections and cursor. A disagreement is either a reorg (the first parent link does not
 * reach our cursor: roll back to the fork point) or a node that changed its mind between two
 * calls (fail the step; the next one asks again). */
#include "chain/indexer.h"

#include "chain/endpoints.h"
#include "chain/logscan.h"
#include "chain/manifest.h"
#include "chain/projections.h"
#include "chain/status.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "eth/hex.h"
#include "store/chain_index.h"
#include "core/banned.h"

struct indexer {
  store *s;
  rpc_client *rpc;
  indexer_options o;
  char filter_addresses[CC__COUNT * 45 + 8]; /* JSON array of the addresses */
  int range;                                  /* blocks per eth_getLogs now */
  chain_cache *cache; /* entities kept from one range to the next (chain_index.h) */
  pthread_t th;
  int started;
  int stop; /* atomic */
  /* metrics, each indexer its own (labelled with its chain id); atomics */
  int64_t m_cursor, m_head, m_logs, m_reorgs, m_rejected, m_too_deep;
};

/* ---- metrics ---- */

void indexer_metrics_collect(metrics_writer *w, void *ctx) {
  indexer *ix = ctx;
  char chain[24];
  snprintf(chain, sizeof chain, "%llu", (unsigned long long)ix->o.chain_id);
  const char *l[] = {"chain", chain, NULL};
#define GET(f) __atomic_load_n(&ix->f, __ATOMIC_RELAXED)
  mw_family(w, "pheme_indexer_block", METRIC_GAUGE, "Last block indexed.");
  mw_i64(w, l, GET(m_cursor));
  mw_family(w, "pheme_indexer_head", METRIC_GAUGE, "The node's head at the indexer's last step.");
  mw_i64(w, l, GET(m_head));
  mw_family(w, "pheme_indexer_logs_total", METRIC_COUNTER, "Logs stored by the indexer.");
  mw_i64(w, l, GET(m_logs));
  mw_family(w, "pheme_indexer_reorgs_total", METRIC_COUNTER, "Reorgs rolled back to their fork point.");
  mw_i64(w, l, GET(m_reorgs));
  mw_family(w, "pheme_indexer_rejected_answers_total", METRIC_COUNTER,
            "Steps that ended on a node answer refused as malformed or inconsistent.");
  mw_i64(w, l, GET(m_rejected));
  mw_family(w, "pheme_indexer_reorg_too_deep", METRIC_GAUGE,
            "1 when a reorg deeper than chain_reorg_depth stopped the indexer (alert).");
  mw_i64(w, l, GET(m_too_deep));
#undef GET
}

int indexer_metrics_render(indexer *ix, buf *out) {
  metrics_registry r;
  metrics_init(&r);
  int rc = metrics_register(&r, indexer_metrics_collect, ix) || metrics_render(&r, out);
  metrics_release(&r);
  return rc ? -1 : 0;
}

/* ---- options and manifest ---- */

void indexer_options_init(indexer_options *o) {
  memset(o, 0, sizeof *o);
  o->reorg_depth = 250;
  o->log_range = 2000;
  o->header_batch = 200;
  o->poll_ms = 1000;
  o->lease_ms = 30000;
  char host[64] = "host";
  gethostname(host, sizeof host - 1);
  uint8_t r[4] = {0};
  if (random_bytes(r, sizeof r)) memset(r, 0, sizeof r);
  snprintf(o->owner, sizeof o->owner, "%.60s:%ld:%02x%02x%02x%02x", host, (long)getpid(), r[0],
           r[1], r[2], r[3]);
}

pheme_err indexer_manifest_load(const char *path, indexer_options *o, char *err, size_t errlen) {
  manifest m;
  pheme_err e = manifest_load(&m, path, err, errlen); /* the deployer's strict reader */
  if (e) return e;
  if (o->chain_id && o->chain_id != m.chain_id) {
    snprintf(err, errlen, "manifest '%s' is for chain %llu, expected chain %llu", path,
             (unsigned long long)m.chain_id, (unsigned long long)o->chain_id);
    return PHEME_DATA_INVALID;
  }
  o->chain_id = m.chain_id;
  o->start_block = (int64_t)m.deployment_block;
  for (size_t i = 0; i < manifest_field_count; i++) {
    const manifest_field *f = &manifest_fields[i];
    if (strcmp(f->section, "contracts") != 0) continue;
    int c = chain_contract_by_name(f->key);
    if (c < 0) {
      snprintf(err, errlen, "manifest contract '%s' has no entry in the event table", f->key);
      return PHEME_DATA_INVALID;
    }
    memcpy(o->address[c], manifest_address(&m, f), 20);
    o->present[c] = 1;
  }
  return PHEME_OK;
}

/* ---- lifecycle ---- */

indexer *indexer_new(store *s, const char *const *endpoints, int n, const rpc_options *ro,
                     const indexer_options *o) {
  if (chain_events_init()) return NULL;
  if (!o->chain_id || o->reorg_depth < 1 || o->log_range < 1 || o->header_batch < 1 ||
      o->lease_ms < 100 || !o->owner[0]) {
    log_error("invalid indexer options (chain %llu, reorg depth %d, log range %d)",
              (unsigned long long)o->chain_id, o->reorg_depth, o->log_range);
    return NULL;
  }
  rpc_options r;
  if (ro) r = *ro;
  else rpc_options_init(&r);
  r.expected_chain_id = o->chain_id;
  indexer *ix = calloc(1, sizeof *ix);
  if (!ix) return NULL;
  ix->s = s;
  ix->o = *o;
  ix->range = o->log_range;
  ix->m_cursor = ix->m_head = -1;
  ix->rpc = rpc_client_new(endpoints, n, &r);
  ix->cache = chain_cache_new(INDEXER_CACHE_ENTITIES);
  if (!ix->rpc || !ix->cache) {
    rpc_client_free(ix->rpc);
    chain_cache_free(ix->cache);
    free(ix);
    return NULL;
  }
  char *p = ix->filter_addresses;
  size_t cap = sizeof ix->filter_addresses, len = 0;
  len += (size_t)snprintf(p + len, cap - len, "[");
  for (int c = 0, k = 0; c < CC__COUNT; c++) {
    if (!o->present[c]) continue;
    char hex[43];
    address_format_hex(hex, o->address[c]);
    len += (size_t)snprintf(p + len, cap - len, "%s\"%s\"", k++ ? "," : "", hex);
  }
  snprintf(p + len, cap - len, "]");
  return ix;
}

indexer *indexer_from_config(store *s, const pheme_config *cfg, char *err, size_t errlen) {
  indexer_options o;
  indexer_options_init(&o);
  o.chain_id = (uint64_t)cfg->chain_id;
  o.reorg_depth = (int)cfg->chain_reorg_depth;
  o.log_range = (int)cfg->chain_log_range;
  o.poll_ms = (int)cfg->chain_poll_ms;
  if (cfg->chain_indexer_lease_ms > 0) o.lease_ms = cfg->chain_indexer_lease_ms;
  chain_endpoints list;
  indexer *ix = NULL;
  if (chain_endpoints_parse(&list, cfg->chain_rpc, err, errlen)) return NULL;
  const char *const *eps = list.url;
  int n = list.n;
  if (!o.chain_id) { /* pin the first node's chain, as the RPC client does */
    rpc_client *c = rpc_client_new(eps, n, NULL);
    rpc_error re;
    if (!c || rpc_check_chain(c, &re)) {
      snprintf(err, errlen, "cannot learn the chain id of chain_rpc: %s", c ? re.message : "bad endpoint");
      rpc_client_free(c);
      goto out;
    }
    o.chain_id = rpc_chain_id(c);
    rpc_client_free(c);
  }
  char path[4200];
  chain_status_manifest_path(path, sizeof path, cfg, o.chain_id);
  if (indexer_manifest_load(path, &o, err, errlen)) goto out;
  ix = indexer_new(s, eps, n, NULL, &o);
  if (!ix) snprintf(err, errlen, "cannot create the indexer of chain %llu", (unsigned long long)o.chain_id);
out:
  return ix;
}

void indexer_free(indexer *ix) {
  if (!ix) return;
  indexer_stop(ix);
  if (store_chain_lease_release(ix->s, ix->o.chain_id, ix->o.owner))
    log_warn("indexer of chain %llu could not give its lease up",
             (unsigned long long)ix->o.chain_id);
  rpc_client_free(ix->rpc);
  chain_cache_free(ix->cache);
  free(ix);
}

/* ---- parsing answers ---- */

static int hex_fixed(const json_t *v, uint8_t *out, size_t n) {
  const char *s = json_string_value(v);
  if (!s || strlen(s) != 2 + 2 * n || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return -1;
  return hex_to_bytes(out, s + 2, n);
}

/* A quantity that fits int64 (numbers past 2^63 are refused, never wrapped). */
static int quantity(const json_t *v, int64_t *out) {
  uint64_t u;
  if (rpc_quantity_parse(json_string_value(v), &u) || u > (uint64_t)INT64_MAX) return -1;
  *out = (int64_t)u;
  return 0;
}

#define WHY(...) do { snprintf(why, whylen, __VA_ARGS__); return PHEME_DATA_INVALID; } while (0)

pheme_err indexer_parse_header(const json_t *v, indexer_header *out, char *why, size_t whylen) {
  if (!json_is_object(v)) WHY("block header is not an object");
  if (quantity(json_object_get(v, "number"), &out->number)) WHY("block header has no valid number");
  if (hex_fixed(json_object_get(v, "hash"), out->hash, 32))
    WHY("block %lld has no valid hash", (long long)out->number);
  if (hex_fixed(json_object_get(v, "parentHash"), out->parent, 32))
    WHY("block %lld has no valid parent hash", (long long)out->number);
  return PHEME_OK;
}

int indexer_log_order(const void *a, const void *b) {
  const chain_log *x = a, *y = b;
  if (x->block_number != y->block_number) return x->block_number < y->block_number ? -1 : 1;
  return x->log_index < y->log_index ? -1 : x->log_index > y->log_index;
}

pheme_err indexer_parse_logs(const json_t *v, const indexer_options *o, int64_t from, int64_t to,
                             arena *a, chain_log **out, int *n, char *why, size_t whylen) {
  *out = NULL;
  *n = 0;
  if (!json_is_array(v)) WHY("eth_getLogs answer is not an array");
  size_t count = json_array_size(v);
  if (count > 10000000) WHY("eth_getLogs answer has %zu logs", count);
  chain_log *logs = arena_zalloc(a, sizeof *logs * (count ? count : 1));
  if (!logs) WHY("no memory for %zu logs", count);
  for (size_t i = 0; i < count; i++) {
    const json_t *lv = json_array_get(v, i);
    chain_log *l = &logs[i];
    if (!json_is_object(lv)) WHY("log %zu is not an object", i);
    const json_t *removed = json_object_get(lv, "removed");
    if (removed && !json_is_false(removed)) WHY("log %zu is marked removed", i);
    if (hex_fixed(json_object_get(lv, "address"), l->address, 20)) WHY("log %zu has no valid address", i);
    int c = 0;
    while (c < CC__COUNT && !(o->present[c] && memcmp(o->address[c], l->address, 20) == 0)) c++;
    if (c == CC__COUNT) WHY("log %zu comes from a contract that was not asked for", i);
    l->contract = (chain_contract)c;
    l->chain_id = o->chain_id;
    if (quantity(json_object_get(lv, "blockNumber"), &l->block_number) ||
        l->block_number < from || l->block_number > to)
      WHY("log %zu has a block number outside %lld..%lld", i, (long long)from, (long long)to);
    if (quantity(json_object_get(lv, "logIndex"), &l->log_index)) WHY("log %zu has no valid log index", i);
    if (hex_fixed(json_object_get(lv, "blockHash"), l->block_hash, 32)) WHY("log %zu has no valid block hash", i);
    if (hex_fixed(json_object_get(lv, "transactionHash"), l->tx_hash, 32))
      WHY("log %zu has no valid transaction hash", i);
    const json_t *topics = json_object_get(lv, "topics");
    size_t nt = json_array_size(topics);
    if (!json_is_array(topics) || nt < 1 || nt > 4) WHY("log %zu has %zu topics", i, nt);
    for (size_t k = 0; k < nt; k++)
      if (hex_fixed(json_array_get(topics, k), l->topics[k], 32)) WHY("log %zu has an invalid topic", i);
    l->ntopics = (int)nt;
    const char *d = json_string_value(json_object_get(lv, "data"));
    size_t dl = d ? strlen(d) : 0;
    if (!d || dl < 2 || d[0] != '0' || d[1] != 'x' || dl % 2) WHY("log %zu has invalid data", i);
    uint8_t *data = arena_alloc(a, dl / 2 ? dl / 2 - 1 + 1 : 1);
    if (!data) WHY("no memory for log data");
    if (dl > 2 && hex_to_bytes(data, d + 2, (dl - 2) / 2)) WHY("log %zu has invalid data", i);
    l->data = data;
    l->n = dl / 2 - 1;
  }
  qsort(logs, count, sizeof *logs, indexer_log_order);
  for (size_t i = 1; i < count; i++)
    if (logs[i].block_number == logs[i - 1].block_number && logs[i].log_index == logs[i - 1].log_index)
      WHY("two logs at block %lld index %lld", (long long)logs[i].block_number,
          (long long)logs[i].log_index);
  *out = logs;
  *n = (int)count;
  return PHEME_OK;
}

#undef WHY

/* ---- talking to the node ---- */

static pheme_err fail(indexer_step_result *r, pheme_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static pheme_err fail(indexer_step_result *r, pheme_err e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->why, sizeof r->why, fmt, ap);
  va_end(ap);
  return e;
}

static void free_calls(rpc_request *calls, int n) {
  for (int k = 0; k < n; k++) {
    json_decref(calls[k].result);
    calls[k].result = NULL;
  }
}

/* Headers of blocks from..to (inclusive) into h[0..], in batches; every block must exist. */
static pheme_err fetch_headers(indexer *ix, arena *a, int64_t from, int64_t to, indexer_header *h,
                               indexer_step_result *r) {
  int per = ix->o.header_batch;
  rpc_request *calls = arena_zalloc(a, sizeof *calls * (size_t)per);
  if (!calls) return fail(r, PHEME_SYS_NOMEM, "no memory for a header batch");
  for (int64_t base = from; base <= to; base += per) {
    int n = (int)(to - base + 1 < per ? to - base + 1 : per);
    for (int k = 0; k < n; k++) {
      calls[k].method = "eth_getBlockByNumber";
      calls[k].params_json = arena_printf(a, "[\"0x%llx\",false]", (unsigned long long)(base + k));
      if (!calls[k].params_json) return fail(r, PHEME_SYS_NOMEM, "no memory for a header batch");
    }
    rpc_error err;
    pheme_err e = rpc_batch(ix->rpc, a, calls, n, &err);
    if (e) return fail(r, e, "%s", err.message);
    for (int k = 0; k < n && !e; k++) {
      char why[200];
      if (!calls[k].result) {
        e = fail(r, PHEME_DATA_INVALID, "node refused block %lld: %s", (long long)(base + k),
                 calls[k].err.message);
      } else if (json_is_null(calls[k].result)) {
        e = fail(r, PHEME_DATA_INVALID, "node has no block %lld below its head", (long long)(base + k));
      } else if (indexer_parse_header(calls[k].result, &h[base - from + k], why, sizeof why)) {
        e = fail(r, PHEME_DATA_INVALID, "bad header of block %lld: %s", (long long)(base + k), why);
      } else if (h[base - from + k].number != base + k) {
        e = fail(r, PHEME_DATA_INVALID, "node answered block %lld with block %lld",
                 (long long)(base + k), (long long)h[base - from + k].number);
      }
    }
    free_calls(calls, n);
    if (e) return e;
  }
  return PHEME_OK;
}

/* The chain id and head, in one batch; the chain id must be ours at every step. */
static pheme_err fetch_head(indexer *ix, arena *a, int64_t *head, indexer_step_result *r) {
  rpc_request calls[2] = {{.method = "eth_chainId"}, {.method = "eth_blockNumber"}};
  rpc_error err;
  pheme_err e = rpc_batch(ix->rpc, a, calls, 2, &err);
  if (e) return fail(r, e, "%s", err.message);
  uint64_t id = 0;
  e = PHEME_OK;
  if (!calls[0].result || rpc_quantity_parse(json_string_value(calls[0].result), &id))
    e = fail(r, PHEME_DATA_INVALID, "node gave no valid chain id");
  else if (id != ix->o.chain_id)
    e = fail(r, PHEME_DATA_INVALID, "node is on chain %llu, expected chain %llu",
             (unsigned long long)id, (unsigned long long)ix->o.chain_id);
  else if (!calls[1].result || quantity(calls[1].result, head))
    e = fail(r, PHEME_DATA_INVALID, "node gave no valid head block number");
  free_calls(calls, 2);
  return e;
}

/* ---- reorgs ---- */

static pheme_err halt(indexer *ix, arena *a, const char *why, indexer_step_result *r) {
  __atomic_store_n(&ix->m_too_deep, 1, __ATOMIC_RELAXED);
  log_error("indexer of chain %llu stopped: %s", (unsigned long long)ix->o.chain_id, why);
  chain_unit *u;
  pheme_err e = chain_unit_begin(ix->s, a, ix->o.chain_id, ix->o.owner, &u);
  if (!e) e = chain_unit_halt(u, why);
  if (!e) e = chain_unit_commit(u);
  else chain_unit_abort(u);
  if (e) return fail(r, e, "could not record the halt: %s", why);
  r->state = INDEXER_HALTED;
  snprintf(r->why, sizeof r->why, "%s", why);
  return PHEME_OK;
}

/* The stored chain no longer matches the node's at or below cursor: finds the highest block
 * whose stored hash the node still has, and rolls everything above it back. */
static pheme_err follow_reorg(indexer *ix, arena *a, const store_chain_cursor *cur, int64_t head,
                              indexer_step_result *r) {
  int64_t depth = ix->o.reorg_depth;
  int64_t top = cur->block_number < head ? cur->block_number : head;
  int64_t floor = cur->block_number - depth; /* lowest fork point we may follow */
  if (floor < ix->o.start_block - 1) floor = ix->o.start_block - 1;
  if (floor < cur->undo_floor - 1) floor = cur->undo_floor - 1;
  int64_t fork = INT64_MIN;
  uint8_t fork_hash[32];
  int fork_has_hash = 0;
  int per = ix->o.header_batch;
  indexer_header *h = arena_alloc(a, sizeof *h * (size_t)per);
  uint8_t(*stored)[32] = arena_alloc(a, 32 * (size_t)per);
  int *found = arena_alloc(a, sizeof *found * (size_t)per);
  if (!h || !stored || !found) return fail(r, PHEME_SYS_NOMEM, "no memory for the fork search");
  /* the fork may be floor itself (a reorg of exactly the depth), but never below the suite */
  int64_t lowest = floor > ix->o.start_block ? floor : ix->o.start_block;
  for (int64_t hi = top; hi >= lowest && fork == INT64_MIN; hi -= per) {
    int64_t lo = hi - per + 1 > lowest ? hi - per + 1 : lowest;
    pheme_err e = fetch_headers(ix, a, lo, hi, h, r);
    if (!e) e = store_chain_block_hashes(ix->s, ix->o.chain_id, lo, hi, stored, found);
    if (e) return r->why[0] ? e : fail(r, e, "cannot read stored block hashes");
    for (int64_t n = hi; n >= lo; n--) {
      if (found[n - lo] && memcmp(stored[n - lo], h[n - lo].hash, 32) == 0) {
        fork = n;
        memcpy(fork_hash, h[n - lo].hash, 32);
        fork_has_hash = 1;
        break;
      }
    }
  }
  if (fork == INT64_MIN) {
    if (floor == ix->o.start_block - 1 && cur->undo_floor <= ix->o.start_block) {
      fork = floor; /* the whole indexed history was orphaned, and all of it can be undone */
    } else {
      char why[200];
      snprintf(why, sizeof why,
               "reorg deeper than %d blocks below block %lld (chain_reorg_depth): re-index "
               "the chain",
               ix->o.reorg_depth, (long long)cur->block_number);
      return halt(ix, a, why, r);
    }
  }
  chain_unit *u;
  pheme_err e = chain_unit_begin(ix->s, a, ix->o.chain_id, ix->o.owner, &u);
  if (e == PHEME_DATA_STATE) {
    r->state = INDEXER_STANDBY;
    return PHEME_OK;
  }
  if (!e) e = chain_unit_rollback(u, fork, fork_has_hash ? fork_hash : NULL);
  if (!e) e = chain_unit_commit(u);
  else chain_unit_abort(u);
  if (e) return fail(r, e, "rollback to block %lld failed", (long long)fork);
  __atomic_add_fetch(&ix->m_reorgs, 1, __ATOMIC_RELAXED);
  log_warn("indexer of chain %llu: reorg of %lld blocks, rolled back to block %lld",
           (unsigned long long)ix->o.chain_id, (long long)(cur->block_number - fork),
           (long long)fork);
  r->state = INDEXER_REORG;
  r->fork = fork;
  r->cursor = fork;
  return PHEME_OK;
}

/* ---- one range ---- */

/* What the fast reader of an eth_getLogs answer needs, and what it gives. */
typedef struct {
  const indexer_options *o;
  int64_t from, to;
  arena *a;
  chain_log *logs;
  int n;
} logs_scan;

static int scan_logs(const char *body, size_t len, long long id, void *ctx) {
  logs_scan *ls = ctx;
  return logscan_answer(body, len, id, ls->o, ls->from, ls->to, ls->a, &ls->logs, &ls->n);
}

/* eth_getLogs for from..to into *logs, *n: read by logscan when the answer has the plain shape,
 * else parsed and checked by rpc.c and indexer_parse_logs; a refusal (error object, answer too
 * large) halves the range. */
static pheme_err fetch_logs(indexer *ix, arena *a, int64_t from, int64_t to, chain_log **logs,
                            int *n, int *shrunk, indexer_step_result *r) {
  *shrunk = 0;
  char *params = arena_printf(a, "[{\"fromBlock\":\"0x%llx\",\"toBlock\":\"0x%llx\",\"address\":%s}]",
                              (unsigned long long)from, (unsigned long long)to,
                              ix->filter_addresses);
  if (!params) return fail(r, PHEME_SYS_NOMEM, "no memory for eth_getLogs");
  rpc_error err;
  logs_scan ls = {&ix->o, from, to, a, NULL, 0};
  int scanned = 0;
  json_t *raw = NULL;
  pheme_err e = rpc_call_scan(ix->rpc, a, "eth_getLogs", params, scan_logs, &ls, &scanned, &raw, &err);
  if (e && (err.kind == RPC_ERR_RPC || err.kind == RPC_ERR_TOO_LARGE) && to > from) {
    ix->range = (int)((to - from + 1) / 2);
    if (ix->range < 1) ix->range = 1;
    log_info("node refused logs of blocks %lld..%lld (%s); asking %d blocks at a time",
             (long long)from, (long long)to, err.message, ix->range);
    *shrunk = 1;
    return PHEME_OK;
  }
  if (e) return fail(r, e, "%s", err.message);
  if (scanned) {
    *logs = ls.logs;
    *n = ls.n;
    return PHEME_OK;
  }
  char why[240];
  e = indexer_parse_logs(raw, &ix->o, from, to, a, logs, n, why, sizeof why);
  json_decref(raw);
  if (e) return fail(r, e, "logs of blocks %lld..%lld refused: %s", (long long)from, (long long)to, why);
  return PHEME_OK;
}

static pheme_err apply_range(indexer *ix, arena *a, const store_chain_cursor *cur, int64_t head,
                             int64_t from, int64_t to, const indexer_header *h, chain_log *logs,
                             int nlogs, indexer_step_result *r) {
  chain_unit *u;
  pheme_err e = chain_unit_begin_cached(ix->s, a, ix->o.chain_id, ix->o.owner, ix->cache, &u);
  if (e == PHEME_DATA_STATE) {
    r->state = INDEXER_STANDBY;
    return PHEME_OK;
  }
  if (e) return fail(r, e, "cannot begin the range's transaction");
  chain_proj p = {u, a};
  int64_t undo_floor = cur->undo_floor;
  int64_t stored = 0;
  int k = 0;
  char why[320] = "";
  _Alignas(max_align_t) uint8_t decoded[EV_MAX_SIZE]; /* the log's event struct */
  for (int64_t b = from; !e && b <= to; b++) {
    const indexer_header *hb = &h[b - from];
    /* Only blocks a reorg within the depth could orphan are journaled: older ones are final as
     * far as this indexer is concerned (a reorg below them halts it). */
    int undo = b > head - ix->o.reorg_depth;
    chain_unit_set_undo(u, undo);
    if (!undo) undo_floor = b + 1;
    e = chain_unit_block(u, b, hb->hash, hb->parent);
    for (; !e && k < nlogs && logs[k].block_number == b; k++) {
      chain_log *l = &logs[k];
      int inserted = 0;
      e = chain_unit_log(u, l->block_hash, l->log_index, l->block_number, l->tx_hash, l->address,
                         (const uint8_t(*)[32])l->topics, l->ntopics, l->data, l->n, &inserted);
      if (e || !inserted) continue; /* stored once: its effects are already there */
      stored++;
      const chain_event *ev = chain_event_find(l->contract, l->topics[0]);
      if (!ev) {
        log_warn("log %lld of block %lld from %s has an unknown event topic; stored only",
                 (long long)l->log_index, (long long)b, chain_contracts[l->contract].manifest_name);
        continue;
      }
      if (ev->why_none) continue;
      if (chain_event_decode(ev, l, decoded, why, sizeof why)) {
        e = PHEME_DATA_INVALID;
        break;
      }
      e = proj_apply(&p, ev, l, decoded);
    }
  }
  int64_t keep_from = to - ix->o.reorg_depth;
  if (!e)
    e = chain_unit_cursor(u, to, h[to - from].hash, head, undo_floor, keep_from,
                          time_now_ms() + ix->o.lease_ms);
  if (!e) e = chain_unit_commit(u);
  else chain_unit_abort(u);
  if (e == PHEME_DATA_INVALID && why[0]) return fail(r, e, "%s", why);
  if (e) return fail(r, e, "storing blocks %lld..%lld failed", (long long)from, (long long)to);
  __atomic_add_fetch(&ix->m_logs, stored, __ATOMIC_RELAXED);
  r->state = INDEXER_PROGRESS;
  r->cursor = to;
  r->logs = stored;
  return PHEME_OK;
}

static pheme_err step(indexer *ix, arena *a, indexer_step_result *r) {
  int won = 0;
  pheme_err e = store_chain_lease(ix->s, ix->o.chain_id, ix->o.owner, ix->o.start_block,
                                  time_now_ms(), ix->o.lease_ms, &won);
  if (e) return fail(r, e, "election of chain %llu's indexer failed", (unsigned long long)ix->o.chain_id);
  if (!won) {
    r->state = INDEXER_STANDBY;
    return PHEME_OK;
  }
  store_chain_cursor cur;
  e = store_chain_cursor_get(ix->s, a, ix->o.chain_id, &cur);
  if (e) return fail(r, e, "cannot read the cursor of chain %llu", (unsigned long long)ix->o.chain_id);
  r->cursor = cur.block_number;
  if (cur.halted) {
    r->state = INDEXER_HALTED;
    snprintf(r->why, sizeof r->why, "%s", cur.halted);
    return PHEME_OK;
  }
  int64_t head = -1;
  e = fetch_head(ix, a, &head, r);
  if (e) return e;
  r->head = head;
  __atomic_store_n(&ix->m_head, head, __ATOMIC_RELAXED);
  __atomic_store_n(&ix->m_cursor, cur.block_number, __ATOMIC_RELAXED);

  if (head <= cur.block_number) {
    /* Nothing new; but is our tip still the node's? (a shorter or replaced chain) */
    if (!cur.has_hash) {
      r->state = INDEXER_IDLE;
      return PHEME_OK;
    }
    if (head == cur.block_number) {
      indexer_header tip;
      e = fetch_headers(ix, a, head, head, &tip, r);
      if (e) return e;
      if (memcmp(tip.hash, cur.block_hash, 32) == 0) {
        r->state = INDEXER_IDLE;
        return PHEME_OK;
      }
    }
    return follow_reorg(ix, a, &cur, head, r);
  }

  int64_t from = cur.block_number + 1;
  int64_t to = from + ix->range - 1 < head ? from + ix->range - 1 : head;
  chain_log *logs = NULL;
  int nlogs = 0, shrunk;
  e = fetch_logs(ix, a, from, to, &logs, &nlogs, &shrunk, r);
  if (e) return e;
  if (shrunk) {
    r->state = INDEXER_SHRUNK;
    return PHEME_OK;
  }
  indexer_header *h = arena_alloc(a, sizeof *h * (size_t)(to - from + 1));
  if (!h) return fail(r, PHEME_SYS_NOMEM, "no memory for %lld headers", (long long)(to - from + 1));
  e = fetch_headers(ix, a, from, to, h, r);
  if (e) return e;
  if (cur.has_hash && memcmp(h[0].parent, cur.block_hash, 32) != 0)
    return follow_reorg(ix, a, &cur, head, r);
  for (int64_t b = from + 1; b <= to; b++)
    if (memcmp(h[b - from].parent, h[b - from - 1].hash, 32) != 0)
      return fail(r, PHEME_DATA_INVALID, "block %lld does not link to block %lld (the chain moved)",
                  (long long)b, (long long)(b - 1));
  for (int k = 0; k < nlogs; k++)
    if (memcmp(logs[k].block_hash, h[logs[k].block_number - from].hash, 32) != 0)
      return fail(r, PHEME_DATA_INVALID, "log of block %lld has another block hash than the block",
                  (long long)logs[k].block_number);
  e = apply_range(ix, a, &cur, head, from, to, h, logs, nlogs, r);
  if (!e && r->state == INDEXER_PROGRESS) {
    __atomic_store_n(&ix->m_cursor, to, __ATOMIC_RELAXED);
    if (ix->range < ix->o.log_range) /* grow back after a refusal */
      ix->range = ix->range * 2 < ix->o.log_range ? ix->range * 2 : ix->o.log_range;
  }
  return e;
}

pheme_err indexer_step(indexer *ix, indexer_step_result *r) {
  memset(r, 0, sizeof *r);
  r->head = -1;
  arena a;
  arena_init(&a, (size_t)1 << 30);
  pheme_err e = step(ix, &a, r);
  arena_release(&a);
  if (e == PHEME_DATA_INVALID) __atomic_add_fetch(&ix->m_rejected, 1, __ATOMIC_RELAXED);
  return e;
}

pheme_err indexer_sync(indexer *ix, int max_steps, indexer_step_result *r) {
  for (int i = 0; i < max_steps; i++) {
    pheme_err e = indexer_step(ix, r);
    if (e) return e;
    if (r->state == INDEXER_IDLE || r->state == INDEXER_HALTED || r->state == INDEXER_STANDBY)
      return PHEME_OK;
  }
  return PHEME_OK;
}

/* ---- the thread ---- */

static void nap(indexer *ix, int ms) {
  for (int t = 0; t < ms && !__atomic_load_n(&ix->stop, __ATOMIC_ACQUIRE); t += 20)
    nanosleep(&(struct timespec){.tv_nsec = 20 * 1000000L}, NULL);
}

static void *indexer_main(void *arg) {
  indexer *ix = arg;
  log_info("indexer of chain %llu started as '%s'", (unsigned long long)ix->o.chain_id, ix->o.owner);
  while (!__atomic_load_n(&ix->stop, __ATOMIC_ACQUIRE)) {
    indexer_step_result r;
    pheme_err e = indexer_step(ix, &r);
    if (e) {
      log_warn("indexer of chain %llu: %s", (unsigned long long)ix->o.chain_id, r.why);
      nap(ix, ix->o.poll_ms);
    } else if (r.state != INDEXER_PROGRESS && r.state != INDEXER_SHRUNK && r.state != INDEXER_REORG) {
      nap(ix, ix->o.poll_ms);
    }
  }
  return NULL;
}

int indexer_start(indexer *ix) {
  __atomic_store_n(&ix->stop, 0, __ATOMIC_RELEASE);
  if (pthread_create(&ix->th, NULL, indexer_main, ix) != 0) return -1;
  ix->started = 1;
  return 0;
}

void indexer_stop(indexer *ix) {
  if (!ix || !ix->started) return;
  __atomic_store_n(&ix->stop, 1, __ATOMIC_RELEASE);
  pthread_join(ix->th, NULL);
  ix->started = 0;
}
