/* The suite on the configured chain: see suite.h. */
#include "chain/suite.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "chain/status.h"
#include "chain/txm.h"
#include "eth/secp.h"
#include "core/banned.h"

pheme_err chain_suite_load(chain_suite *s, const pheme_config *cfg, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  if (!cfg->chain_rpc || !cfg->chain_rpc[0]) return pheme_fail(PHEME_DATA_NOT_FOUND, err, errlen, "no chain is configured");
  if (cfg->chain_id <= 0 && (!cfg->chain_manifest || !cfg->chain_manifest[0]))
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "chain_id or chain_manifest must be set to send to the contracts");
  char path[4200], merr[300];
  chain_status_manifest_path(path, sizeof path, cfg, (uint64_t)cfg->chain_id);
  if (manifest_load(&s->m, path, merr, sizeof merr)) return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "%s", merr);
  if (cfg->chain_id > 0 && s->m.chain_id != (uint64_t)cfg->chain_id)
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "the manifest '%s' is for chain %" PRIu64 ", not chain_id %lld", path,
                      s->m.chain_id, cfg->chain_id);
  s->chain_id = s->m.chain_id;
  memcpy(s->sender, s->m.relayer, 20);
  if (cfg->chain_operator_key && cfg->chain_operator_key[0]) {
    uint8_t key[32];
    char kerr[200];
    pheme_error ee;
    pheme_err e = txm_key_parse(cfg->chain_operator_key, key, kerr, sizeof kerr);
    if (!e) e = secp_address(s->sender, key, &ee);
    explicit_bzero(key, sizeof key);
    if (e) return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "chain_operator_key: not a valid private key");
    s->has_key = 1;
  }
  return PHEME_OK;
}

outbox_request chain_suite_request(const chain_suite *s, const uint8_t to[20], const uint8_t *data, size_t n,
                                   const char *kind, const char *key) {
  outbox_request rq;
  memset(&rq, 0, sizeof rq);
  rq.chain_id = s->chain_id;
  memcpy(rq.sender, s->sender, 20);
  rq.has_to = 1;
  memcpy(rq.to, to, 20);
  rq.data = data;
  rq.data_len = n;
  rq.kind = kind;
  rq.idempotency_key = key;
  return rq;
}
