/* src/http/range.c: single byte ranges against a file's size, and If-None-Match lists. */
#include "http/range.h"
#include "test.h"

static void partial(const char *h, uint64_t size, uint64_t start, uint64_t len) {
  uint64_t s = 99, l = 99;
  range_result r = http_range_parse(h, size, &s, &l);
  if (r != RANGE_PARTIAL || s != start || l != len)
    fprintf(stderr, "'%s' on %llu: %d %llu+%llu\n", h, (unsigned long long)size, (int)r,
            (unsigned long long)s, (unsigned long long)l);
  CHECK_INT(r, RANGE_PARTIAL);
  CHECK_INT(s, start);
  CHECK_INT(l, len);
}

static void result(const char *h, uint64_t size, range_result want) {
  uint64_t s, l;
  range_result r = http_range_parse(h, size, &s, &l);
  if (r != want) fprintf(stderr, "'%s' on %llu gave %d\n", h ? h : "(null)", (unsigned long long)size, (int)r);
  CHECK_INT(r, want);
}

TEST(satisfiable_ranges) {
  partial("bytes=0-3", 20, 0, 4);
  partial("bytes=5-", 20, 5, 15);
  partial("bytes=-4", 20, 16, 4);
  partial("bytes=-100", 20, 0, 20);
  partial("bytes=15-100", 20, 15, 5);
  partial("bytes=19-19", 20, 19, 1);
  partial(" bytes = 2 - 3 ", 20, 2, 2);
  partial("BYTES=0-0", 1, 0, 1);
  partial("bytes=0-", 18446744073709551615ull, 0, 18446744073709551615ull);
}

TEST(unsatisfiable_ranges) {
  result("bytes=20-", 20, RANGE_UNSATISFIABLE);
  result("bytes=20-30", 20, RANGE_UNSATISFIABLE);
  result("bytes=-0", 20, RANGE_UNSATISFIABLE);
  result("bytes=0-0", 0, RANGE_UNSATISFIABLE);
  result("bytes=-5", 0, RANGE_UNSATISFIABLE);
}

TEST(ignored_ranges_serve_the_whole_file) {
  result(NULL, 20, RANGE_NONE);
  result("", 20, RANGE_NONE);
  result("bytes=0-1,4-5", 20, RANGE_NONE);
  result("items=0-1", 20, RANGE_NONE);
  result("bytes=5-2", 20, RANGE_NONE);
  result("bytes=-", 20, RANGE_NONE);
  result("bytes=x-", 20, RANGE_NONE);
  result("bytes 0-1", 20, RANGE_NONE);
  result("bytes=12345678901234567890-", 20, RANGE_NONE); /* 20 digits: not a number we read */
  result("bytes=1-2x", 20, RANGE_NONE);
}

TEST(if_none_match_lists) {
  const char *etag = "\"bafk\"";
  CHECK_INT(http_etag_match("\"bafk\"", etag), 1);
  CHECK_INT(http_etag_match("W/\"bafk\"", etag), 1);
  CHECK_INT(http_etag_match("\"a\", \"bafk\"", etag), 1);
  CHECK_INT(http_etag_match("\"a\",W/\"bafk\"", etag), 1);
  CHECK_INT(http_etag_match("*", etag), 1);
  CHECK_INT(http_etag_match(" * ", etag), 1);
  CHECK_INT(http_etag_match(NULL, etag), 0);
  CHECK_INT(http_etag_match("", etag), 0);
  CHECK_INT(http_etag_match("\"bafkx\"", etag), 0);
  CHECK_INT(http_etag_match("bafk", etag), 0);
  CHECK_INT(http_etag_match("\"bafk", etag), 0);
  CHECK_INT(http_etag_match("*x, \"b\"", etag), 0);
  CHECK_INT(http_etag_match("junk, \"bafk\"", etag), 1);
}

TEST_MAIN(RUN(satisfiable_ranges); RUN(unsatisfiable_ranges); RUN(ignored_ranges_serve_the_whole_file);
          RUN(if_none_match_lists))
