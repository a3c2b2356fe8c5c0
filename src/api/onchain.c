/* The on-chain views, read from the indexer's projections (store/chain_index.h): staking of an
 * address, governance proposals and their votes, the validator registry, and the on-chain part
 * of a Skill Wallet (api_onchain_wallet, called by the wallets handler). Every answer names the
 * chain and the block it was indexed up to, so a client knows how fresh it is. Amounts are
 * decimal strings (uint256, exact); addresses EIP-55. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/util.h"
#include "eth/address.h"
#include "store/chain_index.h"
#include "core/banned.h"

/* The chain the API shows: the configured one, else the one the indexer follows. 0 when none. */
static uint64_t onchain_chain(http_req *r, store_chain_cursor *cur) {
  uint64_t id = (uint64_t)req_app(r)->cfg->chain_id;
  memset(cur, 0, sizeof *cur);
  cur->block_number = -1;
  if (!id && store_chain_default(req_store(r), &id)) return 0;
  if (store_chain_cursor_get(req_store(r), &r->arena, id, cur)) cur->block_number = -1;
  return id;
}

static pheme_err need_chain(http_req *r, store_chain_cursor *cur, uint64_t *id) {
  *id = onchain_chain(r, cur);
  if (*id) return 0;
  return http_error(r, PHEME_DATA_NOT_FOUND, "no chain is configured (set chain_id and chain_rpc)");
}

static void write_chain(jw *w, uint64_t id, const store_chain_cursor *cur) {
  jw_key(w, "chainId");
  jw_int(w, (long long)id);
  jw_key(w, "indexedBlock");
  if (cur->block_number >= 0) jw_int(w, cur->block_number);
  else jw_null(w);
}

static void write_amount(jw *w, const char *key, const char *v) {
  jw_key(w, key);
  jw_str(w, v ? v : "0");
}

/* data's JSON object, or "{}" */
static void write_data(jw *w, const char *key, const chain_entity *e) {
  jw_key(w, key);
  jw_raw(w, e ? e->data : NULL, "{}");
}

static const char *addr_key(char out[43], const uint8_t a[20]) {
  address_format_hex(out, a);
  return out;
}

/* Reads one entity; 1 when found, 0 when absent, -1 after answering a storage error. */
static pheme_err entity(http_req *r, uint64_t id, const char *kind, const char *key, chain_entity *e) {
  pheme_err err = store_chain_entity(req_store(r), &r->arena, id, kind, key, e);
  if (err == PHEME_DATA_NOT_FOUND) return 0;
  if (err) {
    return api_fail(r, err, kind);
  }
  return 1;
}

/* ---- GET /api/v1/staking/:address ---- */

