/* The projections of the suite's events; see projections.h and docs/internals/indexer.md.
 *
 * Every projection is a read-modify-write of entities through the unit of work: ent_load gives
 * the current state (or a fresh one), the projection changes owner / amount / data, ent_save or
 * ent_drop writes it back, and the unit journals the previous state when the block may still be
 * orphaned. Data is a JSON object dumped with sorted keys, so two indexes of one chain hold the
 * same bytes. Amounts are uint256 as decimal text, added and subtracted exactly. */
#include "chain/projections.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "eth/u256.h"
#include "store/chain_index.h"
#include "core/banned.h"

/* ---- arguments ---- */

static const char *arg_s(const json_t *args, size_t i) {
  const char *s = json_string_value(json_array_get(args, i));
  return s ? s : "0";
}

static int arg_bool(const json_t *args, size_t i) { return json_is_true(json_array_get(args, i)); }

/* An address argument as the lowercase key text ("0x…") and its bytes. */
static void arg_addr(const json_t *args, size_t i, char key[43], uint8_t raw[20]) {
  const char *s = arg_s(args, i);
  size_t n = strlen(s);
  memset(raw, 0, 20);
  if (n == 42 && hex_to_bytes(raw, s + 2, 20) != 0) memset(raw, 0, 20);
  address_format_hex(key, raw);
}

static int addr_is_zero(const uint8_t a[20]) {
  for (int i = 0; i < 20; i++)
    if (a[i]) return 0;
  return 1;
}

static const char *hex_of(arena *a, const uint8_t *p, size_t n) {
  char *s = arena_alloc(a, 2 * n + 3);
  if (!s) return "0x";
  s[0] = '0';
  s[1] = 'x';
  bytes_to_hex(s + 2, p, n);
  return s;
}

/* ---- exact amounts ---- */

static void u256_of(const char *s, uint8_t out[32]) {
  eth_err err;
  if (!s || u256_parse(out, s, strlen(s), 0, &err)) memset(out, 0, 32);
}

/* a + b (mod 2^256: balances of one token never reach it) as decimal text in the arena. */
static const char *dec_add(arena *a, const char *x, const char *y) {
  uint8_t p[32], q[32];
  u256_of(x, p);
  u256_of(y, q);
  unsigned carry = 0;
  for (int i = 31; i >= 0; i--) {
    unsigned s = (unsigned)p[i] + q[i] + carry;
    p[i] = (uint8_t)s;
    carry = s >> 8;
  }
  char out[U256_DEC_MAX];
  return arena_strdup(a, u256_to_dec(out, p));
}

/* x - y, or 0 when y > x (a projection never goes below zero, whatever a node claims). */
static const char *dec_sub(arena *a, const char *x, const char *y) {
  uint8_t p[32], q[32];
  u256_of(x, p);
  u256_of(y, q);
  if (memcmp(p, q, 32) < 0) return "0";
  unsigned borrow = 0;
  for (int i = 31; i >= 0; i--) {
    int d = (int)p[i] - q[i] - (int)borrow;
    borrow = d < 0;
    p[i] = (uint8_t)(d + (borrow ? 256 : 0));
  }
  char out[U256_DEC_MAX];
  return arena_strdup(a, u256_to_dec(out, p));
}

static int dec_is_zero(const char *x) { return !x || strcmp(x, "0") == 0; }

/* ---- entities ---- */

typedef struct {
  chain_entity e;
  json_t *data; /* owned */
  int exists;
} ent;

static pheme_err ent_load(chain_proj *p, const chain_log *l, const char *kind, const char *key,
                          ent *out) {
  memset(out, 0, sizeof *out);
  pheme_err e = chain_unit_get(p->u, kind, key, &out->e);
  if (e == PHEME_DATA_NOT_FOUND) {
    out->e.kind = kind;
    out->e.key = arena_strdup(p->a, key);
    out->e.ord = l->block_number * ((int64_t)1 << 20) + (l->log_index & 0xfffff);
    out->data = json_object();
    return out->data && out->e.key ? PHEME_OK : PHEME_SYS_NOMEM;
  }
  if (e) return e;
  out->exists = 1;
  out->data = json_loads(out->e.data ? out->e.data : "{}", 0, NULL);
  if (!json_is_object(out->data)) {
    json_decref(out->data);
    out->data = json_object(); /* never happens with rows we wrote; start over rather than fail */
  }
  return out->data ? PHEME_OK : PHEME_SYS_NOMEM;
}

