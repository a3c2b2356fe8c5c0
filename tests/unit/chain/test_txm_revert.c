/* Revert decoding (src/chain/revert.c): Error(string), Panic(uint256), custom errors from given
 * signatures and from the committed ABIs, and revert data found in JSON-RPC error objects. */
#include <jansson.h>

#include "chain/revert.h"
#include "core/buf.h"
#include "eth/abi.h"
#include "eth/hex.h"
#include "test.h"

/* selector || abi(args) of sig, into out; returns the length. */
static size_t encode(const char *sig, const char *args_json, uint8_t *out, size_t cap) {
  arena a;
  arena_init(&a, 0);
  abi_sig s;
  buf b;
  buf_init(&b, 1 << 16);
  json_t *args = json_loads(args_json, 0, NULL);
  size_t n = 0;
  if (abi_sig_parse(&a, sig, strlen(sig), &s, NULL) == 0 && args &&
      abi_encode_call(&b, &s, args, NULL) == 0 && b.len <= cap) {
    memcpy(out, b.data, b.len);
    n = b.len;
  }
  json_decref(args);
  buf_release(&b);
  arena_release(&a);
  return n;
}

TEST(builtin_error_and_panic_decode) {
  char err[256];
  revert_table *t = revert_table_new(NULL, 0, err, sizeof err);
  REQUIRE(t);
  CHECK_INT(revert_table_size(t), 2);
  arena a;
  arena_init(&a, 0);
  uint8_t d[512];
  size_t n = encode("Error(string)", "[\"not allowed\"]", d, sizeof d);
  REQUIRE(n > 4);
  revert_info ri;
  CHECK_INT(revert_decode(t, &a, d, n, &ri), 0);
  CHECK_INT(ri.known, 1);
  CHECK_STR(ri.name, "Error");
  CHECK_STR(ri.args_json, "[\"not allowed\"]");
  CHECK_STR(ri.text, "Error(\"not allowed\")");
  n = encode("Panic(uint256)", "[\"17\"]", d, sizeof d);
  CHECK_INT(revert_decode(t, &a, d, n, &ri), 0);
  CHECK_STR(ri.name, "Panic");
  CHECK_STR(ri.text, "Panic(0x11: arithmetic overflow or underflow)");
  n = encode("Panic(uint256)", "[\"4660\"]", d, sizeof d); /* 0x1234: no known meaning */
  CHECK_INT(revert_decode(t, &a, d, n, &ri), 0);
  CHECK_STR(ri.text, "Panic(4660)");
  arena_release(&a);
  revert_table_free(t);
}

