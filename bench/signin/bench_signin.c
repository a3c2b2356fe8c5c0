/* Sign-in end to end over HTTP (issue 3): a client that does the wallet's part with src/eth — a
 * fresh key per sign-in, POST /api/v1/auth/nonce, personal_sign of the returned message,
 * POST /api/v1/auth/verify — against a running `pheme serve`, and the cost of one raw
 * secp256k1_ecdsa_recover measured in this same run.
 *
 *   bench_signin HOST PORT SERVER_PID SIGNINS [CONNECTIONS]
 *
 * CONNECTIONS (default 1) keep-alive connections each run one sign-in after another, so that
 * many are in flight at once, as on a server with many people signing in.
 *
 * Prints the server's CPU time (utime + stime from /proc/PID/stat) per completed sign-in, the
 * recovery cost (median of batches, thread CPU time) and their ratio. run.sh pins the server to
 * core 0 and this client to core 1. */
#include <arpa/inet.h>
#include <dirent.h>
#include <sched.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "eth/eip191.h"
#include "eth/hex.h"
#include "eth/secp.h"
#include "core/banned.h"

/* One client connection: a keep-alive socket and the sign-in it is doing. */
typedef struct {
  int fd;
  int step; /* 0: idle, 1: waiting for the nonce, 2: waiting for the verify */
  uint8_t key[32];
  size_t got;
  char resp[1 << 14];
} conn;

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The CPU time (user + system) of a process, in seconds: the sum over its threads of the time
 * each spent running, from /proc/PID/task/TID/schedstat, in nanoseconds (/proc/PID/stat's utime
 * and stime count 10 ms ticks, too coarse for a segment of a few hundred milliseconds). */
static double proc_cpu(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *d = opendir(path);
  if (!d) return -1;
  unsigned long long total = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char stat[300], text[128];
    snprintf(stat, sizeof stat, "/proc/%d/task/%s/schedstat", pid, e->d_name);
    FILE *f = fopen(stat, "r");
    if (!f) continue;
    unsigned long long ns = 0;
    if (fgets(text, sizeof text, f) && sscanf(text, "%llu", &ns) == 1) total += ns;
    fclose(f);
  }
  closedir(d);
  return (double)total / 1e9;
}

static int connect_to(const char *host, int port) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return -1;
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(s, (struct sockaddr *)&sa, sizeof sa)) {
    close(s);
    return -1;
  }
  return s;
}

