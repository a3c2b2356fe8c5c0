/* The transaction manager against a real anvil: transactions sent from C are mined and counted
 * to their confirmations; a stuck transaction is replaced with bumped fees and only the
 * replacement is mined; a reverting intent ends failed with its custom error decoded through
 * the ABIs; two managers on one key never both send. */
#include <pthread.h>
#include <stdatomic.h>

#include "eth/abi.h"
#include "eth/hex.h"
#include "txm_test.h"

static int64_t state_of(store *s, int64_t id, outbox_intent *out, arena *a) {
  if (outbox_get(s, a, id, out)) return -1;
  return out->state;
}

TEST(transfers_are_mined_and_confirmed) {
  anvil_node *n = txmt_anvil_start(NULL);
  REQUIRE(n); /* automine: each transaction gets its own block */
  char dir[32], url[128];
  store *s = txmt_store_open(dir, url);
  rpc_client *c = txmt_client(n);
  REQUIRE(s && c);
  const char *eps[] = {n->url};
  txm_options o;
  txmt_options(&o, n, eps);
  txm *t = NULL;
  char err[256];
  REQUIRE(txm_new(&t, s, &o, err, sizeof err) == 0);
  char a0[43];
  address_format_hex(a0, txm_sender(t));
  CHECK(strcasecmp(a0, ANVIL_ADDR0) == 0);

  uint8_t to[3][20];
  int64_t id[3];
  const char *amount[3] = {"1000000000000001", "1000000000000002", "1000000000000003"};
  for (int i = 0; i < 3; i++) {
    char key[32];
    snprintf(key, sizeof key, "transfer-%d", i);
    txmt_fresh_address(to[i], "confirm", 1, i);
    /* the first is estimated, the others carry their gas limit */
    CHECK_INT(txmt_enqueue_transfer(s, key, to[i], amount[i], i ? 21000 : 0, &id[i]), 0);
  }
  uint64_t start_nonce = txmt_nonce(c, ANVIL_ADDR0, "latest");
  txm_tick_stats st;
  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(st.lease_held, 1);
  CHECK_INT(st.signed_, 3);
  CHECK_INT(st.broadcast, 3);
  CHECK_INT(txmt_wait_nonce(c, ANVIL_ADDR0, start_nonce + 3), start_nonce + 3);

  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(st.mined, 3);
  /* confirmations 2: the last one's block is the head, so it is mined, not yet confirmed */
  arena a;
  arena_init(&a, 0);
  outbox_intent in;
  CHECK_INT(state_of(s, id[0], &in, &a), OUTBOX_CONFIRMED);
  CHECK_INT(state_of(s, id[1], &in, &a), OUTBOX_CONFIRMED);
  CHECK_INT(state_of(s, id[2], &in, &a), OUTBOX_MINED);
  CHECK_INT(in.receipt_status, 1);
  CHECK_INT(in.nonce, start_nonce + 2);
  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(state_of(s, id[2], &in, &a), OUTBOX_MINED); /* no new block, no new confirmation */
  CHECK_INT(txmt_mine(c), 0);
  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(st.confirmed, 1);
  CHECK_INT(st.open, 0);
  CHECK_INT(state_of(s, id[2], &in, &a), OUTBOX_CONFIRMED);
  CHECK_INT(state_of(s, id[0], &in, &a), OUTBOX_CONFIRMED);
  CHECK(in.gas_limit >= 21000); /* the estimate, with its margin, was stored */

  for (int i = 0; i < 3; i++) CHECK_INT(txmt_balance(c, to[i]), 1000000000000001ULL + (uint64_t)i);
  /* the receipt on chain is the one recorded */
  char h[HEX_LEN(32) + 1];
  hex_encode(h, in.tx_hash, 32);
  json_t *r = txmt_call(c, "eth_getTransactionReceipt", "[\"%s\"]", h);
  CHECK(json_is_object(r));
  json_decref(r);
  /* a quiet tick after everything is settled sends nothing */
  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(st.signed_ + st.broadcast + st.replaced, 0);
  CHECK_INT(txmt_nonce(c, ANVIL_ADDR0, "latest"), start_nonce + 3);
  arena_release(&a);
  txm_free(t);
  rpc_client_free(c);
  txmt_store_close(s, dir);
  anvil_stop(n);
}

