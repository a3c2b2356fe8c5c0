/* Tests for src/eth/eip712.c: the EIP's "Mail" example (every intermediate hash and the
 * signature), dependency ordering, arrays, and strict validation errors. */
#include "test.h"

#include "eth/address.h"
#include "eth/eip712.h"
#include "eth/keccak.h"
#include "eth/secp.h"
#include "eth_test.h"

#include "core/banned.h"

static json_t *mail(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/eth/eip712_mail.json", TEST_DATA_DIR);
  json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
  if (!j) abort();
  return j;
}

static void check_hex(const uint8_t *got, size_t n, const json_t *want) {
  size_t wl;
  uint8_t *w = eth_test_unhex(json_string_value(want), &wl);
  CHECK_MEM(got, n, w, wl);
  free(w);
}

TEST(eip712_mail_example) {
  json_t *j = mail(), *exp = json_object_get(j, "expected");
  json_t *typed = json_deep_copy(j);
  json_object_del(typed, "expected");
  buf b;
  buf_init(&b, 4096);
  CHECK_INT(eip712_encode_type(&b, json_object_get(typed, "types"), "Mail", NULL), PHEME_OK);
  CHECK_STR(b.data, json_string_value(json_object_get(exp, "encodeType")));
  uint8_t h[32];
  keccak_256(h, b.data, b.len);
  check_hex(h, 32, json_object_get(exp, "typeHash"));
  CHECK_INT(eip712_domain_separator(h, typed, NULL), PHEME_OK);
  check_hex(h, 32, json_object_get(exp, "domainSeparator"));
  CHECK_INT(eip712_hash_struct(h, json_object_get(typed, "types"), "Mail", json_object_get(typed, "message"), NULL),
            PHEME_OK);
  check_hex(h, 32, json_object_get(exp, "hashStruct"));
  pheme_error err = {0};
  CHECK_INT(eip712_hash(h, typed, &err), PHEME_OK);
  check_hex(h, 32, json_object_get(exp, "digest"));
  /* signing with the example's key gives the example's signature and recovers "Cow" */
  uint8_t key[32], sig[65], who[20];
  keccak_256(key, "cow", 3);
  REQUIRE(secp_sign(sig, h, key, NULL) == PHEME_OK);
  check_hex(sig, 32, json_object_get(exp, "r"));
  check_hex(sig + 32, 32, json_object_get(exp, "s"));
  CHECK_INT(sig[64] + 27, json_integer_value(json_object_get(exp, "v")));
  CHECK_INT(secp_recover_address(who, h, sig, SECP_LOW_S, NULL), PHEME_OK);
  char text[ADDRESS_TEXT];
  CHECK_STR(address_to_checksum(text, who), "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");
  /* without an EIP712Domain type, it is derived from the domain's keys: same digest */
  json_object_del(json_object_get(typed, "types"), "EIP712Domain");
  uint8_t h2[32];
  CHECK_INT(eip712_hash(h2, typed, NULL), PHEME_OK);
  CHECK_MEM(h2, 32, h, 32);
  buf_release(&b);
  json_decref(typed);
  json_decref(j);
}

TEST(eip712_encode_type_orders_dependencies_and_strips_arrays) {
  json_t *types = json_loads(
      "{\"Z\": [{\"name\": \"b\", \"type\": \"B[]\"}, {\"name\": \"a\", \"type\": \"A[2][]\"}],"
      " \"B\": [{\"name\": \"c\", \"type\": \"C\"}], \"A\": [{\"name\": \"x\", \"type\": \"uint8\"}],"
      " \"C\": [{\"name\": \"z\", \"type\": \"Z\"}, {\"name\": \"w\", \"type\": \"bytes32\"}],"
      " \"Unused\": [{\"name\": \"u\", \"type\": \"bool\"}]}", 0, NULL);
  REQUIRE(types);
  buf b;
  buf_init(&b, 4096);
  CHECK_INT(eip712_encode_type(&b, types, "Z", NULL), PHEME_OK);
  CHECK_STR(b.data, "Z(B[] b,A[2][] a)A(uint8 x)B(C c)C(Z z,bytes32 w)");
  buf_clear(&b);
  CHECK_INT(eip712_encode_type(&b, types, "C", NULL), PHEME_OK);
  CHECK_STR(b.data, "C(Z z,bytes32 w)A(uint8 x)B(C c)Z(B[] b,A[2][] a)");
  buf_release(&b);
  json_decref(types);
}

TEST(eip712_arrays_hash_as_the_keccak_of_their_members) {
  /* Group(Person[] members, uint8[2] scores) hashed by hand from its parts */
  json_t *types = json_loads(
      "{\"Group\": [{\"name\": \"members\", \"type\": \"Person[]\"}, {\"name\": \"scores\", \"type\": \"uint8[2]\"}],"
      " \"Person\": [{\"name\": \"name\", \"type\": \"string\"}]}", 0, NULL);
  json_t *value = json_loads("{\"members\": [{\"name\": \"a\"}, {\"name\": \"b\"}], \"scores\": [1, \"0x02\"]}", 0, NULL);
  REQUIRE(types && value);
  uint8_t got[32], pa[32], pb[32], th_person[32], th_group[32], w[32];
  CHECK_INT(eip712_hash_struct(got, types, "Group", value, NULL), PHEME_OK);
  const char *person = "Person(string name)";
  const char *group = "Group(Person[] members,uint8[2] scores)Person(string name)";
  keccak_256(th_person, person, strlen(person));
  keccak_256(th_group, group, strlen(group));
  uint8_t buf2[64];
  memcpy(buf2, th_person, 32);
  keccak_256(buf2 + 32, "a", 1);
  keccak_256(pa, buf2, 64);
  keccak_256(buf2 + 32, "b", 1);
  keccak_256(pb, buf2, 64);
  uint8_t members[64], scores[64] = {0}, all[96];
  memcpy(members, pa, 32);
  memcpy(members + 32, pb, 32);
  scores[31] = 1;
  scores[63] = 2;
  memcpy(all, th_group, 32);
  keccak_256(all + 32, members, 64);
  keccak_256(all + 64, scores, 64);
  keccak_256(w, all, 96);
  CHECK_MEM(got, 32, w, 32);
  json_decref(types);
  json_decref(value);
}

