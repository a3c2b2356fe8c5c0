/* W3C Trace Context (core/trace.h): traceparent parsing by the specification's rules, joining a
 * caller's trace, new traces, the header of an outgoing call, and the thread's current span. */
#include <string.h>

#include "core/trace.h"
#include "test.h"

/* the specification's example */
#define EXAMPLE "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

static int valid(const char *v) {
  uint8_t t[16], p[8], f;
  return trace_parse(v, t, p, &f) == 0;
}

TEST(parse_follows_the_specification) {
  uint8_t t[16], p[8], f = 0;
  REQUIRE(trace_parse(EXAMPLE, t, p, &f) == 0);
  static const uint8_t want_t[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                                     0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
  static const uint8_t want_p[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
  CHECK_MEM(t, 16, want_t, 16);
  CHECK_MEM(p, 8, want_p, 8);
  CHECK_INT(f, 1);
  CHECK(valid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
  /* refused: uppercase, zero ids, version ff, version 00 with more, wrong separators or lengths */
  CHECK(!valid("00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"));
  CHECK(!valid("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  CHECK(!valid("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
  CHECK(!valid("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  CHECK(!valid(EXAMPLE "-extra"));
  CHECK(!valid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01"));
  CHECK(!valid("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"));
  CHECK(!valid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g"));
  CHECK(!valid(""));
  CHECK(!valid(NULL));
  /* a later version is read by the 00 layout, with more after a '-' */
  CHECK(valid("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  CHECK(valid("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds"));
  CHECK(!valid("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01xwhat"));
}

TEST(a_span_joins_the_callers_trace_or_begins_one) {
  trace_ctx t;
  trace_begin(&t, EXAMPLE);
  uint8_t want_t[16], want_p[8], f;
  REQUIRE(trace_parse(EXAMPLE, want_t, want_p, &f) == 0);
  CHECK_MEM(t.trace_id, 16, want_t, 16);
  CHECK_MEM(t.parent_id, 8, want_p, 8);
  CHECK(memcmp(t.span_id, want_p, 8) != 0);
  trace_ctx u, v;
  trace_begin(&u, "not a traceparent");
  trace_begin(&v, NULL);
  static const uint8_t zero[16] = {0};
  CHECK(memcmp(u.trace_id, zero, 16) != 0);
  CHECK(memcmp(u.trace_id, v.trace_id, 16) != 0);
  CHECK_MEM(u.parent_id, 8, zero, 8);
  CHECK_INT(u.flags, 1);
}

TEST(an_outgoing_call_carries_the_trace_in_a_new_span) {
  trace_ctx t;
  trace_begin(&t, EXAMPLE);
  char child[TRACEPARENT_LEN + 1];
  trace_child(&t, child);
  CHECK_INT(strlen(child), TRACEPARENT_LEN);
  uint8_t ct[16], cp[8], f;
  REQUIRE(trace_parse(child, ct, cp, &f) == 0);
  CHECK_MEM(ct, 16, t.trace_id, 16);
  CHECK(memcmp(cp, t.span_id, 8) != 0); /* the call's own span */
  CHECK_INT(f, 1);
  char h[TRACE_HEADER_LEN + 1];
  trace_set_current(NULL);
  CHECK(trace_outgoing_header(h) == NULL);
  trace_set_current(&t);
  CHECK(trace_current() == &t);
  REQUIRE(trace_outgoing_header(h) != NULL);
  CHECK(strncmp(h, "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-", 49) == 0);
  CHECK_INT(strlen(h), TRACE_HEADER_LEN);
  trace_set_current(NULL);
}

TEST_MAIN(RUN(parse_follows_the_specification); RUN(a_span_joins_the_callers_trace_or_begins_one);
          RUN(an_outgoing_call_carries_the_trace_in_a_new_span))
