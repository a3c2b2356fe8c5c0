/* Badges and the Skill Wallet on a real chain: anvil with the suite deployed by the C deployer, a
 * SQLite store, the transaction manager sending the outbox intents the game engine writes and the
 * indexer projecting the events back. What the chain holds is read with foundry's `cast` (the
 * npm package's binary), never with PHEME's own code:
 *
 *  - a voucher the server signs has the digest the contract computes (voucherDigest), and claims
 *    the badge; replayed, expired, for another person, or past the max supply it is refused ON
 *    CHAIN: the claim is mined with a fixed gas limit, its receipt has status 0, the revert is the
 *    contract's custom error, and the balances do not move;
 *  - a "mint" badge earned by a rule is minted by the relayer, then revoked by an admin on chain;
 *  - the indexer's projection marks a voucher award claimed;
 *  - a person's first approval mints their Skill Wallet, defines the skill, and progress batches
 *    carry XP and level to SkillWallet, read back with `cast call`;
 *  - the real `pheme serve` on the same database and chain runs the "game.badges" job (added with
 *    `pheme jobs add`), which awards a badge and sends the Skill Wallet progress through its own
 *    transaction manager; the person fetches the voucher over HTTP and claims it; the indexer
 *    marks it claimed; /api/v1/wallets/:address shows the stored and the on-chain progress with
 *    the chain's lag; an admin's revocation over HTTP burns the badge on chain. */
#include <curl/curl.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "test_indexer_suite.h"
#include "server.h"

#include "chain/txm.h"
#include "game/badges.h"
#include "game/issuance.h"
#include "store/badges.h"
#include "store/internal.h"

#define CAST PHEME_SOURCE_DIR "/contracts/node_modules/@foundry-rs/cast-linux-amd64/bin/cast"

static suite su;
static store *S;
static txm *T;
static indexer *IX;
static issuance iss;
static badges_engine G;
static manifest M;
static const store_actor sys = {0, ""};
static char badges_addr[43], wallet_addr[43];

/* Runs cast with the arguments (a shell command tail; every argument here is hex, a number or a
 * fixed word); its standard output and error in out (trimmed). Returns its exit status. */
