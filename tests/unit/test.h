/* PHEME's small unit-test harness. One executable per module (tests/unit/<dir>/test_<module>.c);
 * each test is a function; a failed CHECK prints where and why and marks the test failed but
 * keeps going, so one run shows every failure. Exit status is the number of failed tests (capped).
 *
 *   TEST(rlp_encodes_empty_string) { CHECK_MEM(out, n, "\x80", 1); }
 *   TEST_MAIN(RUN(rlp_encodes_empty_string))
 *
 * TEST_DATA_DIR (set by CMake) is tests/data, where vectors live as files. */
#ifndef PHEME_TEST_H
#define PHEME_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test__failed_checks, test__failed_tests, test__ran;
static const char *test__name;

#define TEST(name) static void name(void)

/* The long randomized tests (crash loops, thousands of random awards, racing threads) run their
 * full counts in the unit layer and a fraction under the sanitizers, whose 3-10x slowdown would
 * otherwise make them most of the suite's time: PHEME_TEST_SCALE=K divides a count by K, never
 * below `least`. The paths are the same; only the number of rounds changes. */
static inline int test_scaled(int n, int least) {
  const char *k = getenv("PHEME_TEST_SCALE");
  int d = k ? atoi(k) : 1;
  if (d <= 1) return n;
  return n / d > least ? n / d : least;
}

#define CHECK(cond)                                                                    \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, test__name, \
              #cond);                                                                  \
      test__failed_checks++;                                                           \
    }                                                                                  \
  } while (0)

#define CHECK_INT(a, b)                                                                      \
  do {                                                                                       \
    long long test__a = (long long)(a), test__b = (long long)(b);                            \
    if (test__a != test__b) {                                                                \
      fprintf(stderr, "%s:%d: %s: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__,    \
              test__name, #a, test__a, #b, test__b);                                         \
      test__failed_checks++;                                                                 \
    }                                                                                        \
  } while (0)

#define CHECK_STR(a, b)                                                                    \
  do {                                                                                     \
    const char *test__a = (a), *test__b = (b);                                             \
    if (!test__a || !test__b || strcmp(test__a, test__b) != 0) {                           \
      fprintf(stderr, "%s:%d: %s: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__,    \
              test__name, #a, test__a ? test__a : "(null)", test__b ? test__b : "(null)"); \
      test__failed_checks++;                                                               \
    }                                                                                      \
  } while (0)

#define CHECK_MEM(a, alen, b, blen)                                                       \
  do {                                                                                    \
    size_t test__al = (size_t)(alen), test__bl = (size_t)(blen);                          \
    if (test__al != test__bl || memcmp((a), (b), test__al) != 0) {                        \
      fprintf(stderr, "%s:%d: %s: %s (%zu bytes) differs from %s (%zu bytes)\n", __FILE__, \
              __LINE__, test__name, #a, test__al, #b, test__bl);                          \
      test__failed_checks++;                                                              \
    }                                                                                     \
  } while (0)

/* Stops the current test (after a failed CHECK that later lines depend on). */
#define REQUIRE(cond)      \
  do {                     \
    int test__before = test__failed_checks; \
    CHECK(cond);           \
    if (test__failed_checks != test__before) return; \
  } while (0)

#define RUN(fn)                                                 \
  do {                                                          \
    int test__before = test__failed_checks;                     \
    test__name = #fn;                                           \
    fn();                                                       \
    test__ran++;                                                \
    if (test__failed_checks != test__before) {                  \
      test__failed_tests++;                                     \
      fprintf(stderr, "FAIL %s\n", #fn);                        \
    } else if (getenv("TEST_VERBOSE")) {                        \
      fprintf(stderr, "ok   %s\n", #fn);                        \
    }                                                           \
  } while (0)

#define TEST_MAIN(...)                                                                \
  int main(int argc, char **argv) {                                                   \
    (void)argc;                                                                       \
    (void)argv;                                                                       \
    __VA_ARGS__;                                                                      \
    fprintf(stderr, "%s: %d tests, %d failed\n", argv[0], test__ran, test__failed_tests); \
    return test__failed_tests > 100 ? 100 : test__failed_tests;                       \
  }

#endif
