/* `pheme dev`'s chain (dev.h): anvil as a child process, the suite deployed by the C deployer,
 * and demo activity on it — PHEME distributed to the demo accounts and delegated, a validator
 * panel staked and registered, Skill Wallets, a badge, and a first reputation round signed by the
 * oracle's validator — all sent through the deployer's sender, so `pheme dev` exercises the same
 * signing path as `pheme chain deploy`. */
#include "chain/dev.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chain/contracts.h"
#include "chain/deploy.h"
#include "eth/address.h"
#include "eth/eip712.h"
#include "eth/hex.h"
#include "eth/keccak.h"
#include "eth/secp.h"
#include "eth/u256.h"

#include "core/banned.h"

#define DEFAULT_DATABASE "sqlite:./data/pheme.db"
#define DEV_DIR "data/dev"
#define DEV_DATABASE "sqlite:./" DEV_DIR "/pheme.db"

const char *const dev_account_keys[DEV_ACCOUNTS] = {
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
};
const char *const dev_account_roles[DEV_ACCOUNTS] = {
    "operator: deployer, relayer, oracle validator; demo creator",
    "demo person; validator (technical)",
    "demo person; validator (technical, creative)",
    "validator (business)",
    "holder of PHEME",
    "holder of PHEME",
};

#define PHEME_WEI(n) n "000000000000000000"


static void key_of(uint8_t key[32], int i) {
  if (hex_decode(key, 32, NULL, dev_account_keys[i], strlen(dev_account_keys[i]), HEX_EXACT, NULL))
    PHEME_BUG("dev key %d", i);
}

static void addr_of(uint8_t a[20], int i) {
  uint8_t key[32];
  key_of(key, i);
  if (secp_address(a, key, NULL)) PHEME_BUG("dev key %d", i);
}

/* ---- anvil ---- */

void dev_chain_stop(dev_chain *d) { local_node_stop(&d->node); }

/* ---- seeding ---- */

typedef struct {
  rpc_client *rpc;
  const manifest *m;
  FILE *log;
  char *err;
  size_t errlen;
  int sent;
} seeder;

/* Sends calldata from dev account i to `to`. */
static pheme_err send_as(seeder *s, int i, const char *what, const uint8_t to[20], buf *calldata) {
  uint8_t key[32];
  key_of(key, i);
  deploy_sender snd;
  pheme_err rc = deploy_sender_init(&snd, s->rpc, key, s->err, s->errlen);
  if (!rc) rc = deploy_send(&snd, what, to, NULL, (const uint8_t *)calldata->data, calldata->len, NULL, s->err, s->errlen);
  if (!rc) s->sent++;
  deploy_sender_release(&snd);
  buf_clear(calldata);
  return rc;
}

static pheme_err encoded(seeder *s, const char *what, pheme_err e, const pheme_error *ee) {
  if (e) pheme_fail(e, s->err, s->errlen, "%s: %s", what, ee->msg);
  return e;
}

static void score_leaf(uint8_t out[32], const uint8_t who[20], unsigned score) {
  uint8_t enc[64] = {0}, inner[32];
  memcpy(enc + 12, who, 20);
  enc[63] = (uint8_t)score;
  keccak_256(inner, enc, 64);
  keccak_256(out, inner, 32);
}

static void hash_pair(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]) {
  uint8_t both[64];
  int order = memcmp(a, b, 32) <= 0;
  memcpy(both, order ? a : b, 32);
  memcpy(both + 32, order ? b : a, 32);
  keccak_256(out, both, 64);
}

/* The first reputation round: demo people 0..2 with scores, signed by the oracle's one validator
 * (the operator, threshold 1), leaves per contracts/signing.json's scoreLeaf. */
