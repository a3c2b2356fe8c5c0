/* An admin's slash of a validator, end to end on a real chain: the real `pheme dev` (anvil, the C
 * deployer, the three demo validators staked and registered on chain and in storage, the server
 * with its transaction manager and indexer) in a temporary directory; an admin posts
 * POST /api/v1/admin/validators/:address/slash; the intent goes out through the outbox and the
 * transaction manager as ValidatorRegistry.slash, is mined, and the validator's stake read back
 * from PhemeStaking with eth_call is the seeded stake less the amount. The indexer then shows the
 * slash on GET /api/v1/validators. A slash of an address that is not a validator is refused. */
#include <stdlib.h>
#include <strings.h>

#include "anvil.h"
#include "server.h"
#include "chain/contracts.h"
#include "chain/deploy.h"
#include "chain/rpc.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/u256.h"
#include "test.h"

/* what `pheme dev` stakes for each demo validator (src/chain/dev.c), and what the test takes */
#define SEEDED_STAKE "20000000000000000000000"
#define SLASHED "1500000000000000000000"
#define LEFT "18500000000000000000000"

/* `pheme ARGS` on the dev database under dir; its last line of output in out. */
static int pheme_cli(const char *dir, char *out, size_t cap, const char *args) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "PHEME_DATABASE=sqlite:%s/data/dev/pheme.db %s %s 2>/dev/null", dir, PHEME_BIN, args);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  char line[1024];
  out[0] = 0;
  while (fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = 0;
    if (line[0]) snprintf(out, cap, "%.*s", (int)(cap - 1), line);
  }
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* PhemeStaking.stakeOf(who) read with eth_call, as decimal wei in out; 0 when read. */
static int stake_of(rpc_client *rpc, const uint8_t staking[20], const uint8_t who[20], char *out, size_t cap) {
  buf cd, ret;
  buf_init(&cd, 1 << 12);
  buf_init(&ret, 1 << 12);
  uint8_t w[32];
  char err[256];
  int rc = ct_PhemeStaking_stakeOf(&cd, who, NULL) ||
           deploy_call(rpc, staking, (const uint8_t *)cd.data, cd.len, &ret, err, sizeof err) ||
           ct_PhemeStaking_stakeOf_result((const uint8_t *)ret.data, ret.len, w, NULL);
  char dec[U256_DEC_MAX];
  if (!rc) snprintf(out, cap, "%s", u256_to_dec(dec, w));
  buf_release(&cd);
  buf_release(&ret);
  return rc ? -1 : 0;
}

/* The "slashed" amount GET /api/v1/validators shows for address (lower-case hex), or "". */
static void indexed_slash(int port, const char *address, char *out, size_t cap) {
  out[0] = 0;
  json_t *vals = http_json(port, "GET", "/api/v1/validators", NULL, NULL, 200);
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(vals, "items"), i, v) {
    const char *a = json_string_value(json_object_get(v, "address"));
    const char *s = json_string_value(json_object_get(v, "slashed"));
    if (a && s && strcasecmp(a, address) == 0) snprintf(out, cap, "%s", s);
  }
  json_decref(vals);
}

TEST(an_admins_slash_is_mined_and_the_stake_read_back_on_chain) {
  char dir[] = "/tmp/pheme-slash-XXXXXX";
  REQUIRE(mkdtemp(dir) != NULL);
  int port = local_free_port();
  REQUIRE(port > 0);
  char logpath[128];
  snprintf(logpath, sizeof logpath, "%s/dev.log", dir);
  pid_t pid = pheme_dev_start(dir, port, logpath);
  REQUIRE(pid > 0);

  /* the staking contract and the chain's endpoint, as pheme dev set them up */
  json_t *status = http_json(port, "GET", "/api/v1/chain/status", NULL, NULL, 200);
  REQUIRE(status);
  const char *staking_hex = json_string_value(json_object_get(
      json_object_get(json_object_get(json_object_get(status, "manifest"), "contracts"), "PhemeStaking"), "address"));
  uint8_t staking[20], v1[20];
  REQUIRE(staking_hex && address_parse_hex(staking, staking_hex) == 0);
  json_decref(status);
  REQUIRE(address_parse_hex(v1, ANVIL_ADDR1) == 0);
  char anvil_url[64];
  REQUIRE(pheme_dev_anvil_url(logpath, anvil_url, sizeof anvil_url) == 0);
  const char *eps[] = {anvil_url};
  rpc_client *rpc = rpc_client_new(eps, 1, NULL);
  REQUIRE(rpc);
  char stake[80];
  CHECK_INT(stake_of(rpc, staking, v1, stake, sizeof stake), 0);
  CHECK_STR(stake, SEEDED_STAKE);

  /* an admin slashes the first demo validator; the answer is the queued intent */
  char admin[120];
  CHECK_INT(pheme_cli(dir, admin, sizeof admin, "key create --role admin --owner 0x00000000000000000000000000000000000000ad"), 0);
  REQUIRE(admin[0]);
  json_t *rq = http_json(port, "POST", "/api/v1/admin/validators/" ANVIL_ADDR1 "/slash", admin,
                         "{\"amount\":\"" SLASHED "\",\"burn\":true,\"reason\":\"chain test: outlier\"}", 202);
  REQUIRE(rq);
  CHECK(json_integer_value(json_object_get(rq, "intentId")) > 0);
  CHECK_STR(json_string_value(json_object_get(rq, "kind")), "validator.slash");
  json_decref(rq);
  /* mined by the server's transaction manager: the stake on chain is the seeded one less the slash */
  int mined = 0;
  for (int i = 0; i < 600 && !mined; i++) {
    mined = stake_of(rpc, staking, v1, stake, sizeof stake) == 0 && strcmp(stake, LEFT) == 0;
    if (!mined) sleep_ms(100);
  }
  CHECK(mined);
  CHECK_STR(stake, LEFT);
  /* the indexer brings the slash back to the API */
  char slashed[80] = "";
  for (int i = 0; i < 300 && strcmp(slashed, SLASHED) != 0; i++) {
    indexed_slash(port, ANVIL_ADDR1, slashed, sizeof slashed);
    if (strcmp(slashed, SLASHED) != 0) sleep_ms(100);
  }
  CHECK_STR(slashed, SLASHED);
  /* another validator's stake did not move */
  uint8_t v2[20];
  REQUIRE(address_parse_hex(v2, ANVIL_ADDR2) == 0);
  CHECK_INT(stake_of(rpc, staking, v2, stake, sizeof stake), 0);
  CHECK_STR(stake, SEEDED_STAKE);
  /* an address that is no validator is refused before anything is sent */
  buf nb;
  buf_init(&nb, 1 << 16);
  CHECK_INT(http(port, "POST", "/api/v1/admin/validators/0x00000000000000000000000000000000000000ad/slash", admin,
                 "{\"amount\":\"1\",\"burn\":true,\"reason\":\"nobody\"}", &nb),
            404);
  buf_release(&nb);
  rpc_client_free(rpc);

  int wst = pheme_dev_stop(pid);
  CHECK(wst != -1 && WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
  if (test__failed_checks) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "grep -E '\"level\":\"(warn|error)\"' %s >&2", logpath);
    if (system(cmd) < 0) fprintf(stderr, "could not read %s\n", logpath);
  }
}

TEST_MAIN(RUN(an_admins_slash_is_mined_and_the_stake_read_back_on_chain))