static int cast(char *out, size_t cap, const char *fmt, ...) {
  char args[4096], cmd[4600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "%s %s 2>&1", CAST, args);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = 0;
  while (n && (out[n - 1] == '\n' || out[n - 1] == ' ')) out[--n] = 0;
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* cast call of a view on contract to; the decoded answer in out. */
static int cast_call(char *out, size_t cap, const char *to, const char *sig, const char *args) {
  return cast(out, cap, "call %s '%s' %s --rpc-url %s", to, sig, args, su.node.url);
}

/* The receipt status of a claim sent by the holder of key with a fixed gas limit (so that a
 * claim the contract refuses is mined and reverts on chain rather than failing an estimate):
 * 1 success, 0 reverted, -1 not sent. */
static int claim_onchain(const char *key, const char *voucher_tuple, const char *sig) {
  static char out[1 << 16];
  int rc = cast(out, sizeof out,
                "send %s 'claim((address,uint256,uint256,uint256,uint256),bytes)' '%s' %s --private-key %s "
                "--gas-limit 400000 --rpc-url %s --json",
                badges_addr, voucher_tuple, sig, key, su.node.url);
  /* the receipt as JSON (cast may add a line about the revert after it) */
  const char *brace = strchr(out, '{');
  json_t *j = brace ? json_loads(brace, JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, NULL) : NULL;
  const char *st = json_string_value(json_object_get(j, "status"));
  int r = st ? (strcmp(st, "0x1") == 0 ? 1 : strcmp(st, "0x0") == 0 ? 0 : -1) : -1;
  if (r < 0) fprintf(stderr, "cast send (exit %d): %.200s … %s\n", rc, out, out + (strlen(out) > 300 ? strlen(out) - 300 : 0));
  json_decref(j);
  return r;
}

/* 1 when simulating the claim reverts with the custom error whose signature is given (its
 * selector computed by `cast sig`). */
static int claim_reverts_with(const char *from, const char *voucher_tuple, const char *sig, const char *error) {
  char sel[80], out[4096];
  if (cast(sel, sizeof sel, "sig '%s'", error) != 0) return 0;
  int rc = cast(out, sizeof out, "call %s 'claim((address,uint256,uint256,uint256,uint256),bytes)' '%s' %s --from %s --rpc-url %s",
                badges_addr, voucher_tuple, sig, from, su.node.url);
  int ok = rc != 0 && strstr(out, sel + 2) != NULL;
  if (!ok) fprintf(stderr, "claim was expected to revert with %s (%s): exit %d, %.300s\n", error, sel, rc, out);
  return ok;
}


/* viem's view of a voucher (tests/interop's pinned viem, installed by npm ci there when missing):
 * the EIP-712 digest of the typed data as served, and the address that signed it. 1 when viem's
 * digest equals the voucher's "digest" and the signer is the issuer. */
static int viem_agrees(const json_t *v, const char *issuer) {
  char path[300], cmd[1200];
  snprintf(path, sizeof path, "%s/voucher.json", su.dir);
  if (json_dump_file(v, path, JSON_COMPACT)) return 0;
  const char *interop = PHEME_SOURCE_DIR "/tests/interop";
  snprintf(cmd, sizeof cmd, "test -d %s/node_modules/viem || (cd %s && npm ci --no-audit --no-fund --loglevel=error >&2)",
           interop, interop);
  if (system(cmd) != 0) return 0;
  static const char script[] =
      "const {createRequire}=require('module');"
      "const viem=createRequire(process.argv[1]+'/package.json')('viem');"
      "const v=JSON.parse(require('fs').readFileSync(process.argv[2],'utf8'));"
      "const t={domain:{...v.domain,chainId:BigInt(v.domain.chainId)},types:{Voucher:v.types.Voucher},"
      "primaryType:v.primaryType,message:{recipient:v.message.recipient,id:BigInt(v.message.id),"
      "amount:BigInt(v.message.amount),nonce:BigInt(v.message.nonce),deadline:BigInt(v.message.deadline)}};"
      "viem.recoverTypedDataAddress({...t,signature:v.signature}).then(a=>"
      "console.log(viem.hashTypedData(t)+' '+a));";
  snprintf(cmd, sizeof cmd, "node -e \"%s\" %s %s", script, interop, path);
  FILE *p = popen(cmd, "r");
  char line[200] = "";
  if (!p || !fgets(line, sizeof line, p)) {
    if (p) pclose(p);
    return 0;
  }
  pclose(p);
  char want[200];
  snprintf(want, sizeof want, "%s %s\n", json_string_value(json_object_get(v, "digest")), issuer);
  if (strcmp(line, want) != 0) fprintf(stderr, "viem: %s  C: %s", line, want);
  return strcmp(line, want) == 0;
}

static uint64_t balance_of(const char *account, int64_t id) {
  char out[200], args[120];
  snprintf(args, sizeof args, "%s %lld", account, (long long)id);
  if (cast_call(out, sizeof out, badges_addr, "balanceOf(address,uint256)(uint256)", args)) return UINT64_MAX;
  return strtoull(out, NULL, 10);
}

/* Ticks the transaction manager until no intent is open. 0, or -1 after 200 ticks. */
static int settle(void) {
  for (int i = 0; i < 200; i++) {
    txm_tick_stats st;
    if (txm_tick(T, &st)) return -1;
    if (st.open == 0) return 0;
    usleep(20000);
  }
  return -1;
}

static int index_all(void) {
  indexer_step_result r;
  pheme_err e = indexer_sync(IX, 200, &r);
  if (e) fprintf(stderr, "indexer: %s\n", r.why);
  return e ? -1 : 0;
}

static int64_t chain_time(void) {
  json_t *b = suite_call(&su, "eth_getBlockByNumber", "[\"latest\",false]");
  uint64_t t = 0;
  if (b && rpc_quantity_parse(json_string_value(json_object_get(b, "timestamp")), &t)) t = 0;
  json_decref(b);
  return (int64_t)t;
}

static int64_t count(const char *q) {
  sx x;
  if (sx_read(S, NULL, &x)) return -1;
  db_result r;
  int64_t v = -1;
  if (!sx_query(&x, q, NULL, 0, &r) && r.rows) v = db_int(&r, 0, 0);
  sx_end(&x);
  return v;
}

static int64_t exec_sql(const char *q, const dbv *args, int n) {
  sx x;
  if (sx_write(S, NULL, &x)) return -1;
  db_result r;
  int64_t v = sx_query(&x, q, args, n, &r) ? -1 : 0;
  if (!v && sx_commit(&x)) v = -1;
  sx_end(&x);
  return v;
}
#define EXEC(q, ...) exec_sql((q), SX_ARGS(__VA_ARGS__))

static int64_t user_of(arena *a, const char *addr_hex) {
  uint8_t ad[20];
  user u;
  int created;
  if (hex_to_bytes(ad, addr_hex + 2, 20) || store_user_ensure(S, a, &sys, ad, &u, &created)) return 0;
  return u.id;
}

static badge_type new_type(arena *a, const char *slug, const char *issuance_mode, const char *rule,
                           int64_t max_supply) {
  badge_type t = {.slug = slug, .name = slug, .description = "", .rarity = "EPIC", .soulbound = 1,
                  .max_supply = max_supply, .issuance = issuance_mode, .rule = rule, .active = 1,
                  .asset_cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"};
  char err[200];
  if (badges_type_create(&G, a, &sys, &t, err, sizeof err)) {
    fprintf(stderr, "badge type %s: %s\n", slug, err);
    t.id = 0;
  }
  return t;
}

static const char *NEVER = "{\"kind\":\"xp\",\"min\":1000000000000}";

/* The voucher's message as cast takes a tuple, and its signature. */
static void voucher_parts(const json_t *v, char *tuple, size_t cap, char sig[140]) {
  const json_t *m = json_object_get(v, "message");
  snprintf(tuple, cap, "(%s,%s,%s,%s,%s)", json_string_value(json_object_get(m, "recipient")),
           json_string_value(json_object_get(m, "id")), json_string_value(json_object_get(m, "amount")),
           json_string_value(json_object_get(m, "nonce")), json_string_value(json_object_get(m, "deadline")));
  snprintf(sig, 140, "%s", json_string_value(json_object_get(v, "signature")));
}

static badge_award_rec award(arena *a, int64_t user_id, int64_t badge_id, pheme_err *e) {
  char nonce[40];
  badge_award_rec w;
  memset(&w, 0, sizeof w);
  *e = issuance_nonce(nonce);
  badge_award_request rq = {.user_id = user_id, .badge_id = badge_id, .nonce = nonce};
  if (!*e) *e = store_badge_award(S, a, &sys, &rq, &w);
  return w;
}

TEST(vouchers_claim_once_and_are_refused_on_chain_otherwise) {
  arena a;
  arena_init(&a, 0);
  int64_t ua = user_of(&a, ANVIL_ADDR1), ub = user_of(&a, ANVIL_ADDR2);
  REQUIRE(ua > 0 && ub > 0);
  badge_type open = new_type(&a, "open-voucher", "voucher", NEVER, 0);
  badge_type other = new_type(&a, "other-voucher", "voucher", NEVER, 0);
  badge_type one = new_type(&a, "only-one", "voucher", NEVER, 1);
  REQUIRE(open.id && other.id && one.id);
  CHECK(open.chain_intent_id > 0);
  REQUIRE(settle() == 0);
  char out[4096], args[600];
  snprintf(args, sizeof args, "%lld", (long long)one.id);
  CHECK_INT(cast_call(out, sizeof out, badges_addr, "badgeType(uint256)((bool,uint8,bool,uint64,uint64,uint64))", args), 0);
  CHECK_STR(out, "(true, 2, true, 0, 1, 0)"); /* exists, EPIC, soulbound, forever, max 1, none yet */
  CHECK_INT(cast_call(out, sizeof out, badges_addr, "uri(uint256)(string)", args), 0);
  CHECK_STR(out, "\"ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy\"");
  /* a new asset: setBadgeUri on chain */
  char err[200];
  one.asset_cid = "bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq";
  CHECK_INT(badges_type_update(&G, &a, &sys, &one, err, sizeof err), 0);
  REQUIRE(settle() == 0);
  CHECK_INT(cast_call(out, sizeof out, badges_addr, "uri(uint256)(string)", args), 0);
  CHECK_STR(out, "\"ipfs://bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq\"");

  /* the happy path: A's voucher, its digest as the contract computes it, one claim */
  pheme_err e;
  badge_award_rec wa = award(&a, ua, open.id, &e);
  REQUIRE(e == 0);
  int64_t now = chain_time();
  json_t *v = NULL;
  CHECK_INT(badges_voucher(&G, &a, ub, wa.id, now, &v), PHEME_AUTH_NOT_OWNER); /* B may not ask for A's */
  REQUIRE(badges_voucher(&G, &a, ua, wa.id, now, &v) == 0);
  CHECK_STR(json_string_value(json_object_get(v, "primaryType")), "Voucher");
  CHECK_STR(json_string_value(json_object_get(json_object_get(v, "domain"), "name")), "PhemeBadges");
  char tuple[400], sig[140];
  voucher_parts(v, tuple, sizeof tuple, sig);
  CHECK_INT(cast_call(out, sizeof out, badges_addr, "voucherDigest((address,uint256,uint256,uint256,uint256))(bytes32)",
                      (snprintf(args, sizeof args, "'%s'", tuple), args)),
            0);
  CHECK_STR(out, json_string_value(json_object_get(v, "digest")));
  char issuer[43];
  address_to_checksum(issuer, iss.issuer);
  CHECK(viem_agrees(v, issuer)); /* and viem's digest and recovered signer */
  CHECK_INT(claim_onchain(ANVIL_KEY1, tuple, sig), 1);
  CHECK_INT(balance_of(ANVIL_ADDR1, open.id), 1);

  /* replayed: the nonce is spent */
  CHECK(claim_reverts_with(ANVIL_ADDR1, tuple, sig, "NonceUsed(uint256)"));
  CHECK_INT(claim_onchain(ANVIL_KEY1, tuple, sig), 0);
  CHECK_INT(balance_of(ANVIL_ADDR1, open.id), 1);
  json_decref(v);

  /* expired: B's voucher with a deadline an hour before the chain's time */
  badge_award_rec wb = award(&a, ub, open.id, &e);
  REQUIRE(e == 0);
  REQUIRE(badges_voucher(&G, &a, ub, wb.id, now - 2 * iss.voucher_ttl_s, &v) == 0);
  voucher_parts(v, tuple, sizeof tuple, sig);
  CHECK(claim_reverts_with(ANVIL_ADDR2, tuple, sig, "VoucherExpired(uint256)"));
  CHECK_INT(claim_onchain(ANVIL_KEY2, tuple, sig), 0);
  CHECK_INT(balance_of(ANVIL_ADDR2, open.id), 0);
  json_decref(v);

  /* for another person: A's voucher of "other" with B as recipient, sent by B */
  badge_award_rec wo = award(&a, ua, other.id, &e);
  REQUIRE(e == 0);
  REQUIRE(badges_voucher(&G, &a, ua, wo.id, now, &v) == 0);
  const json_t *m = json_object_get(v, "message");
  snprintf(tuple, sizeof tuple, "(%s,%s,%s,%s,%s)", ANVIL_ADDR2, json_string_value(json_object_get(m, "id")),
           json_string_value(json_object_get(m, "amount")), json_string_value(json_object_get(m, "nonce")),
           json_string_value(json_object_get(m, "deadline")));
  snprintf(sig, sizeof sig, "%s", json_string_value(json_object_get(v, "signature")));
  CHECK(claim_reverts_with(ANVIL_ADDR2, tuple, sig, "InvalidIssuer(address)"));
  CHECK_INT(claim_onchain(ANVIL_KEY2, tuple, sig), 0);
  CHECK_INT(balance_of(ANVIL_ADDR2, other.id), 0);
  CHECK_INT(balance_of(ANVIL_ADDR1, other.id), 0);
  json_decref(v);

  /* past the max supply: A claims the only one; the store refuses B's award; a voucher signed
   * for B anyway (a database out of step with the chain) is refused by the contract */
  badge_award_rec w1 = award(&a, ua, one.id, &e);
  REQUIRE(e == 0);
  REQUIRE(badges_voucher(&G, &a, ua, w1.id, now, &v) == 0);
  voucher_parts(v, tuple, sizeof tuple, sig);
  CHECK_INT(claim_onchain(ANVIL_KEY1, tuple, sig), 1);
  json_decref(v);
  (void)award(&a, ub, one.id, &e);
  CHECK_INT(e, PHEME_DATA_STATE);
  uint8_t b_addr[20];
  REQUIRE(hex_to_bytes(b_addr, &ANVIL_ADDR2[2], 20) == 0);
  char nonce[40];
  REQUIRE(issuance_nonce(nonce) == 0);
  REQUIRE(issuance_voucher(&iss, b_addr, one.id, nonce, now + 3600, &v) == 0);
  voucher_parts(v, tuple, sizeof tuple, sig);
  CHECK(claim_reverts_with(ANVIL_ADDR2, tuple, sig, "MaxSupplyExceeded(uint256,uint256,uint256)"));
  CHECK_INT(claim_onchain(ANVIL_KEY2, tuple, sig), 0);
  CHECK_INT(balance_of(ANVIL_ADDR2, one.id), 0);
  CHECK_INT(balance_of(ANVIL_ADDR1, one.id), 1);
  json_decref(v);

  /* the indexer's projection marks the claimed award, not the unclaimed ones */
  REQUIRE(index_all() == 0);
  badge_award_rec got;
  CHECK_INT(store_badge_award_get(S, &a, wa.id, iss.chain_id, iss.issuer, &got), 0);
  CHECK_INT(got.claimed, 1);
  CHECK(got.claimed_block > 0);
  CHECK_INT(store_badge_award_get(S, &a, wb.id, iss.chain_id, iss.issuer, &got), 0);
  CHECK_INT(got.claimed, 0);
  CHECK_INT(store_badge_award_get(S, &a, wo.id, iss.chain_id, iss.issuer, &got), 0);
  CHECK_INT(got.claimed, 0);

  /* an admin revokes A's claimed badge: on chain too */
  CHECK_INT(badges_revoke(&G, &a, &sys, wa.id, "plagiarism"), 0);
  REQUIRE(settle() == 0);
  CHECK_INT(balance_of(ANVIL_ADDR1, open.id), 0);
  CHECK_INT(store_badge_award_get(S, &a, wa.id, 0, NULL, &got), 0);
  CHECK(got.revoke_intent_id > 0);
  /* no voucher for a revoked award */
  CHECK_INT(badges_voucher(&G, &a, ua, wa.id, now, &v), PHEME_DATA_STATE);

  /* a voucher handed out before the revocation is claimed after it: the reconciler sees the claim
   * in the projection and revokes the badge on chain */
  badge_award_rec wl = award(&a, ub, other.id, &e);
  REQUIRE(e == 0);
  REQUIRE(badges_voucher(&G, &a, ub, wl.id, now, &v) == 0);
  voucher_parts(v, tuple, sizeof tuple, sig);
  json_decref(v);
  CHECK_INT(badges_revoke(&G, &a, &sys, wl.id, "revoked before the claim"), 0);
  CHECK_INT(store_badge_award_get(S, &a, wl.id, 0, NULL, &got), 0);
  CHECK_INT(got.revoke_intent_id, 0); /* nothing on chain to revoke yet */
  int sent = -1;
  CHECK_INT(badges_reconcile(&G, &a, &sent), 0);
  CHECK_INT(sent, 0);
  CHECK_INT(claim_onchain(ANVIL_KEY2, tuple, sig), 1);
  CHECK_INT(balance_of(ANVIL_ADDR2, other.id), 1);
  REQUIRE(index_all() == 0);
  CHECK_INT(badges_reconcile(&G, &a, &sent), 0);
  CHECK_INT(sent, 1);
  REQUIRE(settle() == 0);
  CHECK_INT(balance_of(ANVIL_ADDR2, other.id), 0);
  CHECK_INT(badges_reconcile(&G, &a, &sent), 0);
  CHECK_INT(sent, 0);
  arena_release(&a);
}

TEST(minted_badges_and_skill_wallet_progress_reach_the_chain) {
  arena a;
  arena_init(&a, 0);
  int64_t ua = user_of(&a, ANVIL_ADDR1);
  REQUIRE(ua > 0);
  int64_t sol = count("SELECT id FROM skills WHERE slug = 'solidity'");
  REQUIRE(sol > 0);
  badge_type minted = new_type(&a, "solidity-300", "mint", "{\"kind\":\"xp\",\"min\":300,\"skill\":\"solidity\"}", 0);
  REQUIRE(minted.id);
  /* the stored progress of an approval (what the XP engine leaves) */
  REQUIRE(EXEC("INSERT INTO skill_levels (user_id, skill_id, xp, level) VALUES ($1, $2, 700, 9)", dbv_int(ua), dbv_int(sol)) == 0);
  REQUIRE(EXEC("INSERT INTO user_xp (user_id, xp, level, updated_at) VALUES ($1, 700, 'NOVICE', 0)", dbv_int(ua)) == 0);
  int awarded = 0;
  CHECK_INT(badges_evaluate(&G, &a, ua, 0, &awarded), 0);
  CHECK_INT(awarded, 1);
  REQUIRE(settle() == 0);
  CHECK_INT(balance_of(ANVIL_ADDR1, minted.id), 1);
  badge_award_rec *list;
  int n;
  store_page p = {0, 50};
  REQUIRE(store_badge_awards_of(S, &a, ua, iss.chain_id, iss.issuer, &p, &list, &n) == 0);
  const badge_award_rec *wm = NULL;
  for (int i = 0; i < n; i++)
    if (list[i].badge_id == minted.id) wm = &list[i];
  REQUIRE(wm != NULL);
  CHECK_STR(wm->mint_state, "confirmed");
  /* evaluating again mints nothing more */
  CHECK_INT(badges_evaluate(&G, &a, ua, 0, &awarded), 0);
  CHECK_INT(awarded, 0);
  CHECK_INT(count("SELECT count(*) FROM chain_intents WHERE kind = 'badge.mint'"), 1);

  /* the Skill Wallet: minted on the first approval, the skill defined, then the progress */
  int waiting = 0;
  char out[4096], args[200];
  CHECK_INT(cast_call(out, sizeof out, wallet_addr, "walletOf(address)(uint256)", ANVIL_ADDR1), 0);
  CHECK_STR(out, "0");
  CHECK_INT(badges_chain_progress(&G, &a, ua, &waiting), 0);
  CHECK_INT(waiting, 1); /* the wallet is not indexed yet */
  REQUIRE(settle() == 0);
  CHECK_INT(cast_call(out, sizeof out, wallet_addr, "walletOf(address)(uint256)", ANVIL_ADDR1), 0);
  char token[80];
  snprintf(token, sizeof token, "%.79s", out);
  CHECK(strcmp(token, "0") != 0);
  REQUIRE(index_all() == 0);
  CHECK_INT(badges_chain_progress(&G, &a, ua, &waiting), 0);
  CHECK_INT(waiting, 0);
  REQUIRE(settle() == 0);
  snprintf(args, sizeof args, "%s %lld", token, (long long)sol);
  CHECK_INT(cast_call(out, sizeof out, wallet_addr, "skillOf(uint256,uint32)((uint8,uint128,uint48))", args), 0);
  CHECK(strncmp(out, "(9, 700, ", 9) == 0);
  CHECK_INT(cast_call(out, sizeof out, wallet_addr, "totalXp(uint256)(uint256)", token), 0);
  CHECK_STR(out, "700");
  snprintf(args, sizeof args, "%lld", (long long)sol);
  CHECK_INT(cast_call(out, sizeof out, wallet_addr, "skillName(uint32)(string)", args), 0);
  CHECK_STR(out, "\"solidity\"");
  /* more XP: one more batch with the new values; no change: no batch */
  REQUIRE(EXEC("UPDATE skill_levels SET xp = 1500, level = 14 WHERE user_id = $1", dbv_int(ua)) == 0);
  CHECK_INT(badges_chain_progress(&G, &a, ua, &waiting), 0);
  REQUIRE(settle() == 0);
  snprintf(args, sizeof args, "%s %lld", token, (long long)sol);
  CHECK_INT(cast_call(out, sizeof out, wallet_addr, "skillOf(uint256,uint32)((uint8,uint128,uint48))", args), 0);
  CHECK(strncmp(out, "(14, 1500, ", 11) == 0);
  CHECK_INT(badges_chain_progress(&G, &a, ua, &waiting), 0);
  CHECK_INT(count("SELECT count(*) FROM chain_intents WHERE kind = 'wallet.progress'"), 2);
  CHECK_INT(count("SELECT count(*) FROM chain_intents WHERE kind = 'wallet.mint'"), 1);
  CHECK_INT(count("SELECT count(*) FROM chain_intents WHERE state <> 'confirmed'"), 0);
  CHECK(count("SELECT count(*) FROM events WHERE kind = 'wallet.progress'") == 2);

  /* made while no chain was configured: a "mint" type and its award; the reconciler sends both */
  issuance off = {.voucher_ttl_s = 3600};
  badges_engine g_off = {.s = S, .iss = &off};
  badge_type late = {.slug = "made-offline", .name = "Made offline", .description = "", .rarity = "COMMON",
                     .soulbound = 0, .issuance = "mint", .rule = NEVER, .active = 1, .asset_cid = ""};
  char err[200];
  REQUIRE(badges_type_create(&g_off, &a, &sys, &late, err, sizeof err) == 0);
  CHECK_INT(late.chain_intent_id, 0);
  pheme_err e;
  badge_award_rec wl = award(&a, ua, late.id, &e);
  REQUIRE(e == 0);
  CHECK_INT(wl.mint_intent_id, 0);
  int sent = -1;
  CHECK_INT(badges_reconcile(&G, &a, &sent), 0);
  CHECK_INT(sent, 2);
  REQUIRE(settle() == 0);
  CHECK_INT(balance_of(ANVIL_ADDR1, late.id), 1);
  snprintf(args, sizeof args, "%lld", (long long)late.id);
  CHECK_INT(cast_call(out, sizeof out, badges_addr, "isSoulbound(uint256)(bool)", args), 0);
  CHECK_STR(out, "false"); /* tradeable, as the type says */
  CHECK_INT(badges_reconcile(&G, &a, &sent), 0);
  CHECK_INT(sent, 0);

  /* an admin revokes the minted badge: burnt on chain */
  CHECK_INT(badges_revoke(&G, &a, &sys, wm->id, "awarded by mistake"), 0);
  REQUIRE(settle() == 0);
  CHECK_INT(balance_of(ANVIL_ADDR1, minted.id), 0);
  REQUIRE(index_all() == 0);
  arena_release(&a);
}

/* ---- the server ---- */

/* Runs `pheme ARGS` on the test's database; its last line of output in out. */
static int pheme_cli(char *out, size_t cap, const char *args) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "PHEME_DATABASE=sqlite:%s/badges.db %s %s 2>/dev/null", su.dir, PHEME_BIN, args);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  char line[1024];
  out[0] = 0;
  while (fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = 0;
    if (line[0]) snprintf(out, cap, "%s", line);
  }
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static pid_t serve(int port) {
  char listen[32], dburl[300], logpath[300], key[80];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  snprintf(dburl, sizeof dburl, "sqlite:%s/badges.db", su.dir);
  snprintf(logpath, sizeof logpath, "%s/serve.log", su.dir);
  snprintf(key, sizeof key, "0x%s", ANVIL_KEY0);
  pid_t pid = fork();
  if (pid != 0) return pid;
  int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  setenv("PHEME_DATABASE", dburl, 1);
  setenv("PHEME_CHAIN_RPC", su.node.url, 1);
  setenv("PHEME_CHAIN_ID", "31337", 1);
  setenv("PHEME_CHAIN_MANIFEST", su.manifest, 1);
  setenv("PHEME_CHAIN_OPERATOR_KEY", key, 1);
  setenv("PHEME_CHAIN_CONFIRMATIONS", "1", 1);
  setenv("PHEME_CHAIN_POLL_MS", "100", 1);
  setenv("PHEME_JOBS_POLL_MS", "100", 1);
  setenv("PHEME_BADGE_VOUCHER_TTL", "3600", 1);
  execl(PHEME_BIN, "pheme", "serve", "--listen", listen, "--web-root", "", "--rate-limit", "off", (char *)NULL);
  _exit(127);
}

/* Polls until cond() holds, at most ms milliseconds. */
#define WAIT_FOR(cond, ms)                                        \
  do {                                                            \
    for (int wait_i_ = 0; wait_i_ < (ms) / 100 && !(cond); wait_i_++) sleep_ms(100); \
  } while (0)

static int skill_on_chain(const char *token, int64_t skill_no, const char *prefix) {
  char out[400], args[120];
  snprintf(args, sizeof args, "%s %lld", token, (long long)skill_no);
  return cast_call(out, sizeof out, wallet_addr, "skillOf(uint256,uint32)((uint8,uint128,uint48))", args) == 0 &&
         strncmp(out, prefix, strlen(prefix)) == 0;
}

static int type_on_chain(int64_t id) {
  char out[400], args[40];
  snprintf(args, sizeof args, "%lld", (long long)id);
  return cast_call(out, sizeof out, badges_addr, "badgeType(uint256)((bool,uint8,bool,uint64,uint64,uint64))", args) == 0 &&
         strncmp(out, "(true,", 6) == 0;
}

static const char *award_status_of(int port, const char *key, int64_t award_id) {
  static char status[40];
  status[0] = 0;
  json_t *j = http_json(port, "GET", "/api/v1/me/badges", key, NULL, 200);
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(j, "items"), i, it) {
    if (json_integer_value(json_object_get(it, "id")) == award_id)
      snprintf(status, sizeof status, "%s", json_string_value(json_object_get(it, "status")));
  }
  json_decref(j);
  return status;
}