static pheme_err seed_round(seeder *s) {
  static const unsigned scores[3] = {64, 47, 71};
  uint8_t who[3][20];
  unsigned sc[3];
  for (int i = 0; i < 3; i++) addr_of(who[i], i), sc[i] = scores[i];
  /* users strictly increasing by address */
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (memcmp(who[j], who[i], 20) < 0) {
        uint8_t t[20];
        memcpy(t, who[i], 20), memcpy(who[i], who[j], 20), memcpy(who[j], t, 20);
        unsigned u = sc[i];
        sc[i] = sc[j], sc[j] = u;
      }
  uint8_t l[3][32], n01[32], root[32];
  for (int i = 0; i < 3; i++) score_leaf(l[i], who[i], sc[i]);
  hash_pair(n01, l[0], l[1]);
  hash_pair(root, n01, l[2]);

  char rh[HEX_LEN(32) + 1], a[3][ADDRESS_TEXT];
  hex_encode(rh, root, 32);
  for (int i = 0; i < 3; i++) address_to_checksum(a[i], who[i]);
  json_t *users = json_pack("[sss]", a[0], a[1], a[2]);
  json_t *scs = json_pack("[iii]", (int)sc[0], (int)sc[1], (int)sc[2]);
  char ca[ADDRESS_TEXT];
  json_t *typed = json_pack(
      "{s:{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]},s:s,s:{s:s,s:s,s:I,s:s},s:{s:s,s:s,s:O,s:O}}", "types",
      "Round", "name", "round", "type", "uint256", "name", "root", "type", "bytes32", "name", "users", "type",
      "address[]", "name", "scores", "type", "uint8[]", "primaryType", "Round", "domain", "name",
      "PhemeReputationOracle", "version", "1", "chainId", (json_int_t)s->m->chain_id, "verifyingContract",
      address_to_checksum(ca, s->m->oracle), "message", "round", "1", "root", rh, "users", users, "scores", scs);
  uint8_t digest[32], sig[65], key[32];
  pheme_error ee;
  pheme_err rc;
  buf cd;
  buf_init(&cd, 1 << 16);
  key_of(key, 0);
  if (!typed || !users || !scs) {
    rc = pheme_fail(PHEME_SYS_NOMEM, s->err, s->errlen, "reputation round: out of memory");
  } else if ((rc = eip712_hash(digest, typed, &ee)) || (rc = secp_sign(sig, digest, key, &ee))) {
    pheme_fail(rc, s->err, s->errlen, "reputation round: %s", ee.msg);
  } else {
    secp_v_to_27(sig);
    char sh[HEX_LEN(65) + 1];
    json_t *sigs = json_pack("[s]", hex_encode(sh, sig, 65));
    uint8_t one[32];
    u256_from_u64(one, 1);
    rc = encoded(s, "submitRound", ct_ReputationOracle_submitRound(&cd, one, root, users, scs, sigs, &ee), &ee);
    if (!rc) rc = send_as(s, 0, "ReputationOracle.submitRound(1)", s->m->oracle, &cd);
    json_decref(sigs);
  }
  json_decref(typed);
  json_decref(users);
  json_decref(scs);
  buf_release(&cd);
  return rc;
}

