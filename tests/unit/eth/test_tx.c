/* Tests for src/eth/tx.c: the EIP-155 example end to end, EIP-1559 round trips with access
 * lists and extreme values, strict decoding, and the high-s twin of a transaction signature. */
#include "test.h"

#include "core/arena.h"
#include "eth/address.h"
#include "eth/secp.h"
#include "eth/tx.h"
#include "eth/u256.h"
#include "eth_test.h"

#include "core/banned.h"

/* Loads tests/data/eth/eip155.txt as name -> hex value pairs. */
static char *field(char *text, const char *name) {
  static char value[1024];
  char *copy = strdup(text), *cur = copy, *line;
  value[0] = 0;
  while ((line = eth_test_line(&cur))) {
    char *f[2] = {0};
    if (eth_test_fields(line, f, 2) == 2 && !strcmp(f[0], name)) snprintf(value, sizeof value, "%s", f[1]);
  }
  free(copy);
  return value;
}

static void eip155_tx(tx *t) {
  memset(t, 0, sizeof *t);
  t->type = TX_LEGACY;
  t->chain_id = 1;
  t->nonce = 9;
  REQUIRE(u256_parse(t->gas_price, "20000000000", 11, 0, NULL) == PHEME_OK);
  t->gas = 21000;
  t->has_to = 1;
  memset(t->to, 0x35, 20);
  REQUIRE(u256_parse(t->value, "1000000000000000000", 19, 0, NULL) == PHEME_OK);
}

TEST(tx_eip155_example) {
  char *text = eth_test_read("eip155.txt", NULL);
  REQUIRE(text);
  tx t;
  eip155_tx(&t);
  size_t n;
  uint8_t *key = eth_test_unhex(field(text, "key"), &n);
  uint8_t *data = eth_test_unhex(field(text, "signing_data"), &n);
  buf b;
  buf_init(&b, 1 << 16);
  CHECK_INT(tx_encode_unsigned(&b, &t, NULL), PHEME_OK);
  CHECK_MEM(b.data, b.len, data, n);
  free(data);
  uint8_t h[32];
  uint8_t *want_hash = eth_test_unhex(field(text, "signing_hash"), &n);
  CHECK_INT(tx_signing_hash(h, &t, NULL), PHEME_OK);
  CHECK_MEM(h, 32, want_hash, n);
  free(want_hash);
  CHECK_INT(tx_sign(&t, key, NULL), PHEME_OK);
  buf_clear(&b);
  CHECK_INT(tx_encode_signed(&b, &t, NULL), PHEME_OK);
  uint8_t *signed_tx = eth_test_unhex(field(text, "signed"), &n);
  CHECK_MEM(b.data, b.len, signed_tx, n);
  /* decoding the published bytes gives the sender */
  arena a;
  arena_init(&a, 1 << 20);
  tx d;
  uint8_t sender[20];
  char text_addr[ADDRESS_TEXT];
  CHECK_INT(tx_decode(&d, signed_tx, n, &a, NULL), PHEME_OK);
  CHECK_INT(d.chain_id, 1);
  CHECK_INT(d.nonce, 9);
  CHECK_INT(tx_sender(sender, &d, NULL), PHEME_OK);
  CHECK_STR(address_to_checksum(text_addr, sender), field(text, "sender"));
  uint8_t key_addr[20];
  CHECK_INT(secp_address(key_addr, key, NULL), PHEME_OK);
  CHECK_MEM(sender, 20, key_addr, 20);
  arena_release(&a);
  free(signed_tx);
  free(key);
  buf_release(&b);
  free(text);
}

