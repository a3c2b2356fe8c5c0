/* The chain_rpc setting: a comma-separated list of JSON-RPC endpoints, split once for every part
 * of the server that talks to the chain (status, transaction manager, indexer, contract-wallet
 * sign-in, pheme dev). */
#ifndef PHEME_CHAIN_ENDPOINTS_H
#define PHEME_CHAIN_ENDPOINTS_H

#include <stddef.h>

#include "core/err.h"

#define CHAIN_MAX_ENDPOINTS 16

typedef struct {
  char text[4097];                        /* a copy of the list, items NUL-terminated */
  const char *url[CHAIN_MAX_ENDPOINTS];   /* into text */
  int n;
} chain_endpoints;

/* Splits list (items trimmed of spaces, empty items skipped) into *e. Returns 0, or -1 with err
 * saying why: no endpoint at all, more than CHAIN_MAX_ENDPOINTS, or a list longer than text.
 * Each URL is checked when a client is made of them (rpc_client_new). */
pheme_err chain_endpoints_parse(chain_endpoints *e, const char *list, char *err, size_t errlen);

#endif