static pheme_err seed(seeder *s) {
  const manifest *m = s->m;
  buf cd;
  buf_init(&cd, 1 << 16);
  pheme_error ee;
  uint8_t w[32], who[20];
  char what[160];
  pheme_err rc;

  /* PHEME for everyone, and each account's votes delegated to itself */
  if (u256_parse(w, PHEME_WEI("50000"), strlen(PHEME_WEI("50000")), 0, NULL)) PHEME_BUG("amount");
  for (int i = 1; i < DEV_ACCOUNTS; i++) {
    addr_of(who, i);
    snprintf(what, sizeof what, "PhemeToken.transfer(account %d, 50000 PHEME)", i);
    if ((rc = encoded(s, what, ct_PhemeToken_transfer(&cd, who, w, &ee), &ee)) || (rc = send_as(s, 0, what, m->token, &cd))) goto out;
  }
  for (int i = 0; i < DEV_ACCOUNTS; i++) {
    addr_of(who, i);
    snprintf(what, sizeof what, "PhemeToken.delegate(self) by account %d", i);
    if ((rc = encoded(s, what, ct_PhemeToken_delegate(&cd, who, &ee), &ee)) || (rc = send_as(s, i, what, m->token, &cd))) goto out;
  }

  /* the validator panel: accounts 1..3 stake 20,000 PHEME (the minimum is 10,000) and register */
  static const char *const domains[3][3] = {{"technical"}, {"technical", "creative"}, {"business"}};
  if (u256_parse(w, PHEME_WEI("20000"), strlen(PHEME_WEI("20000")), 0, NULL)) PHEME_BUG("amount");
  for (int i = 1; i <= 3; i++) {
    snprintf(what, sizeof what, "validator %d: approve, stake 20000 PHEME, register", i);
    if ((rc = encoded(s, what, ct_PhemeToken_approve(&cd, m->staking, w, &ee), &ee)) || (rc = send_as(s, i, what, m->token, &cd)) ||
        (rc = encoded(s, what, ct_PhemeStaking_stake(&cd, w, &ee), &ee)) || (rc = send_as(s, i, what, m->staking, &cd)))
      goto out;
    json_t *list = json_array();
    for (int k = 0; k < 3 && domains[i - 1][k]; k++) {
      uint8_t h[32];
      char hh[HEX_LEN(32) + 1];
      keccak_256(h, domains[i - 1][k], strlen(domains[i - 1][k]));
      json_array_append_new(list, json_string(hex_encode(hh, h, 32)));
    }
    pheme_err e = list ? ct_ValidatorRegistry_register(&cd, list, &ee) : PHEME_SYS_NOMEM;
    json_decref(list);
    if ((rc = encoded(s, what, e, &ee)) || (rc = send_as(s, i, what, m->registry, &cd))) goto out;
  }

  /* Skill Wallets for the demo people, a badge type and one award. The type's id is far above
   * the store's: the store's badge types are defined on chain under their own ids (1, 2, … by the
   * game's reconciler), and a demo type 1 made here collided with the first of them, whose
   * definition then reverted (BadgeTypeExists). */
  for (int i = 0; i < 3; i++) {
    addr_of(who, i);
    snprintf(what, sizeof what, "SkillWallet.mintFor(account %d)", i);
    if ((rc = encoded(s, what, ct_SkillWallet_mintFor(&cd, who, &ee), &ee)) || (rc = send_as(s, 0, what, m->skill_wallet, &cd)))
      goto out;
  }
  uint8_t id[32], one[32];
  u256_from_u64(id, DEV_DEMO_BADGE_ID);
  u256_from_u64(one, 1);
  addr_of(who, 1);
  if ((rc = encoded(s, "createBadgeType",
                    ct_PhemeBadges_createBadgeType(&cd, id, 0, 1, 0, 0, "pheme://badges/dev-demo", &ee), &ee)) ||
      (rc = send_as(s, 0, "PhemeBadges.createBadgeType(dev demo, COMMON, soulbound)", m->badges, &cd)) ||
      (rc = encoded(s, "mint", ct_PhemeBadges_mint(&cd, who, id, one, &ee), &ee)) ||
      (rc = send_as(s, 0, "PhemeBadges.mint(account 1, dev demo badge)", m->badges, &cd)))
    goto out;

  rc = seed_round(s);
out:
  buf_release(&cd);
  return rc;
}

/* ---- configuration ---- */

static int set_string(char **slot, const char *value) {
  char *copy = strdup(value);
  if (!copy) return -1;
  free(*slot);
  *slot = copy;
  return 0;
}

static void remove_database_files(const char *path) {
  static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
  for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
    char p[512];
    snprintf(p, sizeof p, "%s%s", path, suffix[i]);
    unlink(p);
  }
}

