/* `pheme dev`'s chain half (src/chain/dev.c) on a real anvil: it starts anvil, deploys with the C
 * deployer, seeds the demo activity (validators staked and registered, PHEME distributed and
 * delegated, Skill Wallets, a badge, a signed reputation round), points the configuration at the
 * chain, and stops anvil by its PID. Runs in a temporary working directory. */
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain/contracts.h"
#include "chain/deploy.h"
#include "chain/dev.h"
#include "core/config.h"
#include "eth/address.h"
#include "eth/u256.h"
#include "test.h"

/* the harness (anvil.h) is not used: dev.c starts its own anvil, ANVIL_BIN via PHEME_ANVIL */
#define ANVIL_CHAIN_ID 31337
#define ANVIL_ADDR1 "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

static int view(rpc_client *rpc, const uint8_t to[20], buf *cd, buf *ret) {
  char err[256];
  buf_clear(ret);
  int rc = deploy_call(rpc, to, (const uint8_t *)cd->data, cd->len, ret, err, sizeof err);
  if (rc) fprintf(stderr, "eth_call: %s\n", err);
  buf_clear(cd);
  return rc;
}

TEST(dev_chain_starts_deploys_seeds_and_stops) {
  char dir[] = "/tmp/pheme-dev-XXXXXX", cwd[1024];
  REQUIRE(mkdtemp(dir) && getcwd(cwd, sizeof cwd));
  REQUIRE(chdir(dir) == 0);
  setenv("PHEME_ANVIL", ANVIL_BIN, 1);
  pheme_config cfg;
  config_init(&cfg);
  dev_chain d;
  char err[512] = "";
  int rc = dev_chain_start(&d, &cfg, stderr, err, sizeof err);
  if (rc) fprintf(stderr, "dev: %s\n", err);
  CHECK_INT(rc, 0);
  if (rc == 0) {
    CHECK(d.node.pid > 0);
    CHECK_INT(d.chain_id, ANVIL_CHAIN_ID);
    CHECK_STR(cfg.chain_rpc, d.node.url);
    CHECK_STR(cfg.database, "sqlite:./data/dev/pheme.db");
    CHECK_INT(cfg.chain_id, ANVIL_CHAIN_ID);
    manifest m;
    CHECK_INT(manifest_load(&m, cfg.chain_manifest, err, sizeof err), 0);
    CHECK(memcmp(&m, &d.m, sizeof m) == 0);

    const char *eps[] = {d.node.url};
    rpc_client *rpc = rpc_client_new(eps, 1, NULL);
    REQUIRE(rpc);
    buf cd, ret;
    buf_init(&cd, 1 << 16);
    buf_init(&ret, 1 << 16);
    /* the validator panel */
    json_t *list = NULL;
    CHECK_INT(ct_ValidatorRegistry_registeredValidators(&cd, NULL), 0);
    CHECK_INT(view(rpc, m.registry, &cd, &ret), 0);
    CHECK_INT(ct_ValidatorRegistry_registeredValidators_result((const uint8_t *)ret.data, ret.len, &list, NULL), 0);
    CHECK_INT(json_array_size(list), 3);
    json_decref(list);
    /* stakes above the minimum */
    uint8_t v1[20], w[32], want[32];
    CHECK_INT(address_parse(v1, ANVIL_ADDR1, strlen(ANVIL_ADDR1), 0, NULL), 0);
    CHECK_INT(ct_PhemeStaking_stakeOf(&cd, v1, NULL), 0);
    CHECK_INT(view(rpc, m.staking, &cd, &ret), 0);
    CHECK_INT(ct_PhemeStaking_stakeOf_result((const uint8_t *)ret.data, ret.len, w, NULL), 0);
    CHECK_INT(u256_parse(want, "20000000000000000000000", 23, 0, NULL), 0);
    CHECK_MEM(w, 32, want, 32);
    /* PHEME delegated: votes of a holder equal its balance */
    uint8_t h[20];
    CHECK_INT(address_parse(h, "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", 42, 0, NULL), 0);
    CHECK_INT(ct_PhemeToken_getVotes(&cd, h, NULL), 0);
    CHECK_INT(view(rpc, m.token, &cd, &ret), 0);
    CHECK_INT(ct_PhemeToken_getVotes_result((const uint8_t *)ret.data, ret.len, w, NULL), 0);
    CHECK_INT(u256_parse(want, "50000000000000000000000", 23, 0, NULL), 0);
    CHECK_MEM(w, 32, want, 32);
    /* the first reputation round is on chain with the demo people's scores */
    uint64_t round = 0;
    CHECK_INT(ct_ReputationOracle_latestRound(&cd, NULL), 0);
    CHECK_INT(view(rpc, m.oracle, &cd, &ret), 0);
    uint8_t r32[32];
    CHECK_INT(ct_ReputationOracle_latestRound_result((const uint8_t *)ret.data, ret.len, r32, NULL), 0);
    CHECK(u256_to_u64(r32, &round));
    CHECK_INT(round, 1);
    CHECK_INT(ct_ReputationOracle_scoreOf(&cd, v1, NULL), 0);
    CHECK_INT(view(rpc, m.oracle, &cd, &ret), 0);
    CHECK_INT(ct_ReputationOracle_scoreOf_result((const uint8_t *)ret.data, ret.len, r32, NULL), 0);
    CHECK_INT(r32[31], 47);
    buf_release(&cd);
    buf_release(&ret);
    rpc_client_free(rpc);

    pid_t pid = d.node.pid;
    dev_chain_stop(&d);
    CHECK_INT(d.node.pid, 0);
    CHECK(kill(pid, 0) != 0); /* stopped and reaped */
  }
  config_release(&cfg);
  CHECK_INT(chdir(cwd), 0);
  char rm[128];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  CHECK_INT(system(rm), 0);
}

TEST_MAIN(RUN(dev_chain_starts_deploys_seeds_and_stops))