TEST(stuck_transaction_is_replaced_and_only_the_replacement_is_mined) {
  anvil_node *n = txmt_anvil_start((const char *[]){"--no-mining", NULL});
  REQUIRE(n);
  char dir[32], url[128];
  store *s = txmt_store_open(dir, url);
  rpc_client *c = txmt_client(n);
  REQUIRE(s && c);
  const char *eps[] = {n->url};
  txm_options o;
  txmt_options(&o, n, eps);
  o.fees.base_fee_pct = 100; /* max fee = the next base fee + tip: no headroom at all */
  o.fees.min_tip_wei = 1;
  o.stuck_after_ms = 1500; /* long enough that the tick right after the block is not late */
  txm *t = NULL;
  char err[256];
  REQUIRE(txm_new(&t, s, &o, err, sizeof err) == 0);
  uint8_t to[20];
  txmt_fresh_address(to, "stuck", 1, 0);
  int64_t id;
  CHECK_INT(txmt_enqueue_transfer(s, "stuck-1", to, "777000000000000", 21000, &id), 0);
  txm_tick_stats st;
  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(st.broadcast, 1);
  arena a;
  arena_init(&a, 0);
  outbox_attempt *at;
  int na;
  REQUIRE(outbox_attempts(s, &a, id, &at, &na) == 0 && na == 1);
  char original[HEX_LEN(32) + 1];
  hex_encode(original, at[0].tx_hash, 32);

  /* the next block's base fee jumps above what the transaction offers: it stays out */
  json_t *r = txmt_call(c, "anvil_setNextBlockBaseFeePerGas", "[\"0x%llx\"]", 20000000000ULL);
  CHECK(r != NULL);
  json_decref(r);
  CHECK_INT(txmt_mine(c), 0);
  r = txmt_call(c, "eth_getTransactionReceipt", "[\"%s\"]", original);
  CHECK(json_is_null(r));
  json_decref(r);

  CHECK_INT(txm_tick(t, &st), 0); /* not yet stuck long enough */
  CHECK_INT(st.replaced, 0);
  nanosleep(&(struct timespec){.tv_sec = 1, .tv_nsec = 600000000}, NULL);
  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(st.replaced, 1);
  CHECK_INT(st.broadcast, 1);
  REQUIRE(outbox_attempts(s, &a, id, &at, &na) == 0 && na == 2);
  CHECK_INT(at[1].nonce, at[0].nonce);
  uint64_t f0 = strtoull(at[0].max_fee, NULL, 10), f1 = strtoull(at[1].max_fee, NULL, 10);
  uint64_t p0 = strtoull(at[0].max_priority_fee, NULL, 10);
  uint64_t p1 = strtoull(at[1].max_priority_fee, NULL, 10);
  CHECK(f1 * 100 >= f0 * 110); /* what nodes ask of a replacement */
  CHECK(p1 * 100 >= p0 * 110);
  CHECK(f1 >= 17500000000ULL); /* and enough for the next base fee (7/8 of 20 gwei) */
  char replacement[HEX_LEN(32) + 1];
  hex_encode(replacement, at[1].tx_hash, 32);

  CHECK_INT(txmt_mine(c), 0);
  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(st.mined, 1);
  CHECK_INT(txmt_mine(c), 0);
  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(st.confirmed, 1);
  outbox_intent in;
  CHECK_INT(state_of(s, id, &in, &a), OUTBOX_CONFIRMED);
  char mined[HEX_LEN(32) + 1];
  CHECK_STR(hex_encode(mined, in.tx_hash, 32), replacement);
  r = txmt_call(c, "eth_getTransactionReceipt", "[\"%s\"]", replacement);
  CHECK(json_is_object(r));
  json_decref(r);
  r = txmt_call(c, "eth_getTransactionReceipt", "[\"%s\"]", original);
  CHECK(json_is_null(r)); /* the original never made it */
  json_decref(r);
  REQUIRE(outbox_attempts(s, &a, id, &at, &na) == 0 && na == 2);
  CHECK_STR(at[0].state, "replaced");
  CHECK_STR(at[1].state, "mined");
  CHECK_INT(txmt_balance(c, to), 777000000000000ULL); /* paid once */
  arena_release(&a);
  txm_free(t);
  rpc_client_free(c);
  txmt_store_close(s, dir);
  anvil_stop(n);
}

