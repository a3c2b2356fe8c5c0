/* Redis through hiredis: see redis.h. */
#include "core/redis.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core/log.h"
#include "core/util.h"
#include "core/banned.h"

struct redis_client {
  char host[256];
  int port, db;
  char password[256];
  int timeout_ms, backoff_ms;
  char where[300];
  pthread_key_t conn;           /* this thread's own connection (thread_conn) */
  uint64_t down_until_us;       /* atomic: no network before this */
  uint64_t commands, failures;  /* atomic counters */
  int held_down;                /* atomic: a subscriber's connection is lost (redis_hold_down) */
  pthread_mutex_t mu;           /* guards last_error */
  char last_error[200];
  /* the pipelined connection of redis_send: a command is queued under pipe_mu and written under
   * send_mu, taken first, so that the bytes keep the queue's order while the reader thread, which
   * matches each reply to the queue's head under pipe_mu alone, never waits for a send(2) */
  pthread_mutex_t send_mu;      /* taken before pipe_mu; guards writes and the end of c->pipe */
  pthread_mutex_t pipe_mu;
  pthread_cond_t pipe_cv;       /* the reader waits for a connection */
  redisContext *pipe;           /* NULL: none (made by the next redis_send) */
  int pipe_reader_started, pipe_stopping;
  pthread_t pipe_reader;
  struct sent *pipe_head, *pipe_tail;
};

/* A command of redis_send waiting for its reply. */
typedef struct sent {
  struct sent *next;
  redis_done_fn done;
  void *arg;
  uint64_t at_us;
} sent;

/* A thread's own connection (redis_command, redis_command_send): its context (NULL: none, dialled
 * on next use) and the one command sent whose reply is not taken yet (redis_command_reply). */
typedef struct {
  redisContext *ctx;
  int awaited;        /* a command of redis_command_send is out and its reply not taken */
  redisReply *early;  /* that reply, read by a redis_command that came between (NULL: still unread) */
} thread_conn;

static void free_conn(void *p) {
  thread_conn *t = p;
  if (!t) return;
  if (t->ctx) redisFree(t->ctx);
  if (t->early) freeReplyObject(t->early);
  free(t);
}

/* A refused URL as its error message quotes it (the message is logged): without its password,
 * and for one read from a file, by the file's name only. */
static pheme_err bad_url(const char *url, const char *file, char *err, size_t errlen) {
  if (file)
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen,
                      "the redis URL in '%.200s' must be redis://[:PASSWORD@]HOST[:PORT][/DB]", file);
  const char *scheme = url ? strstr(url, "://") : NULL, *at = url ? strrchr(url, '@') : NULL;
  if (scheme && at && at > scheme)
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen,
                      "redis URL '%.*s://***%.80s' must be redis://[:PASSWORD@]HOST[:PORT][/DB]",
                      (int)(scheme - url) > 16 ? 16 : (int)(scheme - url), url, at);
  return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "redis URL '%.80s' must be redis://[:PASSWORD@]HOST[:PORT][/DB]",
                    url ? url : "");
}