TEST(custom_errors_from_signatures) {
  char err[256];
  const char *sigs[] = {"Unauthorized(address who, bytes32 role)", "Empty()"};
  revert_table *t = revert_table_new(sigs, 2, err, sizeof err);
  REQUIRE(t);
  arena a;
  arena_init(&a, 0);
  uint8_t d[512];
  size_t n = encode("Unauthorized(address,bytes32)",
                    "[\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\",\"0x" 
                    "00000000000000000000000000000000000000000000000000000000000000aa\"]",
                    d, sizeof d);
  revert_info ri;
  CHECK_INT(revert_decode(t, &a, d, n, &ri), 0);
  CHECK_INT(ri.known, 1);
  CHECK_STR(ri.name, "Unauthorized");
  CHECK_STR(ri.signature, "Unauthorized(address,bytes32)");
  CHECK(strstr(ri.args_json, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8") != NULL);
  n = encode("Empty()", "[]", d, sizeof d);
  CHECK_INT(n, 4);
  CHECK_INT(revert_decode(t, &a, d, n, &ri), 0);
  CHECK_STR(ri.text, "Empty()");
  CHECK_STR(ri.args_json, "[]");
  /* a signature that does not parse is refused and quoted */
  const char *bad[] = {"Broken(uint7)"};
  CHECK(revert_table_new(bad, 1, err, sizeof err) == NULL);
  CHECK(strstr(err, "Broken(uint7)") != NULL);
  arena_release(&a);
  revert_table_free(t);
}

TEST(unknown_short_and_garbled_data_say_so) {
  char err[256];
  const char *sigs[] = {"Code(uint256)"};
  revert_table *t = revert_table_new(sigs, 1, err, sizeof err);
  REQUIRE(t);
  arena a;
  arena_init(&a, 0);
  revert_info ri;
  CHECK_INT(revert_decode(t, &a, NULL, 0, &ri), 0);
  CHECK_INT(ri.known, 0);
  CHECK_STR(ri.text, "no revert data");
  const uint8_t three[] = {1, 2, 3};
  CHECK_INT(revert_decode(t, &a, three, 3, &ri), 0);
  CHECK_STR(ri.text, "revert data of 3 bytes is not an error");
  const uint8_t unknown[] = {0xde, 0xad, 0xbe, 0xef, 0};
  CHECK_INT(revert_decode(t, &a, unknown, 5, &ri), 0);
  CHECK_STR(ri.text, "unknown error 0xdeadbeef (5 bytes)");
  uint8_t d[64];
  size_t n = encode("Code(uint256)", "[\"5\"]", d, sizeof d);
  CHECK_INT(revert_decode(t, &a, d, n - 1, &ri), 0); /* argument cut short */
  CHECK_INT(ri.known, 0);
  CHECK_STR(ri.text, "Code(uint256) with arguments that do not decode (35 bytes)");
  arena_release(&a);
  revert_table_free(t);
}

TEST(errors_from_the_committed_artifacts) {
  char err[512];
  revert_table *t = revert_table_new(NULL, 0, err, sizeof err);
  REQUIRE(t);
  CHECK_INT(revert_table_add_artifacts(t, TEST_DATA_DIR "/../../contracts/artifacts", err, sizeof err), 0);
  CHECK(revert_table_size(t) > 20);
  arena a;
  arena_init(&a, 0);
  uint8_t d[512];
  size_t n = encode("ERC20InsufficientBalance(address,uint256,uint256)",
                    "[\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\",\"0\",\"1000\"]", d, sizeof d);
  revert_info ri;
  CHECK_INT(revert_decode(t, &a, d, n, &ri), 0);
  CHECK_STR(ri.name, "ERC20InsufficientBalance");
  CHECK_STR(ri.text,
            "ERC20InsufficientBalance(\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\",\"0\",\"1000\")");
  CHECK_INT(revert_table_add_artifacts(t, "/nonexistent-folder", err, sizeof err), PHEME_SYS_IO);
  CHECK(strstr(err, "/nonexistent-folder") != NULL);
  arena_release(&a);
  revert_table_free(t);
}

TEST(abi_entries_with_tuples_become_signatures) {
  char err[256];
  revert_table *t = revert_table_new(NULL, 0, err, sizeof err);
  REQUIRE(t);
  json_t *abi = json_loads(
      "[{\"type\":\"function\",\"name\":\"f\",\"inputs\":[]},"
      "{\"type\":\"error\",\"name\":\"Bad\",\"inputs\":[{\"name\":\"p\",\"type\":\"tuple[]\","
      "\"components\":[{\"name\":\"a\",\"type\":\"uint8\"},{\"name\":\"b\",\"type\":\"string\"}]}]}]",
      0, NULL);
  CHECK_INT(revert_table_add_abi(t, abi, err, sizeof err), 0);
  CHECK_INT(revert_table_size(t), 3);
  arena a;
  arena_init(&a, 0);
  uint8_t d[512];
  size_t n = encode("Bad((uint8,string)[])", "[[[\"7\",\"x\"]]]", d, sizeof d);
  revert_info ri;
  CHECK_INT(revert_decode(t, &a, d, n, &ri), 0);
  CHECK_STR(ri.signature, "Bad((uint8,string)[])");
  CHECK_STR(ri.args_json, "[[[\"7\",\"x\"]]]");
  json_decref(abi);
  abi = json_loads("[{\"type\":\"error\",\"inputs\":[]}]", 0, NULL); /* no name */
  CHECK_INT(revert_table_add_abi(t, abi, err, sizeof err), PHEME_DATA_INVALID);
  json_decref(abi);
  arena_release(&a);
  revert_table_free(t);
}

TEST(revert_data_is_found_in_rpc_errors) {
  arena a;
  arena_init(&a, 0);
  uint8_t *d;
  size_t n;
  CHECK_INT(revert_data_from_rpc(&a, "\"0xdeadbeef01\"", &d, &n), 0);
  CHECK_INT(n, 5);
  CHECK_MEM(d, n, "\xde\xad\xbe\xef\x01", 5);
  CHECK_INT(revert_data_from_rpc(&a, "{\"data\":\"0x08c379a0\"}", &d, &n), 0);
  CHECK_INT(n, 4);
  CHECK_INT(revert_data_from_rpc(&a, "{\"originalError\":{\"data\":\"0x1234\"}}", &d, &n), 0);
  CHECK_INT(n, 2);
  CHECK_INT(revert_data_from_rpc(&a, "\"0x\"", &d, &n), 0);
  CHECK_INT(n, 0);
  CHECK_INT(revert_data_from_rpc(&a, NULL, &d, &n), PHEME_DATA_INVALID);
  CHECK_INT(revert_data_from_rpc(&a, "\"0xabc\"", &d, &n), PHEME_DATA_INVALID);
  CHECK_INT(revert_data_from_rpc(&a, "\"nothex\"", &d, &n), PHEME_DATA_INVALID);
  CHECK_INT(revert_data_from_rpc(&a, "{\"message\":\"x\"}", &d, &n), PHEME_DATA_INVALID);
  CHECK_INT(revert_data_from_rpc(&a, "[", &d, &n), PHEME_DATA_INVALID);
  arena_release(&a);
}

TEST_MAIN(RUN(builtin_error_and_panic_decode); RUN(custom_errors_from_signatures);
          RUN(unknown_short_and_garbled_data_say_so); RUN(errors_from_the_committed_artifacts);
          RUN(abi_entries_with_tuples_become_signatures); RUN(revert_data_is_found_in_rpc_errors))
