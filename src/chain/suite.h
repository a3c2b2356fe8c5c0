/* The contract suite on the configured chain, as an engine that sends transactions to it needs
 * it: the chain id, the deployment manifest's addresses and the sender (the address of the
 * operator key the transaction manager signs with). One reader for every engine (badges, the
 * reputation oracle's rounds, validator slashing), so the manifest and the key are read one way. */
#ifndef PHEME_CHAIN_SUITE_H
#define PHEME_CHAIN_SUITE_H

#include <stdint.h>

#include "chain/manifest.h"
#include "core/config.h"
#include "core/err.h"
#include "store/outbox.h"

typedef struct {
  uint64_t chain_id;
  manifest m;
  uint8_t sender[20]; /* the operator key's address; the manifest's relayer when no key is set */
  int has_key;        /* chain_operator_key is set: intents will be signed and sent */
} chain_suite;

/* Reads chain_id, chain_manifest (default contracts/deployments/<chain_id>.json) and
 * chain_operator_key. PHEME_DATA_NOT_FOUND when no chain is configured (chain_rpc empty);
 * PHEME_SYS_CONFIG with err for a manifest that cannot be read or is for another chain, or a key
 * that is not one. */
pheme_err chain_suite_load(chain_suite *s, const pheme_config *cfg, char *err, size_t errlen) PHEME_MUST_CHECK;

/* An outbox request from the suite's sender to `to` with calldata (data, n bytes): kind is the
 * label people see ("validator.slash"), key the idempotency key (the same key is the same intent;
 * both must outlive the request). */
outbox_request chain_suite_request(const chain_suite *s, const uint8_t to[20], const uint8_t *data, size_t n,
                                   const char *kind, const char *key);

#endif
