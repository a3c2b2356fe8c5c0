/* The chain outbox's store side (src/store/outbox.c) on SQLite and PostgreSQL: intents commit
 * with the business change around them, idempotency keys, the sender's lease and nonces, and the
 * state transitions the transaction manager makes. */
#include "core/util.h"
#include "store/outbox.h"
#include "test.h"
#include "backends.h"

static const uint8_t SENDER[20] = {0xf3, 0x9f, 0xd6};
static const uint8_t TO[20] = {0x70, 0x99};

static outbox_request req(const char *key) {
  outbox_request r = {.chain_id = 31337, .has_to = 1, .value = "1000000000000000001",
                      .idempotency_key = key, .kind = "test.transfer"};
  memcpy(r.sender, SENDER, 20);
  memcpy(r.to, TO, 20);
  return r;
}

static char keybuf[64];
/* Keys unique per backend run (the suite runs once per backend on fresh databases, but the
 * lease tests use their own sender to stay independent of test order). */
static const char *K(const char *k) {
  snprintf(keybuf, sizeof keybuf, "%s-%s", backend, k);
  return keybuf;
}

TEST(intent_commits_or_rolls_back_with_the_business_change) {
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  outbox_request r = req(K("rolled-back"));
  int64_t id = 0;
  int created = 0;
  CHECK_INT(sx_audit(&x, NULL, "badge.award", "user", 1, NULL), 0); /* the business change */
  CHECK_INT(outbox_enqueue(&x, &r, 1000, &id, &created), 0);
  CHECK_INT(created, 1);
  sx_end(&x); /* rolled back: neither is stored */
  arena a;
  arena_init(&a, 0);
  outbox_intent in;
  CHECK_INT(outbox_get_by_key(S, &a, K("rolled-back"), &in), PHEME_DATA_NOT_FOUND);

  REQUIRE(sx_write(S, NULL, &x) == 0);
  CHECK_INT(sx_audit(&x, NULL, "badge.award", "user", 1, NULL), 0);
  CHECK_INT(outbox_enqueue(&x, &r, 1000, &id, &created), 0);
  CHECK_INT(sx_commit(&x), 0);
  sx_end(&x);
  CHECK_INT(outbox_get(S, &a, id, &in), 0);
  CHECK_INT(in.state, OUTBOX_QUEUED);
  CHECK_STR(in.value, "1000000000000000001");
  CHECK_STR(in.kind, "test.transfer");
  CHECK_INT(in.has_to, 1);
  CHECK_MEM(in.to, 20, TO, 20);
  CHECK_INT(in.data_len, 0);
  CHECK_INT(in.has_nonce, 0);
  arena_release(&a);
}

TEST(idempotency_key_gives_the_same_intent) {
  outbox_request r = req(K("once"));
  int64_t id1, id2;
  int c1, c2;
  CHECK_INT(store_outbox_enqueue(S, &r, 1, &id1, &c1), 0);
  /* inside a transaction too: PostgreSQL must not abort it on the duplicate */
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  CHECK_INT(outbox_enqueue(&x, &r, 2, &id2, &c2), 0);
  CHECK_INT(sx_audit(&x, NULL, "after.duplicate", "user", 1, NULL), 0);
  CHECK_INT(sx_commit(&x), 0);
  sx_end(&x);
  CHECK_INT(c1, 1);
  CHECK_INT(c2, 0);
  CHECK_INT(id1, id2);
}

TEST(malformed_requests_are_refused) {
  int64_t id;
  outbox_request r = req(K("bad"));
  r.value = "01";
  CHECK_INT(store_outbox_enqueue(S, &r, 1, &id, NULL), PHEME_DATA_INVALID);
  r.value = "-1";
  CHECK_INT(store_outbox_enqueue(S, &r, 1, &id, NULL), PHEME_DATA_INVALID);
  r = req("");
  CHECK_INT(store_outbox_enqueue(S, &r, 1, &id, NULL), PHEME_DATA_INVALID);
  r = req(K("bad"));
  r.kind = NULL;
  CHECK_INT(store_outbox_enqueue(S, &r, 1, &id, NULL), PHEME_DATA_INVALID);
  r = req(K("max"));
  r.value = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  CHECK_INT(store_outbox_enqueue(S, &r, 1, &id, NULL), 0); /* 2^256 - 1 is exact */
  arena a;
  arena_init(&a, 0);
  outbox_intent in;
  CHECK_INT(outbox_get(S, &a, id, &in), 0);
  CHECK_STR(in.value, r.value);
  arena_release(&a);
}