/* Sends POST path with body on c, headers and body in one write (as a browser's small POST). */
static int send_post(conn *c, const char *path, const char *body) {
  char req[8192];
  size_t bl = strlen(body);
  int n = snprintf(req, sizeof req,
                   "POST %s HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                   "Content-Length: %zu\r\n\r\n%s", path, bl, body);
  if (n < 0 || (size_t)n >= sizeof req) return -1;
  c->got = 0;
  return write(c->fd, req, (size_t)n) == n ? 0 : -1;
}

/* Reads what c has; returns the status when a whole answer is in (body at *out), 0 when more is
 * to come, -1 on error. */
static int read_answer(conn *c, const char **out) {
  ssize_t n = read(c->fd, c->resp + c->got, sizeof c->resp - 1 - c->got);
  if (n <= 0) return -1;
  c->got += (size_t)n;
  c->resp[c->got] = 0;
  char *end = strstr(c->resp, "\r\n\r\n");
  if (!end) return 0;
  const char *cl = strcasestr(c->resp, "\r\nContent-Length:");
  if (!cl) return -1;
  size_t want = (size_t)strtoul(cl + 17, NULL, 10), have = c->got - (size_t)(end + 4 - c->resp);
  if (have < want) return 0;
  *out = end + 4;
  return atoi(c->resp + 9);
}

/* Starts a sign-in on c with a fresh key: asks for a nonce. */
static int start_signin(conn *c) {
  uint8_t addr[20];
  pheme_error e;
  do {
    if (random_bytes(c->key, 32)) return -1;
  } while (secp_address(addr, c->key, &e));
  char hex[43], body[256];
  address_format_hex(hex, addr);
  snprintf(body, sizeof body, "{\"address\":\"%s\",\"chainId\":1}", hex);
  c->step = 1;
  return send_post(c, "/api/v1/auth/nonce", body);
}

/* The nonce's answer is in: signs the message and sends the verify. */
static int send_verify(conn *c, const char *answer) {
  json_t *j = json_loads(answer, 0, NULL);
  const char *msg = json_string_value(json_object_get(j, "message"));
  if (!msg) return -1;
  uint8_t h[32], sig[65];
  pheme_error e;
  eip191_hash(h, msg, strlen(msg));
  if (secp_sign(sig, h, c->key, &e)) return -1;
  secp_v_to_27(sig);
  char sighex[HEX_LEN(65) + 1];
  hex_encode(sighex, sig, 65);
  json_t *v = json_pack("{s:s,s:s}", "message", msg, "signature", sighex);
  char *vb = json_dumps(v, JSON_COMPACT);
  int rc = send_post(c, "/api/v1/auth/verify", vb);
  free(vb);
  json_decref(v);
  json_decref(j);
  c->step = 2;
  return rc;
}

/* How the client waits for answers. Spinning (the default) polls without sleeping: on loopback
 * the server's send does the client's TCP receive in its own context, and when the client sleeps
 * it also wakes it — an inter-processor interrupt, ~10 µs of the server's CPU per answer on this
 * VM (perf: the send's sock_def_readable). Over a network that wake-up happens on the client's
 * machine, so a sleeping client charges the server for work that is not its own.
 * BENCH_CLIENT=sleep blocks in poll instead, for comparison. */
static int spin = 1;

/* Runs n sign-ins with up to k in flight on conns[0..k); returns 0 when all completed. */
static int run_signins(conn *conns, int k, int n) {
  struct pollfd pf[64];
  int started = 0, done = 0;
  for (int i = 0; i < k && started < n; i++, started++)
    if (start_signin(&conns[i])) return -1;
  double stalled_since = wall_now();
  while (done < n) {
    for (int i = 0; i < k; i++) pf[i] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
    int ready = poll(pf, (nfds_t)k, spin ? 0 : 10000);
    if (ready < 0 || (ready == 0 && (!spin || wall_now() - stalled_since > 10))) return -1;
    if (ready == 0) continue;
    stalled_since = wall_now();
    for (int i = 0; i < k; i++) {
      if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      conn *c = &conns[i];
      const char *body;
      int st = read_answer(c, &body);
      if (st == 0) continue;
      if (st != 200) {
        fprintf(stderr, "%s: %d %s\n", c->step == 1 ? "nonce" : "verify", st, c->resp);
        return -1;
      }
      if (c->step == 1) {
        if (send_verify(c, body)) return -1;
      } else {
        done++;
        c->step = 0;
        if (started < n) {
          started++;
          if (start_signin(c)) return -1;
        }
      }
    }
  }
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* One raw secp256k1_ecdsa_recover, in seconds: median over 11 batches of 200 (thread CPU time).
 * Each batch recovers 200 distinct signatures (fresh keys and messages), as the server does: one
 * signature recovered again and again is a few per cent cheaper (the same points, the same
 * branches), so it would understate the cost of a recovery. */
static double recover_cost(void) {
  const secp256k1_context *c = secp_context();
  enum { N = 200 };
  static uint8_t h[N][32];
  static secp256k1_ecdsa_recoverable_signature rs[N];
  for (int i = 0; i < N; i++) {
    uint8_t key[32], sig[65];
    pheme_error e;
    if (random_bytes(key, 32) || random_bytes(h[i], 32) || secp_sign(sig, h[i], key, &e)) abort();
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(c, &rs[i], sig, sig[64])) abort();
  }
  double batches[11];
  for (int b = 0; b < 11; b++) {
    double t0 = cpu_now();
    for (int i = 0; i < N; i++) {
      secp256k1_pubkey pk;
      if (!secp256k1_ecdsa_recover(c, &pk, &rs[i], h[i])) abort();
    }
    batches[b] = (cpu_now() - t0) / N;
  }
  qsort(batches, 11, sizeof *batches, cmp_double);
  return batches[5];
}

/* utime + stime from /proc/PID/stat (10 ms ticks), to cross-check proc_cpu over a whole run. */
static double proc_cpu_ticks(int pid) {
  char path[64], text[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  char *p = strrchr(text, ')');
  unsigned long long ut = 0, st = 0;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return -1;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* recover_cost() on core cpu (the server's), then back on the cores this thread had. */
static double recover_cost_on(int cpu) {
  cpu_set_t was, on;
  if (sched_getaffinity(0, sizeof was, &was)) abort();
  CPU_ZERO(&on);
  CPU_SET(cpu, &on);
  if (sched_setaffinity(0, sizeof on, &on)) abort();
  double r = recover_cost();
  if (sched_setaffinity(0, sizeof was, &was)) abort();
  return r;
}

int main(int argc, char **argv) {
  if (argc != 5 && argc != 6) {
    fprintf(stderr, "usage: bench_signin HOST PORT SERVER_PID SIGNINS [CONNECTIONS]\n");
    return 2;
  }
  int port = atoi(argv[2]), pid = atoi(argv[3]), n = atoi(argv[4]);
  const char *mode = getenv("BENCH_CLIENT");
  spin = !(mode && strcmp(mode, "sleep") == 0);
  int k = argc == 6 ? atoi(argv[5]) : 1;
  if (k < 1 || k > 64) {
    fprintf(stderr, "bench_signin: 1 to 64 connections\n");
    return 2;
  }
  static conn conns[64];
  for (int i = 0; i < k; i++)
    if ((conns[i].fd = connect_to(argv[1], port)) < 0) {
      fprintf(stderr, "bench_signin: cannot connect to %s:%d\n", argv[1], port);
      return 1;
    }
  /* The run goes in segments; after each, with nothing in flight, the reference recovery is
   * measured on the server's core (0), so that the reference follows this VM's speed, which drifts
   * by ±10% over a minute. The ratio is the mean CPU per sign-in over the mean reference: single
   * segments vary more (a WAL checkpoint falls in one of them), so they are shown, not used. */
  enum { SEGMENTS = 10 };
  double ratio[SEGMENTS], cpu_all = 0, rec_all = 0, w0;
  if (run_signins(conns, k, 200)) return 1; /* warm-up: caches, prepared statements, page cache */
  w0 = wall_now();
  double t0 = proc_cpu_ticks(pid), r0 = proc_cpu(pid);
  int per_seg = n / SEGMENTS;
  for (int g = 0; g < SEGMENTS; g++) {
    double c0 = proc_cpu(pid);
    if (run_signins(conns, k, per_seg)) return 1;
    double cpu = (proc_cpu(pid) - c0) / per_seg;
    double rec = recover_cost_on(0);
    ratio[g] = cpu / rec;
    cpu_all += cpu / SEGMENTS;
    rec_all += rec / SEGMENTS;
  }
  double w1 = wall_now(), t1 = proc_cpu_ticks(pid), r1 = proc_cpu(pid);
  qsort(ratio, SEGMENTS, sizeof *ratio, cmp_double);
  printf("sign-ins                  %d (after 200 warm-up), %d connection%s, client %s\n", per_seg * SEGMENTS, k,
         k > 1 ? "s" : "", spin ? "spinning" : "sleeping in poll");
  printf("wall time                 %.2f s (%.0f sign-ins/s, reference measurements included)\n", w1 - w0,
         per_seg * SEGMENTS / (w1 - w0));
  printf("server CPU per sign-in    %.1f us (mean of %d segments)\n", cpu_all * 1e6, SEGMENTS);
  printf("server CPU, whole run      %.2f s by /proc/PID/stat (utime+stime), %.2f s by schedstat\n", t1 - t0, r1 - r0);
  printf("secp256k1_ecdsa_recover   %.1f us (mean; measured on core 0 after each segment)\n", rec_all * 1e6);
  printf("ratio per segment         %.2f (lowest) %.2f (median) %.2f (highest)\n", ratio[0],
         (ratio[4] + ratio[5]) / 2, ratio[SEGMENTS - 1]);
  printf("ratio                     %.2f x (target <= 2.5)\n", cpu_all / rec_all);
  for (int i = 0; i < k; i++) close(conns[i].fd);
  return 0;
}
