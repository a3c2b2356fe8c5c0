/* The whole local stack through its front door, as `make run` starts it: the real `pheme dev`
 * binary (anvil, the C deployer, on-chain seeding, the server with its indexer and transaction
 * manager) in a temporary directory; then a transaction sent to the chain shows up in the API
 * once indexed, scripts/signin-demo.mjs signs a wallet in and out with viem, and Ctrl-C (SIGINT)
 * stops the server and anvil. */
#include <stdlib.h>

#include "anvil.h"
#include "server.h"
#include "chain/contracts.h"
#include "chain/rpc.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "eth/u256.h"
#include "test.h"

/* a demo holder of PHEME that `pheme dev` funds but does not stake with (see dev.c) */
#define HOLDER "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"

/* Sends calldata to `to` from the unlocked dev account `from` and waits for its receipt. */
static int send_tx(rpc_client *rpc, const char *from, const uint8_t to[20], const buf *cd) {
  char to_hex[43], *data = malloc(2 * cd->len + 3), params[8192];
  if (!data) return -1;
  address_format_hex(to_hex, to);
  hex_encode(data, (const uint8_t *)cd->data, cd->len);
  snprintf(params, sizeof params, "[{\"from\":\"%s\",\"to\":\"%s\",\"data\":\"%s\"}]", from, to_hex, data);
  free(data);
  json_t *r = NULL;
  rpc_error e;
  if (rpc_call(rpc, NULL, "eth_sendTransaction", params, &r, &e)) {
    fprintf(stderr, "eth_sendTransaction: %s\n", e.message);
    return -1;
  }
  char q[128];
  snprintf(q, sizeof q, "[\"%s\"]", json_string_value(r));
  json_decref(r);
  for (int i = 0; i < 100; i++) {
    json_t *rc = NULL;
    if (rpc_call(rpc, NULL, "eth_getTransactionReceipt", q, &rc, &e) == 0 && json_is_object(rc)) {
      int ok = strcmp(json_string_value(json_object_get(rc, "status")), "0x1") == 0;
      json_decref(rc);
      return ok ? 0 : -1;
    }
    json_decref(rc);
    sleep_ms(100);
  }
  return -1;
}

static int read_address(json_t *status, const char *name, uint8_t out[20]) {
  json_t *c = json_object_get(json_object_get(json_object_get(status, "manifest"), "contracts"), name);
  const char *s = json_string_value(json_object_get(c, "address"));
  return s ? address_parse_hex(out, s) : -1;
}

