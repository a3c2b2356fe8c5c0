/* The leaderboard's ranked set (src/game/rank.c) with N people (issue 11 targets, 1,000,000
 * people: a top-100 read p99 ≤ 1 ms, the rank of one person p99 ≤ 50 µs, an XP update ≤ 2 µs).
 *
 *   bench_leaderboard N OPS [RESP_FILE]
 *
 * Fills a set with N people (ids 1..N, XP skewed like real boards: most people have little, a
 * few much, with many ties), then times OPS of each operation one by one (clock_gettime around
 * each call, for percentiles) and again in an untimed loop (for throughput). With RESP_FILE it
 * also writes the same people as ZADD commands in Redis's protocol (member "m:%012d" of id - 1,
 * the form redis-benchmark's __rand_int__ takes) for `redis-cli --pipe`, so that redis-server
 * holds the same data (bench/leaderboard/run.sh). Prints "key value" lines. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "game/rank.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* CPU time of this thread: what an operation costs, without the time a loaded machine gives to
 * other processes meanwhile. */
static double cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* XP of a person: 10^6 · u³ (u uniform), so half the people have under 125,000 and ties abound. */
static int64_t skewed_xp(void) {
  double u = (double)(next_rand() >> 11) / 9007199254740992.0;
  return (int64_t)(1e6 * u * u * u);
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld", &v) == 1) break;
  if (f) fclose(f);
  return v;
}

typedef enum { OP_TOP, OP_RANK, OP_UPDATE, OP_PAGE, OP_AROUND } op_kind;
static const char *const op_name[] = {"top100", "rank", "update", "page", "around"};

static int64_t n_people;
static rank_entry scratch[128];

static void run_op(rank_set *s, op_kind k) {
  int64_t id = 1 + (int64_t)(next_rand() % (uint64_t)n_people);
  switch (k) {
  case OP_TOP:
    if (rank_set_range(s, 1, 100, scratch) != 100) abort();
    break;
  case OP_RANK:
    if (!rank_set_get(s, id, scratch)) abort();
    break;
  case OP_UPDATE:
    /* mostly gains, sometimes an adjustment down, as awards and corrections are */
    if (rank_set_add(s, id, next_rand() % 16 == 0 ? -5 : 1 + (int64_t)(next_rand() % 300), NULL)) abort();
    break;
  case OP_PAGE: {
    /* a page of 25 somewhere in the board after a cursor */
    rank_entry e;
    if (!rank_set_get(s, id, &e)) abort();
    rank_set_after(s, (rank_key){e.xp, e.id}, 25, scratch);
    break;
  }
  case OP_AROUND:
    if (!rank_set_around(s, id, 12, 12, scratch)) abort();
    break;
  }
}

/* Times ops calls one by one (percentiles), then ops more untimed (throughput). */
static void measure(rank_set *s, op_kind k, int ops, int64_t *lat) {
  for (int i = 0; i < ops / 10; i++) run_op(s, k); /* warm */
  for (int i = 0; i < ops; i++) {
    int64_t t0 = now_ns();
    run_op(s, k);
    lat[i] = now_ns() - t0;
  }
  qsort(lat, (size_t)ops, sizeof *lat, cmp_i64);
  double t0 = now_s(), c0 = cpu_s();
  for (int i = 0; i < ops; i++) run_op(s, k);
  double t = now_s() - t0, c = cpu_s() - c0;
  printf("%s_cpu_mean_us %.3f\n", op_name[k], c * 1e6 / ops);
  printf("%s_p50_us %.3f\n", op_name[k], (double)lat[ops / 2] / 1000.0);
  printf("%s_p99_us %.3f\n", op_name[k], (double)lat[(int)((double)ops * 0.99)] / 1000.0);
  printf("%s_max_us %.3f\n", op_name[k], (double)lat[ops - 1] / 1000.0);
  printf("%s_mean_us %.3f\n", op_name[k], t * 1e6 / ops);
  printf("%s_ops_per_s %.0f\n", op_name[k], ops / t);
}

/* Two readers at once (the HTTP threads) while this thread writes updates: reads per second. */
typedef struct {
  rank_set *s;
  op_kind k;
  volatile int *stop;
  uint64_t done;
  uint64_t seed;
} reader_arg;

