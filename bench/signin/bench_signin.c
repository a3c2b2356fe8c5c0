/* Sign-in end to end over HTTP (issue 3): a client that does the wallet's part with src/eth — a
 * fresh key per sign-in, POST /api/v1/auth/nonce, personal_sign of the returned message,
 * POST /api/v1/auth/verify — against a running `pheme serve`, and the cost of one raw
 * secp256k1_ecdsa_recover measured in this same run.
 *
 *   bench_signin HOST PORT SERVER_PID SIGNINS
 *
 * Prints the server's CPU time (utime + stime from /proc/PID/stat) per completed sign-in, the
 * recovery cost (median of batches, thread CPU time) and their ratio. run.sh pins the server to
 * core 0 and this client to core 1. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

static int fd = -1;
static char resp[1 << 16];

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

/* utime + stime of a process, in seconds. */
static double proc_cpu(int pid) {
  char path[64], text[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  char *p = strrchr(text, ')');
  if (!p) return -1;
  unsigned long long ut = 0, st = 0;
  /* fields after the command: state(3) … utime(14) stime(15) */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return -1;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
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

/* POSTs body to path on the keep-alive connection; returns the status with the body in resp. */
static int post(const char *path, const char *body, const char **out) {
  char head[256];
  size_t bl = strlen(body);
  int hl = snprintf(head, sizeof head,
                    "POST %s HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                    "Content-Length: %zu\r\n\r\n", path, bl);
  if (write(fd, head, (size_t)hl) != hl || write(fd, body, bl) != (ssize_t)bl) return -1;
  size_t got = 0;
  char *end = NULL;
  while (!end) {
    ssize_t n = read(fd, resp + got, sizeof resp - 1 - got);
    if (n <= 0) return -1;
    got += (size_t)n;
    resp[got] = 0;
    end = strstr(resp, "\r\n\r\n");
  }
  const char *cl = strcasestr(resp, "\r\nContent-Length:");
  if (!cl) return -1;
  size_t want = (size_t)strtoul(cl + 17, NULL, 10), have = got - (size_t)(end + 4 - resp);
  while (have < want) {
    ssize_t n = read(fd, resp + got, sizeof resp - 1 - got);
    if (n <= 0) return -1;
    got += (size_t)n;
    have += (size_t)n;
  }
  resp[got] = 0;
  *out = end + 4;
  return atoi(resp + 9);
}

static int sign_in(void) {
  uint8_t key[32], addr[20];
  eth_err e;
  do {
    if (random_bytes(key, 32)) return -1;
  } while (secp_address(addr, key, &e));
  char hex[43], body[256];
  address_format_hex(hex, addr);
  snprintf(body, sizeof body, "{\"address\":\"%s\",\"chainId\":1}", hex);
  const char *rb;
  if (post("/api/v1/auth/nonce", body, &rb) != 200) {
    fprintf(stderr, "nonce: %s\n", resp);
    return -1;
  }
  json_t *j = json_loads(rb, 0, NULL);
  const char *msg = json_string_value(json_object_get(j, "message"));
  if (!msg) return -1;
  uint8_t h[32], sig[65];
  eip191_hash(h, msg, strlen(msg));
  if (secp_sign(sig, h, key, &e)) return -1;
  secp_v_to_27(sig);
  char sighex[HEX_LEN(65) + 1];
  hex_encode(sighex, sig, 65);
  json_t *v = json_pack("{s:s,s:s}", "message", msg, "signature", sighex);
  char *vb = json_dumps(v, JSON_COMPACT);
  int st = post("/api/v1/auth/verify", vb, &rb);
  if (st != 200) fprintf(stderr, "verify: %s\n", resp);
  free(vb);
  json_decref(v);
  json_decref(j);
  return st == 200 ? 0 : -1;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* One raw secp256k1_ecdsa_recover, in seconds: median over batches of 200 (thread CPU time). */
static double recover_cost(void) {
  const secp256k1_context *c = secp_context();
  uint8_t key[32], h[32], sig[65];
  eth_err e;
  if (random_bytes(key, 32) || random_bytes(h, 32) || secp_sign(sig, h, key, &e)) abort();
  secp256k1_ecdsa_recoverable_signature rs;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(c, &rs, sig, sig[64])) abort();
  double batches[25];
  for (int b = 0; b < 25; b++) {
    double t0 = cpu_now();
    for (int i = 0; i < 200; i++) {
      secp256k1_pubkey pk;
      h[0] = (uint8_t)i; /* a different message each time; a key still recovers */
      if (!secp256k1_ecdsa_recover(c, &pk, &rs, h)) abort();
    }
    batches[b] = (cpu_now() - t0) / 200;
  }
  qsort(batches, 25, sizeof *batches, cmp_double);
  return batches[12];
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: bench_signin HOST PORT SERVER_PID SIGNINS\n");
    return 2;
  }
  int port = atoi(argv[2]), pid = atoi(argv[3]), n = atoi(argv[4]);
  if ((fd = connect_to(argv[1], port)) < 0) {
    fprintf(stderr, "bench_signin: cannot connect to %s:%d\n", argv[1], port);
    return 1;
  }
  double rec_before = recover_cost();
  for (int i = 0; i < 200; i++) /* warm-up: caches, prepared statements, page cache */
    if (sign_in()) return 1;
  double c0 = proc_cpu(pid), w0 = wall_now();
  for (int i = 0; i < n; i++)
    if (sign_in()) return 1;
  double c1 = proc_cpu(pid), w1 = wall_now();
  double rec_after = recover_cost();
  double rec = (rec_before + rec_after) / 2, per = (c1 - c0) / n;
  printf("sign-ins                  %d (after 200 warm-up)\n", n);
  printf("wall time                 %.2f s (%.0f sign-ins/s, one client)\n", w1 - w0, n / (w1 - w0));
  printf("server CPU per sign-in    %.1f us (utime+stime %.2f s)\n", per * 1e6, c1 - c0);
  printf("secp256k1_ecdsa_recover   %.1f us (before %.1f, after %.1f)\n", rec * 1e6, rec_before * 1e6,
         rec_after * 1e6);
  printf("ratio                     %.2f x (target <= 2.5)\n", per / rec);
  close(fd);
  return 0;
}
