/* Fuzz target: the WebSocket client-message parser (api/ws_proto.c). Any bytes: a parsed message,
 * "not JSON" or "bad" with a reason, never a crash or leak; a parsed message keeps every limit
 * (a token and a tag within their caps, a kind list that events_kinds_check accepts, a
 * non-negative lastEventId), and "bad" always says why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/events_out.h"
#include "api/ws_proto.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ws_client_msg m;
  char err[256], msg[200];
  ws_parse_result rc = ws_client_msg_parse(data, size, &m, err, sizeof err);
  if (rc == WS_PARSE_BAD && !err[0]) abort();
  if (strlen(m.tag) > WS_TAG_MAX) abort();
  if (rc != WS_PARSE_OK) return 0;
  switch (m.type) {
    case WSM_AUTH:
      if (strlen(m.token) < 1 || strlen(m.token) > WS_TOKEN_MAX) abort();
      break;
    case WSM_SUBSCRIBE:
      if (m.last_event_id < 0) abort();
      if (m.kinds[0] && events_kinds_check(m.kinds, msg, sizeof msg)) abort();
      break;
    case WSM_UNSUBSCRIBE:
    case WSM_PING:
      break;
    default:
      abort();
  }
  return 0;
}