TEST(pheme_dev_shows_chain_changes_through_the_api) {
  char dir[] = "/tmp/pheme-stack-XXXXXX";
  REQUIRE(mkdtemp(dir) != NULL);
  int port = local_free_port();
  REQUIRE(port > 0);
  char public_url[64], logpath[128];
  snprintf(public_url, sizeof public_url, "http://127.0.0.1:%d", port);
  snprintf(logpath, sizeof logpath, "%s/dev.log", dir);
  pid_t pid = pheme_dev_start(dir, port, logpath);
  REQUIRE(pid > 0);

  json_t *status = http_json(port, "GET", "/api/v1/chain/status", NULL, NULL, 200);
  REQUIRE(status);
  CHECK(json_is_true(json_object_get(status, "configured")));
  CHECK_INT(json_integer_value(json_object_get(status, "chainId")), ANVIL_CHAIN_ID);
  uint8_t token[20], staking[20];
  CHECK_INT(read_address(status, "PhemeToken", token), 0);
  CHECK_INT(read_address(status, "PhemeStaking", staking), 0);
  char governor_hex[43] = "";
  json_t *gov = json_object_get(json_object_get(json_object_get(status, "manifest"), "contracts"), "PhemeGovernor");
  if (json_string_value(json_object_get(gov, "address")))
    snprintf(governor_hex, sizeof governor_hex, "%s", json_string_value(json_object_get(gov, "address")));
  json_decref(status);

  /* the seeded validator panel, indexed from the chain */
  json_t *vals = NULL;
  for (int i = 0; i < 100; i++) {
    json_decref(vals);
    vals = http_json(port, "GET", "/api/v1/validators", NULL, NULL, 200);
    if (vals && json_array_size(json_object_get(vals, "items")) >= 3) break;
    sleep_ms(100);
  }
  CHECK(vals && json_array_size(json_object_get(vals, "items")) == 3);
  json_decref(vals);

  /* the holder stakes 7 PHEME through the node; the API shows it once indexed */
  json_t *before = http_json(port, "GET", "/api/v1/staking/" HOLDER, NULL, NULL, 200);
  REQUIRE(before);
  CHECK_STR(json_string_value(json_object_get(before, "stake")), "0");
  const char *balance_before = json_string_value(json_object_get(before, "tokenBalance"));
  CHECK(balance_before && strcmp(balance_before, "0") != 0);
  /* the chain's endpoint, as pheme dev printed it */
  char anvil_url[64];
  REQUIRE(pheme_dev_anvil_url(logpath, anvil_url, sizeof anvil_url) == 0);
  const char *eps[] = {anvil_url};
  rpc_client *rpc = rpc_client_new(eps, 1, NULL);
  REQUIRE(rpc);
  uint8_t amount[32];
  pheme_error ee;
  CHECK_INT(u256_parse(amount, "7000000000000000000", 19, 0, &ee), 0);
  buf cd;
  buf_init(&cd, 1 << 16);
  CHECK_INT(ct_PhemeToken_approve(&cd, staking, amount, &ee), 0);
  CHECK_INT(send_tx(rpc, HOLDER, token, &cd), 0);
  buf_clear(&cd);
  CHECK_INT(ct_PhemeStaking_stake(&cd, amount, &ee), 0);
  CHECK_INT(send_tx(rpc, HOLDER, staking, &cd), 0);
  /* a governance proposal by the deployer (who holds most of the supply): delegate to itself,
   * then propose a no-op (a token transfer of 0 by the timelock) */
  uint8_t deployer[20], governor[20];
  REQUIRE(address_parse_hex(deployer, ANVIL_ADDR0) == 0);
  REQUIRE(address_parse_hex(governor, governor_hex) == 0);
  buf_clear(&cd);
  CHECK_INT(ct_PhemeToken_delegate(&cd, deployer, &ee), 0);
  CHECK_INT(send_tx(rpc, ANVIL_ADDR0, token, &cd), 0);
  buf_clear(&cd);
  char token_hex[43];
  address_format_hex(token_hex, token);
  json_t *targets = json_pack("[s]", token_hex), *values = json_pack("[s]", "0"),
         *calls = json_pack("[s]", "0xa9059cbb000000000000000000000000000000000000000000000000000000000000dead0000000000000000000000000000000000000000000000000000000000000000");
  CHECK_INT(ct_PhemeGovernor_propose(&cd, targets, values, calls, "Stack test: a no-op proposal", &ee), 0);
  json_decref(targets);
  json_decref(values);
  json_decref(calls);
  CHECK_INT(send_tx(rpc, ANVIL_ADDR0, governor, &cd), 0);
  buf_release(&cd);
  rpc_client_free(rpc);
  int seen = 0;
  for (int i = 0; i < 100 && !seen; i++) {
    json_t *after = http_json(port, "GET", "/api/v1/staking/" HOLDER, NULL, NULL, 200);
    const char *stake = json_string_value(json_object_get(after, "stake"));
    seen = stake && strcmp(stake, "7000000000000000000") == 0;
    json_decref(after);
    if (!seen) sleep_ms(100);
  }
  CHECK(seen);
  json_decref(before);

  /* the proposal, listed and by id */
  json_t *props = NULL;
  for (int i = 0; i < 100; i++) {
    json_decref(props);
    props = http_json(port, "GET", "/api/v1/governance/proposals", NULL, NULL, 200);
    if (props && json_array_size(json_object_get(props, "items")) >= 1) break;
    sleep_ms(100);
  }
  json_t *first = json_array_get(json_object_get(props, "items"), 0);
  const char *proposal = json_string_value(json_object_get(first, "id"));
  CHECK(proposal != NULL);
  if (proposal) {
    char path[160];
    snprintf(path, sizeof path, "/api/v1/governance/proposals/%s", proposal);
    json_t *one = http_json(port, "GET", path, NULL, NULL, 200);
    CHECK(one && json_equal(json_object_get(json_object_get(one, "proposal"), "id"), json_object_get(first, "id")));
    CHECK(one && json_is_array(json_object_get(one, "votes")));
    json_decref(one);
  }
  json_decref(props);

  /* a demo person's wallet carries what the chain knows of it */
  json_t *wallet = http_json(port, "GET", "/api/v1/wallets/" ANVIL_ADDR1, NULL, NULL, 200);
  json_t *onchain = json_object_get(wallet, "onchain");
  CHECK(json_is_object(onchain));
  CHECK_INT(json_integer_value(json_object_get(onchain, "chainId")), ANVIL_CHAIN_ID);
  CHECK(json_is_object(json_object_get(onchain, "skillWallet")));
  json_decref(wallet);

  /* a wallet signs in, refreshes, links a second wallet and logs out (viem, the documented demo) */
  char cmd[512];
  snprintf(cmd, sizeof cmd, "node " PHEME_SOURCE_DIR "/scripts/signin-demo.mjs %s > %s/signin.log 2>&1",
           public_url, dir);
  int demo = system(cmd);
  if (demo != 0) fprintf(stderr, "scripts/signin-demo.mjs failed (%d); see %s/signin.log\n", demo, dir);
  CHECK_INT(demo, 0);

  /* Ctrl-C: the server stops, then anvil, by its PID */
  int wst = pheme_dev_stop(pid);
  CHECK(wst != -1 && WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
  char line[512];
  FILE *f = fopen(logpath, "r");
  int anvil_stopped = 0;
  while (f && fgets(line, sizeof line, f)) anvil_stopped |= strstr(line, "anvil stopped") != NULL;
  if (f) fclose(f);
  CHECK(anvil_stopped);
}

TEST_MAIN(RUN(pheme_dev_shows_chain_changes_through_the_api))
