/* Unit tests of src/core: arena, buf, util (encodings, numbers, addresses), json field tables. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/util.h"
#include "test.h"

TEST(arena_aligns_and_caps) {
  arena a;
  arena_init(&a, 100000);
  for (int i = 0; i < 1000; i++) {
    void *p = arena_alloc(&a, (size_t)(i % 13) + 1);
    REQUIRE(p != NULL);
    CHECK(((uintptr_t)p % _Alignof(max_align_t)) == 0);
  }
  CHECK(arena_alloc(&a, 200000) == NULL); /* past the cap */
  char *s = arena_printf(&a, "%s-%d", "task", 12);
  CHECK_STR(s, "task-12");
  arena_clear(&a);
  CHECK_INT(a.used, 0);
  CHECK(arena_alloc(&a, 90000) != NULL);
  arena_release(&a);
}

TEST(buf_respects_cap_and_keeps_contents_on_failure) {
  buf b;
  buf_init(&b, 8);
  CHECK_INT(buf_adds(&b, "abcd"), 0);
  CHECK_INT(buf_adds(&b, "efgh"), 0);
  CHECK_INT(buf_addc(&b, 'x'), -1);
  CHECK_STR(b.data, "abcdefgh");
  buf_clear(&b);
  CHECK_INT(buf_printf(&b, "%d", 123456789), -1);
  CHECK_STR(b.data, "");
  buf_release(&b);
  buf_init(&b, 100);
  CHECK_INT(buf_add_json_str(&b, "a\"b\\\n\x01", 6), 0);
  CHECK_STR(b.data, "a\\\"b\\\\\\n\\u0001");
  buf_release(&b);
}

TEST(hex_and_base64url_round_trip) {
  uint8_t in[5] = {0, 1, 0xab, 0xff, 0x10}, out[5];
  char hex[11];
  bytes_to_hex(hex, in, 5);
  CHECK_STR(hex, "0001abff10");
  CHECK_INT(hex_to_bytes(out, "0001ABff10", 5), 0);
  CHECK_MEM(out, 5, in, 5);
  CHECK_INT(hex_to_bytes(out, "0001abfg10", 5), -1);
  for (size_t n = 0; n <= 5; n++) {
    char b64[16];
    base64url_encode(b64, in, n);
    CHECK_INT(strlen(b64), base64url_len(n));
    uint8_t back[8];
    CHECK_INT(base64url_decode(back, sizeof back, b64, strlen(b64)), (long)n);
    CHECK_MEM(back, n, in, n);
  }
  uint8_t b[8];
  CHECK_INT(base64url_decode(b, sizeof b, "AB", 2), -1);   /* non-zero leftover bits */
  CHECK_INT(base64url_decode(b, sizeof b, "A+", 2), -1);   /* not the url alphabet */
  CHECK_INT(base64url_decode(b, 1, "AAAA", 4), -1);        /* overflow */
}