/* Applies a JSON-pointer-ish edit to the Mail example and expects an error message part. */
static void expect_error(const char *what, void (*edit)(json_t *), const char *msg) {
  json_t *typed = mail();
  json_object_del(typed, "expected");
  edit(typed);
  uint8_t h[32];
  pheme_error err = {0};
  pheme_err e = eip712_hash(h, typed, &err);
  if (e != PHEME_DATA_INVALID || !strstr(err.msg, msg)) {
    fprintf(stderr, "  %s: got %d '%s', expected a message with '%s'\n", what, e, err.msg, msg);
    CHECK(0);
  }
  json_decref(typed);
}

#define TYPES(t) json_object_get(t, "types")
#define MSG(t) json_object_get(t, "message")
static void missing_field(json_t *t) { json_object_del(MSG(t), "contents"); }
static void extra_field(json_t *t) { json_object_set_new(MSG(t), "bcc", json_string("x")); }
static void unknown_type(json_t *t) {
  json_object_set_new(json_array_get(json_object_get(TYPES(t), "Mail"), 2), "type", json_string("Text"));
}
static void bad_width(json_t *t) {
  json_object_set_new(json_array_get(json_object_get(TYPES(t), "Mail"), 2), "type", json_string("uint7"));
}
static void uint8_overflow(json_t *t) {
  json_object_set_new(json_array_get(json_object_get(TYPES(t), "Mail"), 2), "type", json_string("uint8"));
  json_object_set_new(MSG(t), "contents", json_string("256"));
}
static void int8_underflow(json_t *t) {
  json_object_set_new(json_array_get(json_object_get(TYPES(t), "Mail"), 2), "type", json_string("int8"));
  json_object_set_new(MSG(t), "contents", json_integer(-129));
}
static void bytes_len(json_t *t) {
  json_object_set_new(json_array_get(json_object_get(TYPES(t), "Mail"), 2), "type", json_string("bytes4"));
  json_object_set_new(MSG(t), "contents", json_string("0x0102"));
}
static void bad_checksum(json_t *t) {
  json_object_set_new(json_object_get(MSG(t), "to"), "wallet",
                      json_string("0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbb"));
}
static void dup_field(json_t *t) {
  json_array_append_new(json_object_get(TYPES(t), "Person"),
                        json_pack("{s:s,s:s}", "name", "name", "type", "string"));
}
static void unknown_primary(json_t *t) { json_object_set_new(t, "primaryType", json_string("Letter")); }
static void bad_type_name(json_t *t) {
  json_object_set(TYPES(t), "Bad-Name", json_object_get(TYPES(t), "Person"));
}
static void fixed_len(json_t *t) {
  json_object_set_new(json_array_get(json_object_get(TYPES(t), "Mail"), 2), "type", json_string("string[2]"));
  json_object_set_new(MSG(t), "contents", json_pack("[s]", "only one"));
}
static void struct_not_object(json_t *t) { json_object_set_new(MSG(t), "to", json_string("Bob")); }

TEST(eip712_strict_validation) {
  expect_error("missing field", missing_field, "'contents' of 'Mail' is missing");
  expect_error("extra field", extra_field, "'bcc' is not a field of 'Mail'");
  expect_error("unknown type", unknown_type, "unknown type 'Text'");
  expect_error("bad width", bad_width, "unknown type 'uint7'");
  expect_error("uint8 overflow", uint8_overflow, "out of range");
  expect_error("int8 underflow", int8_underflow, "out of range");
  expect_error("bytes4 length", bytes_len, "wrong number of bytes");
  expect_error("bad checksum", bad_checksum, "checksum");
  expect_error("duplicate field", dup_field, "appears twice");
  expect_error("unknown primary", unknown_primary, "unknown struct type 'Letter'");
  expect_error("bad type name", bad_type_name, "invalid type name");
  expect_error("fixed length", fixed_len, "wrong number of elements");
  expect_error("struct not object", struct_not_object, "expected an object");
}

TEST(eip712_recursive_values_are_capped) {
  json_t *types = json_loads("{\"Node\": [{\"name\": \"next\", \"type\": \"Node[]\"}]}", 0, NULL);
  json_t *v = json_object(), *cur = v;
  for (int i = 0; i < 200; i++) {
    json_t *child = json_object(), *arr = json_array();
    json_array_append_new(arr, child);
    json_object_set_new(cur, "next", arr);
    cur = child;
  }
  json_object_set_new(cur, "next", json_array());
  uint8_t h[32];
  pheme_error err = {0};
  CHECK_INT(eip712_hash_struct(h, types, "Node", v, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "nested too deeply") != NULL);
  json_decref(v);
  json_decref(types);
}

TEST_MAIN(RUN(eip712_mail_example); RUN(eip712_encode_type_orders_dependencies_and_strips_arrays);
          RUN(eip712_arrays_hash_as_the_keccak_of_their_members); RUN(eip712_strict_validation);
          RUN(eip712_recursive_values_are_capped))