TEST(one_lease_per_sender_and_it_expires) {
  uint8_t who[20] = {0xaa, 1};
  int held, fresh;
  CHECK_INT(outbox_lease(S, 1, who, "A", 1000, 500, &held, &fresh), 0);
  CHECK(held && fresh);
  CHECK_INT(outbox_lease(S, 1, who, "B", 1200, 500, &held, &fresh), 0);
  CHECK(!held && !fresh);
  CHECK_INT(outbox_lease(S, 1, who, "A", 1400, 500, &held, &fresh), 0); /* renewal */
  CHECK(held && !fresh);
  CHECK_INT(outbox_lease(S, 1, who, "B", 1800, 500, &held, &fresh), 0); /* still A's until 1900 */
  CHECK(!held);
  CHECK_INT(outbox_lease(S, 1, who, "B", 1900, 500, &held, &fresh), 0); /* expired */
  CHECK(held && fresh);
  CHECK_INT(outbox_lease(S, 1, who, "A", 2000, 500, &held, &fresh), 0);
  CHECK(!held);
  /* the same owner that let its lease lapse must reconcile again */
  CHECK_INT(outbox_lease(S, 1, who, "B", 5000, 500, &held, &fresh), 0);
  CHECK(held && fresh);
  CHECK_INT(outbox_lease_release(S, 1, who, "B"), 0);
  CHECK_INT(outbox_lease(S, 1, who, "A", 5001, 500, &held, &fresh), 0);
  CHECK(held && fresh);
}

TEST(nonces_are_fenced_by_the_lease) {
  uint8_t who[20] = {0xbb, 2};
  int held, fresh;
  uint64_t next, nonce;
  CHECK_INT(outbox_lease(S, 1, who, "A", 1000, 500, &held, &fresh), 0);
  CHECK_INT(outbox_nonce_reconcile(S, 1, who, "A", 1000, 7, &next), 0);
  CHECK_INT(next, 7);
  CHECK_INT(outbox_nonce_reconcile(S, 1, who, "A", 1000, 3, &next), 0); /* never lowered */
  CHECK_INT(next, 7);
  CHECK_INT(outbox_nonce_reconcile(S, 1, who, "B", 1000, 9, &next), PHEME_DATA_STATE);
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  CHECK_INT(outbox_nonce_take(&x, 1, who, "A", 1100, &nonce), 0);
  CHECK_INT(nonce, 7);
  CHECK_INT(outbox_nonce_take(&x, 1, who, "A", 1100, &nonce), 0);
  CHECK_INT(nonce, 8);
  CHECK_INT(outbox_nonce_take(&x, 1, who, "B", 1100, &nonce), PHEME_DATA_STATE);
  CHECK_INT(outbox_lease_check(&x, 1, who, "A", 1100), 0);
  CHECK_INT(outbox_lease_check(&x, 1, who, "A", 1600), PHEME_DATA_STATE); /* expired */
  CHECK_INT(outbox_nonce_take(&x, 1, who, "A", 1600, &nonce), PHEME_DATA_STATE);
  CHECK_INT(sx_commit(&x), 0);
  sx_end(&x);
  CHECK_INT(outbox_lease(S, 1, who, "A", 1200, 500, &held, &fresh), 0);
  CHECK_INT(outbox_nonce_reconcile(S, 1, who, "A", 1200, 0, &next), 0);
  CHECK_INT(next, 9);
}