pheme_err dev_chain_start(dev_chain *d, pheme_config *cfg, FILE *log, char *err, size_t errlen) {
  memset(d, 0, sizeof *d);
  mkdir("data", 0755);
  if (mkdir(DEV_DIR, 0755) && errno != EEXIST)
    return pheme_fail(PHEME_SYS_IO, err, errlen, "cannot make '%s': %s", DEV_DIR, strerror(errno));
  /* 8545, the port wallets expect of a local chain, when it is free */
  PHEME_TRY(local_node_start(&d->node, NULL, 8545, NULL, err, errlen));
  fprintf(log, "pheme dev: anvil (pid %ld) on %s\n", (long)d->node.pid, d->node.url);
  fflush(log);

  const char *eps[] = {d->node.url};
  rpc_client *rpc = rpc_client_new(eps, 1, NULL);
  uint8_t key[32];
  key_of(key, 0);
  deploy_sender s;
  deploy_config dc;
  deploy_config_init(&dc);
  /* the deployer's environment (PHEME_VOTING_DELAY, ...; chain/deploy.h) holds here too: the web
   * app's chain suite opens a proposal for voting in seconds instead of 7200 blocks */
  pheme_err rc = deploy_config_from_env(&dc, err, errlen);
  if (rc) goto out;
  if (!rpc) {
    rc = pheme_fail(PHEME_SYS_NOMEM, err, errlen, "no RPC client for %s", d->node.url);
    goto out;
  }
  if ((rc = deploy_sender_init(&s, rpc, key, err, errlen))) goto out;
  d->chain_id = s.chain_id;
  rc = deploy_suite(&s, &dc, &d->m, err, errlen);
  deploy_sender_release(&s);
  if (rc) goto out;
  snprintf(d->manifest_path, sizeof d->manifest_path, DEV_DIR "/deployments-%" PRIu64 ".json", d->chain_id);
  if ((rc = manifest_save(&d->m, d->manifest_path, err, errlen))) goto out;
  fprintf(log, "pheme dev: suite deployed by the C deployer; manifest %s\n", d->manifest_path);
  fflush(log);
  seeder sd = {rpc, &d->m, log, err, errlen, 0};
  if ((rc = seed(&sd))) goto out;
  fprintf(log, "pheme dev: demo activity seeded on chain (%d transactions)\n", sd.sent);
  /* from now on a block every second, so confirmations and the indexer move without traffic */
  json_t *res = NULL;
  rpc_error re;
  if (rpc_call(rpc, NULL, "evm_setIntervalMining", "[1]", &res, &re) == PHEME_OK) json_decref(res);

  char id[24], hexkey[80];
  snprintf(id, sizeof id, "%" PRIu64, d->chain_id);
  snprintf(hexkey, sizeof hexkey, "%s", dev_account_keys[0]);
  if (set_string(&cfg->chain_rpc, d->node.url) || set_string(&cfg->chain_manifest, d->manifest_path) ||
      set_string(&cfg->chain_operator_key, hexkey)) {
    rc = pheme_fail(PHEME_SYS_NOMEM, err, errlen, "out of memory");
    goto out;
  }
  cfg->chain_id = (long long)d->chain_id;
  if (!cfg->database || strcmp(cfg->database, DEFAULT_DATABASE) == 0) {
    remove_database_files(DEV_DIR "/pheme.db");
    if (set_string(&cfg->database, DEV_DATABASE)) {
      rc = pheme_fail(PHEME_SYS_NOMEM, err, errlen, "out of memory");
      goto out;
    }
    fprintf(log, "pheme dev: fresh database %s (a new chain each run)\n", DEV_DATABASE);
  }
  rc = PHEME_OK;
out:
  rpc_client_free(rpc);
  volatile uint8_t *k = key;
  for (size_t i = 0; i < sizeof key; i++) k[i] = 0;
  if (rc) dev_chain_stop(d);
  return rc;
}

void dev_chain_print(const dev_chain *d, FILE *out) {
  char a[ADDRESS_TEXT];
  fprintf(out, "\nLocal chain: id %" PRIu64 ", RPC %s (anvil, pid %ld)\n", d->chain_id, d->node.url, (long)d->node.pid);
  fprintf(out, "Contracts (%s):\n", d->manifest_path);
  for (size_t i = 0; i < manifest_field_count; i++)
    if (strcmp(manifest_fields[i].section, "contracts") == 0)
      fprintf(out, "  %-19s %s\n", manifest_fields[i].key, address_to_checksum(a, manifest_address(&d->m, &manifest_fields[i])));
  fprintf(out, "Funded demo accounts (anvil's public development keys: local use only):\n");
  for (int i = 0; i < DEV_ACCOUNTS; i++) {
    uint8_t who[20];
    addr_of(who, i);
    fprintf(out, "  %s  key %s  %s\n", address_to_checksum(a, who), dev_account_keys[i], dev_account_roles[i]);
  }
  fputc('\n', out);
  fflush(out);
}