static pheme_err ent_save(chain_proj *p, const chain_log *l, ent *en) {
  char *text = json_dumps(en->data, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(en->data);
  en->data = NULL;
  if (!text) return PHEME_SYS_NOMEM;
  en->e.data = arena_strdup(p->a, text);
  free(text);
  if (!en->e.data) return PHEME_SYS_NOMEM;
  return chain_unit_put(p->u, l->block_number, &en->e);
}

static pheme_err ent_drop(chain_proj *p, const chain_log *l, ent *en) {
  json_decref(en->data);
  en->data = NULL;
  if (!en->exists) return PHEME_OK;
  return chain_unit_delete(p->u, l->block_number, en->e.kind, en->e.key);
}

static void ent_owner(ent *en, const uint8_t a[20]) {
  memcpy(en->e.owner, a, 20);
  en->e.has_owner = 1;
}

static void set_s(ent *en, const char *k, const char *v) {
  json_object_set_new(en->data, k, json_string(v));
}

static const char *get_s(const ent *en, const char *k, const char *def) {
  const char *s = json_string_value(json_object_get(en->data, k));
  return s ? s : def;
}

/* data[k] += v, as decimal text */
static void add_s(chain_proj *p, ent *en, const char *k, const char *v) {
  set_s(en, k, dec_add(p->a, get_s(en, k, "0"), v));
}

static const char *key2(arena *a, const char *x, const char *y) {
  return arena_printf(a, "%s/%s", x, y);
}

static const char *key3(arena *a, const char *x, const char *y, const char *z) {
  return arena_printf(a, "%s/%s/%s", x, y, z);
}

static const char *contract_name(const chain_log *l) {
  return chain_contracts[l->contract].manifest_name;
}

/* ---- every contract ---- */

pheme_err proj_role(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args) {
  char acct[43];
  uint8_t raw[20];
  arg_addr(args, 1, acct, raw);
  ent en;
  pheme_err e = ent_load(p, l, "role", key3(p->a, contract_name(l), arg_s(args, 0), acct), &en);
  if (e) return e;
  if (strcmp(ev->sig.name, "RoleRevoked") == 0) return ent_drop(p, l, &en);
  ent_owner(&en, raw);
  set_s(&en, "grantedBy", arg_s(args, 2));
  return ent_save(p, l, &en);
}

pheme_err proj_paused(chain_proj *p, const chain_event *ev, const chain_log *l,
                      const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "paused", contract_name(l), &en);
  if (e) return e;
  json_object_set_new(en.data, "paused", json_boolean(strcmp(ev->sig.name, "Paused") == 0));
  set_s(&en, "by", arg_s(args, 0));
  return ent_save(p, l, &en);
}

/* Settings and one-off administrative events: the latest arguments, by contract and event. */
pheme_err proj_setting(chain_proj *p, const chain_event *ev, const chain_log *l,
                       const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "setting", key2(p->a, contract_name(l), ev->sig.name), &en);
  if (e) return e;
  json_object_set_new(en.data, "args", json_deep_copy(args));
  return ent_save(p, l, &en);
}

/* ---- PhemeToken ---- */

static pheme_err balance_move(chain_proj *p, const chain_log *l, const char *kind, const char *key,
                              const uint8_t owner[20], const char *value, int add) {
  ent en;
  pheme_err e = ent_load(p, l, kind, key, &en);
  if (e) return e;
  ent_owner(&en, owner);
  en.e.amount = add ? dec_add(p->a, en.e.amount ? en.e.amount : "0", value)
                    : dec_sub(p->a, en.e.amount ? en.e.amount : "0", value);
  if (!en.e.amount) {
    json_decref(en.data);
    return PHEME_SYS_NOMEM;
  }
  if (dec_is_zero(en.e.amount)) return ent_drop(p, l, &en);
  return ent_save(p, l, &en);
}

