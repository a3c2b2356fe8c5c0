/* Tests for src/eth/siwe.c: every message in tests/data/eth/siwe/ (valid ones parse and render
 * back byte for byte; each malformed one fails with its own message), the parsed fields of the
 * EIP's example, RFC 3339 arithmetic, the time check, and rendering from fields. */
#include "test.h"

#include "core/arena.h"
#include "eth/siwe.h"
#include "eth_test.h"

#include "core/banned.h"

TEST(siwe_case_files) {
  char *manifest = eth_test_read("siwe/cases.tsv", NULL), *cur = manifest, *line;
  REQUIRE(manifest);
  int ok = 0, bad = 0;
  while ((line = eth_test_line(&cur))) {
    char *tab = strchr(line, '\t');
    REQUIRE(tab);
    *tab = 0;
    const char *expect = tab + 1;
    char name[256];
    snprintf(name, sizeof name, "siwe/%s", line);
    size_t n;
    char *msg = eth_test_read(name, &n);
    REQUIRE(msg);
    arena a;
    arena_init(&a, 1 << 20);
    siwe_message m;
    pheme_error err = {0};
    pheme_err e = siwe_parse(&a, msg, n, &m, &err);
    if (!strcmp(expect, "ok")) {
      ok++;
      CHECK_INT(e, PHEME_OK);
      if (e) fprintf(stderr, "  %s: %s\n", line, err.msg);
      buf b;
      buf_init(&b, 1 << 16);
      if (!e) {
        CHECK_INT(siwe_render(&b, &m, &err), PHEME_OK);
        CHECK_MEM(b.data, b.len, msg, n);
      }
      buf_release(&b);
    } else {
      bad++;
      CHECK_INT(e, PHEME_DATA_INVALID);
      if (!strstr(err.msg, expect)) {
        fprintf(stderr, "  %s: message '%s' lacks '%s'\n", line, err.msg, expect);
        CHECK(0);
      }
    }
    arena_release(&a);
    free(msg);
  }
  CHECK_INT(ok, 7);
  CHECK_INT(bad, 45);
  free(manifest);
}

TEST(siwe_fields_of_the_eip_example) {
  size_t n;
  char *msg = eth_test_read("siwe/ok-eip-example.txt", &n);
  REQUIRE(msg);
  arena a;
  arena_init(&a, 1 << 20);
  siwe_message m;
  REQUIRE(siwe_parse(&a, msg, n, &m, NULL) == PHEME_OK);
  CHECK(m.scheme == NULL);
  CHECK_STR(m.domain, "example.com");
  CHECK_STR(m.address, "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2");
  CHECK_INT(m.address_bytes[0], 0xc0);
  CHECK_INT(m.address_bytes[19], 0xc2);
  CHECK_STR(m.statement, "I accept the ExampleOrg Terms of Service: https://example.com/tos");
  CHECK_STR(m.uri, "https://example.com/login");
  CHECK_STR(m.version, "1");
  CHECK_INT(m.chain_id, 1);
  CHECK_STR(m.nonce, "32891756");
  CHECK_STR(m.issued_at, "2021-09-30T16:25:24Z");
  CHECK_INT(m.issued_at_time.sec, 1633019124);
  CHECK_INT(m.issued_at_time.nsec, 0);
  CHECK(m.expiration_time == NULL && m.not_before == NULL && m.request_id == NULL);
  CHECK_INT(m.n_resources, 2);
  CHECK_STR(m.resources[1], "https://example.com/my-web2-claim.json");
  arena_release(&a);
  free(msg);
}

TEST(siwe_rfc3339_arithmetic) {
  static const struct {
    const char *text;
    long long sec;
    unsigned nsec;
  } ok[] = {
      {"1970-01-01T00:00:00Z", 0, 0},
      {"2021-09-30T16:25:24Z", 1633019124, 0},
      {"2021-09-30T18:25:24+02:00", 1633019124, 0},
      {"2021-09-30T11:55:24.5-04:30", 1633019124, 500000000},
      {"2000-02-29T00:00:00.000000001Z", 951782400, 1},
      {"2024-02-29T12:00:00.123456789999Z", 1709208000, 123456789},
      {"1969-12-31T23:59:59Z", -1, 0},
      {"9999-12-31T23:59:59Z", 253402300799LL, 0},
  };
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    siwe_time t = {0, 0};
    pheme_error err = {0};
    CHECK_INT(siwe_time_parse(&t, ok[i].text, strlen(ok[i].text), &err), PHEME_OK);
    CHECK_INT(t.sec, ok[i].sec);
    CHECK_INT(t.nsec, ok[i].nsec);
  }
  static const char *const bad[] = {"2021-00-10T00:00:00Z", "2021-06-31T00:00:00Z", "2021-09-30T16:60:00Z",
                                    "2021-09-30T16:25:24.Z", "2021-09-30T16:25:24+0200", "2021-9-30T16:25:24Z",
                                    "2021-09-30T16:25:24+02:60", "2021-09-30T16:25:24ZZ", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    siwe_time t;
    pheme_error err = {0};
    CHECK_INT(siwe_time_parse(&t, bad[i], strlen(bad[i]), &err), PHEME_DATA_INVALID);
    CHECK(strstr(err.msg, "invalid time") != NULL);
  }
  char out[SIWE_TIME_TEXT];
  CHECK_INT(siwe_time_format(out, (siwe_time){1633019124, 987654321}), 0);
  CHECK_STR(out, "2021-09-30T16:25:24.987Z");
  CHECK_INT(siwe_time_format(out, (siwe_time){-1, 0}), 0);
  CHECK_STR(out, "1969-12-31T23:59:59.000Z");
}