void onchain_staking(http_req *r) {
  uint8_t a[20];
  if (api_address_param(r, "address", a)) return;
  store_chain_cursor cur;
  uint64_t id;
  if (need_chain(r, &cur, &id)) return;
  char k[43];
  addr_key(k, a);
  chain_entity stake, bal, votes, deleg, total, val;
  int has_stake, has_bal, has_votes, has_deleg, has_total, has_val;
  if ((has_stake = entity(r, id, "stake", k, &stake)) < 0 ||
      (has_bal = entity(r, id, "token_balance", k, &bal)) < 0 ||
      (has_votes = entity(r, id, "token_votes", k, &votes)) < 0 ||
      (has_deleg = entity(r, id, "delegation", k, &deleg)) < 0 ||
      (has_total = entity(r, id, "reward_total", k, &total)) < 0 ||
      (has_val = entity(r, id, "validator", k, &val)) < 0)
    return;
  chain_entity *claims;
  int nclaims;
  pheme_err e = store_chain_entities(req_store(r), &r->arena, id, "reward_claim", a, NULL, 0, 100,
                                     &claims, &nclaims);
  if (e) { api_fail(r, e, "reward claims"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "address");
  api_address_write(&w, a);
  write_chain(&w, id, &cur);
  write_amount(&w, "stake", has_stake ? stake.amount : "0");
  write_data(&w, "staking", has_stake ? &stake : NULL);
  write_amount(&w, "tokenBalance", has_bal ? bal.amount : "0");
  write_amount(&w, "tokenVotes", has_votes ? votes.amount : "0");
  write_data(&w, "delegation", has_deleg ? &deleg : NULL);
  write_amount(&w, "rewardsClaimed", has_total ? total.amount : "0");
  jw_key(&w, "rewardClaims");
  jw_arr(&w);
  for (int i = 0; i < nclaims; i++) {
    jw_obj(&w);
    write_amount(&w, "amount", claims[i].amount);
    write_data(&w, "claim", &claims[i]);
    jw_key(&w, "block");
    jw_int(&w, claims[i].block_number);
    jw_end(&w);
  }
  jw_end(&w);
  jw_key(&w, "validator");
  if (has_val) {
    jw_obj(&w);
    write_amount(&w, "slashed", val.amount);
    write_data(&w, "registry", &val);
    jw_end(&w);
  } else {
    jw_null(&w);
  }
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

/* ---- governance ---- */

static void proposal_write(jw *w, const chain_entity *p) {
  jw_obj(w);
  jw_key(w, "id");
  jw_str(w, p->key);
  jw_key(w, "proposer");
  if (p->has_owner) api_address_write(w, p->owner);
  else jw_null(w);
  write_data(w, "proposal", p);
  jw_key(w, "updatedBlock");
  jw_int(w, p->block_number);
  jw_end(w);
}

/* Answers a page of the indexed entities of kind, newest first, each written by writer. */
static void entity_page(http_req *r, const char *kind, const char *what,
                        void (*writer)(jw *w, const chain_entity *e)) {
  store_chain_cursor cur;
  uint64_t id;
  if (need_chain(r, &cur, &id)) return;
  store_page p;
  if (api_page(r, &p)) return;
  chain_entity *list;
  int n;
  pheme_err e = store_chain_entities(req_store(r), &r->arena, id, kind, NULL, NULL, p.before, p.limit,
                                     &list, &n);
  if (e) { api_fail(r, e, what); return; }
  API_ANSWER_PAGE(r, list, n, &p, writer, ord);
}

void onchain_proposals(http_req *r) { entity_page(r, "proposal", "proposals", proposal_write); }

static int decimal_id(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > 78 || (s[0] == '0' && n > 1)) return 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return uint256_decimal_valid(s);
}

void onchain_proposal(http_req *r) {
  const char *pid = http_param(r, "id");
  if (!decimal_id(pid)) {
    http_error(r, PHEME_API_BAD_REQUEST, "'%.80s' is not a proposal id (a decimal uint256)",
               pid ? pid : "");
    return;
  }
  store_chain_cursor cur;
  uint64_t id;
  if (need_chain(r, &cur, &id)) return;
  chain_entity prop;
  int found = entity(r, id, "proposal", pid, &prop);
  if (found < 0) return;
  if (!found) {
    http_error(r, PHEME_DATA_NOT_FOUND, "no proposal %s on chain %llu", pid,
               (unsigned long long)id);
    return;
  }
  chain_entity *votes;
  int nv;
  char prefix[90];
  snprintf(prefix, sizeof prefix, "%s/", pid);
  pheme_err e = store_chain_entities(req_store(r), &r->arena, id, "vote", NULL, prefix, 0, 1000,
                                     &votes, &nv);
  if (e) { api_fail(r, e, "votes"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  write_chain(&w, id, &cur);
  jw_key(&w, "proposal");
  proposal_write(&w, &prop);
  jw_key(&w, "votes");
  jw_arr(&w);
  for (int i = 0; i < nv; i++) {
    jw_obj(&w);
    jw_key(&w, "voter");
    api_address_write(&w, votes[i].owner);
    write_amount(&w, "weight", votes[i].amount);
    write_data(&w, "vote", &votes[i]);
    jw_end(&w);
  }
  jw_end(&w);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

/* ---- validators ---- */

static void validator_write(jw *w, const chain_entity *v) {
  jw_obj(w);
  jw_key(w, "address");
  api_address_write(w, v->owner);
  write_amount(w, "slashed", v->amount);
  write_data(w, "registry", v);
  jw_key(w, "updatedBlock");
  jw_int(w, v->block_number);
  jw_end(w);
}

void onchain_validators(http_req *r) { entity_page(r, "validator", "validators", validator_write); }

/* ---- the on-chain part of a Skill Wallet ---- */

pheme_err api_onchain_wallet(http_req *r, jw *w, const uint8_t address[20]) {
  store_chain_cursor cur;
  uint64_t id = onchain_chain(r, &cur);
  if (!id) {
    jw_key(w, "onchain");
    jw_null(w);
    return PHEME_OK;
  }
  store *s = req_store(r);
  arena *a = &r->arena;
  char k[43];
  addr_key(k, address);
  chain_entity *wallets = NULL, *skills = NULL, *badges = NULL, *revoked = NULL, *endorse = NULL;
  int nw = 0, ns = 0, nb = 0, nr = 0, ne = 0;
  chain_entity rep, bal, stake;
  pheme_err e = store_chain_entities(s, a, id, "skill_wallet", address, NULL, 0, 1, &wallets, &nw);
  if (!e && nw) {
    char prefix[90];
    snprintf(prefix, sizeof prefix, "%s/", wallets[0].key);
    e = store_chain_entities(s, a, id, "wallet_skill", NULL, prefix, 0, 1000, &skills, &ns);
    if (!e) e = store_chain_entities(s, a, id, "endorsement", NULL, prefix, 0, 10000, &endorse, &ne);
  }
  if (!e) e = store_chain_entities(s, a, id, "badge_balance", address, NULL, 0, 1000, &badges, &nb);
  if (!e) e = store_chain_entities(s, a, id, "badge_revocation", address, NULL, 0, 1000, &revoked, &nr);
  int has_rep = 0, has_bal = 0, has_stake = 0;
  if (!e && !(e = store_chain_entity(s, a, id, "reputation", k, &rep))) has_rep = 1;
  if (e == PHEME_DATA_NOT_FOUND) e = PHEME_OK;
  if (!e && !(e = store_chain_entity(s, a, id, "token_balance", k, &bal))) has_bal = 1;
  if (e == PHEME_DATA_NOT_FOUND) e = PHEME_OK;
  if (!e && !(e = store_chain_entity(s, a, id, "stake", k, &stake))) has_stake = 1;
  if (e == PHEME_DATA_NOT_FOUND) e = PHEME_OK;
  if (e) return e; /* nothing written yet */
  jw_key(w, "onchain");
  jw_obj(w);
  write_chain(w, id, &cur);
  /* how far the indexed view trails the node (docs/badges.md "Skill Wallet") */
  jw_key(w, "headBlock");
  if (cur.head_number >= 0) jw_int(w, cur.head_number);
  else jw_null(w);
  jw_key(w, "lagBlocks");
  if (cur.head_number >= 0 && cur.block_number >= 0) jw_int(w, cur.head_number - cur.block_number);
  else jw_null(w);
  jw_key(w, "skillWallet");
  if (nw) {
    /* the wallet's total as SkillWallet.totalXp sums it, and its level as levelName names it */
    unsigned long long total = 0;
    for (int i = 0; i < ns; i++) {
      json_t *d = json_loads(skills[i].data, 0, NULL);
      const char *xp = json_string_value(json_object_get(d, "xp"));
      if (xp) total += strtoull(xp, NULL, 10);
      json_decref(d);
    }
    jw_obj(w);
    jw_key(w, "tokenId");
    jw_str(w, wallets[0].key);
    jw_key(w, "xp");
    jw_int(w, (long long)total);
    jw_key(w, "level");
    jw_str(w, total <= 1000 ? "Novice" : total <= 5000 ? "Advanced" : total <= 10000 ? "Expert" : "Master");
    jw_key(w, "skills");
    jw_arr(w);
    for (int i = 0; i < ns; i++) {
      chain_entity def;
      const char *sid = strchr(skills[i].key, '/') + 1;
      int named = store_chain_entity(s, a, id, "skill", sid, &def) == PHEME_OK;
      jw_obj(w);
      jw_key(w, "skillId");
      jw_str(w, sid);
      jw_key(w, "definition");
      jw_raw(w, named ? def.data : NULL, "null");
      write_data(w, "progress", &skills[i]);
      jw_end(w);
    }
    jw_end(w);
    jw_key(w, "endorsementsReceived");
    jw_int(w, ne);
    jw_end(w);
  } else {
    jw_null(w);
  }
  jw_key(w, "badges");
  jw_arr(w);
  for (int i = 0; i < nb; i++) {
    jw_obj(w);
    jw_key(w, "id");
    jw_str(w, strchr(badges[i].key, '/') + 1);
    write_amount(w, "balance", badges[i].amount);
    jw_end(w);
  }
  jw_end(w);
  jw_key(w, "revokedBadges");
  jw_arr(w);
  for (int i = 0; i < nr; i++) {
    jw_obj(w);
    write_amount(w, "amount", revoked[i].amount);
    write_data(w, "revocation", &revoked[i]);
    jw_end(w);
  }
  jw_end(w);
  jw_key(w, "reputation");
  jw_raw(w, has_rep ? rep.data : NULL, "null");
  write_amount(w, "tokenBalance", has_bal ? bal.amount : "0");
  write_amount(w, "stake", has_stake ? stake.amount : "0");
  jw_end(w);
  return PHEME_OK;
}
