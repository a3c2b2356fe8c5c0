/* The connection guard; see guard.h. */
#include "http/guard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "http/internal.h"
#include "core/banned.h"

#define ATOMIC_ADD(p, v) __atomic_add_fetch((p), (v), __ATOMIC_RELAXED)
/* How often the sweeper looks for connections past their deadline. */
#define SWEEP_US 200000u

struct guard_conn {
  guard_conn *prev, *next;
  int fd;
  int reserve;
  int shut;                   /* shut down by the sweeper or the cap */
  int linger;                 /* drain after close (guard_linger) */
  uint64_t deadline_us;       /* atomic; 0 = none */
  guard_client *client;       /* NULL when exempt (a trusted proxy) */
};

struct guard_lingering {
  guard_lingering *next;
  int fd;                     /* our duplicate of the connection's socket */
  uint64_t until_us;
  size_t left;                /* bytes still to drop */
};

struct guard_client {
  guard_client *next;
  int open;
  char key[64];
};

int guard_connection_limit(int wanted, long *fds) {
  struct rlimit rl;
  long soft = 1024;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur != rl.rlim_max) {
      struct rlimit up = {rl.rlim_max, rl.rlim_max};
      /* the hard limit may be "unlimited": ask for a sane number then */
      if (up.rlim_cur == RLIM_INFINITY || up.rlim_cur > 1048576) up.rlim_cur = up.rlim_max = 1048576;
      if (up.rlim_max > rl.rlim_max) up.rlim_max = rl.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &up) == 0) rl.rlim_cur = up.rlim_cur;
    }
    soft = rl.rlim_cur == RLIM_INFINITY ? 1048576 : (long)rl.rlim_cur;
  }
  *fds = soft;
  long fit = soft - GUARD_FD_HEADROOM - GUARD_RESERVE - GUARD_LINGER_MAX;
  if (fit < 16) fit = 16;
  if (fit > 100000) fit = 100000;
  if (wanted <= 0 || wanted > fit) return (int)fit;
  return wanted;
}

static uint64_t hash_key(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

/* Under guard_mu: the client's entry, made when missing; NULL when out of memory. */
static guard_client *client_get(http_server *s, const char *key) {
  guard_client **slot = &s->guard_clients[hash_key(key) % GUARD_CLIENT_SLOTS];
  for (guard_client *c = *slot; c; c = c->next)
    if (strcmp(c->key, key) == 0) return c;
  guard_client *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  snprintf(c->key, sizeof c->key, "%s", key);
  c->next = *slot;
  *slot = c;
  return c;
}

static void client_put(http_server *s, guard_client *c) {
  if (--c->open > 0) return;
  guard_client **p = &s->guard_clients[hash_key(c->key) % GUARD_CLIENT_SLOTS];
  while (*p && *p != c) p = &(*p)->next;
  if (*p) *p = c->next;
  free(c);
}

/* Under guard_mu: reads and drops what the lingering connections sent; closes those that are
 * done (the client closed, the bounds are reached, an error). */
static void drain_lingering(http_server *s, uint64_t now) {
  static char scratch[65536];
  for (guard_lingering **p = &s->guard_lingers; *p;) {
    guard_lingering *l = *p;
    int done = now > l->until_us;
    size_t round = 0; /* at most 1 MiB a connection a sweep: the lock is held */
    while (!done && round < ((size_t)1 << 20)) {
      ssize_t n = recv(l->fd, scratch, sizeof scratch, MSG_DONTWAIT);
      if (n > 0) {
        round += (size_t)n;
        done = (size_t)n >= l->left;
        l->left -= done ? l->left : (size_t)n;
      } else {
        done = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
        if (!done) break;
      }
    }
    if (done) {
      close(l->fd);
      *p = l->next;
      free(l);
      s->guard_nlingers--;
    } else {
      p = &l->next;
    }
  }
}

static void *sweeper(void *arg) {
  http_server *s = arg;
  pthread_mutex_lock(&s->guard_mu);
  while (s->guard_running) {
    uint64_t now = time_mono_us();
    drain_lingering(s, now);
    for (guard_conn *g = s->guard_conns; g; g = g->next) {
      uint64_t d = __atomic_load_n(&g->deadline_us, __ATOMIC_ACQUIRE);
      if (d && now > d && !g->shut) {
        g->shut = 1;
        ATOMIC_ADD(&s->guard_deadline_closed, 1);
        shutdown(g->fd, SHUT_RDWR);
      }
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* a lingering client's bytes are dropped often, so its send buffer does not fill up */
    ts.tv_nsec += (long)(s->guard_lingers ? SWEEP_US / 10 : SWEEP_US) * 1000;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&s->guard_cv, &s->guard_mu, &ts);
  }
  pthread_mutex_unlock(&s->guard_mu);
  return NULL;
}

int guard_start(http_server *s) {
  pthread_condattr_t ca;
  if (pthread_condattr_init(&ca)) return -1;
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  int bad = pthread_cond_init(&s->guard_cv, &ca);
  pthread_condattr_destroy(&ca);
  if (bad) return -1;
  if (pthread_mutex_init(&s->guard_mu, NULL)) {
    pthread_cond_destroy(&s->guard_cv);
    return -1;
  }
  s->guard_running = 1;
  if (pthread_create(&s->guard_thread, NULL, sweeper, s)) {
    s->guard_running = 0;
    pthread_mutex_destroy(&s->guard_mu);
    pthread_cond_destroy(&s->guard_cv);
    return -1;
  }
  s->guard_started = 1;
  return 0;
}

void guard_stop(http_server *s) {
  if (!s->guard_started) return;
  pthread_mutex_lock(&s->guard_mu);
  s->guard_running = 0;
  pthread_cond_signal(&s->guard_cv);
  pthread_mutex_unlock(&s->guard_mu);
  pthread_join(s->guard_thread, NULL);
  while (s->guard_lingers) {
    guard_lingering *l = s->guard_lingers;
    s->guard_lingers = l->next;
    close(l->fd);
    free(l);
  }
  /* the daemon is stopped: every connection was closed and told */
  for (size_t i = 0; i < GUARD_CLIENT_SLOTS; i++) {
    while (s->guard_clients[i]) {
      guard_client *c = s->guard_clients[i];
      s->guard_clients[i] = c->next;
      free(c);
    }
  }
  pthread_mutex_destroy(&s->guard_mu);
  pthread_cond_destroy(&s->guard_cv);
  s->guard_started = 0;
}

/* The answer to a connection over its client's cap, written before anything is read. */
static const char over_cap[] =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
    "Retry-After: 1\r\nContent-Length: 92\r\n\r\n"
    "{\"error\":{\"code\":\"API013\",\"message\":\"too many connections from this address\","
    "\"details\":{}}}\n";

void guard_opened(http_server *s, struct MHD_Connection *c, void **ctx) {
  guard_conn *g = calloc(1, sizeof *g);
  *ctx = g;
  if (!g) return;
  const union MHD_ConnectionInfo *fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  g->fd = fi ? fi->connect_fd : -1;
  char peer[INET6_ADDRSTRLEN] = "unknown", key[64] = "";
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci && ci->client_addr) {
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer, sizeof peer);
    else if (sa->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer, sizeof peer);
  }
  int exempt = ratelimit_trusted_proxy(peer, s->o.trusted_proxies);
  if (!exempt && ratelimit_ip_key(peer, key, sizeof key)) snprintf(key, sizeof key, "ip:%s", peer);
  int over = 0;
  pthread_mutex_lock(&s->guard_mu);
  g->next = s->guard_conns;
  if (g->next) g->next->prev = g;
  s->guard_conns = g;
  s->guard_open++;
  g->reserve = s->guard_open + s->guard_files > s->conn_limit;
  if (!exempt) {
    g->client = client_get(s, key);
    if (g->client) {
      g->client->open++;
      over = s->o.per_client_connections > 0 && g->client->open > s->o.per_client_connections;
    }
  }
  if (over) g->shut = 1;
  pthread_mutex_unlock(&s->guard_mu);
  if (over) {
    ATOMIC_ADD(&s->guard_refused, 1);
    if (g->fd >= 0) {
      ssize_t w = send(g->fd, over_cap, sizeof over_cap - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      (void)w;
      shutdown(g->fd, SHUT_RDWR);
    }
    return;
  }
  if (g->reserve) ATOMIC_ADD(&s->guard_reserve_used, 1);
  guard_deadline(g, g->reserve ? GUARD_RESERVE_HEAD_S : s->o.head_timeout);
}