pheme_err proj_token_transfer(chain_proj *p, const chain_event *ev, const chain_log *l,
                              const json_t *args) {
  char from[43], to[43];
  uint8_t rf[20], rt[20];
  arg_addr(args, 0, from, rf);
  arg_addr(args, 1, to, rt);
  const char *v = arg_s(args, 2);
  pheme_err e = PHEME_OK;
  if (!addr_is_zero(rf)) e = balance_move(p, l, "token_balance", from, rf, v, 0);
  if (!e && !addr_is_zero(rt)) e = balance_move(p, l, "token_balance", to, rt, v, 1);
  return e;
}

pheme_err proj_delegate(chain_proj *p, const chain_event *ev, const chain_log *l,
                        const json_t *args) {
  char who[43];
  uint8_t rw[20];
  arg_addr(args, 0, who, rw);
  ent en;
  pheme_err e = ent_load(p, l, "delegation", who, &en);
  if (e) return e;
  ent_owner(&en, rw);
  set_s(&en, "delegate", arg_s(args, 2));
  return ent_save(p, l, &en);
}

static pheme_err votes_set(chain_proj *p, const chain_log *l, const char *kind,
                           const json_t *args) {
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 0, who, raw);
  ent en;
  pheme_err e = ent_load(p, l, kind, who, &en);
  if (e) return e;
  ent_owner(&en, raw);
  en.e.amount = arena_strdup(p->a, arg_s(args, 2));
  if (dec_is_zero(en.e.amount)) return ent_drop(p, l, &en);
  return ent_save(p, l, &en);
}

pheme_err proj_token_votes(chain_proj *p, const chain_event *ev, const chain_log *l,
                           const json_t *args) {
  return votes_set(p, l, "token_votes", args);
}

pheme_err proj_initial_distribution(chain_proj *p, const chain_event *ev, const chain_log *l,
                                    const json_t *args) {
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 0, who, raw);
  ent en;
  pheme_err e = ent_load(p, l, "initial_distribution", who, &en);
  if (e) return e;
  ent_owner(&en, raw);
  en.e.amount = dec_add(p->a, en.e.amount ? en.e.amount : "0", arg_s(args, 1));
  return ent_save(p, l, &en);
}

/* ---- PhemeStaking: the "stake" entity of an account ----
 * amount: the active stake (from the staking contract's DelegateVotesChanged, which every change
 * emits); data: pending (in cooldown), readyAt, locked, staked / withdrawn / slashed / rewards
 * totals. */

static pheme_err stake_load(chain_proj *p, const chain_log *l, const json_t *args, ent *en) {
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 0, who, raw);
  pheme_err e = ent_load(p, l, "stake", who, en);
  if (e) return e;
  ent_owner(en, raw);
  if (!en->e.amount) en->e.amount = "0";
  return PHEME_OK;
}

pheme_err proj_stake_votes(chain_proj *p, const chain_event *ev, const chain_log *l,
                           const json_t *args) {
  ent en;
  pheme_err e = stake_load(p, l, args, &en);
  if (e) return e;
  const char *before = en.e.amount, *after = arg_s(args, 2);
  en.e.amount = arena_strdup(p->a, after);
  /* Slashed comes after this event in the same transaction and needs to know how much of the
   * slash came from the active stake (the rest came from the cooldown). */
  set_s(&en, "lastDrop", dec_sub(p->a, before, after));
  set_s(&en, "lastDropTx", hex_of(p->a, l->tx_hash, 32));
  return ent_save(p, l, &en);
}

pheme_err proj_staked(chain_proj *p, const chain_event *ev, const chain_log *l,
                      const json_t *args) {
  ent en;
  pheme_err e = stake_load(p, l, args, &en);
  if (e) return e;
  en.e.amount = arena_strdup(p->a, arg_s(args, 2));
  add_s(p, &en, "staked", arg_s(args, 1));
  return ent_save(p, l, &en);
}

pheme_err proj_unstake_requested(chain_proj *p, const chain_event *ev, const chain_log *l,
                                 const json_t *args) {
  ent en;
  pheme_err e = stake_load(p, l, args, &en);
  if (e) return e;
  en.e.amount = arena_strdup(p->a, arg_s(args, 3));
  add_s(p, &en, "pending", arg_s(args, 1));
  set_s(&en, "readyAt", arg_s(args, 2));
  return ent_save(p, l, &en);
}

