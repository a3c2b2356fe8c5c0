/* Validator reviews (src/validation/review.c): the digest against a vector viem made
 * (tests/data/validation/review_vector.json) and against a by-hand EIP-712 assembly from the type
 * string in contracts/signing.json; signer recovery; the server's refusals (wrong key, another
 * submission, another round, another validator, replayed onto another submission); strict parsing. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "eth/address.h"
#include "eth/keccak.h"
#include "eth/secp.h"
#include "test.h"
#include "validation/review.h"

#include "core/banned.h"

static json_t *vector;
static review_domain dom;

static json_t *load(const char *path) {
  json_error_t je;
  json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!j) fprintf(stderr, "cannot load %s: %s\n", path, je.text);
  return j;
}

static void hexval(uint8_t *out, size_t n, const char *s) {
  if (hex_to_bytes(out, s + 2, n) != 0) abort();
}

static char *body_with(const char *key, json_t *value) {
  json_t *b = json_deep_copy(json_object_get(vector, "body"));
  if (key) {
    if (value) json_object_set_new(b, key, value);
    else json_object_del(b, key);
  }
  char *s = json_dumps(b, JSON_COMPACT);
  json_decref(b);
  return s;
}

static void setup(void) {
  vector = load(TEST_DATA_DIR "/validation/review_vector.json");
  if (!vector) abort();
  dom.chain_id = (uint64_t)json_integer_value(json_object_get(vector, "chainId"));
  hexval(dom.verifying_contract, 20, json_string_value(json_object_get(vector, "verifyingContract")));
}

TEST(viem_vector_digest_and_signer) {
  char *body = body_with(NULL, NULL), err[256];
  review r;
  REQUIRE(review_parse(&r, body, strlen(body), err, sizeof err) == PHEME_OK);
  CHECK_INT(r.submission_id, 12);
  CHECK_INT(r.n_criteria, 3);
  uint8_t h[32], want[32], signer[20];
  review_criteria_hash(h, &r);
  hexval(want, 32, json_string_value(json_object_get(vector, "criteriaHash")));
  CHECK_MEM(h, 32, want, 32);
  review_feedback_hash(h, &r);
  hexval(want, 32, json_string_value(json_object_get(vector, "feedbackHash")));
  CHECK_MEM(h, 32, want, 32);
  CHECK(review_digest(h, &dom, &r, err, sizeof err) == PHEME_OK);
  hexval(want, 32, json_string_value(json_object_get(vector, "digest")));
  CHECK_MEM(h, 32, want, 32);
  CHECK(review_recover(signer, &dom, &r, err, sizeof err) == PHEME_OK);
  CHECK_MEM(signer, 20, r.validator, 20);
  CHECK(review_verify(&dom, &r, 12, 0, r.validator, err, sizeof err) == PHEME_OK);
  review_release(&r);
  free(body);
}

static void put_word(uint8_t *p, uint64_t v) {
  memset(p, 0, 32);
  for (int i = 0; i < 8; i++) p[31 - i] = (uint8_t)(v >> (8 * i));
}

/* EIP-712 by hand: typeHash from signing.json's type string, each field as one word */
TEST(digest_matches_a_by_hand_assembly_from_signing_json) {
  json_t *sj = load(TEST_DATA_DIR "/../../contracts/signing.json");
  REQUIRE(sj);
  const char *domain_type = json_string_value(json_object_get(sj, "eip712DomainType"));
  json_t *fmt = json_object_get(json_object_get(sj, "formats"), "validatorReview");
  const char *type = json_string_value(json_object_get(fmt, "typeString"));
  const char *name = json_string_value(json_object_get(json_object_get(fmt, "domain"), "name"));
  REQUIRE(domain_type && type && name);
  char *body = body_with(NULL, NULL), err[256];
  review r;
  REQUIRE(review_parse(&r, body, strlen(body), err, sizeof err) == PHEME_OK);
  uint8_t ds_in[5 * 32], sh_in[7 * 32], fin[66], ds[32], sh[32], digest[32], mine[32];
  keccak_256(ds_in, domain_type, strlen(domain_type));
  keccak_256(ds_in + 32, name, strlen(name));
  keccak_256(ds_in + 64, "1", 1);
  put_word(ds_in + 96, dom.chain_id);
  memset(ds_in + 128, 0, 12);
  memcpy(ds_in + 140, dom.verifying_contract, 20);
  keccak_256(ds, ds_in, sizeof ds_in);
  keccak_256(sh_in, type, strlen(type));
  put_word(sh_in + 32, (uint64_t)r.submission_id);
  put_word(sh_in + 64, r.round);
  memset(sh_in + 96, 0, 12);
  memcpy(sh_in + 108, r.validator, 20);
  put_word(sh_in + 128, r.score);
  review_criteria_hash(sh_in + 160, &r);
  review_feedback_hash(sh_in + 192, &r);
  keccak_256(sh, sh_in, sizeof sh_in);
  fin[0] = 0x19;
  fin[1] = 0x01;
  memcpy(fin + 2, ds, 32);
  memcpy(fin + 34, sh, 32);
  keccak_256(digest, fin, sizeof fin);
  CHECK(review_digest(mine, &dom, &r, err, sizeof err) == PHEME_OK);
  CHECK_MEM(mine, 32, digest, 32);
  review_release(&r);
  free(body);
  json_decref(sj);
}