/* Deploys PhemeToken from contracts/artifacts with dev account 1 (unlocked), the whole supply
 * going to holder; writes the contract address. Mines a block when automine is off. */
static int deploy_token(rpc_client *c, const char *holder, uint8_t token[20]) {
  json_error_t je;
  json_t *art = json_load_file(PHEME_SOURCE_DIR "/contracts/artifacts/PhemeToken.json", 0, &je);
  const char *code = json_string_value(json_object_get(art, "bytecode"));
  if (!code) return json_decref(art), -1;
  arena a;
  arena_init(&a, 0);
  const abi_type *ctor;
  const char *ct = "(address[],uint256[])";
  buf args;
  buf_init(&args, 1 << 16);
  json_t *v = json_pack("[[s],[s]]", holder, "1000000000000000000000000000");
  int rc = -1;
  if (abi_type_parse(&a, ct, strlen(ct), &ctor, NULL) == 0 && abi_encode(&args, ctor, v, NULL) == 0) {
    char *hex = malloc(strlen(code) + 2 * args.len + 1);
    strcpy(hex, code); /* test code: lengths computed just above */
    bytes_to_hex(hex + strlen(code), (const uint8_t *)args.data, args.len);
    json_t *h = txmt_call(c, "eth_sendTransaction",
                          "[{\"from\":\"%s\",\"data\":\"%s\",\"gas\":\"0x989680\"}]", ANVIL_ADDR1, hex);
    free(hex);
    if (json_is_string(h)) {
      json_t *rc_ = NULL;
      for (int i = 0; i < 100 && !json_is_object(rc_); i++) { /* automine answers at once; be patient */
        json_decref(rc_);
        rc_ = txmt_call(c, "eth_getTransactionReceipt", "[\"%s\"]", json_string_value(h));
        if (!json_is_object(rc_) && txmt_mine(c)) break;
      }
      const char *addr = json_string_value(json_object_get(rc_, "contractAddress"));
      const char *status = json_string_value(json_object_get(rc_, "status"));
      if (addr && status && strcmp(status, "0x1") == 0 && address_parse_hex(token, addr) == 0) rc = 0;
      else fprintf(stderr, "deploy: no successful receipt (status %s)\n", status ? status : "none");
      json_decref(rc_);
    }
    json_decref(h);
  }
  json_decref(v);
  buf_release(&args);
  arena_release(&a);
  json_decref(art);
  return rc;
}

/* Calldata of sig with args (a JSON array, stolen) into out; returns the length, 0 on error. */
static size_t calldata(uint8_t *out, size_t cap, const char *sig, json_t *args) {
  arena a;
  arena_init(&a, 0);
  abi_sig fn;
  buf b;
  buf_init(&b, 4096);
  size_t n = 0;
  if (abi_sig_parse(&a, sig, strlen(sig), &fn, NULL) == 0 && abi_encode_call(&b, &fn, args, NULL) == 0 &&
      b.len <= cap) {
    memcpy(out, b.data, b.len);
    n = b.len;
  }
  json_decref(args);
  buf_release(&b);
  arena_release(&a);
  return n;
}