pheme_err proj_withdrawn(chain_proj *p, const chain_event *ev, const chain_log *l,
                         const json_t *args) {
  ent en;
  pheme_err e = stake_load(p, l, args, &en);
  if (e) return e;
  set_s(&en, "pending", "0");
  json_object_del(en.data, "readyAt");
  add_s(p, &en, "withdrawn", arg_s(args, 1));
  return ent_save(p, l, &en);
}

pheme_err proj_reward_paid(chain_proj *p, const chain_event *ev, const chain_log *l,
                           const json_t *args) {
  ent en;
  pheme_err e = stake_load(p, l, args, &en);
  if (e) return e;
  add_s(p, &en, "rewardsPaid", arg_s(args, 1));
  return ent_save(p, l, &en);
}

pheme_err proj_stake_locked(chain_proj *p, const chain_event *ev, const chain_log *l,
                            const json_t *args) {
  ent en;
  pheme_err e = stake_load(p, l, args, &en);
  if (e) return e;
  set_s(&en, "locked", arg_s(args, 1));
  return ent_save(p, l, &en);
}

pheme_err proj_stake_slashed(chain_proj *p, const chain_event *ev, const chain_log *l,
                             const json_t *args) {
  ent en;
  pheme_err e = stake_load(p, l, args, &en);
  if (e) return e;
  const char *slashed = arg_s(args, 1);
  const char *from_active = "0";
  if (strcmp(get_s(&en, "lastDropTx", ""), hex_of(p->a, l->tx_hash, 32)) == 0)
    from_active = get_s(&en, "lastDrop", "0");
  const char *from_pending = dec_sub(p->a, slashed, from_active);
  set_s(&en, "pending", dec_sub(p->a, get_s(&en, "pending", "0"), from_pending));
  add_s(p, &en, "slashed", slashed);
  return ent_save(p, l, &en);
}

pheme_err proj_rewards_funded(chain_proj *p, const chain_event *ev, const chain_log *l,
                              const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "staking_pool", "rewards", &en);
  if (e) return e;
  en.e.amount = dec_add(p->a, en.e.amount ? en.e.amount : "0", arg_s(args, 1));
  return ent_save(p, l, &en);
}

/* ---- RewardDistributor ---- */

pheme_err proj_root_published(chain_proj *p, const chain_event *ev, const chain_log *l,
                              const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "reward_epoch", arg_s(args, 0), &en);
  if (e) return e;
  set_s(&en, "root", arg_s(args, 1));
  en.e.amount = arena_strdup(p->a, arg_s(args, 2));
  return ent_save(p, l, &en);
}

pheme_err proj_claimed(chain_proj *p, const chain_event *ev, const chain_log *l,
                       const json_t *args) {
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 0, who, raw);
  ent en;
  pheme_err e = ent_load(p, l, "reward_claim", key2(p->a, who, arg_s(args, 1)), &en);
  if (e) return e;
  ent_owner(&en, raw);
  set_s(&en, "epoch", arg_s(args, 1));
  set_s(&en, "cumulative", arg_s(args, 3));
  en.e.amount = dec_add(p->a, en.e.amount ? en.e.amount : "0", arg_s(args, 2));
  e = ent_save(p, l, &en);
  if (e) return e;
  e = ent_load(p, l, "reward_total", who, &en);
  if (e) return e;
  ent_owner(&en, raw);
  en.e.amount = arena_strdup(p->a, arg_s(args, 3)); /* cumulative: the claim's own total */
  return ent_save(p, l, &en);
}

/* ---- PhemeGovernor ---- */

static pheme_err proposal_load(chain_proj *p, const chain_log *l, const char *id, ent *en) {
  pheme_err e = ent_load(p, l, "proposal", id, en);
  if (e) return e;
  if (!en->exists) set_s(en, "status", "unknown"); /* a vote on a proposal made before indexing */
  return PHEME_OK;
}

pheme_err proj_proposal_created(chain_proj *p, const chain_event *ev, const chain_log *l,
                                const json_t *args) {
  ent en;
  pheme_err e = proposal_load(p, l, arg_s(args, 0), &en);
  if (e) return e;
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 1, who, raw);
  ent_owner(&en, raw);
  static const char *const fields[] = {"proposalId", "proposer", "targets", "values",
                                       "signatures", "calldatas", "voteStart", "voteEnd",
                                       "description"};
  for (size_t i = 2; i < ARRAY_SIZE(fields); i++)
    json_object_set_new(en.data, fields[i], json_deep_copy(json_array_get(args, i)));
  set_s(&en, "proposer", arg_s(args, 1));
  set_s(&en, "status", "created");
  set_s(&en, "createdTx", hex_of(p->a, l->tx_hash, 32));
  return ent_save(p, l, &en);
}

