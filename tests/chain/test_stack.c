/* The whole local stack through its front door, as `make run` starts it: the real `pheme dev`
 * binary (anvil, the C deployer, on-chain seeding, the server with its indexer and transaction
 * manager) in a temporary directory; then a transaction sent to the chain shows up in the API
 * once indexed, scripts/signin-demo.mjs signs a wallet in and out with viem, and Ctrl-C (SIGINT)
 * stops the server and anvil. */
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anvil.h"
#include "chain/contracts.h"
#include "chain/rpc.h"
#include "core/buf.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "eth/u256.h"
#include "test.h"

/* a demo holder of PHEME that `pheme dev` funds but does not stake with (see dev.c) */
#define HOLDER "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"

static size_t collect(char *p, size_t size, size_t n, void *ud) {
  buf *b = ud;
  return buf_add(b, p, size * n) ? 0 : size * n;
}

/* GETs path from the server; returns the status (0 when nothing answered), body in out. */
static long http_get(int port, const char *path, buf *out) {
  char url[512];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
  buf_clear(out);
  CURL *c = curl_easy_init();
  if (!c) return 0;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  if (buf_add(out, "", 1)) status = 0;
  return status;
}

static json_t *get_json(int port, const char *path) {
  buf b;
  buf_init(&b, 1 << 22);
  json_t *j = NULL;
  if (http_get(port, path, &b) == 200) j = json_loads(b.data, 0, NULL);
  if (!j) fprintf(stderr, "GET %s: %.300s\n", path, b.data ? b.data : "");
  buf_release(&b);
  return j;
}

static void sleep_ms(long ms) { nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL); }

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
  char listen[32], public_url[64], logpath[128];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  snprintf(public_url, sizeof public_url, "http://127.0.0.1:%d", port);
  snprintf(logpath, sizeof logpath, "%s/dev.log", dir);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (chdir(dir) != 0) _exit(126);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    setenv("PHEME_ANVIL", ANVIL_BIN, 1);
    execl(PHEME_BIN, "pheme", "dev", "--listen", listen, "--public-url", public_url, "--web-root", "",
          "--chain-poll-ms", "100", "--rate-limit", "off", (char *)NULL);
    _exit(127);
  }
  /* up: deploy and seed take a few seconds */
  buf b;
  buf_init(&b, 1 << 20);
  int ready = 0;
  for (int i = 0; i < 600 && !ready; i++) {
    ready = http_get(port, "/readyz", &b) == 200;
    if (!ready) sleep_ms(100);
  }
  buf_release(&b);
  if (!ready) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fprintf(stderr, "pheme dev did not become ready; see %s\n", logpath);
  }
  REQUIRE(ready);

  json_t *status = get_json(port, "/api/v1/chain/status");
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
    vals = get_json(port, "/api/v1/validators");
    if (vals && json_array_size(json_object_get(vals, "items")) >= 3) break;
    sleep_ms(100);
  }
  CHECK(vals && json_array_size(json_object_get(vals, "items")) == 3);
  json_decref(vals);

  /* the holder stakes 7 PHEME through the node; the API shows it once indexed */
  json_t *before = get_json(port, "/api/v1/staking/" HOLDER);
  REQUIRE(before);
  CHECK_STR(json_string_value(json_object_get(before, "stake")), "0");
  const char *balance_before = json_string_value(json_object_get(before, "tokenBalance"));
  CHECK(balance_before && strcmp(balance_before, "0") != 0);
  /* the chain's endpoint, as pheme dev printed it */
  char anvil_url[64] = "";
  FILE *lf = fopen(logpath, "r");
  char line[512];
  while (lf && fgets(line, sizeof line, lf)) {
    const char *on = strstr(line, "pheme dev: anvil (pid ");
    if (on && (on = strstr(on, ") on ")) != NULL) sscanf(on + 5, "%63s", anvil_url);
  }
  if (lf) fclose(lf);
  REQUIRE(anvil_url[0]);
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
    json_t *after = get_json(port, "/api/v1/staking/" HOLDER);
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
    props = get_json(port, "/api/v1/governance/proposals");
    if (props && json_array_size(json_object_get(props, "items")) >= 1) break;
    sleep_ms(100);
  }
  json_t *first = json_array_get(json_object_get(props, "items"), 0);
  const char *proposal = json_string_value(json_object_get(first, "id"));
  CHECK(proposal != NULL);
  if (proposal) {
    char path[160];
    snprintf(path, sizeof path, "/api/v1/governance/proposals/%s", proposal);
    json_t *one = get_json(port, path);
    CHECK(one && json_equal(json_object_get(json_object_get(one, "proposal"), "id"), json_object_get(first, "id")));
    CHECK(one && json_is_array(json_object_get(one, "votes")));
    json_decref(one);
  }
  json_decref(props);

  /* a demo person's wallet carries what the chain knows of it */
  json_t *wallet = get_json(port, "/api/v1/wallets/" ANVIL_ADDR1);
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
  kill(pid, SIGINT);
  int wst = 0;
  for (int i = 0; i < 300; i++) {
    if (waitpid(pid, &wst, WNOHANG) == pid) break;
    sleep_ms(100);
  }
  CHECK(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
  FILE *f = fopen(logpath, "r");
  int anvil_stopped = 0;
  while (f && fgets(line, sizeof line, f)) anvil_stopped |= strstr(line, "anvil stopped") != NULL;
  if (f) fclose(f);
  CHECK(anvil_stopped);
}

TEST_MAIN(RUN(pheme_dev_shows_chain_changes_through_the_api))