TEST(reverting_intents_fail_with_the_decoded_custom_error) {
  anvil_node *n = txmt_anvil_start(NULL);
  REQUIRE(n);
  char dir[32], url[128];
  store *s = txmt_store_open(dir, url);
  rpc_client *c = txmt_client(n);
  REQUIRE(s && c);
  uint8_t token[20];
  REQUIRE(deploy_token(c, ANVIL_ADDR1, token) == 0);
  const char *eps[] = {n->url};
  txm_options o;
  txmt_options(&o, n, eps);
  o.confirmations = 1;
  txm *t = NULL;
  char err[256];
  REQUIRE(txm_new(&t, s, &o, err, sizeof err) == 0);

  /* the operator (account 0) holds no tokens: transfer(account 2, 5) reverts with
   * ERC20InsufficientBalance(account 0, 0, 5) */
  uint8_t data[128];
  size_t dl = calldata(data, sizeof data, "transfer(address,uint256)",
                       json_pack("[s,s]", ANVIL_ADDR2, "5"));
  REQUIRE(dl == 68);
  outbox_request rq = {.chain_id = ANVIL_CHAIN_ID, .has_to = 1, .data = data, .data_len = dl,
                       .idempotency_key = "revert-estimated", .kind = "token.transfer"};
  REQUIRE(address_parse_hex(rq.sender, ANVIL_ADDR0) == 0);
  memcpy(rq.to, token, 20);
  int64_t estimated, mined;
  CHECK_INT(store_outbox_enqueue(s, &rq, time_now_ms(), &estimated, NULL), 0);
  rq.idempotency_key = "revert-mined";
  rq.gas_limit = 100000; /* no estimate: the transaction is sent and reverts on chain */
  CHECK_INT(store_outbox_enqueue(s, &rq, time_now_ms(), &mined, NULL), 0);

  uint64_t start_nonce = txmt_nonce(c, ANVIL_ADDR0, "latest");
  txm_tick_stats st;
  for (int i = 0; i < 100; i++) { /* at most ~5 s */
    CHECK_INT(txm_tick(t, &st), 0);
    if (st.open == 0) break;
    nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
  }
  CHECK_INT(st.open, 0);
  arena a;
  arena_init(&a, 0);
  outbox_intent in;
  char want_args[160];
  snprintf(want_args, sizeof want_args, "[\"%s\",\"0\",\"5\"]", ANVIL_ADDR0);

  CHECK_INT(state_of(s, estimated, &in, &a), OUTBOX_FAILED);
  CHECK_STR(in.error_code, "estimate_reverted");
  CHECK_STR(in.error_name, "ERC20InsufficientBalance");
  CHECK_STR(in.error_args, want_args);
  CHECK(in.error_text && strstr(in.error_text, "ERC20InsufficientBalance("));
  CHECK_INT(in.has_nonce, 0); /* never signed: it took no nonce */

  CHECK_INT(state_of(s, mined, &in, &a), OUTBOX_FAILED);
  CHECK_STR(in.error_code, "reverted");
  CHECK_STR(in.error_name, "ERC20InsufficientBalance");
  CHECK_STR(in.error_args, want_args);
  CHECK_INT(in.has_receipt, 1);
  CHECK_INT(in.receipt_status, 0);
  CHECK_INT(in.nonce, start_nonce);
  CHECK(in.error_text && strstr(in.error_text, "reverted in block"));
  /* one transaction went out: the reverted one (a failed transaction still uses its nonce) */
  CHECK_INT(txmt_nonce(c, ANVIL_ADDR0, "latest"), start_nonce + 1);
  arena_release(&a);
  txm_free(t);
  rpc_client_free(c);
  txmt_store_close(s, dir);
  anvil_stop(n);
}


/* An intent whose estimate reverts only because an earlier intent of the sender is not mined yet
 * (transferFrom needing the approval before it) waits for it instead of failing. */