TEST(the_server_awards_sends_progress_serves_vouchers_and_revokes) {
  arena a;
  arena_init(&a, 0);
  int64_t ua = user_of(&a, ANVIL_ADDR1);
  int64_t rust = count("SELECT id FROM skills WHERE slug = 'rust'");
  REQUIRE(ua > 0 && rust > 0);
  char out[4096], token[80];
  REQUIRE(cast_call(out, sizeof out, wallet_addr, "walletOf(address)(uint256)", ANVIL_ADDR1) == 0);
  snprintf(token, sizeof token, "%.79s", out);
  REQUIRE(strcmp(token, "0") != 0);
  /* new work in rust, and a badge for it whose createBadgeType the server's manager will send */
  REQUIRE(EXEC("INSERT INTO skill_levels (user_id, skill_id, xp, level) VALUES ($1, $2, 200, 3)", dbv_int(ua), dbv_int(rust)) == 0);
  badge_type fan = new_type(&a, "rust-fan", "voucher", "{\"kind\":\"xp\",\"min\":200,\"skill\":\"rust\"}", 0);
  REQUIRE(fan.id);
  /* the test's manager and indexer give their leases up to the server's */
  txm_free(T);
  T = NULL;
  indexer_free(IX);
  IX = NULL;
  int port = local_free_port();
  REQUIRE(port > 0);
  pid_t pid = serve(port);
  REQUIRE(pid > 0);
  buf b;
  buf_init(&b, 1 << 20);
  int ready = 0;
  for (int i = 0; i < 300 && !ready; i++) {
    ready = http(port, "GET", "/readyz", NULL, NULL, &b) == 200;
    if (!ready) sleep_ms(100);
  }
  buf_release(&b);
  if (!ready) fprintf(stderr, "pheme serve did not become ready; see %s/serve.log\n", su.dir);
  if (ready) {
    /* what the XP engine enqueues after a ledger change */
    char args[200];
    snprintf(args, sizeof args, "jobs add game.badges '{\"user_id\":%lld,\"submission_id\":0}'", (long long)ua);
    CHECK_INT(pheme_cli(out, sizeof out, args), 0);
    int progressed = 0;
    WAIT_FOR((progressed = skill_on_chain(token, rust, "(3, 200, ")), 60000);
    CHECK(progressed);
    CHECK_INT(count("SELECT count(*) FROM badge_awards WHERE badge_id IN (SELECT id FROM badge_types WHERE slug = 'rust-fan')"), 1);
    int64_t award_id = count("SELECT id FROM badge_awards WHERE badge_id IN (SELECT id FROM badge_types WHERE slug = 'rust-fan')");
    /* the person's voucher over HTTP, claimed on chain once the type is there */
    char key[120], path[200];
    CHECK_INT(pheme_cli(key, sizeof key, "key create --role user --owner " ANVIL_ADDR1), 0);
    CHECK_STR(award_status_of(port, key, award_id), "claimable");
    snprintf(path, sizeof path, "/api/v1/me/badges/%lld/voucher", (long long)award_id);
    json_t *v = http_json(port, "GET", path, key, NULL, 200);
    REQUIRE(v != NULL);
    CHECK_INT(json_integer_value(json_object_get(v, "awardId")), award_id);
    char tuple[400], sig[140];
    voucher_parts(v, tuple, sizeof tuple, sig);
    json_decref(v);
    int typed = 0;
    WAIT_FOR((typed = type_on_chain(fan.id)), 30000);
    CHECK(typed);
    CHECK_INT(claim_onchain(ANVIL_KEY1, tuple, sig), 1);
    CHECK_INT(balance_of(ANVIL_ADDR1, fan.id), 1);
    int claimed = 0;
    WAIT_FOR((claimed = strcmp(award_status_of(port, key, award_id), "claimed") == 0), 30000);
    CHECK(claimed);
    /* another person cannot have it */
    char key2[120];
    CHECK_INT(pheme_cli(key2, sizeof key2, "key create --role user --owner " ANVIL_ADDR2), 0);
    buf nb;
    buf_init(&nb, 1 << 16);
    CHECK_INT(http(port, "GET", path, key2, NULL, &nb), 404);
    buf_release(&nb);
    /* the wallet: stored progress and the chain's, with its lag */
    json_t *w = NULL;
    json_t *sw = NULL;
    for (int i = 0; i < 100; i++) {
      json_decref(w);
      w = http_json(port, "GET", "/api/v1/wallets/" ANVIL_ADDR1, NULL, NULL, 200);
      sw = json_object_get(json_object_get(w, "onchain"), "skillWallet");
      if (json_integer_value(json_object_get(sw, "xp")) == 1700) break;
      sleep_ms(100);
    }
    REQUIRE(w != NULL);
    CHECK_INT(json_integer_value(json_object_get(sw, "xp")), 1700); /* 1500 solidity + 200 rust */
    CHECK_STR(json_string_value(json_object_get(sw, "level")), "Advanced");
    CHECK_STR(json_string_value(json_object_get(sw, "tokenId")), token);
    json_t *lag = json_object_get(json_object_get(w, "onchain"), "lagBlocks");
    CHECK(json_is_integer(lag) && json_integer_value(lag) >= 0);
    int stored_rust = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(w, "skills"), i, it) {
      if (strcmp(json_string_value(json_object_get(it, "slug")), "rust") == 0)
        stored_rust = (int)json_integer_value(json_object_get(it, "xp"));
    }
    CHECK_INT(stored_rust, 200);
    json_decref(w);
    /* an admin revokes it over HTTP: burnt on chain by the server's manager */
    char admin[120];
    CHECK_INT(pheme_cli(admin, sizeof admin, "key create --role admin --owner 0x00000000000000000000000000000000000000ad"), 0);
    snprintf(path, sizeof path, "/api/v1/admin/badges/awards/%lld/revoke", (long long)award_id);
    json_t *rv = http_json(port, "POST", path, admin, "{\"reason\":\"copied work\"}", 200);
    CHECK_STR(json_string_value(json_object_get(rv, "status")), "revoked");
    json_decref(rv);
    uint64_t bal = 1;
    WAIT_FOR((bal = balance_of(ANVIL_ADDR1, fan.id)) == 0, 30000);
    CHECK_INT(bal, 0);
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0); /* a clean stop on SIGTERM */
  /* a sanitizer build of the server reports what it found in its log */
  char cmd0[400];
  snprintf(cmd0, sizeof cmd0, "grep -qE 'Sanitizer|runtime error:' %s/serve.log", su.dir);
  CHECK(system(cmd0) != 0);
  if (getenv("TEST_VERBOSE") || test__failed_checks) { /* the server's warnings and errors */
    char cmd[400];
    snprintf(cmd, sizeof cmd, "grep -E '\"level\":\"(warn|error)\"' %s/serve.log >&2", su.dir);
    if (system(cmd) < 0) fprintf(stderr, "could not read %s/serve.log\n", su.dir);
  }
  arena_release(&a);
}