pheme_err proj_proposal_state(chain_proj *p, const chain_event *ev, const chain_log *l,
                              const json_t *args) {
  ent en;
  pheme_err e = proposal_load(p, l, arg_s(args, 0), &en);
  if (e) return e;
  const char *n = ev->sig.name;
  set_s(&en, "status", strcmp(n, "ProposalCanceled") == 0   ? "canceled"
                       : strcmp(n, "ProposalQueued") == 0 ? "queued"
                                                          : "executed");
  if (strcmp(n, "ProposalQueued") == 0) set_s(&en, "eta", arg_s(args, 1));
  return ent_save(p, l, &en);
}

static const char *support_name(const char *s) {
  return strcmp(s, "0") == 0 ? "against" : strcmp(s, "1") == 0 ? "for" : "abstain";
}

pheme_err proj_vote_cast(chain_proj *p, const chain_event *ev, const chain_log *l,
                         const json_t *args) {
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 0, who, raw);
  const char *id = arg_s(args, 1), *support = arg_s(args, 2), *weight = arg_s(args, 3);
  ent v;
  pheme_err e = ent_load(p, l, "vote", key2(p->a, id, who), &v);
  if (e) return e;
  ent_owner(&v, raw);
  set_s(&v, "support", support_name(support));
  set_s(&v, "reason", arg_s(args, 4));
  v.e.amount = arena_strdup(p->a, weight);
  e = ent_save(p, l, &v);
  if (e) return e;
  ent pr;
  e = proposal_load(p, l, id, &pr);
  if (e) return e;
  add_s(p, &pr, support_name(support), weight);
  json_object_set_new(pr.data, "voters",
                      json_integer(json_integer_value(json_object_get(pr.data, "voters")) + 1));
  return ent_save(p, l, &pr);
}

pheme_err proj_vote_weighted(chain_proj *p, const chain_event *ev, const chain_log *l,
                             const json_t *args) {
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 1, who, raw);
  ent v;
  pheme_err e = ent_load(p, l, "vote", key2(p->a, arg_s(args, 0), who), &v);
  if (e) return e;
  ent_owner(&v, raw);
  set_s(&v, "rawWeight", arg_s(args, 2));
  set_s(&v, "reputation", arg_s(args, 3));
  return ent_save(p, l, &v);
}

/* ---- SkillWallet ---- */

pheme_err proj_wallet_transfer(chain_proj *p, const chain_event *ev, const chain_log *l,
                               const json_t *args) {
  char to[43];
  uint8_t rt[20];
  arg_addr(args, 1, to, rt);
  ent en;
  pheme_err e = ent_load(p, l, "skill_wallet", arg_s(args, 2), &en);
  if (e) return e;
  if (addr_is_zero(rt)) return ent_drop(p, l, &en);
  ent_owner(&en, rt);
  set_s(&en, "holder", arg_s(args, 1));
  return ent_save(p, l, &en);
}

pheme_err proj_skill_defined(chain_proj *p, const chain_event *ev, const chain_log *l,
                             const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "skill", arg_s(args, 0), &en);
  if (e) return e;
  set_s(&en, "name", arg_s(args, 1));
  return ent_save(p, l, &en);
}

pheme_err proj_skill_progress(chain_proj *p, const chain_event *ev, const chain_log *l,
                              const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "wallet_skill", key2(p->a, arg_s(args, 0), arg_s(args, 1)), &en);
  if (e) return e;
  set_s(&en, "tokenId", arg_s(args, 0));
  set_s(&en, "skillId", arg_s(args, 1));
  set_s(&en, "level", arg_s(args, 2));
  set_s(&en, "xp", arg_s(args, 3));
  return ent_save(p, l, &en);
}