static outbox_attempt attempt(int64_t intent, uint64_t nonce, uint8_t tag) {
  static const uint8_t raw[] = {0x02, 0xf8, 0x01};
  outbox_attempt a = {.intent_id = intent, .nonce = nonce, .raw = raw, .raw_len = sizeof raw,
                      .max_fee = "2000000000", .max_priority_fee = "1000000",
                      .gas_limit = 21000, .signed_by = "A"};
  memset(a.tx_hash, tag, 32);
  return a;
}

TEST(intent_walks_through_its_states) {
  char k[64];
  snprintf(k, sizeof k, "%s", K("walk"));
  outbox_request r = req(k);
  int64_t id, aid;
  CHECK_INT(store_outbox_enqueue(S, &r, 1, &id, NULL), 0);
  arena a;
  arena_init(&a, 0);
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  outbox_attempt a1 = attempt(id, 40, 0x11);
  CHECK_INT(outbox_attempt_add(&x, &a1, 10, &aid), 0);
  outbox_attempt other = attempt(id, 41, 0x12);
  CHECK_INT(outbox_attempt_add(&x, &other, 10, &aid), PHEME_DATA_STATE); /* another nonce */
  CHECK_INT(sx_commit(&x), 0);
  sx_end(&x);
  outbox_intent in;
  CHECK_INT(outbox_get(S, &a, id, &in), 0);
  CHECK_INT(in.state, OUTBOX_SIGNED);
  CHECK_INT(in.has_nonce, 1);
  CHECK_INT(in.nonce, 40);
  CHECK_INT(in.gas_limit, 21000);

  outbox_attempt *at;
  int n;
  CHECK_INT(outbox_attempts(S, &a, id, &at, &n), 0);
  REQUIRE(n == 1);
  CHECK_INT(outbox_attempt_refused(S, at[0].id, "max fee per gas less than block base fee"), 0);
  CHECK_INT(outbox_get(S, &a, id, &in), 0);
  CHECK_INT(in.state, OUTBOX_SIGNED);
  CHECK_INT(outbox_attempt_sent(S, at[0].id, NULL, 20), 0);
  CHECK_INT(outbox_get(S, &a, id, &in), 0);
  CHECK_INT(in.state, OUTBOX_SENT);

  /* a replacement with the same nonce */
  REQUIRE(sx_write(S, NULL, &x) == 0);
  outbox_attempt a2 = attempt(id, 40, 0x22);
  a2.max_fee = "2240000000";
  CHECK_INT(outbox_attempt_add(&x, &a2, 30, &aid), 0);
  CHECK_INT(sx_commit(&x), 0);
  sx_end(&x);
  CHECK_INT(outbox_attempts(S, &a, id, &at, &n), 0);
  REQUIRE(n == 2);
  CHECK_STR(at[0].state, "sent");
  CHECK_STR(at[1].state, "signed");
  CHECK_STR(at[1].max_fee, "2240000000");
  CHECK_INT(at[1].sent_at, 0);

  /* a receipt for the FIRST attempt settles it */
  uint8_t bh[32], unknown[32];
  memset(bh, 0xb1, 32);
  memset(unknown, 0x99, 32);
  CHECK_INT(outbox_mined(S, id, unknown, 5, bh, 1, 21000, 40), PHEME_DATA_STATE);
  CHECK_INT(outbox_mined(S, id, a1.tx_hash, 5, bh, 1, 21000, 40), 0);
  CHECK_INT(outbox_get(S, &a, id, &in), 0);
  CHECK_INT(in.state, OUTBOX_MINED);
  CHECK_MEM(in.tx_hash, 32, a1.tx_hash, 32);
  CHECK_INT(in.block_number, 5);
  CHECK_INT(in.receipt_status, 1);
  CHECK_INT(outbox_attempts(S, &a, id, &at, &n), 0);
  CHECK_STR(at[0].state, "mined");
  CHECK_STR(at[1].state, "replaced");

  /* reorg: back to sent, then mined elsewhere */
  CHECK_INT(outbox_unmined(S, id, 50), 0);
  CHECK_INT(outbox_get(S, &a, id, &in), 0);
  CHECK_INT(in.state, OUTBOX_SENT);
  CHECK_INT(in.has_receipt, 0);
  CHECK_INT(outbox_confirmed(S, id, 55), PHEME_DATA_STATE);
  CHECK_INT(outbox_mined(S, id, a2.tx_hash, 6, bh, 1, 21000, 60), 0);
  CHECK_INT(outbox_confirmed(S, id, 70), 0);
  CHECK_INT(outbox_get(S, &a, id, &in), 0);
  CHECK_INT(in.state, OUTBOX_CONFIRMED);
  CHECK_MEM(in.tx_hash, 32, a2.tx_hash, 32);
  CHECK_INT(outbox_failed(S, id, "late", NULL, NULL, "x", 80), PHEME_DATA_STATE);
  arena_release(&a);
}

