/* Fuzz target: graphql-transport-ws client messages (api/graphql_sub.h). A message is accepted
 * only with a known type; subscribe and complete carry an id of 1..GQLWS_ID_MAX bytes without a
 * NUL, subscribe a payload object; a refused message holds nothing and says why. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/graphql_sub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gqlws_msg m;
  char err[124];
  err[0] = 0;
  if (gqlws_msg_parse(data, size, &m, err, sizeof err)) {
    if (m.payload || !err[0]) abort();
    return 0;
  }
  size_t n = strlen(m.id);
  switch (m.type) {
  case GQLWS_SUBSCRIBE:
    if (n == 0 || n > GQLWS_ID_MAX || !json_is_object(m.payload)) abort();
    break;
  case GQLWS_COMPLETE:
    if (n == 0 || n > GQLWS_ID_MAX || m.payload) abort();
    break;
  case GQLWS_INIT:
    if (m.payload && !json_is_object(m.payload)) abort();
    break;
  case GQLWS_PING:
  case GQLWS_PONG:
    if (m.payload) abort();
    break;
  default:
    abort();
  }
  json_decref(m.payload);
  return 0;
}