TEST(siwe_check_time_against_now) {
  size_t n;
  char *msg = eth_test_read("siwe/ok-all-fields-scheme-port.txt", &n);
  REQUIRE(msg);
  arena a;
  arena_init(&a, 1 << 20);
  siwe_message m;
  REQUIRE(siwe_parse(&a, msg, n, &m, NULL) == PHEME_OK);
  /* issued and not-before 2023-02-01T00:00:00Z (1675209600), expires a day later */
  pheme_error err = {0};
  CHECK_INT(siwe_check_time(&m, (siwe_time){1675209600 + 3600, 0}, 0, &err), PHEME_OK);
  CHECK_INT(siwe_check_time(&m, (siwe_time){1675209600 + 86400, 0}, 0, &err), PHEME_AUTH_INVALID);
  CHECK(strstr(err.msg, "expired at '2023-02-02T00:00:00.000Z'") != NULL);
  CHECK_INT(siwe_check_time(&m, (siwe_time){1675209599, 999999999}, 60, &err), PHEME_AUTH_INVALID);
  CHECK(strstr(err.msg, "not valid before") != NULL);
  /* without Not Before, an Issued At in the future beyond the skew is refused */
  m.not_before = NULL;
  CHECK_INT(siwe_check_time(&m, (siwe_time){1675209600 - 30, 0}, 60, &err), PHEME_OK);
  CHECK_INT(siwe_check_time(&m, (siwe_time){1675209600 - 61, 0}, 60, &err), PHEME_AUTH_INVALID);
  CHECK(strstr(err.msg, "issued in the future") != NULL);
  arena_release(&a);
  free(msg);
}

TEST(siwe_render_from_fields) {
  const char *res[] = {"https://example.com/a"};
  siwe_message m = {.domain = "localhost:4000",
                    .address = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
                    .statement = "Sign in to PHEME.",
                    .uri = "http://localhost:4000",
                    .version = "1",
                    .chain_id = 31337,
                    .nonce = "0123456789abcdefXYZ",
                    .issued_at = "2026-01-01T00:00:00.000Z",
                    .resources = res,
                    .n_resources = 1};
  buf b;
  buf_init(&b, 4096);
  CHECK_INT(siwe_render(&b, &m, NULL), PHEME_OK);
  CHECK_STR(b.data,
            "localhost:4000 wants you to sign in with your Ethereum account:\n"
            "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf\n\nSign in to PHEME.\n\n"
            "URI: http://localhost:4000\nVersion: 1\nChain ID: 31337\nNonce: 0123456789abcdefXYZ\n"
            "Issued At: 2026-01-01T00:00:00.000Z\nResources:\n- https://example.com/a");
  pheme_error err = {0};
  m.statement = "two\nlines";
  buf_clear(&b);
  CHECK_INT(siwe_render(&b, &m, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "newline") != NULL);
  m.statement = NULL;
  memcpy(m.address, "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf", 43);
  CHECK_INT(siwe_render(&b, &m, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "checksum") != NULL);
  memcpy(m.address, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", 43);
  m.nonce = "short";
  CHECK_INT(siwe_render(&b, &m, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "nonce") != NULL);
  m.nonce = "0123456789";
  m.issued_at = "2026-02-30T00:00:00Z";
  CHECK_INT(siwe_render(&b, &m, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "no such day") != NULL);
  buf_release(&b);
}

TEST(siwe_uri_and_authority_validation) {
  static const char *const good[] = {"https://example.com", "http://[::1]:8080/x?y#z", "urn:isbn:0451450523",
                                     "ipfs://bafy/", "mailto:a@b.c", "https://a.b/%20", "did:pkh:eip155:1:0xabc",
                                     "https://[v7.fe80::a+en1]/"};
  static const char *const bad[] = {"example.com", "://x", "https://exa mple.com", "https://[::1/x", "https://x:99999/",
                                    "https://x/<a>", "http://a/b#c#d", "1ab:c"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    CHECK(siwe_uri_valid(good[i], strlen(good[i])));
    if (!siwe_uri_valid(good[i], strlen(good[i]))) fprintf(stderr, "  good: %s\n", good[i]);
  }
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK(!siwe_uri_valid(bad[i], strlen(bad[i])));
    if (siwe_uri_valid(bad[i], strlen(bad[i]))) fprintf(stderr, "  bad: %s\n", bad[i]);
  }
  CHECK(siwe_authority_valid("[::]", 4));
  CHECK(siwe_authority_valid("[1:2:3:4:5:6:7:8]", 17));
  CHECK(!siwe_authority_valid("[1:2:3:4:5:6:7:8:9]", 19));
  CHECK(!siwe_authority_valid("[1:2:3:4:5:6:7]", 15));
  CHECK(siwe_authority_valid("[::1.2.3.4]", 11));
  CHECK(!siwe_authority_valid("[::1.2.3.256]", 13));
  CHECK(!siwe_authority_valid("", 0));
  CHECK(!siwe_authority_valid(":80", 3));
  CHECK(!siwe_authority_valid("host:", 5));
}

TEST_MAIN(RUN(siwe_case_files); RUN(siwe_fields_of_the_eip_example); RUN(siwe_rfc3339_arithmetic);
          RUN(siwe_check_time_against_now); RUN(siwe_render_from_fields); RUN(siwe_uri_and_authority_validation))