TEST(estimate_waits_for_the_senders_transactions_in_flight) {
  anvil_node *n = txmt_anvil_start((const char *[]){"--no-mining", NULL});
  REQUIRE(n);
  char dir[32], url[128];
  store *s = txmt_store_open(dir, url);
  rpc_client *c = txmt_client(n);
  REQUIRE(s && c);
  uint8_t token[20];
  REQUIRE(deploy_token(c, ANVIL_ADDR0, token) == 0); /* the operator holds the supply */
  const char *eps[] = {n->url};
  txm_options o;
  txmt_options(&o, n, eps);
  o.confirmations = 1;
  txm *t = NULL;
  char err[256];
  REQUIRE(txm_new(&t, s, &o, err, sizeof err) == 0);
  uint8_t approve[128], pull[160];
  size_t al = calldata(approve, sizeof approve, "approve(address,uint256)",
                       json_pack("[s,s]", ANVIL_ADDR0, "5"));
  size_t pl = calldata(pull, sizeof pull, "transferFrom(address,address,uint256)",
                       json_pack("[s,s,s]", ANVIL_ADDR0, ANVIL_ADDR2, "5"));
  REQUIRE(al == 68 && pl == 100);
  outbox_request rq = {.chain_id = ANVIL_CHAIN_ID, .has_to = 1, .data = approve, .data_len = al,
                       .gas_limit = 100000, .idempotency_key = "approve", .kind = "token.approve"};
  REQUIRE(address_parse_hex(rq.sender, ANVIL_ADDR0) == 0);
  memcpy(rq.to, token, 20);
  int64_t first, second;
  CHECK_INT(store_outbox_enqueue(s, &rq, time_now_ms(), &first, NULL), 0);
  rq.data = pull;
  rq.data_len = pl;
  rq.gas_limit = 0; /* estimated: reverts with ERC20InsufficientAllowance until the approval */
  rq.idempotency_key = "transfer-from";
  rq.kind = "token.transferFrom";
  CHECK_INT(store_outbox_enqueue(s, &rq, time_now_ms(), &second, NULL), 0);

  txm_tick_stats st;
  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(st.signed_, 1);
  CHECK_INT(st.failed, 0);
  arena a;
  arena_init(&a, 0);
  outbox_intent in;
  CHECK_INT(state_of(s, second, &in, &a), OUTBOX_QUEUED);
  CHECK_INT(txmt_mine(c), 0); /* the approval is mined */
  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(st.signed_, 1);
  CHECK_INT(txmt_mine(c), 0);
  CHECK_INT(txm_tick(t, &st), 0);
  CHECK_INT(st.open, 0);
  CHECK_INT(state_of(s, first, &in, &a), OUTBOX_CONFIRMED);
  CHECK_INT(state_of(s, second, &in, &a), OUTBOX_CONFIRMED);
  /* the tokens arrived: balanceOf(account 2) == 5 */
  char to[43], data[160];
  address_format_hex(to, token);
  uint8_t holder2[20];
  char holder2_hex[41];
  CHECK_INT(address_parse_hex(holder2, ANVIL_ADDR2), 0);
  bytes_to_hex(holder2_hex, holder2, 20);
  snprintf(data, sizeof data, "0x70a08231000000000000000000000000%s", holder2_hex);
  json_t *r = txmt_call(c, "eth_call", "[{\"to\":\"%s\",\"data\":\"%s\"},\"latest\"]", to, data);
  CHECK(json_is_string(r) && strcmp(json_string_value(r) + strlen(json_string_value(r)) - 2, "05") == 0);
  json_decref(r);
  arena_release(&a);
  txm_free(t);
  rpc_client_free(c);
  txmt_store_close(s, dir);
  anvil_stop(n);
}

typedef struct {
  txm *t;
  store *s;
  int ticks_held;
  atomic_int ticks; /* read by the test while the manager runs */
  volatile int *stop;
} runner;

static void *run_manager(void *arg) {
  runner *r = arg;
  while (!*r->stop) {
    txm_tick_stats st;
    if (txm_tick(r->t, &st) == 0) {
      r->ticks++;
      r->ticks_held += st.lease_held;
    }
    nanosleep(&(struct timespec){.tv_nsec = 5000000}, NULL);
  }
  return NULL;
}