/* redis_client_new for a URL given as is (file NULL) or read from the file file. */
static pheme_err client_new(const char *url, const char *file, int timeout_ms, int backoff_ms, redis_client **out,
                            char *err, size_t errlen) {
  *out = NULL;
  if (!url || strncmp(url, "redis://", 8) != 0) return bad_url(url, file, err, errlen);
  redis_client *c = calloc(1, sizeof *c);
  if (!c) return pheme_fail(PHEME_SYS_NOMEM, err, errlen, "out of memory");
  /* the password ends at the last '@' (a host and a db number hold none; a password may) */
  const char *p = url + 8, *at = strrchr(p, '@');
  if (at) {
    const char *colon = memchr(p, ':', (size_t)(at - p));
    const char *pw = colon ? colon + 1 : p;
    size_t n = (size_t)(at - pw);
    if (n >= sizeof c->password) goto bad;
    memcpy(c->password, pw, n);
    p = at + 1;
  }
  size_t hl = strcspn(p, ":/");
  if (hl == 0 || hl >= sizeof c->host) goto bad;
  memcpy(c->host, p, hl);
  p += hl;
  c->port = 6379;
  if (*p == ':') {
    long long v;
    char num[8];
    size_t n = strcspn(p + 1, "/");
    if (n == 0 || n >= sizeof num) goto bad;
    memcpy(num, p + 1, n);
    num[n] = 0;
    if (parse_int(num, 1, 65535, &v)) goto bad;
    c->port = (int)v;
    p += 1 + n;
  }
  if (*p == '/' && p[1]) {
    long long v;
    if (parse_int(p + 1, 0, 15, &v)) goto bad;
    c->db = (int)v;
  } else if (*p && strcmp(p, "/") != 0) {
    goto bad;
  }
  c->timeout_ms = timeout_ms > 0 ? timeout_ms : 250;
  c->backoff_ms = backoff_ms > 0 ? backoff_ms : 1000;
  snprintf(c->where, sizeof c->where, "%s:%d/%d", c->host, c->port, c->db);
  if (pthread_key_create(&c->conn, free_conn)) goto bad;
  pthread_mutex_init(&c->mu, NULL);
  pthread_mutex_init(&c->send_mu, NULL);
  pthread_mutex_init(&c->pipe_mu, NULL);
  pthread_cond_init(&c->pipe_cv, NULL);
  *out = c;
  return PHEME_OK;
bad:
  memset(c->password, 0, sizeof c->password);
  free(c);
  return bad_url(url, file, err, errlen);
}

/* The longest URL file (--redis @FILE) taken: a longer one is refused, never cut. */
#define URL_FILE_MAX 2048

pheme_err redis_client_new(const char *url, int timeout_ms, int backoff_ms, redis_client **out, char *err,
                           size_t errlen) {
  if (!url || url[0] != '@') return client_new(url, NULL, timeout_ms, backoff_ms, out, err, errlen);
  /* --redis @FILE: the URL (it may hold a password) read from a file */
  *out = NULL;
  const char *file = url + 1;
  char text[URL_FILE_MAX + 2]; /* one byte more than is taken: a longer file is seen */
  FILE *f = fopen(file, "rb");
  if (!f) return pheme_fail(PHEME_SYS_IO, err, errlen, "cannot open the redis URL file '%.200s'", file);
  size_t n = fread(text, 1, URL_FILE_MAX + 1, f);
  fclose(f);
  pheme_err e;
  if (n > URL_FILE_MAX) {
    e = pheme_fail(PHEME_SYS_CONFIG, err, errlen, "the redis URL file '%.200s' is over %d bytes", file, URL_FILE_MAX);
  } else {
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ' || text[n - 1] == '\t')) n--;
    text[n] = 0;
    e = client_new(text, file, timeout_ms, backoff_ms, out, err, errlen);
  }
  explicit_bzero(text, sizeof text); /* the password */
  return e;
}

static void pipe_fail(redis_client *c, const char *why);

void redis_client_free(redis_client *c) {
  if (!c) return;
  pthread_mutex_lock(&c->pipe_mu);
  c->pipe_stopping = 1;
  if (c->pipe) shutdown(c->pipe->fd, SHUT_RDWR); /* the reader's read returns */
  pthread_cond_broadcast(&c->pipe_cv);
  pthread_mutex_unlock(&c->pipe_mu);
  if (c->pipe_reader_started) pthread_join(c->pipe_reader, NULL);
  pipe_fail(c, NULL); /* what is still queued (none once the reader has ended) */
  pthread_mutex_destroy(&c->pipe_mu);
  pthread_mutex_destroy(&c->send_mu);
  pthread_cond_destroy(&c->pipe_cv);
  free_conn(pthread_getspecific(c->conn));
  pthread_key_delete(c->conn); /* other threads' connections: freed as those threads end */
  pthread_mutex_destroy(&c->mu);
  memset(c->password, 0, sizeof c->password);
  free(c);
}

static void note_failure(redis_client *c, const char *what) {
  __atomic_add_fetch(&c->failures, 1, __ATOMIC_RELAXED);
  uint64_t until = time_mono_us() + (uint64_t)c->backoff_ms * 1000;
  uint64_t was = __atomic_exchange_n(&c->down_until_us, until, __ATOMIC_ACQ_REL);
  pthread_mutex_lock(&c->mu);
  snprintf(c->last_error, sizeof c->last_error, "%s", what);
  pthread_mutex_unlock(&c->mu);
  if (was < time_mono_us()) log_warn("redis %s is down (%s): falling back to this node's own parts for %d ms", c->where, what,
                                     c->backoff_ms);
}

