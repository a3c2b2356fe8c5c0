/* Tests for src/eth/abi.c: the Solidity documentation's examples both ways, type parsing and
 * canonical forms, every integer width at its limits, strict decoding of hostile data, event
 * logs and custom errors. */
#include "test.h"

#include "core/arena.h"
#include "eth/abi.h"
#include "eth/keccak.h"
#include "eth/u256.h"
#include "eth_test.h"

#include "core/banned.h"

static arena A;

static const abi_type *type(const char *s) {
  const abi_type *t = NULL;
  pheme_error err = {0};
  if (abi_type_parse(&A, s, strlen(s), &t, &err)) fprintf(stderr, "  parse '%s': %s\n", s, err.msg);
  return t;
}

TEST(abi_documentation_examples_encode_and_decode) {
  char *text = eth_test_read("abi.txt", NULL), *cur = text, *line;
  REQUIRE(text);
  int n = 0;
  while ((line = eth_test_line(&cur))) {
    char *f[3] = {0};
    REQUIRE(eth_test_fields(line, f, 3) == 3);
    abi_sig sig;
    pheme_error err = {0};
    REQUIRE(abi_sig_parse(&A, f[0], strlen(f[0]), &sig, &err) == PHEME_OK);
    json_t *args = json_loads(f[1], 0, NULL);
    REQUIRE(args);
    size_t want_len;
    uint8_t *want = eth_test_unhex(f[2], &want_len);
    buf b;
    buf_init(&b, 1 << 20);
    CHECK_INT(abi_encode_call(&b, &sig, args, &err), PHEME_OK);
    CHECK_MEM(b.data, b.len, want, want_len);
    json_t *back = NULL;
    CHECK_INT(abi_decode_call(&sig, want, want_len, &back, &err), PHEME_OK);
    CHECK(back && json_equal(back, args));
    if (!back || !json_equal(back, args)) fprintf(stderr, "  case %s: %s\n", f[0], err.msg);
    json_decref(back);
    json_decref(args);
    buf_release(&b);
    free(want);
    n++;
  }
  CHECK_INT(n, 8);
  free(text);
}