pheme_err proj_endorsement(chain_proj *p, const chain_event *ev, const chain_log *l,
                           const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "endorsement",
                         key3(p->a, arg_s(args, 1), arg_s(args, 0), arg_s(args, 2)), &en);
  if (e) return e;
  if (strcmp(ev->sig.name, "EndorsementRevoked") == 0) return ent_drop(p, l, &en);
  set_s(&en, "from", arg_s(args, 0));
  set_s(&en, "to", arg_s(args, 1));
  set_s(&en, "skillId", arg_s(args, 2));
  return ent_save(p, l, &en);
}

pheme_err proj_guardians(chain_proj *p, const chain_event *ev, const chain_log *l,
                         const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "guardians", arg_s(args, 0), &en);
  if (e) return e;
  json_object_set_new(en.data, "guardians", json_deep_copy(json_array_get(args, 1)));
  set_s(&en, "threshold", arg_s(args, 2));
  return ent_save(p, l, &en);
}

pheme_err proj_recovery(chain_proj *p, const chain_event *ev, const chain_log *l,
                        const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "recovery", arg_s(args, 0), &en);
  if (e) return e;
  const char *n = ev->sig.name;
  if (strcmp(n, "RecoveryCancelled") == 0 || strcmp(n, "WalletRecovered") == 0)
    return ent_drop(p, l, &en);
  if (strcmp(n, "RecoveryApproved") == 0) {
    set_s(&en, "newOwner", arg_s(args, 2));
    set_s(&en, "approvals", arg_s(args, 3));
  } else { /* RecoveryReady */
    set_s(&en, "newOwner", arg_s(args, 1));
    set_s(&en, "readyAt", arg_s(args, 2));
  }
  return ent_save(p, l, &en);
}

/* ---- PhemeBadges ---- */

pheme_err proj_badge_type(chain_proj *p, const chain_event *ev, const chain_log *l,
                          const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "badge_type", arg_s(args, 0), &en);
  if (e) return e;
  set_s(&en, "rarity", arg_s(args, 1));
  json_object_set_new(en.data, "soulbound", json_boolean(arg_bool(args, 2)));
  set_s(&en, "maxSupply", arg_s(args, 3));
  set_s(&en, "validity", arg_s(args, 4));
  set_s(&en, "uri", arg_s(args, 5));
  return ent_save(p, l, &en);
}

pheme_err proj_badge_uri(chain_proj *p, const chain_event *ev, const chain_log *l,
                         const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "badge_type", arg_s(args, 0), &en);
  if (e) return e;
  set_s(&en, "uri", arg_s(args, 1));
  return ent_save(p, l, &en);
}

static pheme_err badge_move(chain_proj *p, const chain_log *l, const json_t *args, const char *id,
                            const char *value) {
  char from[43], to[43];
  uint8_t rf[20], rt[20];
  arg_addr(args, 1, from, rf);
  arg_addr(args, 2, to, rt);
  pheme_err e = PHEME_OK;
  if (!addr_is_zero(rf)) e = balance_move(p, l, "badge_balance", key2(p->a, from, id), rf, value, 0);
  if (!e && !addr_is_zero(rt))
    e = balance_move(p, l, "badge_balance", key2(p->a, to, id), rt, value, 1);
  return e;
}

pheme_err proj_badge_transfer(chain_proj *p, const chain_event *ev, const chain_log *l,
                              const json_t *args) {
  return badge_move(p, l, args, arg_s(args, 3), arg_s(args, 4));
}

pheme_err proj_badge_transfer_batch(chain_proj *p, const chain_event *ev, const chain_log *l,
                                    const json_t *args) {
  const json_t *ids = json_array_get(args, 3), *values = json_array_get(args, 4);
  pheme_err e = PHEME_OK;
  for (size_t i = 0; !e && i < json_array_size(ids); i++)
    e = badge_move(p, l, args, arg_s(ids, i), arg_s(values, i));
  return e;
}

pheme_err proj_badge_revoked(chain_proj *p, const chain_event *ev, const chain_log *l,
                             const json_t *args) {
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 0, who, raw);
  ent en;
  pheme_err e = ent_load(p, l, "badge_revocation", key2(p->a, who, arg_s(args, 1)), &en);
  if (e) return e;
  ent_owner(&en, raw);
  en.e.amount = dec_add(p->a, en.e.amount ? en.e.amount : "0", arg_s(args, 2));
  set_s(&en, "badgeId", arg_s(args, 1));
  set_s(&en, "by", arg_s(args, 3));
  set_s(&en, "reason", arg_s(args, 4));
  return ent_save(p, l, &en);
}