/* A new connection, authenticated and on the right database, or NULL (the failure noted). */
static redisContext *dial(redis_client *c) {
  redisContext *ctx;
  struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
  ctx = redisConnectWithTimeout(c->host, c->port, tv);
  if (!ctx || ctx->err) {
    note_failure(c, ctx ? ctx->errstr : "cannot allocate a connection");
    if (ctx) redisFree(ctx);
    return NULL;
  }
  redisSetTimeout(ctx, tv);
  if (c->password[0]) {
    redisReply *r = redisCommand(ctx, "AUTH %s", c->password);
    int ok = r && r->type != REDIS_REPLY_ERROR;
    if (!ok) note_failure(c, r ? "AUTH refused" : ctx->errstr);
    if (r) freeReplyObject(r);
    if (!ok) return redisFree(ctx), NULL;
  }
  if (c->db) {
    redisReply *r = redisCommand(ctx, "SELECT %d", c->db);
    int ok = r && r->type != REDIS_REPLY_ERROR;
    if (!ok) note_failure(c, r ? "SELECT refused" : ctx->errstr);
    if (r) freeReplyObject(r);
    if (!ok) return redisFree(ctx), NULL;
  }
  return ctx;
}

/* This thread's connection, dialled if it has none; NULL when Redis cannot be reached. */
static thread_conn *connection(redis_client *c) {
  thread_conn *t = pthread_getspecific(c->conn);
  if (!t) {
    if (!(t = calloc(1, sizeof *t))) return NULL;
    pthread_setspecific(c->conn, t);
  }
  if (!t->ctx && !(t->ctx = dial(c))) return NULL;
  return t;
}

/* The thread's connection failed (hiredis's error, else what): noted, and closed (the next use
 * dials again); a reply awaited on it is lost. */
static void conn_lost(redis_client *c, thread_conn *t, const char *what) {
  note_failure(c, t->ctx->errstr[0] ? t->ctx->errstr : what);
  redisFree(t->ctx);
  t->ctx = NULL;
  if (!t->early) t->awaited = 0; /* a reply already read is still taken by redis_command_reply */
}

/* The next reply on the thread's connection, or NULL (the connection lost). */
static redisReply *next_reply(redis_client *c, thread_conn *t) {
  void *r = NULL;
  if (redisGetReply(t->ctx, &r) != REDIS_OK || !r) {
    conn_lost(c, t, "no reply");
    return NULL;
  }
  return r;
}

/* Reads the reply of the awaited command (redis_command_send) before another command goes out on
 * the connection, and keeps it for redis_command_reply. 0, or -1 when the connection was lost. */
static int read_awaited(redis_client *c, thread_conn *t) {
  if (!t->awaited || t->early) return 0;
  return (t->early = next_reply(c, t)) ? 0 : -1;
}

struct redisContext *redis_dial(redis_client *c) { return dial(c); }

void redis_hold_down(redis_client *c, const char *why) {
  if (why) {
    note_failure(c, why);
    __atomic_store_n(&c->held_down, 1, __ATOMIC_RELEASE);
  } else {
    __atomic_store_n(&c->held_down, 0, __ATOMIC_RELEASE);
  }
}

static void copy_scalar(const redisReply *r, int *type, long long *i, char *s) {
  s[0] = 0;
  *i = 0;
  if (r->type == REDIS_REPLY_INTEGER) {
    *type = REDIS_INT;
    *i = r->integer;
  } else if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
    *type = REDIS_STR;
    snprintf(s, 64, "%.*s", (int)(r->len < 63 ? r->len : 63), r->str);
  } else {
    *type = REDIS_NIL;
  }
}

