/* The indexer on a real anvil with the suite deployed: every kind of event the server's views
 * need (tokens, delegation, staking, the validator registry, Skill Wallets and skills,
 * endorsements, badges and revocations, reward epochs and claims, an oracle round signed per
 * contracts/signing.json, a proposal and a vote) is emitted by real transactions, indexed, and
 * checked through the store's projections;
 * the result equals a fresh index of the same chain; every log of the suite's contracts is
 * stored once; a second indexer on the same database stands by while the first holds the lease. */
#include "test_indexer_suite.h"
#include "eth/eip712.h"
#include "eth/keccak.h"
#include "eth/secp.h"

#define A0 ANVIL_ADDR0
#define A1 ANVIL_ADDR1
#define E23 "100000000000000000000000"  /* 100,000 tokens */
#define E22x2 "20000000000000000000000" /* 20,000 */
#define E21 "1000000000000000000000"    /* 1,000 */

/* keccak256(bytes.concat(keccak256(abi.encode(account, amount)))): the distributor's leaf */
static void reward_leaf(const char *account, const char *amount, char out[67]) {
  arena a;
  arena_init(&a, 0);
  const abi_type *t;
  pheme_error err;
  buf b;
  buf_init(&b, 256);
  json_t *v = json_pack("[s,s]", account, amount);
  uint8_t h[32], leaf[32];
  if (abi_type_parse(&a, "(address,uint256)", 17, &t, &err) || abi_encode(&b, t, v, &err))
    memset(h, 0, 32);
  else
    keccak_256(h, b.data, b.len);
  keccak_256(leaf, h, 32);
  out[0] = '0';
  out[1] = 'x';
  bytes_to_hex(out + 2, leaf, 32);
  json_decref(v);
  buf_release(&b);
  arena_release(&a);
}

/* An oracle round (round 1: ANVIL_ADDR1 scores 42) signed by the relayer, the deployment's only
 * oracle validator (threshold 1), per contracts/signing.json "oracleRound". Returns the
 * submitRound arguments as JSON text in out, or -1. */
static int oracle_round(suite *s, char *out, size_t cap) {
  char oracle[43];
  suite_addr(s, CC_ORACLE, oracle);
  const char *root = "0x1111111111111111111111111111111111111111111111111111111111111111";
  json_t *typed = json_pack(
      "{s:{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}],s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]},"
      "s:s,s:{s:s,s:s,s:i,s:s},s:{s:s,s:s,s:[s],s:[i]}}",
      "types", "EIP712Domain", "name", "name", "type", "string", "name", "version", "type", "string",
      "name", "chainId", "type", "uint256", "name", "verifyingContract", "type", "address", "Round",
      "name", "round", "type", "uint256", "name", "root", "type", "bytes32", "name", "users", "type",
      "address[]", "name", "scores", "type", "uint8[]", "primaryType", "Round", "domain", "name",
      "PhemeReputationOracle", "version", "1", "chainId", ANVIL_CHAIN_ID, "verifyingContract", oracle,
      "message", "round", "1", "root", root, "users", A1, "scores", 42);
  uint8_t digest[32], key[32], sig[SECP_SIG_LEN];
  pheme_error err;
  int bad = !typed || eip712_hash(digest, typed, &err) || hex_to_bytes(key, ANVIL_KEY0, 32) ||
            secp_sign(sig, digest, key, &err);
  json_decref(typed);
  if (bad) return -1;
  secp_v_to_27(sig);
  char hex[2 * SECP_SIG_LEN + 1];
  bytes_to_hex(hex, sig, SECP_SIG_LEN);
  snprintf(out, cap, "[\"1\",\"%s\",[\"%s\"],[42],[\"0x%s\"]]", root, A1, hex);
  return 0;
}