int main(void) {
  if (suite_start(&su)) {
    fprintf(stderr, "could not start anvil with the suite\n");
    suite_stop(&su);
    return 1;
  }
  char dir[200], url[260], err[512];
  snprintf(dir, sizeof dir, "%s", su.dir);
  snprintf(url, sizeof url, "sqlite:%s/badges.db", dir);
  store_options so = {4, 10000, 0, NULL};
  int applied;
  int rc = 1;
  if (store_open(&S, url, &so, err, sizeof err) || store_migrate(S, &applied, err, sizeof err)) {
    fprintf(stderr, "store: %s\n", err);
    goto out;
  }
  if (manifest_load(&M, su.manifest, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    goto out;
  }
  uint8_t key[32];
  if (hex_to_bytes(key, ANVIL_KEY0, 32)) goto out;
  /* the relayer (the deployer's key here) sends and signs vouchers, as `pheme dev` sets it up */
  iss = (issuance){.chain_on = 1, .chain_id = M.chain_id, .voucher_ttl_s = 3600};
  memcpy(iss.badges, M.badges, 20);
  memcpy(iss.skill_wallet, M.skill_wallet, 20);
  memcpy(iss.sender, M.relayer, 20);
  if (issuance_set_issuer(&iss, key)) goto out;
  address_format_hex(badges_addr, M.badges);
  address_format_hex(wallet_addr, M.skill_wallet);
  G = (badges_engine){.s = S, .iss = &iss};
  txm_options to;
  txm_options_init(&to);
  const char *eps[] = {su.node.url};
  to.endpoints = eps;
  to.n_endpoints = 1;
  to.chain_id = M.chain_id;
  memcpy(to.key, key, 32);
  to.confirmations = 1;
  to.poll_ms = 50;
  if (txm_new(&T, S, &to, err, sizeof err)) {
    fprintf(stderr, "txm: %s\n", err);
    goto out;
  }
  if (!(IX = indexer_new(S, eps, 1, NULL, &su.o))) goto out;
  RUN(vouchers_claim_once_and_are_refused_on_chain_otherwise);
  RUN(minted_badges_and_skill_wallet_progress_reach_the_chain);
  RUN(the_server_awards_sends_progress_serves_vouchers_and_revokes);
  rc = test__failed_tests;
  fprintf(stderr, "test_badges_chain: %d tests, %d failed\n", test__ran, test__failed_tests);
out:
  indexer_free(IX);
  txm_free(T);
  issuance_release(&iss);
  store_free(S);
  suite_stop(&su);
  return rc;
}