/* A reply as the caller needs it (redis.h); the server's own trouble marks Redis down. */
static pheme_err reply_value(redis_client *c, redisReply *r, redis_value *out) {
  pheme_err e = PHEME_OK;
  if (r->type == REDIS_REPLY_ERROR) {
    snprintf(out->s, sizeof out->s, "%.*s", (int)(r->len < 63 ? r->len : 63), r->str);
    /* the server's own trouble (loading, out of memory, read-only replica) is an outage */
    if (strncmp(r->str, "LOADING", 7) == 0 || strncmp(r->str, "OOM", 3) == 0 || strncmp(r->str, "READONLY", 8) == 0 ||
        strncmp(r->str, "MISCONF", 7) == 0) {
      note_failure(c, out->s);
      e = PHEME_SYS_IO;
    } else {
      e = PHEME_DATA_INVALID;
    }
  } else if (r->type == REDIS_REPLY_ARRAY) {
    out->type = REDIS_ARR;
    out->n = (int)(r->elements < 8 ? r->elements : 8);
    for (int i = 0; i < out->n; i++) copy_scalar(r->element[i], &out->a[i].type, &out->a[i].i, out->a[i].s);
  } else {
    copy_scalar(r, &out->type, &out->i, out->s);
  }
  if (!e) __atomic_store_n(&c->down_until_us, 0, __ATOMIC_RELEASE);
  return e;
}

pheme_err redis_command(redis_client *c, int argc, const char *const *argv, redis_value *out) {
  memset(out, 0, sizeof *out);
  if (time_mono_us() < __atomic_load_n(&c->down_until_us, __ATOMIC_ACQUIRE)) return PHEME_SYS_IO;
  thread_conn *t = connection(c);
  if (!t || read_awaited(c, t)) return PHEME_SYS_IO;
  __atomic_add_fetch(&c->commands, 1, __ATOMIC_RELAXED);
  if (redisAppendCommandArgv(t->ctx, argc, (const char **)argv, NULL) != REDIS_OK) {
    conn_lost(c, t, "cannot send");
    return PHEME_SYS_IO;
  }
  redisReply *r = next_reply(c, t);
  if (!r) return PHEME_SYS_IO;
  pheme_err e = reply_value(c, r, out);
  freeReplyObject(r);
  return e;
}

pheme_err redis_command_send(redis_client *c, int argc, const char *const *argv) {
  if (time_mono_us() < __atomic_load_n(&c->down_until_us, __ATOMIC_ACQUIRE)) return PHEME_SYS_IO;
  thread_conn *t = connection(c);
  if (!t) return PHEME_SYS_IO;
  if (t->awaited) { /* its taker gave up (it could not read on this thread): dropped */
    if (read_awaited(c, t)) return PHEME_SYS_IO;
    freeReplyObject(t->early);
    t->early = NULL;
    t->awaited = 0;
  }
  __atomic_add_fetch(&c->commands, 1, __ATOMIC_RELAXED);
  int done = 0, ok = redisAppendCommandArgv(t->ctx, argc, (const char **)argv, NULL) == REDIS_OK;
  while (ok && !done) ok = redisBufferWrite(t->ctx, &done) == REDIS_OK;
  if (!ok) {
    conn_lost(c, t, "cannot send");
    return PHEME_SYS_IO;
  }
  t->awaited = 1;
  return PHEME_OK;
}

pheme_err redis_command_reply(redis_client *c, int spin_us, redis_value *out) {
  memset(out, 0, sizeof *out);
  thread_conn *t = pthread_getspecific(c->conn);
  if (!t || !t->awaited) return PHEME_SYS_IO; /* none sent, or the connection was lost since */
  if (!t->early && spin_us > 0) { /* polled, not slept on, until the first byte or the time is up */
    uint64_t until = time_mono_us() + (uint64_t)spin_us;
    char b;
    while (recv(t->ctx->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) != 1 && time_mono_us() < until)
      sched_yield(); /* whoever else is runnable on this core (Redis itself, on a small machine) goes first */
  }
  redisReply *r = t->early ? t->early : next_reply(c, t);
  if (!r) return PHEME_SYS_IO;
  t->early = NULL;
  t->awaited = 0;
  pheme_err e = reply_value(c, r, out);
  freeReplyObject(r);
  return e;
}

/* ---- the pipelined connection (redis_send) ---- */