TEST(numbers_and_addresses) {
  long long v;
  CHECK_INT(parse_int("42", 0, 100, &v), 0);
  CHECK_INT(v, 42);
  CHECK_INT(parse_int("-5", -10, 10, &v), 0);
  CHECK_INT(v, -5);
  CHECK_INT(parse_int("101", 0, 100, &v), -1);
  CHECK_INT(parse_int("4x", 0, 100, &v), -1);
  CHECK_INT(parse_int("", 0, 100, &v), -1);
  CHECK_INT(parse_int("99999999999999999999999", 0, INT64_MAX, &v), -1);
  CHECK(uint256_decimal_valid("0"));
  CHECK(uint256_decimal_valid("115792089237316195423570985008687907853269984665640564039457584007913129639935"));
  CHECK(!uint256_decimal_valid("115792089237316195423570985008687907853269984665640564039457584007913129639936"));
  CHECK(!uint256_decimal_valid("01"));
  CHECK(!uint256_decimal_valid("-1"));
  CHECK(!uint256_decimal_valid("1e3"));
  CHECK(!uint256_decimal_valid(""));
  uint8_t a[20];
  char hex[43];
  CHECK_INT(address_parse_hex(a, "0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266"), 0);
  address_format_hex(hex, a);
  CHECK_STR(hex, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  CHECK_INT(address_parse_hex(a, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226"), -1);
  CHECK_INT(address_parse_hex(a, "f39fd6e51aad88f6f4ce6ab8827279cfffb922660x"), -1);
}

TEST(sha256_of_abc) {
  uint8_t d[32];
  char hex[65];
  sha256(d, "abc", 3);
  bytes_to_hex(hex, d, 32);
  CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static const json_field fields[] = {
    {"title", JF_STRING, 1, 1, 10, NULL},
    {"difficulty", JF_INT, 1, 1, 10, NULL},
    {"kind", JF_ENUM, 0, 0, 0, "A|BB"},
    {"amount", JF_AMOUNT, 0, 0, 0, NULL},
    {"owner", JF_ADDRESS, 0, 0, 0, NULL},
};

static pheme_err check_text(const char *text, char *msg) {
  json_t *j;
  pheme_err e = json_parse_body(text, strlen(text), &j, msg, 256);
  if (e) return e;
  e = json_check(j, fields, ARRAY_SIZE(fields), msg, 256);
  json_decref(j);
  return e;
}

TEST(json_bodies_are_strict) {
  char msg[256];
  CHECK_INT(check_text("{\"title\":\"a\",\"difficulty\":3}", msg), 0);
  CHECK_INT(check_text("{\"title\":\"a\",\"title\":\"b\",\"difficulty\":3}", msg), PHEME_API_BAD_JSON);
  CHECK_INT(check_text("{\"title\":\"a\",\"difficulty\":3", msg), PHEME_API_BAD_JSON);
  CHECK_INT(check_text("{\"title\":\"a\",\"difficulty\":3} x", msg), PHEME_API_BAD_JSON);
  CHECK_INT(check_text("{\"title\":\"a\\u0000\",\"difficulty\":3}", msg), PHEME_API_BAD_JSON);
  CHECK_INT(check_text("{\"title\":\"a\",\"difficulty\":11}", msg), PHEME_API_BAD_REQUEST);
  CHECK(strstr(msg, "'difficulty'") != NULL);
  CHECK_INT(check_text("{\"title\":\"a\",\"difficulty\":\"3\"}", msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(check_text("{\"title\":\"a\",\"difficulty\":3,\"x\":1}", msg), PHEME_API_BAD_REQUEST);
  CHECK(strstr(msg, "unknown field 'x'") != NULL);
  CHECK_INT(check_text("{\"difficulty\":3}", msg), PHEME_API_BAD_REQUEST);
  CHECK(strstr(msg, "missing field 'title'") != NULL);
  CHECK_INT(check_text("{\"title\":\"a\",\"difficulty\":3,\"kind\":\"B\"}", msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(check_text("{\"title\":\"a\",\"difficulty\":3,\"kind\":\"BB\"}", msg), 0);
  CHECK_INT(check_text("{\"title\":\"a\",\"difficulty\":3,\"amount\":\"10\"}", msg), 0);
  CHECK_INT(check_text("{\"title\":\"a\",\"difficulty\":3,\"amount\":10}", msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(check_text("{\"title\":\"a\",\"difficulty\":3,\"owner\":\"0x12\"}", msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(check_text("[1]", msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(check_text("{\"title\":\"01234567890\",\"difficulty\":3}", msg), PHEME_API_BAD_REQUEST);
}

/* One formatter serves answers, logs and sign-in messages; against timegm() at the edges. */
TEST(rfc3339_times_from_unix_ms) {
  char t[TIME_RFC3339_TEXT];
  CHECK_INT(time_format_rfc3339(t, 0), 0);
  CHECK_STR(t, "1970-01-01T00:00:00.000Z");
  CHECK_INT(time_format_rfc3339(t, 1709164800123LL), 0); /* a leap day */
  CHECK_STR(t, "2024-02-29T00:00:00.123Z");
  CHECK_INT(time_format_rfc3339(t, -1), 0);
  CHECK_STR(t, "1969-12-31T23:59:59.999Z");
  CHECK_INT(time_format_rfc3339(t, 253402300799999LL), 0);
  CHECK_STR(t, "9999-12-31T23:59:59.999Z");
  CHECK_INT(time_format_rfc3339(t, 253402300800000LL), -1); /* year 10000 */
  CHECK_STR(t, "");
  CHECK_INT(time_format_rfc3339(t, -62167219200000LL), 0);
  CHECK_STR(t, "0000-01-01T00:00:00.000Z");
  CHECK_INT(time_format_rfc3339(t, -62167219200001LL), -1); /* year -1 */
  /* every day of 1999-2001 (a leap century year) agrees with gmtime */
  for (int64_t day = 10592; day < 10592 + 3 * 366; day++) {
    int64_t ms = day * 86400000 + 45296789; /* 12:34:56.789 */
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char want[64];
    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.789Z", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    REQUIRE(time_format_rfc3339(t, ms) == 0);
    CHECK_STR(t, want);
  }
}

TEST(choices_match_whole_words) {
  CHECK_INT(choice_in("SKILL|GEO|INTEREST", "GEO"), 1);
  CHECK_INT(choice_in("SKILL|GEO|INTEREST", "SKILL"), 1);
  CHECK_INT(choice_in("SKILL|GEO|INTEREST", "INTEREST"), 1);
  CHECK_INT(choice_in("SKILL|GEO|INTEREST", "GE"), 0);      /* a prefix is not a word */
  CHECK_INT(choice_in("SKILL|GEO|INTEREST", "GEO|"), 0);    /* nor a word with its bar */
  CHECK_INT(choice_in("SKILL|GEO|INTEREST", "geo"), 0);     /* exact case */
  CHECK_INT(choice_in("SKILL|GEO|INTEREST", ""), 0);
  CHECK_INT(choice_in("a||b", ""), 0);                      /* an empty word matches nothing */
  CHECK_INT(choice_in("", "x"), 0);
}

TEST_MAIN(RUN(arena_aligns_and_caps); RUN(choices_match_whole_words); RUN(buf_respects_cap_and_keeps_contents_on_failure);
          RUN(hex_and_base64url_round_trip); RUN(numbers_and_addresses); RUN(sha256_of_abc);
          RUN(json_bodies_are_strict); RUN(rfc3339_times_from_unix_ms))