static void *reader(void *p) {
  reader_arg *a = p;
  rank_entry e[100];
  uint64_t x = a->seed;
  while (!*a->stop) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    if (a->k == OP_TOP) rank_set_range(a->s, 1, 100, e);
    else rank_set_get(a->s, 1 + (int64_t)(x % (uint64_t)n_people), e);
    a->done++;
  }
  return NULL;
}

static void concurrent(rank_set *s, op_kind k, int writes_per_ms) {
  volatile int stop = 0;
  reader_arg a[2];
  pthread_t t[2];
  for (int i = 0; i < 2; i++) {
    a[i] = (reader_arg){s, k, &stop, 0, 0x1234567ull * (uint64_t)(i + 1)};
    if (pthread_create(&t[i], NULL, reader, &a[i])) abort();
  }
  double t0 = now_s(), end = t0 + 2.0;
  uint64_t writes = 0;
  while (now_s() < end) {
    double ms_start = now_s();
    for (int w = 0; w < writes_per_ms; w++, writes++) run_op(s, OP_UPDATE);
    while (now_s() - ms_start < 0.001) {}
  }
  stop = 1;
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  double span = now_s() - t0;
  printf("%s_2readers_ops_per_s %.0f\n", op_name[k], (double)(a[0].done + a[1].done) / span);
  printf("%s_2readers_writes_per_s %.0f\n", op_name[k], (double)writes / span);
}

static int write_resp(rank_set *s, const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  const int per = 1000; /* members per ZADD */
  rank_entry e;
  for (int64_t from = 1; from <= n_people; from += per) {
    int64_t upto = from + per - 1 > n_people ? n_people : from + per - 1;
    fprintf(f, "*%lld\r\n$4\r\nZADD\r\n$2\r\nlb\r\n", (long long)(2 + 2 * (upto - from + 1)));
    for (int64_t id = from; id <= upto; id++) {
      if (!rank_set_get(s, id, &e)) return -1;
      char xp[32], m[32];
      int xl = snprintf(xp, sizeof xp, "%lld", (long long)e.xp);
      int ml = snprintf(m, sizeof m, "m:%012lld", (long long)(id - 1));
      fprintf(f, "$%d\r\n%s\r\n$%d\r\n%s\r\n", xl, xp, ml, m);
    }
  }
  return fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_leaderboard N OPS [RESP_FILE]\n");
    return 2;
  }
  n_people = atoll(argv[1]);
  int ops = atoi(argv[2]);
  if (n_people < 200 || ops < 100) return 2;
  long rss0 = rss_kib();
  rank_set *s = rank_set_new();
  double t0 = now_s();
  for (int64_t id = 1; id <= n_people; id++)
    if (rank_set_put(s, id, skewed_xp())) return 1;
  double fill = now_s() - t0;
  printf("people %lld\n", (long long)rank_set_size(s));
  printf("fill_s %.3f\n", fill);
  printf("set_mib %.1f\n", (double)rank_set_bytes(s) / 1048576.0);
  printf("rss_growth_mib %.1f\n", (double)(rss_kib() - rss0) / 1024.0);
  rank_entry top;
  rank_set_range(s, 1, 1, &top);
  printf("top_xp %lld\n", (long long)top.xp);
  if (argc > 3) {
    if (write_resp(s, argv[3])) {
      fprintf(stderr, "cannot write %s\n", argv[3]);
      return 1;
    }
    printf("resp_file %s\n", argv[3]);
  }
  int64_t *lat = malloc(sizeof *lat * (size_t)ops);
  if (!lat) return 1;
  measure(s, OP_TOP, ops, lat);
  measure(s, OP_RANK, ops, lat);
  measure(s, OP_PAGE, ops, lat);
  measure(s, OP_AROUND, ops, lat);
  measure(s, OP_UPDATE, ops, lat);
  concurrent(s, OP_TOP, 100);
  concurrent(s, OP_RANK, 100);
  char why[200];
  if (rank_set_check(s, why, sizeof why)) {
    fprintf(stderr, "the set is broken after the run: %s\n", why);
    return 1;
  }
  free(lat);
  rank_set_free(s);
  return 0;
}