/* Ends the pipelined connection (why: the failure noted; NULL: the client is being freed) and
 * answers every queued command with PHEME_SYS_IO. Called by the reader thread, or once it ended. */
static void pipe_fail(redis_client *c, const char *why) {
  pthread_mutex_lock(&c->send_mu); /* no send is under way on the connection freed here */
  pthread_mutex_lock(&c->pipe_mu);
  sent *q = c->pipe_head;
  c->pipe_head = c->pipe_tail = NULL;
  if (c->pipe) redisFree(c->pipe);
  c->pipe = NULL;
  pthread_mutex_unlock(&c->pipe_mu);
  pthread_mutex_unlock(&c->send_mu);
  if (why) note_failure(c, why);
  redis_value none;
  memset(&none, 0, sizeof none);
  while (q) {
    sent *n = q->next;
    q->done(q->arg, PHEME_SYS_IO, &none);
    free(q);
    q = n;
  }
}

/* The pipe's reader looks at the oldest command's age at least this many times per timeout_ms
 * (its read's receive timeout), and after every read that brings bytes. */
#define PIPE_READ_SLICES 4

/* Whether the oldest command waiting has waited past timeout_ms. */
static int late_reply(redis_client *c) {
  pthread_mutex_lock(&c->pipe_mu);
  int late = c->pipe_head && time_mono_us() - c->pipe_head->at_us > (uint64_t)c->timeout_ms * 1000;
  pthread_mutex_unlock(&c->pipe_mu);
  return late;
}

/* The reader thread: reads replies as they come (the connection's receive timeout, a quarter of
 * timeout_ms, wakes it to look for a command waiting too long) and answers the queue's head with
 * each. */
static void *pipe_reader(void *arg) {
  redis_client *c = arg;
  char in[16384];
  pthread_setname_np(pthread_self(), "pheme-redis"); /* for ps, top and perf (else it inherits an HTTP thread's name) */
  for (;;) {
    pthread_mutex_lock(&c->pipe_mu);
    while (!c->pipe_stopping && !c->pipe) pthread_cond_wait(&c->pipe_cv, &c->pipe_mu);
    if (c->pipe_stopping) {
      pthread_mutex_unlock(&c->pipe_mu);
      return NULL;
    }
    redisContext *ctx = c->pipe; /* freed only by this thread (pipe_fail) */
    pthread_mutex_unlock(&c->pipe_mu);
    /* One blocking read (the connection's receive timeout is a quarter of timeout_ms, set when it
     * was dialled: PIPE_READ_SLICES): a reply is therefore awaited at most 1.25 × timeout_ms, and
     * a busy connection costs one system call per read. */
    ssize_t n = read(ctx->fd, in, sizeof in);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (late_reply(c)) pipe_fail(c, "no reply within the timeout");
      continue;
    }
    if (n <= 0) {
      pipe_fail(c, n == 0 ? "connection closed" : strerror(errno));
      continue;
    }
    if (redisReaderFeed(ctx->reader, in, (size_t)n) != REDIS_OK) {
      pipe_fail(c, "unreadable reply");
      continue;
    }
    int failed = 0;
    for (;;) {
      void *reply = NULL;
      if (redisReaderGetReply(ctx->reader, &reply) != REDIS_OK) {
        pipe_fail(c, "unreadable reply");
        failed = 1;
        break;
      }
      if (!reply) break;
      pthread_mutex_lock(&c->pipe_mu);
      sent *q = c->pipe_head;
      if (q && !(c->pipe_head = q->next)) c->pipe_tail = NULL;
      pthread_mutex_unlock(&c->pipe_mu);
      if (!q) { /* a reply nothing asked for: the stream is not what this side thinks */
        freeReplyObject(reply);
        pipe_fail(c, "a reply without a command");
        failed = 1;
        break;
      }
      redis_value v;
      memset(&v, 0, sizeof v);
      pheme_err e = reply_value(c, reply, &v);
      freeReplyObject(reply);
      q->done(q->arg, e, &v);
      free(q);
    }
    /* bytes came, but the oldest reply may still be incomplete: a Redis that trickles is as late
     * as one that is silent */
    if (!failed && late_reply(c)) pipe_fail(c, "no reply within the timeout");
  }
}