TEST(refusals_wrong_key_other_submission_round_validator_replay) {
  char *body = body_with(NULL, NULL), err[256];
  review r;
  REQUIRE(review_parse(&r, body, strlen(body), err, sizeof err) == PHEME_OK);
  uint8_t me[20];
  memcpy(me, r.validator, 20);
  /* posted to another submission: the signed id differs */
  CHECK(review_verify(&dom, &r, 13, 0, me, err, sizeof err) == PHEME_DATA_INVALID);
  CHECK(strstr(err, "submission 12, not 13") != NULL);
  CHECK(review_verify(&dom, &r, 12, 1, me, err, sizeof err) == PHEME_DATA_INVALID);
  /* a validator other than the caller */
  uint8_t other[20] = {1, 2, 3};
  CHECK(review_verify(&dom, &r, 12, 0, other, err, sizeof err) == PHEME_AUTH_FORBIDDEN);
  /* replay: the same signature relabelled for submission 13 recovers someone else */
  review_release(&r);
  free(body);
  body = body_with("submissionId", json_integer(13));
  REQUIRE(review_parse(&r, body, strlen(body), err, sizeof err) == PHEME_OK);
  CHECK(review_verify(&dom, &r, 13, 0, me, err, sizeof err) == PHEME_AUTH_INVALID);
  CHECK(strstr(err, "not by its validator") != NULL);
  /* a changed score or feedback under the old signature: refused */
  review_release(&r);
  free(body);
  body = body_with("feedback", json_string("Clear write-up; tests cover the edge cases!"));
  REQUIRE(review_parse(&r, body, strlen(body), err, sizeof err) == PHEME_OK);
  CHECK(review_verify(&dom, &r, 12, 0, me, err, sizeof err) == PHEME_AUTH_INVALID);
  /* another chain or registry: refused */
  review_release(&r);
  free(body);
  body = body_with(NULL, NULL);
  REQUIRE(review_parse(&r, body, strlen(body), err, sizeof err) == PHEME_OK);
  review_domain d2 = dom;
  d2.chain_id = 8453;
  CHECK(review_verify(&dom, &r, 12, 0, me, err, sizeof err) == PHEME_OK);
  CHECK(review_verify(&d2, &r, 12, 0, me, err, sizeof err) == PHEME_AUTH_INVALID);
  /* signed by the wrong key: the C side signs with key 2 while naming key 0's address */
  uint8_t key2[32] = {0};
  key2[31] = 2;
  CHECK(review_sign(&r, &dom, key2, err, sizeof err) == PHEME_OK);
  CHECK(review_verify(&dom, &r, 12, 0, me, err, sizeof err) == PHEME_AUTH_INVALID);
  /* and with the right key, C's own signature verifies and equals viem's (RFC 6979) */
  uint8_t key0[32], vsig[65];
  hexval(key0, 32, json_string_value(json_object_get(vector, "key")));
  hexval(vsig, 65, json_string_value(json_object_get(json_object_get(vector, "body"), "signature")));
  CHECK(review_sign(&r, &dom, key0, err, sizeof err) == PHEME_OK);
  CHECK(review_verify(&dom, &r, 12, 0, me, err, sizeof err) == PHEME_OK);
  CHECK_MEM(r.signature, 65, vsig, 65);
  review_release(&r);
  free(body);
}