TEST(abi_type_parsing_and_canonical_forms) {
  static const char *const cases[][2] = {
      {"uint", "uint256"},
      {"int", "int256"},
      {"(uint256,bytes[])[2]", "(uint256,bytes[])[2]"},
      {"( uint a , (address b, bool[] c)[] d )", "(uint,(address,bool[])[])"},
      {"bytes32[][3][]", "bytes32[][3][]"},
      {"()", "()"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const abi_type *t = type(cases[i][0]);
    CHECK(t != NULL);
    if (!t) continue;
    buf b;
    buf_init(&b, 1024);
    CHECK_INT(abi_type_canonical(&b, t), PHEME_OK);
    const char *want = i == 3 ? "(uint256,(address,bool[])[])" : cases[i][1];
    CHECK_STR(b.data, want);
    buf_release(&b);
  }
  static const char *const bad[] = {"uint7", "uint264", "int0", "bytes0", "bytes33", "byte", "string[0]",
                                    "uint256[", "(uint256", "(uint256,)", "address payable x", "Uint256",
                                    "uint256[65537]", "uint08", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const abi_type *t;
    pheme_error err = {0};
    CHECK_INT(abi_type_parse(&A, bad[i], strlen(bad[i]), &t, &err), PHEME_DATA_INVALID);
    CHECK(strstr(err.msg, "invalid abi type") != NULL);
  }
  /* nesting beyond the cap */
  char deep[200] = "";
  for (int i = 0; i < 40; i++) deep[i] = '(';
  memcpy(deep + 40, "bool", 4);
  for (int i = 0; i < 40; i++) deep[44 + i] = ')';
  const abi_type *t;
  CHECK_INT(abi_type_parse(&A, deep, 84, &t, NULL), PHEME_DATA_INVALID);
}

/* 2^k as 32 bytes (k < 256) */
static void pow2(uint8_t v[32], unsigned k) {
  memset(v, 0, 32);
  v[31 - k / 8] = (uint8_t)(1u << (k % 8));
}

static void add(uint8_t v[32], int delta) { /* delta must be +1 or -1 */
  for (int i = 31; i >= 0; i--) {
    uint8_t before = v[i];
    v[i] = (uint8_t)(v[i] + delta);
    if ((delta > 0 && v[i] != 0) || (delta < 0 && before != 0)) break;
  }
}

/* Encodes [text] as (type) and checks ok/refused; on success checks the decode round trip. */
static void int_case(const abi_type *t, const char *text, int ok) {
  char js[120];
  snprintf(js, sizeof js, "[\"%s\"]", text);
  json_t *v = json_loads(js, 0, NULL);
  buf b;
  buf_init(&b, 1024);
  pheme_error err = {0};
  pheme_err e = abi_encode(&b, t, v, &err);
  CHECK_INT(e, ok ? PHEME_OK : PHEME_DATA_INVALID);
  if (e != (ok ? PHEME_OK : PHEME_DATA_INVALID)) fprintf(stderr, "  case %s: %s\n", text, err.msg);
  if (!e) {
    json_t *back = NULL;
    CHECK_INT(abi_decode(t, (uint8_t *)b.data, b.len, &back, NULL), PHEME_OK);
    CHECK(back && json_equal(back, v));
    json_decref(back);
  } else if (!ok && !strstr(err.msg, "range") && !strstr(err.msg, "fit") && !strstr(err.msg, "negative")) {
    fprintf(stderr, "  '%s': unexpected message '%s'\n", text, err.msg);
    CHECK(0);
  }
  json_decref(v);
  buf_release(&b);
}

TEST(abi_every_integer_width_at_its_limits) {
  static const char two_256[] =
      "115792089237316195423570985008687907853269984665640564039457584007913129639936";
  for (unsigned bits = 8; bits <= 256; bits += 8) {
    char name[16], dec[U256_DEC_MAX + 1];
    uint8_t v[32];
    snprintf(name, sizeof name, "(uint%u)", bits);
    const abi_type *u = type(name);
    snprintf(name, sizeof name, "(int%u)", bits);
    const abi_type *s = type(name);
    REQUIRE(u && s);
    /* uintN: 0 and 2^N - 1 pass; 2^N and -1 do not */
    int_case(u, "0", 1);
    int_case(u, "-1", 0);
    if (bits < 256) {
      pow2(v, bits);
      int_case(u, u256_to_dec(dec, v), 0);
      add(v, -1);
    } else {
      memset(v, 0xff, 32);
      int_case(u, two_256, 0);
    }
    int_case(u, u256_to_dec(dec, v), 1);
    /* intN: -2^(N-1) and 2^(N-1) - 1 pass; one beyond either does not */
    pow2(v, bits - 1);
    dec[0] = '-';
    u256_to_dec(dec + 1, v);
    int_case(s, dec, 1);
    int_case(s, dec + 1, 0);
    add(v, 1);
    u256_to_dec(dec + 1, v);
    int_case(s, dec, 0);
    add(v, -1);
    add(v, -1);
    int_case(s, u256_to_dec(dec, v), 1);
  }
}

static uint8_t *word_data(const char *hex_words, size_t *n) { return eth_test_unhex(hex_words, n); }

TEST(abi_decoding_rejects_dirty_padding_and_bad_values) {
  static const struct {
    const char *type, *data, *msg;
  } cases[] = {
      {"(address)", "0x0000000000000000000000010000000000000000000000000000000000000001", "padding"},
      {"(bool)", "0x0000000000000000000000000000000000000000000000000000000000000002", "bool"},
      {"(uint8)", "0x0000000000000000000000000000000000000000000000000000000000000100", "high bits"},
      {"(int8)", "0x00000000000000000000000000000000000000000000000000000000000000ff", "sign-extended"},
      {"(int8)", "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "sign-extended"},
      {"(bytes2)", "0x1234560000000000000000000000000000000000000000000000000000000000", "padding"},
      {"(uint256)", "0x00", "static data"},
      {"(uint256)", "0x000000000000000000000000000000000000000000000000000000000000000100", "static data"},
      /* bytes: offset past the end, length past the end, dirty padding, trailing bytes */
      {"(bytes)", "0x0000000000000000000000000000000000000000000000000000000000000040", "past"},
      {"(bytes)", "0x00000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000021", "past the data"},
      {"(bytes)", "0x000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000016162000000000000000000000000000000000000000000000000000000000000", "padding"},
      {"(bytes)", "0x00000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000000ff", "after the end"},
      {"(uint256[])", "0x0000000000000000000000000000000000000000000000000000000000000020ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "too large"},
      {"(uint256[])", "0x000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000f4240", "exceeds"},
      {"(string)", "0x00000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000001ff00000000000000000000000000000000000000000000000000000000000000", "utf-8"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const abi_type *t = type(cases[i].type);
    REQUIRE(t);
    size_t n;
    uint8_t *d = word_data(cases[i].data, &n);
    json_t *out = NULL;
    pheme_error err = {0};
    CHECK_INT(abi_decode(t, d, n, &out, &err), PHEME_DATA_INVALID);
    if (!strstr(err.msg, cases[i].msg)) {
      fprintf(stderr, "  case %zu (%s): '%s' lacks '%s'\n", i, cases[i].type, err.msg, cases[i].msg);
      CHECK(0);
    }
    CHECK(out == NULL);
    free(d);
  }
}

TEST(abi_hostile_shared_offsets_hit_the_work_cap) {
  /* (bytes[][]) where the outer array has 2000 entries all pointing at one inner array of
   * 2000 entries, which all point at one 0-length bytes: 4 million values from 128 KiB. */
  enum { N = 2000 };
  size_t n = 32 * (1 + 1 + N + 1 + N + 1);
  uint8_t *d = calloc(1, n);
  size_t w = 0;
#define PUT(x) do { uint64_t v_ = (x); for (int b_ = 0; b_ < 8; b_++) d[w * 32 + 31 - b_] = (uint8_t)(v_ >> (8 * b_)); w++; } while (0)
  PUT(32);           /* offset of the outer array */
  PUT(N);            /* outer length; its elements start at word 2 */
  for (int i = 0; i < N; i++) PUT(32 * N); /* every element: the inner array right after */
  PUT(N);            /* inner length; its elements start after this word */
  for (int i = 0; i < N; i++) PUT(32 * N); /* every element: the empty bytes after */
  PUT(0);            /* bytes length 0 */
#undef PUT
  const abi_type *t = type("(bytes[][])");
  REQUIRE(t);
  json_t *out = NULL;
  pheme_error err = {0};
  CHECK_INT(abi_decode(t, d, n, &out, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "too much work") != NULL);
  free(d);
}

TEST(abi_event_log_decoding) {
  abi_sig ev;
  const char *s = "Transfer(address indexed from, address indexed to, uint256 value)";
  REQUIRE(abi_sig_parse(&A, s, strlen(s), &ev, NULL) == PHEME_OK);
  uint8_t topic[32];
  abi_sig_topic(topic, &ev);
  size_t n;
  uint8_t *want = eth_test_unhex("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef", &n);
  CHECK_MEM(topic, 32, want, n);
  free(want);
  json_t *vals = json_loads("[\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\", "
                            "\"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359\", \"12345\"]", 0, NULL);
  uint8_t topics[4][32];
  size_t nt;
  CHECK_INT(abi_encode_topics(&ev, vals, topics, &nt, NULL), PHEME_OK);
  CHECK_INT(nt, 3);
  uint8_t data[32] = {0};
  data[30] = 0x30;
  data[31] = 0x39;
  json_t *out = NULL;
  CHECK_INT(abi_decode_log(&ev, (const uint8_t(*)[32])topics, nt, data, 32, &out, NULL), PHEME_OK);
  CHECK(out && json_equal(out, vals));
  json_decref(out);
  /* a topic with dirty address padding is refused; a missing topic too */
  topics[1][0] = 1;
  pheme_error err = {0};
  CHECK_INT(abi_decode_log(&ev, (const uint8_t(*)[32])topics, nt, data, 32, &out, &err), PHEME_DATA_INVALID);
  CHECK_INT(abi_decode_log(&ev, (const uint8_t(*)[32])topics, 2, data, 32, &out, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "indexed") != NULL);
  json_decref(vals);

  /* an indexed string is only its hash */
  abi_sig named;
  const char *s2 = "Named(string indexed name, bytes data)";
  REQUIRE(abi_sig_parse(&A, s2, strlen(s2), &named, NULL) == PHEME_OK);
  json_t *v2 = json_loads("[\"pheme\", \"0x01\"]", 0, NULL);
  CHECK_INT(abi_encode_topics(&named, v2, topics, &nt, NULL), PHEME_OK);
  uint8_t h[32];
  keccak_256(h, "pheme", 5);
  CHECK_MEM(topics[1], 32, h, 32);
  const abi_type *dt = type("(bytes)");
  buf b;
  buf_init(&b, 1024);
  json_t *dv = json_loads("[\"0x01\"]", 0, NULL);
  REQUIRE(abi_encode(&b, dt, dv, NULL) == PHEME_OK);
  CHECK_INT(abi_decode_log(&named, (const uint8_t(*)[32])topics, nt, (uint8_t *)b.data, b.len, &out, NULL), PHEME_OK);
  char hx[80];
  CHECK_STR(json_string_value(json_array_get(out, 0)), hex_encode(hx, h, 32));
  CHECK_STR(json_string_value(json_array_get(out, 1)), "0x01");
  json_decref(out);
  json_decref(dv);
  json_decref(v2);
  buf_release(&b);
}

TEST(abi_custom_error_decoding) {
  abi_sig errs[3];
  const char *defs[3] = {"InsufficientBalance(uint256 available, uint256 required)", "Error(string)",
                         "Panic(uint256)"};
  for (int i = 0; i < 3; i++) REQUIRE(abi_sig_parse(&A, defs[i], strlen(defs[i]), &errs[i], NULL) == PHEME_OK);
  json_t *args = json_loads("[\"5\", \"10\"]", 0, NULL);
  buf b;
  buf_init(&b, 1024);
  REQUIRE(abi_encode_call(&b, &errs[0], args, NULL) == PHEME_OK);
  size_t which = 99;
  json_t *out = NULL;
  CHECK_INT(abi_decode_error(errs, 3, (uint8_t *)b.data, b.len, &which, &out, NULL), PHEME_OK);
  CHECK_INT(which, 0);
  CHECK(out && json_equal(out, args));
  json_decref(out);
  /* an unknown selector is named in the error */
  b.data[0] ^= 0x55;
  pheme_error err = {0};
  CHECK_INT(abi_decode_error(errs, 3, (uint8_t *)b.data, b.len, &which, &out, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "unknown error selector") != NULL);
  json_decref(args);
  buf_release(&b);
}

TEST(abi_encoding_rejects_bad_values) {
  static const char *const cases[][3] = {
      {"(uint8)", "[\"256\"]", "out of range"},
      {"(uint8)", "[-1]", "negative"},
      {"(int8)", "[\"-129\"]", "out of range"},
      {"(address)", "[\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"]", "checksum"},
      {"(bytes2)", "[\"0x010203\"]", "wrong number of bytes"},
      {"(bool)", "[1]", "true or false"},
      {"(uint256[2])", "[[\"1\"]]", "wrong number of elements"},
      {"((uint256,bool))", "[[\"1\"]]", "wrong number of components"},
      {"(bytes)", "[\"0xabc\"]", "odd"},
      {"(string)", "[5]", "expected a string"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const abi_type *t = type(cases[i][0]);
    REQUIRE(t);
    json_t *v = json_loads(cases[i][1], 0, NULL);
    REQUIRE(v);
    buf b;
    buf_init(&b, 1024);
    pheme_error err = {0};
    CHECK_INT(abi_encode(&b, t, v, &err), PHEME_DATA_INVALID);
    if (!strstr(err.msg, cases[i][2])) {
      fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", i, err.msg, cases[i][2]);
      CHECK(0);
    }
    json_decref(v);
    buf_release(&b);
  }
}

static void setup(void) { arena_init(&A, 0); }

TEST_MAIN(setup(); RUN(abi_documentation_examples_encode_and_decode); RUN(abi_type_parsing_and_canonical_forms);
          RUN(abi_every_integer_width_at_its_limits); RUN(abi_decoding_rejects_dirty_padding_and_bad_values);
          RUN(abi_hostile_shared_offsets_hit_the_work_cap); RUN(abi_event_log_decoding);
          RUN(abi_custom_error_decoding); RUN(abi_encoding_rejects_bad_values); arena_release(&A))
