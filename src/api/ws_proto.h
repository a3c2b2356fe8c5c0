/* The messages a WebSocket client sends to /ws (docs/internals/events.md), parsed once at the
 * edge into a struct (STYLE §14). Each is one JSON object (a text message, at most
 * ws_message_max bytes) with a "type":
 *   {"type":"auth","token":"phk_… or an access token"}
 *   {"type":"subscribe","kinds":["submission.*","xp.awarded"],"lastEventId":"41","id":"any tag"}
 *   {"type":"unsubscribe","id":"any tag"}
 *   {"type":"ping","id":"any tag"}
 * Unknown fields are refused, so a client's typo is an error instead of a silent default. */
#ifndef PHEME_API_WS_PROTO_H
#define PHEME_API_WS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "jobs/fanout.h"

typedef enum { WSM_AUTH, WSM_SUBSCRIBE, WSM_UNSUBSCRIBE, WSM_PING } ws_msg_type;

#define WS_TOKEN_MAX 2048
#define WS_TAG_MAX 64

typedef struct {
  ws_msg_type type;
  char token[WS_TOKEN_MAX + 1];     /* auth */
  char kinds[EVENTS_KINDS_MAX + 1]; /* subscribe: comma-separated; "" = every kind */
  int64_t last_event_id;            /* subscribe: resume after it; 0 = from now */
  char tag[WS_TAG_MAX + 1];         /* "id", echoed in the answer; "" = none */
} ws_client_msg;

typedef enum {
  WS_PARSE_OK = 0,
  WS_PARSE_NOT_JSON = -1, /* not UTF-8 JSON: close 1007 */
  WS_PARSE_BAD = -2,      /* JSON, but not a message of this protocol: answer an error */
} ws_parse_result;

/* Parses one client message. On WS_PARSE_BAD, err says what is wrong (and out->tag holds the
 * message's "id" when it had a valid one). */
ws_parse_result ws_client_msg_parse(const uint8_t *data, size_t len, ws_client_msg *out, char *err,
                                    size_t errlen);

#endif