pheme_err proj_badge_expiry(chain_proj *p, const chain_event *ev, const chain_log *l,
                            const json_t *args) {
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 0, who, raw);
  ent en;
  pheme_err e = ent_load(p, l, "badge_expiry", key2(p->a, who, arg_s(args, 1)), &en);
  if (e) return e;
  ent_owner(&en, raw);
  set_s(&en, "expiresAt", arg_s(args, 2));
  return ent_save(p, l, &en);
}

pheme_err proj_voucher(chain_proj *p, const chain_event *ev, const chain_log *l,
                       const json_t *args) {
  char who[43], issuer[43];
  uint8_t raw[20], ri[20];
  arg_addr(args, 0, who, raw);
  arg_addr(args, 4, issuer, ri);
  ent en;
  pheme_err e = ent_load(p, l, "voucher", key2(p->a, issuer, arg_s(args, 3)), &en);
  if (e) return e;
  ent_owner(&en, raw);
  set_s(&en, "badgeId", arg_s(args, 1));
  en.e.amount = arena_strdup(p->a, arg_s(args, 2));
  return ent_save(p, l, &en);
}

/* ---- ReputationOracle ---- */

pheme_err proj_oracle_round(chain_proj *p, const chain_event *ev, const chain_log *l,
                            const json_t *args) {
  ent en;
  pheme_err e = ent_load(p, l, "oracle_round", arg_s(args, 0), &en);
  if (e) return e;
  set_s(&en, "root", arg_s(args, 1));
  set_s(&en, "userCount", arg_s(args, 2));
  set_s(&en, "signerCount", arg_s(args, 3));
  set_s(&en, "timepoint", arg_s(args, 4));
  return ent_save(p, l, &en);
}

pheme_err proj_oracle_score(chain_proj *p, const chain_event *ev, const chain_log *l,
                            const json_t *args) {
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 0, who, raw);
  ent en;
  pheme_err e = ent_load(p, l, "reputation", who, &en);
  if (e) return e;
  ent_owner(&en, raw);
  set_s(&en, "round", arg_s(args, 1));
  set_s(&en, "score", arg_s(args, 2));
  return ent_save(p, l, &en);
}

pheme_err proj_oracle_validator(chain_proj *p, const chain_event *ev, const chain_log *l,
                                const json_t *args) {
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 0, who, raw);
  ent en;
  pheme_err e = ent_load(p, l, "oracle_validator", who, &en);
  if (e) return e;
  if (strcmp(ev->sig.name, "ValidatorRemoved") == 0) return ent_drop(p, l, &en);
  ent_owner(&en, raw);
  return ent_save(p, l, &en);
}

/* ---- ValidatorRegistry ---- */

pheme_err proj_validator(chain_proj *p, const chain_event *ev, const chain_log *l,
                         const json_t *args) {
  char who[43];
  uint8_t raw[20];
  arg_addr(args, 0, who, raw);
  ent en;
  pheme_err e = ent_load(p, l, "validator", who, &en);
  if (e) return e;
  ent_owner(&en, raw);
  const char *n = ev->sig.name;
  if (strcmp(n, "ValidatorRegistered") == 0) {
    json_object_set_new(en.data, "domains", json_deep_copy(json_array_get(args, 1)));
    set_s(&en, "registeredStake", arg_s(args, 2));
    set_s(&en, "status", "active");
    json_object_del(en.data, "readyAt");
  } else if (strcmp(n, "DomainsUpdated") == 0) {
    json_object_set_new(en.data, "domains", json_deep_copy(json_array_get(args, 1)));
  } else if (strcmp(n, "UnbondingRequested") == 0) {
    set_s(&en, "status", "unbonding");
    set_s(&en, "readyAt", arg_s(args, 1));
  } else if (strcmp(n, "ValidatorExited") == 0) {
    set_s(&en, "status", "exited");
  } else { /* ValidatorSlashed */
    en.e.amount = dec_add(p->a, en.e.amount ? en.e.amount : "0", arg_s(args, 1));
    set_s(&en, "lastSlashReason", arg_s(args, 3));
  }
  return ent_save(p, l, &en);
}