TEST(tx_eip1559_round_trip_with_access_list_and_extremes) {
  uint8_t key[32], me[20], keys[3][32];
  memset(key, 0x11, 32);
  REQUIRE(secp_address(me, key, NULL) == PHEME_OK);
  for (int i = 0; i < 3; i++) memset(keys[i], 0xa0 + i, 32);
  tx_access acc[2] = {{.n_keys = 3, .keys = (const uint8_t(*)[32])keys}, {.n_keys = 0}};
  memset(acc[0].address, 0xab, 20);
  memset(acc[1].address, 0xcd, 20);
  uint8_t payload[100];
  memset(payload, 0xee, sizeof payload);
  for (int variant = 0; variant < 3; variant++) {
    tx t = {.type = TX_EIP1559, .chain_id = variant == 2 ? UINT64_MAX : 8453, .has_to = variant != 1};
    memset(t.to, 0x42, 20);
    if (variant == 2) { /* every amount maximal */
      t.nonce = UINT64_MAX;
      t.gas = UINT64_MAX;
      memset(t.value, 0xff, 32);
      memset(t.max_fee, 0xff, 32);
      memset(t.max_priority_fee, 0xff, 32);
    }
    if (variant != 0) {
      t.access = acc;
      t.n_access = 2;
      t.data = payload;
      t.data_len = sizeof payload;
    }
    REQUIRE(tx_sign(&t, key, NULL) == PHEME_OK);
    buf b;
    buf_init(&b, 1 << 16);
    REQUIRE(tx_encode_signed(&b, &t, NULL) == PHEME_OK);
    CHECK_INT((uint8_t)b.data[0], 0x02);
    arena a;
    arena_init(&a, 1 << 20);
    tx d;
    uint8_t sender[20], h1[32], h2[32];
    CHECK_INT(tx_decode(&d, (uint8_t *)b.data, b.len, &a, NULL), PHEME_OK);
    CHECK_INT(d.type, TX_EIP1559);
    CHECK(d.chain_id == t.chain_id && d.nonce == t.nonce && d.gas == t.gas);
    CHECK_INT(d.has_to, t.has_to);
    CHECK_MEM(d.value, 32, t.value, 32);
    CHECK_MEM(d.max_fee, 32, t.max_fee, 32);
    CHECK_INT(d.data_len, t.data_len);
    if (t.data_len) CHECK_MEM(d.data, d.data_len, t.data, t.data_len);
    CHECK_INT(d.n_access, t.n_access);
    if (d.n_access == 2) {
      CHECK_INT(d.access[0].n_keys, 3);
      CHECK_MEM(d.access[0].keys[2], 32, keys[2], 32);
      CHECK_MEM(d.access[1].address, 20, acc[1].address, 20);
    }
    CHECK_INT(tx_sender(sender, &d, NULL), PHEME_OK);
    CHECK_MEM(sender, 20, me, 20);
    CHECK_INT(tx_hash(h1, &t, NULL), PHEME_OK);
    CHECK_INT(tx_hash(h2, &d, NULL), PHEME_OK);
    CHECK_MEM(h1, 32, h2, 32);
    /* the malleated twin of the signature is refused */
    uint8_t sig[65];
    memcpy(sig, d.r, 32);
    memcpy(sig + 32, d.s, 32);
    sig[64] = (uint8_t)d.y_parity;
    secp_malleate(sig);
    memcpy(d.s, sig + 32, 32);
    d.y_parity = sig[64];
    pheme_error err = {0};
    CHECK_INT(tx_sender(sender, &d, &err), PHEME_AUTH_INVALID);
    CHECK(strstr(err.msg, "high-s") != NULL);
    arena_release(&a);
    buf_release(&b);
  }
}

TEST(tx_decode_is_strict) {
  arena a;
  arena_init(&a, 1 << 20);
  tx d;
  pheme_error err = {0};
  CHECK_INT(tx_decode(&d, (const uint8_t *)"\x01\xc0", 2, &a, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "type 0x01") != NULL);
  CHECK_INT(tx_decode(&d, (const uint8_t *)"\x02\xc0", 2, &a, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "0 fields") != NULL);
  CHECK_INT(tx_decode(&d, NULL, 0, &a, NULL), PHEME_DATA_INVALID);
  /* the EIP-155 transaction with a byte appended, and with v = 30 */
  char *text = eth_test_read("eip155.txt", NULL);
  REQUIRE(text);
  size_t n;
  uint8_t *raw = eth_test_unhex(field(text, "signed"), &n), *longer = malloc(n + 1);
  memcpy(longer, raw, n);
  longer[n] = 0;
  CHECK_INT(tx_decode(&d, longer, n + 1, &a, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "trailing") != NULL);
  /* v (0x25) sits right after the empty data (0x80) */
  uint8_t *v = memchr(raw + 40, 0x25, n - 40);
  REQUIRE(v);
  *v = 30;
  CHECK_INT(tx_decode(&d, raw, n, &a, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "invalid v") != NULL);
  free(longer);
  free(raw);
  free(text);
  arena_release(&a);
}

TEST(tx_pre_eip155_legacy_round_trip) {
  uint8_t key[32], me[20], sender[20];
  memset(key, 0x22, 32);
  REQUIRE(secp_address(me, key, NULL) == PHEME_OK);
  tx t = {.type = TX_LEGACY, .chain_id = 0, .nonce = 1, .gas = 21000};
  REQUIRE(tx_sign(&t, key, NULL) == PHEME_OK);
  buf b;
  buf_init(&b, 1 << 16);
  REQUIRE(tx_encode_signed(&b, &t, NULL) == PHEME_OK);
  arena a;
  arena_init(&a, 1 << 20);
  tx d;
  CHECK_INT(tx_decode(&d, (uint8_t *)b.data, b.len, &a, NULL), PHEME_OK);
  CHECK_INT(d.chain_id, 0);
  CHECK_INT(d.has_to, 0);
  CHECK_INT(tx_sender(sender, &d, NULL), PHEME_OK);
  CHECK_MEM(sender, 20, me, 20);
  arena_release(&a);
  buf_release(&b);
}

TEST_MAIN(RUN(tx_eip155_example); RUN(tx_eip1559_round_trip_with_access_list_and_extremes);
          RUN(tx_decode_is_strict); RUN(tx_pre_eip155_legacy_round_trip))