TEST(two_managers_on_one_key_only_one_sends) {
  anvil_node *n = txmt_anvil_start(NULL);
  REQUIRE(n);
  char dir[32], url[128];
  store *s = txmt_store_open(dir, url);
  rpc_client *c = txmt_client(n);
  REQUIRE(s && c);
  const char *eps[] = {n->url};
  txm_options o;
  txmt_options(&o, n, eps);
  o.confirmations = 1;
  char err[256];
  txm *ta = NULL, *tb = NULL;
  o.owner = "alpha";
  REQUIRE(txm_new(&ta, s, &o, err, sizeof err) == 0);
  o.owner = "beta";
  REQUIRE(txm_new(&tb, s, &o, err, sizeof err) == 0);
  enum { N = 6 };
  uint8_t to[N + 2][20];
  int64_t id[N + 2];
  for (int i = 0; i < N; i++) {
    char key[32], val[32];
    snprintf(key, sizeof key, "pair-%d", i);
    snprintf(val, sizeof val, "%d", 5000 + i);
    txmt_fresh_address(to[i], "pair", 1, i);
    CHECK_INT(txmt_enqueue_transfer(s, key, to[i], val, 21000, &id[i]), 0);
  }
  uint64_t start_nonce = txmt_nonce(c, ANVIL_ADDR0, "latest");
  volatile int stop = 0;
  runner ra = {ta, s, 0, 0, &stop}, rb = {tb, s, 0, 0, &stop};
  pthread_t tha, thb;
  REQUIRE(pthread_create(&tha, NULL, run_manager, &ra) == 0);
  REQUIRE(pthread_create(&thb, NULL, run_manager, &rb) == 0);
  arena a;
  arena_init(&a, 0);
  int done = 0;
  for (int w = 0; w < 400 && !done; w++) { /* at most 20 s */
    nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
    outbox_intent *open;
    int nopen;
    arena_clear(&a);
    if (outbox_open(s, &a, ANVIL_CHAIN_ID, txm_sender(ta), 100, &open, &nopen) == 0 && nopen == 0)
      done = 1;
  }
  /* anvil mines at once, so the work may be done before the second manager has ticked 4 times:
   * both keep running (and contending for the lease) until each has, at most 20 s more */
  for (int w = 0; w < 400 && done && (ra.ticks <= 3 || rb.ticks <= 3); w++)
    nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
  stop = 1;
  pthread_join(tha, NULL);
  pthread_join(thb, NULL);
  CHECK(done);
  CHECK(ra.ticks > 3 && rb.ticks > 3); /* both really ran */
  /* exactly one of them held the lease, every time */
  CHECK((ra.ticks_held > 0) != (rb.ticks_held > 0));
  const char *holder = ra.ticks_held ? "alpha" : "beta";
  for (int i = 0; i < N; i++) {
    outbox_intent in;
    CHECK_INT(state_of(s, id[i], &in, &a), OUTBOX_CONFIRMED);
    outbox_attempt *at;
    int na;
    REQUIRE(outbox_attempts(s, &a, id[i], &at, &na) == 0);
    CHECK_INT(na, 1);
    for (int k = 0; k < na; k++) CHECK_STR(at[k].signed_by, holder);
    CHECK_INT(txmt_balance(c, to[i]), 5000 + i);
  }
  CHECK_INT(txmt_nonce(c, ANVIL_ADDR0, "latest"), start_nonce + N);

  /* the holder stops cleanly (giving the lease up); the other takes over at the right nonce */
  txm *holder_t = ra.ticks_held ? ta : tb, *other = ra.ticks_held ? tb : ta;
  txm_free(holder_t);
  for (int i = N; i < N + 2; i++) {
    char key[32];
    snprintf(key, sizeof key, "pair-%d", i);
    txmt_fresh_address(to[i], "pair", 1, i);
    CHECK_INT(txmt_enqueue_transfer(s, key, to[i], "9", 21000, &id[i]), 0);
  }
  txm_tick_stats st;
  CHECK_INT(txm_tick(other, &st), 0);
  CHECK_INT(st.lease_held, 1);
  CHECK_INT(st.signed_, 2);
  CHECK_INT(txmt_wait_nonce(c, ANVIL_ADDR0, start_nonce + N + 2), start_nonce + N + 2);
  CHECK_INT(txm_tick(other, &st), 0);
  CHECK_INT(st.open, 0);
  outbox_intent in;
  CHECK_INT(state_of(s, id[N + 1], &in, &a), OUTBOX_CONFIRMED);
  CHECK_INT(in.nonce, start_nonce + N + 1);
  CHECK_INT(txmt_nonce(c, ANVIL_ADDR0, "latest"), start_nonce + N + 2);
  arena_release(&a);
  txm_free(other);
  rpc_client_free(c);
  txmt_store_close(s, dir);
  anvil_stop(n);
}

