/* GraphQL subscriptions over the event hub (api/graphql_sub.c, docs/internals/graphql.md):
 * GraphQL over SSE (graphql-sse's "distinct connections" mode) and the graphql-transport-ws
 * protocol over http/ws.h, both on /graphql. api/graphql.c hands requests over to them. */
#ifndef PHEME_API_GRAPHQL_SUB_H
#define PHEME_API_GRAPHQL_SUB_H

#include <jansson.h>

#include "api/api.h"
#include "graphql/graphql.h"

#define GQL_WS_PROTOCOL "graphql-transport-ws"
#define GQL_WS_SUBS_MAX 32 /* operations open at once on one graphql-transport-ws connection */

/* A graphql-transport-ws client message, parsed at the edge (STYLE §14). */
typedef enum { GQLWS_INIT, GQLWS_PING, GQLWS_PONG, GQLWS_SUBSCRIBE, GQLWS_COMPLETE } gqlws_type;
#define GQLWS_ID_MAX 128
typedef struct {
  gqlws_type type;
  char id[GQLWS_ID_MAX + 1]; /* subscribe, complete: 1..GQLWS_ID_MAX bytes */
  json_t *payload;           /* owned (json_decref): subscribe's request object; connection_init's
                              * object or NULL; ping/pong: NULL */
} gqlws_msg;
/* Parses one message (a JSON object with "type"). Returns 0, or -1 with err (the connection is
 * closed with 4400 and err as the reason). */
pheme_err gqlws_msg_parse(const uint8_t *data, size_t len, gqlws_msg *out, char *err, size_t errlen) PHEME_MUST_CHECK;

/* The process's GraphQL service (api/graphql.c); NULL when the schema did not build. */
gql_service *graphql_service_of(const pheme_config *cfg);

/* Whether r asks for an event stream (Accept: text/event-stream). */
int graphql_wants_stream(http_req *r);
/* Answers r as a GraphQL-over-SSE stream of the operation in body (a JSON request object, owned
 * by the callee): "next" events with results, then "complete". read_only: a GET (no mutations). */
void graphql_stream(http_req *r, json_t *body, int read_only);
/* Whether r is a WebSocket upgrade (Upgrade: websocket). */
int graphql_wants_ws(http_req *r);
/* Accepts r as a graphql-transport-ws connection. */
void graphql_ws(http_req *r);

#endif
