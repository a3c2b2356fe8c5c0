/* Splitting chain_rpc; see endpoints.h. */
#include "chain/endpoints.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

pheme_err chain_endpoints_parse(chain_endpoints *e, const char *list, char *err, size_t errlen) {
  memset(e, 0, sizeof *e);
  size_t len = list ? strlen(list) : 0;
  if (len >= sizeof e->text) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "chain_rpc is longer than %zu characters", sizeof e->text - 1);
  }
  if (len) memcpy(e->text, list, len);
  e->text[len] = 0;
  for (char *p = e->text, *next; p; p = next) {
    next = strchr(p, ',');
    if (next) *next++ = 0;
    while (*p == ' ') p++;
    size_t l = strlen(p);
    while (l && p[l - 1] == ' ') p[--l] = 0;
    if (!*p) continue;
    if (e->n == CHAIN_MAX_ENDPOINTS) {
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "chain_rpc names more than %d endpoints", CHAIN_MAX_ENDPOINTS);
    }
    e->url[e->n++] = p;
  }
  if (e->n == 0) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "chain_rpc names no endpoint");
  }
  return 0;
}