pheme_err redis_send(redis_client *c, int argc, const char *const *argv, redis_done_fn done, void *arg) {
  if (time_mono_us() < __atomic_load_n(&c->down_until_us, __ATOMIC_ACQUIRE)) return PHEME_SYS_IO;
  char *cmd = NULL;
  long long len = redisFormatCommandArgv(&cmd, argc, (const char **)argv, NULL);
  sent *q = malloc(sizeof *q);
  if (len < 0 || !q) {
    free(q);
    if (len >= 0) redisFreeCommand(cmd);
    return PHEME_SYS_NOMEM;
  }
  *q = (sent){NULL, done, arg, time_mono_us()};
  pthread_mutex_lock(&c->send_mu);
  pthread_mutex_lock(&c->pipe_mu);
  /* down_until again under the lock: callers that queued here while another one dialled a Redis
   * whose connect hangs do not each dial in turn (one timeout each, one after the other) */
  if (!c->pipe && !c->pipe_stopping && time_mono_us() >= __atomic_load_n(&c->down_until_us, __ATOMIC_ACQUIRE) &&
      (c->pipe = dial(c))) {
    int slice_ms = c->timeout_ms / PIPE_READ_SLICES > 0 ? c->timeout_ms / PIPE_READ_SLICES : 1;
    struct timeval tv = {slice_ms / 1000, (slice_ms % 1000) * 1000};
    (void)setsockopt(c->pipe->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv); /* the reader's wake-ups */
    if (!c->pipe_reader_started && pthread_create(&c->pipe_reader, NULL, pipe_reader, c) == 0) c->pipe_reader_started = 1;
    if (!c->pipe_reader_started) {
      redisFree(c->pipe);
      c->pipe = NULL;
    }
    pthread_cond_broadcast(&c->pipe_cv);
  }
  if (!c->pipe) {
    pthread_mutex_unlock(&c->pipe_mu);
    pthread_mutex_unlock(&c->send_mu);
    free(q);
    redisFreeCommand(cmd);
    return PHEME_SYS_IO;
  }
  /* queued before it is written, in the order of the bytes: the reader matches replies to it */
  if (c->pipe_tail) c->pipe_tail->next = q; else c->pipe_head = q;
  c->pipe_tail = q;
  int fd = c->pipe->fd; /* c->pipe lives while send_mu is held (pipe_fail takes it) */
  pthread_mutex_unlock(&c->pipe_mu);
  __atomic_add_fetch(&c->commands, 1, __ATOMIC_RELAXED);
  for (long long off = 0; off < len;) {
    ssize_t w = send(fd, cmd + off, (size_t)(len - off), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { /* the reader finds the connection shut and answers the queue, this one too */
      shutdown(fd, SHUT_RDWR);
      break;
    }
    off += w;
  }
  pthread_mutex_unlock(&c->send_mu);
  redisFreeCommand(cmd);
  return PHEME_OK;
}

int redis_up(redis_client *c) {
  return !__atomic_load_n(&c->held_down, __ATOMIC_ACQUIRE) &&
         time_mono_us() >= __atomic_load_n(&c->down_until_us, __ATOMIC_ACQUIRE);
}

void redis_last_error(redis_client *c, char *out, size_t n) {
  pthread_mutex_lock(&c->mu);
  snprintf(out, n, "%s", c->last_error);
  pthread_mutex_unlock(&c->mu);
}

const char *redis_where(const redis_client *c) { return c->where; }

void redis_metrics_collect(metrics_writer *w, void *ctx) {
  redis_client *c = ctx;
  mw_family(w, "pheme_redis_up", METRIC_GAUGE, "Whether the shared Redis answers (0: this node uses its own parts).");
  mw_i64(w, NULL, redis_up(c));
  mw_family(w, "pheme_redis_commands_total", METRIC_COUNTER, "Commands sent to Redis.");
  mw_i64(w, NULL, (int64_t)__atomic_load_n(&c->commands, __ATOMIC_RELAXED));
  mw_family(w, "pheme_redis_failures_total", METRIC_COUNTER, "Redis commands or connections that failed.");
  mw_i64(w, NULL, (int64_t)__atomic_load_n(&c->failures, __ATOMIC_RELAXED));
}
