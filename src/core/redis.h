/* A Redis client for what several PHEME nodes share (issue 16): the rate-limit buckets today, and
 * what else needs one truth across nodes. Through hiredis: redis_command waits for its reply on a
 * connection of the calling thread's own (hiredis contexts are not thread-safe; the HTTP threads
 * are few and fixed); redis_send pipelines commands of any thread on one shared connection whose
 * replies a reader thread hands back. Every connection has connect and command timeouts.
 *
 * Redis is never on the critical path: when a command fails (refused connection, timeout, an error
 * reply of the server itself) the client is marked down for a back-off interval, during which
 * calls fail at once without touching the network, and callers fall back to their in-process
 * parts. The first command after the interval tries again. redis_up and the metrics say which. */
#ifndef PHEME_CORE_REDIS_H
#define PHEME_CORE_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/metrics.h"

typedef struct redis_client redis_client;

/* One reply, as the caller needs it: an integer, a string, or an array of them (one level). */
typedef struct {
  int type;        /* REDIS_INT, REDIS_STR, REDIS_ARR, REDIS_NIL */
  long long i;
  char s[64];      /* a string reply, cut to 63 bytes (what PHEME reads is short) */
  int n;           /* REDIS_ARR: items in a[] (at most 8) */
  struct {
    int type;
    long long i;
    char s[64];
  } a[8];
} redis_value;
enum { REDIS_NIL = 0, REDIS_INT = 1, REDIS_STR = 2, REDIS_ARR = 3 };

/* url: redis://[:PASSWORD@]HOST[:PORT][/DB]. timeout_ms bounds connecting and each command;
 * backoff_ms is how long the client stays down after a failure. PHEME_SYS_CONFIG for a bad URL.
 * Nothing is connected yet. */
pheme_err redis_client_new(const char *url, int timeout_ms, int backoff_ms, redis_client **out, char *err,
                           size_t errlen) PHEME_MUST_CHECK;
void redis_client_free(redis_client *c);

/* Runs one command given as argv on this thread's connection (connected on first use) and reads
 * its reply into out. PHEME_SYS_IO when Redis is down or fails (then down for backoff_ms),
 * PHEME_DATA_INVALID for an error reply that is the command's fault (e.g. NOSCRIPT), with the
 * message in out->s. */
pheme_err redis_command(redis_client *c, int argc, const char *const *argv, redis_value *out) PHEME_MUST_CHECK;

/* redis_command in two halves on this thread's connection, so that the caller can work while
 * Redis answers: redis_command_send writes the command (PHEME_SYS_IO when Redis is down or the
 * write fails: then nothing is awaited), and redis_command_reply, on the same thread, waits for
 * its reply and returns it as redis_command would. One command at a time is awaited per thread;
 * a redis_command in between runs as usual (the awaited reply is read first and kept). A send
 * while a reply is still awaited drops that reply (its taker gave up); a reply with none awaited,
 * or after the connection was lost, is PHEME_SYS_IO. */
pheme_err redis_command_send(redis_client *c, int argc, const char *const *argv) PHEME_MUST_CHECK;
/* spin_us: how long to poll for the reply before sleeping on it (0: sleep at once). Only for a
 * thread with nothing else to do whose reply is due within microseconds: a sleeping thread is
 * woken by the reply's arrival, which on a virtual machine whose core went idle costs tens of µs
 * (docs/internals/http.md, "Overlapped checks"). */
pheme_err redis_command_reply(redis_client *c, int spin_us, redis_value *out) PHEME_MUST_CHECK;

/* A command whose reply is not waited for: done(arg, e, v) gets it later, once, on the client's
 * reader thread, with e as redis_command would return it (v holds the reply; for PHEME_SYS_IO,
 * nothing). Concurrent callers' commands go out on one shared connection, pipelined, so that many
 * of them share a round trip of Redis's and a wake-up of each side.
 * Returns PHEME_OK when the command was handed over (done will be called: with PHEME_SYS_IO when
 * the connection is lost or no reply comes within timeout_ms), or PHEME_SYS_IO at once without
 * calling done when Redis is down (the back-off) or cannot be reached. done must not block long:
 * the replies of the commands after its own wait for it. */
typedef void (*redis_done_fn)(void *arg, pheme_err e, const redis_value *v);
pheme_err redis_send(redis_client *c, int argc, const char *const *argv, redis_done_fn done, void *arg) PHEME_MUST_CHECK;

/* A new connection of its own (authenticated, on the URL's database) for a caller that keeps it,
 * such as a subscriber (core/redis_bus.h), or NULL with the failure noted (Redis down for the
 * back-off). The caller frees it with redisFree. */
struct redisContext *redis_dial(redis_client *c);
/* why set: marks Redis down (a failure, with why as the last error) and keeps redis_up 0 until
 * redis_hold_down(c, NULL), whatever commands do meanwhile: a subscriber whose connection is
 * lost holds the node degraded until it has subscribed again. Commands are not refused for it. */
void redis_hold_down(redis_client *c, const char *why);

/* Whether the last command succeeded or none has failed within the back-off, and no subscriber
 * holds Redis down. */
int redis_up(redis_client *c);
/* The last failure's message ("" when none), for /readyz. */
void redis_last_error(redis_client *c, char *out, size_t n);
/* "host:port/db" (no password), for logs and /readyz. */
const char *redis_where(const redis_client *c);

/* The collector for the metrics registry (ctx: the client): pheme_redis_up, commands and
 * failures. */
void redis_metrics_collect(metrics_writer *w, void *ctx);

#endif
