/* WebSocket connections (RFC 6455) over libmicrohttpd's connection upgrade and wslay
 * (docs/internals/events.md). The handshake is checked and answered 101 by ws_accept; once
 * libmicrohttpd hands over the socket, one loop thread (epoll) runs every WebSocket of the
 * process: it reads and writes frames through wslay (which answers pings and close frames
 * itself and closes with 1009 a message over the size limit), pings each connection every
 * ping interval and drops one that sent nothing for two intervals and a grace. The transport
 * knows nothing of what it carries: a handler gets whole messages and sends text.
 *
 * Threads: every ws_handler callback runs on the loop thread, as do ws_send_text and ws_close;
 * ws_wake may be called from any thread until the handler's closed callback returned. */
#ifndef PHEME_HTTP_WS_H
#define PHEME_HTTP_WS_H

#include <stddef.h>
#include <stdint.h>

#include "core/metrics.h"
#include "http/server.h"

typedef struct ws_conn ws_conn;

/* Close codes PHEME uses (RFC 6455 §7.4; 4000-4999 are the application's). */
enum {
  WS_CLOSE_NORMAL = 1000,
  WS_CLOSE_GOING_AWAY = 1001,   /* the server is stopping */
  WS_CLOSE_PROTOCOL = 1002,
  WS_CLOSE_UNSUPPORTED = 1003,  /* a binary message */
  WS_CLOSE_INVALID = 1007,      /* a message that is not UTF-8 JSON */
  WS_CLOSE_POLICY = 1008,       /* refused: bad credentials, a malformed request */
  WS_CLOSE_TOO_BIG = 1009,      /* over ws_message_max */
  WS_CLOSE_INTERNAL = 1011,
  WS_CLOSE_TOO_SLOW = 4000,     /* the client read too slowly: its queue filled */
  WS_CLOSE_IDLE = 4001,         /* no frame, not even a pong, for two ping intervals */
};

typedef struct {
  /* The connection is up (its first callback). */
  void (*opened)(ws_conn *c, void *ctx);
  /* A whole message from the client (binary 1 for a binary one). */
  void (*message)(ws_conn *c, void *ctx, int binary, const uint8_t *data, size_t len);
  /* After ws_wake, and after the client read what was queued: send what is pending. */
  void (*pump)(ws_conn *c, void *ctx);
  /* The connection is gone; no callback follows: free ctx here. Not called when the client left
   * during the handshake (before opened): ctx should hold nothing until opened. */
  void (*closed)(void *ctx);
} ws_handler;

typedef struct {
  size_t message_max;   /* largest message a client may send */
  int ping_interval_s;  /* 0 = no pings, no idle check */
  const char *subprotocol; /* NULL: none; else the client must offer it (Sec-WebSocket-Protocol) and it is echoed */
} ws_options;

/* Checks r's handshake (GET, Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Version 13,
 * a Sec-WebSocket-Key of 16 bytes) and answers 101 Switching Protocols; ctx goes to h's
 * callbacks. Returns 0, or answers 400/426 and returns -1 (h->closed is then not called). */
int ws_accept(http_req *r, const ws_handler *h, void *ctx, const ws_options *o) PHEME_MUST_CHECK;
/* Makes the loop call the handler's pump soon. Any thread. */
void ws_wake(ws_conn *c);
/* Queues a text message. Returns 0, or -1 when the connection is closing. Loop thread. */
int ws_send_text(ws_conn *c, const char *data, size_t len);
/* Messages queued and not yet written (for a handler's own backpressure). Loop thread. */
size_t ws_queued(ws_conn *c);
/* Starts the closing handshake with code and reason (at most 123 bytes). Loop thread. */
void ws_close(ws_conn *c, uint16_t code, const char *reason);
/* Closes every connection (1001) and stops the loop; waits up to timeout_ms for the clients'
 * close frames. Call before stopping the HTTP server. */
void ws_shutdown(int timeout_ms);

void ws_metrics_collect(metrics_writer *w, void *ctx);

#endif