TEST(indexes_every_kind_of_event) {
  suite s;
  REQUIRE(suite_start(&s) == 0);
  char staking[43], distributor[43], token[43], l0[43], l1[43], leaf[67], args[600];
  suite_addr(&s, CC_STAKING, staking);
  suite_addr(&s, CC_DISTRIBUTOR, distributor);
  suite_addr(&s, CC_TOKEN, token);
  suite_lower(A0, l0);
  suite_lower(A1, l1);
  /* tokens, delegation, staking, the validator registry */
  snprintf(args, sizeof args, "[\"%s\",\"%s\"]", A1, E23);
  CHECK(suite_tx(&s, A0, CC_TOKEN, "transfer(address,uint256)", args) == 0);
  snprintf(args, sizeof args, "[\"%s\"]", A0);
  CHECK(suite_tx(&s, A0, CC_TOKEN, "delegate(address)", args) == 0);
  snprintf(args, sizeof args, "[\"%s\",\"%s\"]", staking, E23);
  CHECK(suite_tx(&s, A0, CC_TOKEN, "approve(address,uint256)", args) == 0);
  CHECK(suite_tx(&s, A0, CC_STAKING, "stake(uint256)", "[\"" E22x2 "\"]") == 0);
  CHECK(suite_tx(&s, A0, CC_REGISTRY, "register(bytes32[])",
                 "[[\"0x7465636800000000000000000000000000000000000000000000000000000000\"]]") == 0);
  CHECK(suite_tx(&s, A0, CC_STAKING, "requestUnstake(uint256)", "[\"" E21 "\"]") == 0);
  /* Skill Wallets, skills, endorsements */
  CHECK(suite_tx(&s, A0, CC_SKILL_WALLET, "defineSkill(uint32,string)", "[1,\"solidity\"]") == 0);
  snprintf(args, sizeof args, "[\"%s\"]", A1);
  CHECK(suite_tx(&s, A0, CC_SKILL_WALLET, "mintFor(address)", args) == 0); /* token 1 */
  CHECK(suite_tx(&s, A0, CC_SKILL_WALLET, "mint()", "[]") == 0);           /* token 2 */
  CHECK(suite_tx(&s, A0, CC_SKILL_WALLET, "recordProgress((uint256,uint32,uint8,uint128)[])",
                 "[[[\"1\",1,5,\"1200\"]]]") == 0);
  snprintf(args, sizeof args, "[\"%s\",1]", A1);
  CHECK(suite_tx(&s, A0, CC_SKILL_WALLET, "endorse(address,uint32)", args) == 0);
  /* badges: a type, a mint, a revocation */
  CHECK(suite_tx(&s, A0, CC_BADGES, "createBadgeType(uint256,uint8,bool,uint64,uint64,string)",
                 "[\"7\",1,true,\"100\",\"0\",\"ipfs://badge7\"]") == 0);
  snprintf(args, sizeof args, "[\"%s\",\"7\",\"2\"]", A1);
  CHECK(suite_tx(&s, A0, CC_BADGES, "mint(address,uint256,uint256)", args) == 0);
  snprintf(args, sizeof args, "[\"%s\",\"7\",\"1\",\"copied work\"]", A1);
  CHECK(suite_tx(&s, A0, CC_BADGES, "revoke(address,uint256,uint256,string)", args) == 0);
  /* a reward epoch and a claim (one leaf: the root is the leaf, the proof empty) */
  snprintf(args, sizeof args, "[\"%s\",\"5000\"]", distributor);
  CHECK(suite_tx(&s, A0, CC_TOKEN, "transfer(address,uint256)", args) == 0);
  reward_leaf(A1, "500", leaf);
  snprintf(args, sizeof args, "[\"1\",\"%s\",\"500\"]", leaf);
  CHECK(suite_tx(&s, A0, CC_DISTRIBUTOR, "publishRoot(uint256,bytes32,uint256)", args) == 0);
  snprintf(args, sizeof args, "[\"1\",\"%s\",\"500\",[]]", A1);
  CHECK(suite_tx(&s, A1, CC_DISTRIBUTOR, "claim(uint256,address,uint256,bytes32[])", args) == 0);
  /* a reputation round */
  REQUIRE(oracle_round(&s, args, sizeof args) == 0);
  CHECK(suite_tx(&s, A0, CC_ORACLE, "submitRound(uint256,bytes32,address[],uint8[],bytes[])", args) == 0);
  /* a proposal */
  snprintf(args, sizeof args, "[[\"%s\"],[\"0\"],[\"0x\"],\"fund the guild\"]", token);
  CHECK(suite_tx(&s, A0, CC_GOVERNOR, "propose(address[],uint256[],bytes[],string)", args) == 0);
  CHECK(suite_mine(&s, 2) == 0);

  store *st = suite_store(&s, "main");
  REQUIRE(st);
  indexer *ix = suite_indexer(&s, st, NULL);
  REQUIRE(ix);
  int64_t head = suite_head(&s);
  CHECK_INT(suite_sync(ix), head);

  /* the proposal's id comes from the index itself; vote on it and index the vote */
  arena a;
  arena_init(&a, 0);
  chain_entity *props;
  int np = 0;
  CHECK_INT(store_chain_entities(st, &a, s.o.chain_id, "proposal", NULL, NULL, 0, 10, &props, &np), 0);
  REQUIRE(np == 1);
  snprintf(args, sizeof args, "[\"%s\",1]", props[0].key);
  CHECK(suite_tx(&s, A0, CC_GOVERNOR, "castVote(uint256,uint8)", args) == 0);
  CHECK_INT(suite_sync(ix), suite_head(&s));

  chain_entity *e;
  /* the transfer, then the reward claim's 500 */
  CHECK((e = suite_entity(&s, st, &a, "token_balance", l1)) &&
        strcmp(e->amount, "100000000000000000000500") == 0);
  CHECK((e = suite_entity(&s, st, &a, "stake", l0)) && strcmp(e->amount, "19000000000000000000000") == 0);
  CHECK(e && strstr(e->data, "\"pending\":\"" E21 "\"") && strstr(e->data, "\"locked\":\"" E21 "\""));
  CHECK((e = suite_entity(&s, st, &a, "validator", l0)) && strstr(e->data, "\"status\":\"active\""));
  CHECK((e = suite_entity(&s, st, &a, "delegation", l0)) && strstr(e->data, A0));
  CHECK((e = suite_entity(&s, st, &a, "skill", "1")) && strstr(e->data, "solidity"));
  CHECK((e = suite_entity(&s, st, &a, "skill_wallet", "1")) && e->has_owner &&
        strstr(e->data, A1));
  CHECK((e = suite_entity(&s, st, &a, "wallet_skill", "1/1")) && strstr(e->data, "\"level\":\"5\"") &&
        strstr(e->data, "\"xp\":\"1200\""));
  CHECK(suite_entity(&s, st, &a, "endorsement", "1/2/1") != NULL);
  CHECK((e = suite_entity(&s, st, &a, "oracle_round", "1")) && strstr(e->data, "\"userCount\":\"1\"") &&
        strstr(e->data, "\"signerCount\":\"1\""));
  CHECK((e = suite_entity(&s, st, &a, "reputation", l1)) && strstr(e->data, "\"score\":\"42\""));
  CHECK((e = suite_entity(&s, st, &a, "badge_type", "7")) && strstr(e->data, "ipfs://badge7"));
  char key[200];
  snprintf(key, sizeof key, "%s/7", l1);
  CHECK((e = suite_entity(&s, st, &a, "badge_balance", key)) && strcmp(e->amount, "1") == 0);
  CHECK((e = suite_entity(&s, st, &a, "badge_revocation", key)) && strcmp(e->amount, "1") == 0 &&
        strstr(e->data, "copied work"));
  snprintf(key, sizeof key, "%s/1", l1);
  CHECK((e = suite_entity(&s, st, &a, "reward_claim", key)) && strcmp(e->amount, "500") == 0);
  CHECK((e = suite_entity(&s, st, &a, "reward_epoch", "1")) && strstr(e->data, leaf));
  CHECK((e = suite_entity(&s, st, &a, "proposal", props[0].key)) &&
        strstr(e->data, "\"voters\":1") && strstr(e->data, "\"for\":\"") &&
        strstr(e->data, "fund the guild"));
  snprintf(key, sizeof key, "%s/%s", props[0].key, l0);
  CHECK((e = suite_entity(&s, st, &a, "vote", key)) && strstr(e->data, "\"support\":\"for\"") &&
        strstr(e->data, "rawWeight"));
  if (getenv("DEBUG_DUMP")) {
    char *d = NULL;
    if (!store_chain_dump(st, &a, s.o.chain_id, &d)) fprintf(stderr, "%s", d);
  }
  chain_entity *roles;
  int nr = 0;
  CHECK_INT(store_chain_entities(st, &a, s.o.chain_id, "role", NULL,
                                 "SkillWallet/", 0, 100, &roles, &nr), 0);
  CHECK(nr >= 3); /* admin (timelock), minter and oracle (the relayer), recovery (timelock) */

  /* every log of the suite's contracts is stored, once */
  char params[1200];
  snprintf(params, sizeof params, "[{\"fromBlock\":\"0x0\",\"toBlock\":\"latest\",\"address\":[");
  for (int c = 0; c < CC__COUNT; c++) {
    char ad[43];
    snprintf(params + strlen(params), sizeof params - strlen(params), "%s\"%s\"", c ? "," : "",
             suite_addr(&s, (chain_contract)c, ad));
  }
  snprintf(params + strlen(params), sizeof params - strlen(params), "]}]");
  json_t *all = suite_call(&s, "eth_getLogs", params);
  char *dump = NULL;
  CHECK_INT(store_chain_dump(st, &a, s.o.chain_id, &dump), 0);
  int lines = 0;
  for (char *p = dump; p && (p = strstr(p, "log ")) && (p == dump || p[-1] == '\n'); p += 4) lines++;
  CHECK(all && (int)json_array_size(all) == lines && lines > 50);
  json_decref(all);

  /* a second indexer on the same database waits for the lease */
  indexer_options o2 = s.o;
  snprintf(o2.owner, sizeof o2.owner, "second");
  indexer *ix2 = suite_indexer(&s, st, &o2);
  indexer_step_result r;
  CHECK_INT(indexer_step(ix2, &r), 0);
  CHECK_INT(r.state, INDEXER_STANDBY);
  indexer_free(ix2);

  CHECK(suite_equals_fresh(&s, st, "fresh"));
  indexer_free(ix);
  arena_release(&a);
  store_free(st);
  suite_stop(&s);
}

TEST_MAIN(RUN(indexes_every_kind_of_event))