TEST(failures_keep_the_decoded_error) {
  outbox_request r = req(K("fails"));
  int64_t id;
  CHECK_INT(store_outbox_enqueue(S, &r, 1, &id, NULL), 0);
  CHECK_INT(outbox_set_gas(S, id, 50000, 2), 0);
  CHECK_INT(outbox_failed(S, id, "estimate_reverted", "ERC20InsufficientBalance",
                          "[\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\",\"0\",\"5\"]",
                          "intent: gas estimate reverts", 3), 0);
  arena a;
  arena_init(&a, 0);
  outbox_intent in;
  CHECK_INT(outbox_get(S, &a, id, &in), 0);
  CHECK_INT(in.state, OUTBOX_FAILED);
  CHECK_STR(in.error_code, "estimate_reverted");
  CHECK_STR(in.error_name, "ERC20InsufficientBalance");
  CHECK(in.error_args && strstr(in.error_args, "\"5\""));
  CHECK_INT(in.gas_limit, 50000);
  CHECK_INT(outbox_set_gas(S, id, 1, 4), PHEME_DATA_STATE);
  arena_release(&a);
}

TEST(open_intents_come_in_nonce_order_then_queue_order) {
  uint8_t who[20] = {0xcc, 3};
  int64_t ids[4];
  for (int i = 0; i < 4; i++) {
    char k[64];
    snprintf(k, sizeof k, "%s-order-%d", backend, i);
    outbox_request r = req(k);
    memcpy(r.sender, who, 20);
    CHECK_INT(store_outbox_enqueue(S, &r, 1, &ids[i], NULL), 0);
  }
  /* intents 2 and 3 get nonces 1 and 0; 0 and 1 stay queued */
  sx x;
  int64_t aid;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  outbox_attempt a2 = attempt(ids[2], 1, 0x31), a3 = attempt(ids[3], 0, 0x32);
  CHECK_INT(outbox_attempt_add(&x, &a2, 5, &aid), 0);
  CHECK_INT(outbox_attempt_add(&x, &a3, 5, &aid), 0);
  CHECK_INT(sx_commit(&x), 0);
  sx_end(&x);
  arena a;
  arena_init(&a, 0);
  outbox_intent *in;
  int n;
  CHECK_INT(outbox_open(S, &a, 31337, who, 10, &in, &n), 0);
  REQUIRE(n == 4);
  CHECK_INT(in[0].id, ids[3]);
  CHECK_INT(in[1].id, ids[2]);
  CHECK_INT(in[2].id, ids[0]);
  CHECK_INT(in[3].id, ids[1]);
  CHECK_INT(outbox_open(S, &a, 31337, who, 2, &in, &n), 0);
  CHECK_INT(n, 2);
  CHECK_INT(outbox_open(S, &a, 1, who, 10, &in, &n), 0); /* another chain */
  CHECK_INT(n, 0);
  arena_release(&a);
}

static void all_tests(void) {
  RUN(intent_commits_or_rolls_back_with_the_business_change);
  RUN(idempotency_key_gives_the_same_intent);
  RUN(malformed_requests_are_refused);
  RUN(one_lease_per_sender_and_it_expires);
  RUN(nonces_are_fenced_by_the_lease);
  RUN(intent_walks_through_its_states);
  RUN(failures_keep_the_decoded_error);
  RUN(open_intents_come_in_nonce_order_then_queue_order);
}

int main(void) { return backends_main("test_txm_outbox", all_tests); }
