/* The connection guard: what keeps one client from taking the server offline by holding
 * connections (server.c calls it; not for handlers).
 *
 *  - a per-client cap on open connections (per IPv4 address or IPv6 /64; trusted proxies are
 *    exempt, since every client behind them shares their address): a connection over the cap is
 *    answered a canned 503 API013 and closed before it is read;
 *  - deadlines for the whole request head (from the connection's start, or from the previous
 *    answer on a keep-alive connection) and for the whole body (from the end of the head): a
 *    sweeper closes a connection that misses one, however steadily it trickles bytes (the idle
 *    timeout of libmicrohttpd restarts on every byte, so it cannot);
 *  - a reserve of connections above the connection limit that answer only /healthz and /readyz,
 *    so a probe gets through while ordinary slots are all taken.
 *
 *  - a lingering close: a connection answered before its body was read (413, a refused upload,
 *    bad framing) is, once libmicrohttpd lets it go, half-closed (FIN after the answer) and its
 *    incoming bytes are read and dropped for up to GUARD_LINGER_S seconds or GUARD_LINGER_BYTES,
 *    so the client reads the answer instead of a reset (closing a socket with unread bytes sends
 *    RST, which makes the peer drop what it had not read yet);
 *
 * A connection is closed from the sweeper by shutting its socket down: libmicrohttpd then sees
 * the end of the stream and closes it in its own thread. */
#ifndef PHEME_HTTP_GUARD_H
#define PHEME_HTTP_GUARD_H

#include <stdint.h>

#include "http/server.h"

/* Connections above max_connections kept for health probes. */
#define GUARD_RESERVE 32
/* The head deadline of a connection accepted into the reserve, in seconds. */
#define GUARD_RESERVE_HEAD_S 2
/* A body announced by Content-Length gets 1 s more of deadline per this many bytes (64 KiB/s),
 * so a large upload on a slow link is not cut while a trickle still is. */
#define GUARD_BODY_MIN_RATE 65536
/* fds kept free of connections: storage, logs, the listening socket, accept bursts. */
#define GUARD_FD_HEADROOM 256

/* The lingering close's bounds, and how many connections may linger at once. */
#define GUARD_LINGER_S 5
#define GUARD_LINGER_BYTES ((size_t)16 << 20)
#define GUARD_LINGER_MAX 256

typedef struct guard_conn guard_conn;

/* Raises the soft RLIMIT_NOFILE to the hard one and returns the connection limit that fits it:
 * the wanted one (0 = as many as fit), at most fds - headroom - reserve - GUARD_LINGER_MAX. A
 * connection holds one descriptor, its socket (an event stream or a WebSocket too: a wake writes
 * to that socket); an answer from a file holds one more while it is sent, and takes it from the
 * same budget (guard_file_take), so connections and files together never pass the limit.
 * *fds is set to the soft limit. */
int guard_connection_limit(int wanted, long *fds);
/* Takes one descriptor of the connection budget for a file an answer will hold until it is
 * sent. Returns 1, or 0 when the open connections and files use the whole budget (the caller
 * answers 503 API013 instead). Each 1 is given back with guard_file_put. */
int guard_file_take(http_server *s);
void guard_file_put(http_server *s);

int guard_start(http_server *s) PHEME_MUST_CHECK;
void guard_stop(http_server *s);
/* From the connection notifications. */
void guard_opened(http_server *s, struct MHD_Connection *c, void **ctx);
void guard_closed(http_server *s, void **ctx);
/* The connection's state, or NULL. */
guard_conn *guard_of(struct MHD_Connection *c);
/* Sets (seconds > 0) or clears (0) the connection's deadline. */
void guard_deadline(guard_conn *g, int seconds);
/* Lingers after the connection is closed (its body is unread). */
void guard_linger(guard_conn *g);
/* Whether the connection was accepted into the reserve. */
int guard_reserve(const guard_conn *g);

#endif