static pheme_err parse_with(const char *key, json_t *value, char *err, size_t errlen) {
  char *body = body_with(key, value);
  review r;
  pheme_err e = review_parse(&r, body, strlen(body), err, errlen);
  review_release(&r);
  free(body);
  return e;
}

TEST(parsing_is_strict) {
  char err[256];
  CHECK(parse_with("round", NULL, err, sizeof err) == PHEME_API_BAD_REQUEST);
  CHECK(strstr(err, "round") != NULL);
  CHECK(parse_with("extra", json_true(), err, sizeof err) == PHEME_API_BAD_REQUEST);
  CHECK(parse_with("score", json_integer(101), err, sizeof err) == PHEME_API_BAD_REQUEST);
  CHECK(parse_with("score", json_string("80"), err, sizeof err) == PHEME_API_BAD_REQUEST);
  CHECK(parse_with("submissionId", json_integer(-1), err, sizeof err) == PHEME_API_BAD_REQUEST);
  CHECK(parse_with("submissionId", json_real(12.0), err, sizeof err) == PHEME_API_BAD_REQUEST);
  CHECK(parse_with("validator", json_string("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266"), err,
                   sizeof err) == PHEME_API_BAD_REQUEST); /* checksum broken */
  CHECK(strstr(err, "validator") != NULL);
  CHECK(parse_with("validator", json_string("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"), err,
                   sizeof err) == PHEME_OK); /* lower case carries no checksum */
  CHECK(parse_with("criteria", json_pack("[{s:i,s:i},{s:i,s:i}]", "id", 2, "score", 1, "id", 2, "score", 1),
                   err, sizeof err) == PHEME_API_BAD_REQUEST);
  CHECK(strstr(err, "ascend") != NULL);
  CHECK(parse_with("criteria", json_pack("[{s:i,s:i,s:i}]", "id", 2, "score", 1, "x", 1), err,
                   sizeof err) == PHEME_API_BAD_REQUEST);
  CHECK(parse_with("criteria", json_pack("[{s:i,s:i}]", "id", 2, "score", 101), err, sizeof err) ==
        PHEME_API_BAD_REQUEST);
  CHECK(parse_with("criteria", json_pack("[1]"), err, sizeof err) == PHEME_API_BAD_REQUEST);
  CHECK(parse_with("criteria", json_array(), err, sizeof err) == PHEME_OK);
  CHECK(parse_with("feedback", json_stringn("a\0b", 3), err, sizeof err) != PHEME_OK);
  CHECK(parse_with("signature", json_string("0x1234"), err, sizeof err) == PHEME_API_BAD_REQUEST);
  /* v = 0, and the malleated (high-s) twin */
  const char *sig = json_string_value(json_object_get(json_object_get(vector, "body"), "signature"));
  char s2[140];
  snprintf(s2, sizeof s2, "%.130s00", sig);
  CHECK(parse_with("signature", json_string(s2), err, sizeof err) == PHEME_API_BAD_REQUEST);
  uint8_t raw[65];
  hexval(raw, 65, sig);
  secp_malleate(raw); /* 27 <-> 28 */
  s2[0] = '0';
  s2[1] = 'x';
  bytes_to_hex(s2 + 2, raw, 65);
  CHECK(parse_with("signature", json_string(s2), err, sizeof err) == PHEME_API_BAD_REQUEST);
  CHECK(strstr(err, "malleated") != NULL);
  review r;
  CHECK(review_parse(&r, "{\"round\":0,\"round\":1}", 22, err, sizeof err) != PHEME_OK);
  review_release(&r);
  CHECK(review_parse(&r, "[]", 2, err, sizeof err) == PHEME_API_BAD_REQUEST);
  review_release(&r);
  CHECK(review_parse(&r, "{", 1, err, sizeof err) == PHEME_API_BAD_JSON);
  review_release(&r);
}

TEST_MAIN(setup(); RUN(viem_vector_digest_and_signer); RUN(digest_matches_a_by_hand_assembly_from_signing_json);
          RUN(refusals_wrong_key_other_submission_round_validator_replay); RUN(parsing_is_strict);
          json_decref(vector))
