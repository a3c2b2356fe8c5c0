/* core/metrics: families grouped across collectors, one HELP/TYPE each, labels escaped,
 * histograms cumulative, unregistering, and the type check. */
#include <string.h>

#include "core/metrics.h"
#include "test.h"

typedef struct {
  const char *chain;
  int64_t block;
} fake_indexer;

static void indexer_collect(metrics_writer *w, void *ctx) {
  fake_indexer *ix = ctx;
  mw_family(w, "pheme_indexer_block", METRIC_GAUGE, "Last block indexed.");
  mw_i64(w, (const char *[]){"chain", ix->chain, NULL}, ix->block);
}

static void http_collect(metrics_writer *w, void *ctx) {
  mw_family(w, "pheme_http_requests_total", METRIC_COUNTER, "Requests.");
  mw_u64(w, (const char *[]){"route", "GET /a\"b\\c\nd", "status", "200", NULL}, 7);
  static const double bounds[] = {0.1, 1};
  static const uint64_t counts[] = {2, 3};
  mw_family(w, "pheme_http_request_duration_seconds", METRIC_HISTOGRAM, "Latency.");
  mw_histogram(w, (const char *[]){"route", "GET /a", NULL}, bounds, counts, 2, 1.5, 6);
}

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
  return n;
}

TEST(families_of_several_collectors_are_one_group) {
  metrics_registry r;
  metrics_init(&r);
  fake_indexer a = {"1", 100}, b = {"8453", 200};
  REQUIRE(metrics_register(&r, indexer_collect, &a) == 0);
  REQUIRE(metrics_register(&r, http_collect, NULL) == 0);
  REQUIRE(metrics_register(&r, indexer_collect, &b) == 0);
  buf out;
  buf_init(&out, 1 << 20);
  REQUIRE(metrics_render(&r, &out) == 0);
  const char *t = out.data;
  CHECK_INT(count(t, "# HELP pheme_indexer_block "), 1);
  CHECK_INT(count(t, "# TYPE pheme_indexer_block gauge"), 1);
  /* both chains' samples right after the family's TYPE line, before the next family */
  CHECK(strstr(t, "# TYPE pheme_indexer_block gauge\npheme_indexer_block{chain=\"1\"} 100\n"
                  "pheme_indexer_block{chain=\"8453\"} 200\n# HELP pheme_http_requests_total") != NULL);
  CHECK(strstr(t, "pheme_http_requests_total{route=\"GET /a\\\"b\\\\c\\nd\",status=\"200\"} 7\n") != NULL);
  CHECK(strstr(t, "pheme_http_request_duration_seconds_bucket{route=\"GET /a\",le=\"0.1\"} 2\n"
                  "pheme_http_request_duration_seconds_bucket{route=\"GET /a\",le=\"1\"} 5\n"
                  "pheme_http_request_duration_seconds_bucket{route=\"GET /a\",le=\"+Inf\"} 6\n"
                  "pheme_http_request_duration_seconds_sum{route=\"GET /a\"} 1.500000\n"
                  "pheme_http_request_duration_seconds_count{route=\"GET /a\"} 6\n") != NULL);
  CHECK(strstr(t, "# TYPE pheme_http_request_duration_seconds histogram\n") != NULL);
  /* an indexer that stops takes its samples with it */
  metrics_unregister(&r, indexer_collect, &b);
  buf_clear(&out);
  REQUIRE(metrics_render(&r, &out) == 0);
  CHECK(strstr(out.data, "chain=\"8453\"") == NULL);
  CHECK(strstr(out.data, "pheme_indexer_block{chain=\"1\"} 100\n") != NULL);
  buf_release(&out);
  metrics_release(&r);
}

static void many(metrics_writer *w, void *ctx) {
  mw_family(w, "x_total", METRIC_COUNTER, "x");
  for (int i = 0; i < 100000; i++) mw_u64(w, NULL, (uint64_t)i);
}

TEST(a_full_buffer_fails_the_render) {
  metrics_registry r;
  metrics_init(&r);
  REQUIRE(metrics_register(&r, many, NULL) == 0);
  buf out;
  buf_init(&out, 4096);
  CHECK_INT(metrics_render(&r, &out), -1);
  buf_release(&out);
  metrics_release(&r);
}

TEST(the_registry_has_a_cap) {
  metrics_registry r;
  metrics_init(&r);
  int i = 0;
  while (i < 1000 && metrics_register(&r, many, &r) == 0) i++;
  CHECK_INT(i, METRICS_MAX_COLLECTORS);
  metrics_release(&r);
}

TEST_MAIN(RUN(families_of_several_collectors_are_one_group); RUN(a_full_buffer_fails_the_render);
          RUN(the_registry_has_a_cap))