TEST(options_and_keys_are_checked) {
  uint8_t key[32];
  char err[256];
  CHECK_INT(txm_key_parse("0x" ANVIL_KEY0, key, err, sizeof err), 0);
  CHECK_INT(txm_key_parse(ANVIL_KEY0 "\n", key, err, sizeof err), 0);
  CHECK_INT(txm_key_parse("abc", key, err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "abc") == NULL);
  CHECK_INT(txm_key_parse(ANVIL_KEY0 "00", key, err, sizeof err), PHEME_SYS_CONFIG);
  char path[] = "/tmp/pheme-txm-key-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  CHECK(write(fd, "  " ANVIL_KEY0 "\n", 67) == 67);
  close(fd);
  char at[64];
  snprintf(at, sizeof at, "@%s", path);
  memset(key, 0, 32);
  CHECK_INT(txm_key_parse(at, key, err, sizeof err), 0);
  uint8_t want[32];
  CHECK_INT(hex_to_bytes(want, ANVIL_KEY0, 32), 0);
  CHECK_MEM(key, 32, want, 32);
  unlink(path);
  CHECK_INT(txm_key_parse("@/nonexistent/key", key, err, sizeof err), PHEME_SYS_CONFIG);

  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  txm_options o;
  chain_endpoints eps_cfg;
  CHECK_INT(txm_options_from_config(&cfg, &o, &eps_cfg, err, sizeof err), PHEME_SYS_CONFIG);
  CHECK_INT(config_set(&cfg, "chain_rpc", "http://127.0.0.1:1, http://127.0.0.1:2", "test", err, sizeof err), 0);
  CHECK_INT(config_set(&cfg, "chain_id", "31337", "test", err, sizeof err), 0);
  CHECK_INT(config_set(&cfg, "chain_operator_key", ANVIL_KEY1, "test", err, sizeof err), 0);
  CHECK_INT(txm_options_from_config(&cfg, &o, &eps_cfg, err, sizeof err), 0);
  CHECK_INT(o.n_endpoints, 2);
  CHECK_STR(o.endpoints[1], "http://127.0.0.1:2");
  CHECK_INT(o.confirmations, 2);
  CHECK_INT(o.stuck_after_ms, 60000);
  config_release(&cfg);

  txm_options_init(&o);
  txm *t = NULL;
  CHECK_INT(txm_new(&t, NULL, &o, err, sizeof err), PHEME_SYS_CONFIG); /* no endpoints */
  const char *eps[] = {"http://127.0.0.1:1"};
  o.endpoints = eps;
  o.n_endpoints = 1;
  o.chain_id = 1;
  CHECK_INT(txm_new(&t, NULL, &o, err, sizeof err), PHEME_SYS_CONFIG); /* zero key */
  CHECK(strstr(err, "operator key") != NULL);
  o.fees.bump_pct = 5;
  CHECK_INT(txm_new(&t, NULL, &o, err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "bump") != NULL);
}

TEST_MAIN(RUN(options_and_keys_are_checked); RUN(transfers_are_mined_and_confirmed);
          RUN(stuck_transaction_is_replaced_and_only_the_replacement_is_mined);
          RUN(reverting_intents_fail_with_the_decoded_custom_error);
          RUN(estimate_waits_for_the_senders_transactions_in_flight);
          RUN(two_managers_on_one_key_only_one_sends))