void guard_closed(http_server *s, void **ctx) {
  guard_conn *g = *ctx;
  if (!g) return;
  /* The socket is still open (libmicrohttpd closes it after telling us): a duplicate keeps it
   * open past that close, to be half-closed and drained. */
  guard_lingering *l = NULL;
  if (g->linger && g->fd >= 0 && (l = calloc(1, sizeof *l))) {
    l->fd = fcntl(g->fd, F_DUPFD_CLOEXEC, 0);
    l->until_us = time_mono_us() + (uint64_t)GUARD_LINGER_S * 1000000u;
    l->left = GUARD_LINGER_BYTES;
    if (l->fd < 0) {
      free(l);
      l = NULL;
    } else {
      shutdown(l->fd, SHUT_WR);
    }
  }
  pthread_mutex_lock(&s->guard_mu);
  if (l && s->guard_nlingers < GUARD_LINGER_MAX) {
    l->next = s->guard_lingers;
    s->guard_lingers = l;
    s->guard_nlingers++;
    pthread_cond_signal(&s->guard_cv);
    l = NULL;
  }
  if (g->prev) g->prev->next = g->next;
  else s->guard_conns = g->next;
  if (g->next) g->next->prev = g->prev;
  s->guard_open--;
  if (g->client) client_put(s, g->client);
  pthread_mutex_unlock(&s->guard_mu);
  if (l) { /* too many lingering already */
    close(l->fd);
    free(l);
  }
  free(g);
  *ctx = NULL;
}

guard_conn *guard_of(struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return i ? i->socket_context : NULL;
}

void guard_deadline(guard_conn *g, int seconds) {
  if (!g) return;
  uint64_t d = seconds > 0 ? time_mono_us() + (uint64_t)seconds * 1000000u : 0;
  __atomic_store_n(&g->deadline_us, d, __ATOMIC_RELEASE);
}

void guard_linger(guard_conn *g) {
  if (g) g->linger = 1;
}

int guard_reserve(const guard_conn *g) { return g && g->reserve; }

int guard_file_take(http_server *s) {
  pthread_mutex_lock(&s->guard_mu);
  /* the reserve's connections are counted: the budget is the daemon's whole connection limit */
  int ok = s->guard_open + s->guard_files < s->conn_limit + GUARD_RESERVE;
  if (ok) s->guard_files++;
  pthread_mutex_unlock(&s->guard_mu);
  return ok;
}

void guard_file_put(http_server *s) {
  pthread_mutex_lock(&s->guard_mu);
  s->guard_files--;
  pthread_mutex_unlock(&s->guard_mu);
}
