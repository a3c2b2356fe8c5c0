/* The suite's event table; see events.h. Signatures are written with their parameter names and
 * indexed flags exactly as in contracts/artifacts/ (test_events.c holds the two together). */
#include "chain/events.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "chain/projections.h"
#include "core/log.h"
#include "core/util.h"
#include "core/banned.h"

const chain_contract_info chain_contracts[CC__COUNT] = {
    [CC_TOKEN] = {"PhemeToken", "PhemeToken", 0},
    [CC_STAKING] = {"PhemeStaking", "PhemeStaking", 0},
    [CC_DISTRIBUTOR] = {"RewardDistributor", "RewardDistributor", 0},
    [CC_GOVERNOR] = {"PhemeGovernor", "PhemeGovernor", 0},
    [CC_TIMELOCK] = {"TimelockController", "TimelockController", 0},
    [CC_SKILL_WALLET] = {"SkillWallet", "SkillWallet", 1},
    [CC_BADGES] = {"PhemeBadges", "PhemeBadges", 1},
    [CC_ORACLE] = {"ReputationOracle", "ReputationOracle", 1},
    [CC_REGISTRY] = {"ValidatorRegistry", "ValidatorRegistry", 1},
    [CC_VESTING] = {"TeamVesting", "PhemeVesting", 0},
};

int chain_contract_by_name(const char *name) {
  for (int c = 0; c < CC__COUNT; c++)
    if (name && strcmp(chain_contracts[c].manifest_name, name) == 0) return c;
  return -1;
}

#define B(c) CC_BIT(CC_##c)
#define ROLES (B(STAKING) | B(DISTRIBUTOR) | B(TIMELOCK) | B(SKILL_WALLET) | B(BADGES) | B(ORACLE) | B(REGISTRY))
#define PAUSABLE (B(STAKING) | B(DISTRIBUTOR) | B(SKILL_WALLET) | B(BADGES) | B(ORACLE) | B(REGISTRY))
#define UPGRADEABLE (B(SKILL_WALLET) | B(BADGES) | B(ORACLE) | B(REGISTRY))
#define SIGNERS (B(TOKEN) | B(GOVERNOR) | B(BADGES) | B(ORACLE) | B(REGISTRY))
#define EV(name) &ev_##name##_desc
#define PROJECTED NULL
#define NONE(why) why

static chain_event table[] = {
    /* access control, pausing, upgrades: every contract of the suite */
    {ROLES, EV(RoleGranted), PROJECTED},
    {ROLES, EV(RoleRevoked), PROJECTED},
    {ROLES, EV(RoleAdminChanged),
     NONE("role administration is fixed at deployment; role holders are projected")},
    {PAUSABLE, EV(Paused), PROJECTED},
    {PAUSABLE, EV(Unpaused), PROJECTED},
    {UPGRADEABLE, EV(Upgraded), PROJECTED},
    {UPGRADEABLE, EV(Initialized), NONE("initialisation of a proxy; its settings come as their own events")},
    {SIGNERS, EV(EIP712DomainChanged), NONE("the EIP-712 domain is read from the contract when signing")},

    /* PhemeToken */
    {B(TOKEN), EV(Transfer_PhemeToken), PROJECTED},
    {B(TOKEN), EV(Approval_PhemeToken),
     NONE("allowances are read from the token when needed; no PHEME view shows them")},
    {B(TOKEN), EV(DelegateChanged), PROJECTED},
    {B(TOKEN), EV(DelegateVotesChanged), PROJECTED},
    {B(TOKEN), EV(InitialDistribution), PROJECTED},

    /* PhemeStaking */
    {B(STAKING), EV(DelegateVotesChanged), PROJECTED},
    {B(STAKING), EV(Staked), PROJECTED},
    {B(STAKING), EV(UnstakeRequested), PROJECTED},
    {B(STAKING), EV(Withdrawn), PROJECTED},
    {B(STAKING), EV(RewardPaid), PROJECTED},
    {B(STAKING), EV(StakeLocked), PROJECTED},
    {B(STAKING), EV(Slashed), PROJECTED},
    {B(STAKING), EV(RewardsFunded), PROJECTED},
    {B(STAKING), EV(RewardStreamStarted), PROJECTED},
    {B(STAKING), EV(CooldownSet), PROJECTED},
    {B(STAKING), EV(TreasurySet), PROJECTED},

    /* RewardDistributor */
    {B(DISTRIBUTOR), EV(RootPublished), PROJECTED},
    {B(DISTRIBUTOR), EV(Claimed), PROJECTED},
    {B(DISTRIBUTOR), EV(Swept), PROJECTED},

    /* PhemeGovernor */
    {B(GOVERNOR), EV(ProposalCreated), PROJECTED},
    {B(GOVERNOR), EV(ProposalCanceled), PROJECTED},
    {B(GOVERNOR), EV(ProposalQueued), PROJECTED},
    {B(GOVERNOR), EV(ProposalExecuted), PROJECTED},
    {B(GOVERNOR), EV(VoteCast), PROJECTED},
    {B(GOVERNOR), EV(VoteCastWithParams), PROJECTED},
    {B(GOVERNOR), EV(VoteWeighted), PROJECTED},
    {B(GOVERNOR), EV(ProposalThresholdSet), PROJECTED},
    {B(GOVERNOR), EV(QuorumNumeratorUpdated), PROJECTED},
    {B(GOVERNOR), EV(TimelockChange), PROJECTED},
    {B(GOVERNOR), EV(VotingDelaySet), PROJECTED},
    {B(GOVERNOR), EV(VotingPeriodSet), PROJECTED},

    /* TimelockController */
    {B(TIMELOCK), EV(CallScheduled),
     NONE("timelock operations are shown through the proposals that queue them")},
    {B(TIMELOCK), EV(CallExecuted),
     NONE("timelock operations are shown through the proposals that queue them")},
    {B(TIMELOCK), EV(CallSalt), NONE("timelock operations are shown through the proposals that queue them")},
    {B(TIMELOCK), EV(Cancelled), NONE("timelock operations are shown through the proposals that queue them")},
    {B(TIMELOCK), EV(MinDelayChange), PROJECTED},

    /* SkillWallet */
    {B(SKILL_WALLET), EV(Transfer_SkillWallet), PROJECTED},
    {B(SKILL_WALLET), EV(SkillDefined), PROJECTED},
    {B(SKILL_WALLET), EV(SkillProgress), PROJECTED},
    {B(SKILL_WALLET), EV(Endorsed), PROJECTED},
    {B(SKILL_WALLET), EV(EndorsementRevoked), PROJECTED},
    {B(SKILL_WALLET), EV(GuardiansSet), PROJECTED},
    {B(SKILL_WALLET), EV(RecoveryApproved), PROJECTED},
    {B(SKILL_WALLET), EV(RecoveryReady), PROJECTED},
    {B(SKILL_WALLET), EV(RecoveryCancelled), PROJECTED},
    {B(SKILL_WALLET), EV(WalletRecovered), PROJECTED},
    {B(SKILL_WALLET), EV(RecoveryDelaySet), PROJECTED},
    {B(SKILL_WALLET), EV(Locked), NONE("every Skill Wallet is locked (ERC-5192 soulbound) from its mint")},
    {B(SKILL_WALLET), EV(Unlocked), NONE("Skill Wallets are never unlocked; the event exists for ERC-5192")},
    {B(SKILL_WALLET), EV(MetadataUpdate), NONE("an ERC-4906 refresh hint for marketplaces; the skills it follows are projected")},
    {B(SKILL_WALLET), EV(BatchMetadataUpdate), NONE("an ERC-4906 refresh hint for marketplaces")},
    {B(SKILL_WALLET), EV(Approval_SkillWallet), NONE("approvals revert on a soulbound wallet")},
    {B(SKILL_WALLET), EV(ApprovalForAll_SkillWallet),
     NONE("operator approvals are read from the contract when needed; no PHEME view shows them")},
    {B(BADGES), EV(ApprovalForAll_PhemeBadges),
     NONE("operator approvals are read from the contract when needed; no PHEME view shows them")},

    /* PhemeBadges */
    {B(BADGES), EV(BadgeTypeCreated), PROJECTED},
    {B(BADGES), EV(BadgeUriSet), PROJECTED},
    {B(BADGES), EV(URI), NONE("ERC-1155's copy of BadgeTypeCreated / BadgeUriSet, which are projected")},
    {B(BADGES), EV(TransferSingle), PROJECTED},
    {B(BADGES), EV(TransferBatch), PROJECTED},
    {B(BADGES), EV(BadgeRevoked), PROJECTED},
    {B(BADGES), EV(BadgeExpiry), PROJECTED},
    {B(BADGES), EV(VoucherRedeemed), PROJECTED},

    /* ReputationOracle */
    {B(ORACLE), EV(RoundSubmitted), PROJECTED},
    {B(ORACLE), EV(ScoreUpdated), PROJECTED},
    {B(ORACLE), EV(ValidatorAdded), PROJECTED},
    {B(ORACLE), EV(ValidatorRemoved), PROJECTED},
    {B(ORACLE), EV(ThresholdChanged), PROJECTED},

    /* ValidatorRegistry */
    {B(REGISTRY), EV(ValidatorRegistered), PROJECTED},
    {B(REGISTRY), EV(DomainsUpdated), PROJECTED},
    {B(REGISTRY), EV(UnbondingRequested), PROJECTED},
    {B(REGISTRY), EV(ValidatorExited), PROJECTED},
    {B(REGISTRY), EV(ValidatorSlashed), PROJECTED},
    {B(REGISTRY), EV(MinStakeSet), PROJECTED},
    {B(REGISTRY), EV(UnbondingDelaySet), PROJECTED},

    /* the team's vesting wallet */
    {B(VESTING), EV(ERC20Released), NONE("the release is a token Transfer, which moves the balances")},
    {B(VESTING), EV(EtherReleased), NONE("PHEME does not track ether balances")},
    {B(VESTING), EV(OwnershipTransferred), PROJECTED},
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pheme_err init_result = PHEME_OK;
static arena table_arena;

static void init_table(void) {
  arena_init(&table_arena, 0);
  if (proj_check()) {
    init_result = PHEME_SYS_INTERNAL;
    return;
  }
  for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
    pheme_error err;
    chain_event *ev = &table[i];
    ev->signature = ev->desc->signature;
    if (abi_sig_parse(&table_arena, ev->signature, strlen(ev->signature), &ev->sig, &err)) {
      log_error("event signature '%s' does not parse: %s", ev->signature, err.msg);
      init_result = PHEME_SYS_INTERNAL;
      return;
    }
    abi_sig_topic(ev->topic, &ev->sig);
    if (memcmp(ev->topic, ev->desc->topic, 32) != 0) {
      log_error("event '%s': generated topic differs", ev->signature);
      init_result = PHEME_SYS_INTERNAL;
      return;
    }
    for (int c = 0; c < CC__COUNT; c++) {
      if (!(ev->contracts & CC_BIT(c))) continue;
      if (!ev->why_none != !!proj_exists(ev->desc, (chain_contract)c)) {
        log_error("event '%s' of %s: %s", ev->signature, chain_contracts[c].manifest_name,
                  ev->why_none ? "explained as not projected, but has projection rules"
                               : "has no projection rule and no reason why");
        init_result = PHEME_SYS_INTERNAL;
        return;
      }
    }
  }
}

pheme_err chain_events_init(void) {
  pthread_once(&once, init_table);
  return init_result;
}

const chain_event *chain_events(int *n) {
  *n = (int)ARRAY_SIZE(table);
  return table;
}

const chain_event *chain_event_find(chain_contract c, const uint8_t topic0[32]) {
  for (size_t i = 0; i < ARRAY_SIZE(table); i++)
    if ((table[i].contracts & CC_BIT(c)) && memcmp(table[i].desc->topic, topic0, 32) == 0)
      return &table[i];
  return NULL;
}

pheme_err chain_event_decode(const chain_event *ev, const chain_log *l, void *out, char *why,
                             size_t whylen) {
  return ev->desc->decode((const uint8_t(*)[32])l->topics, (size_t)l->ntopics, l->data, l->n, out,
                          why, whylen);
}

pheme_err chain_event_args(const chain_event *ev, const chain_log *l, json_t **args, char *why,
                           size_t whylen) {
  _Alignas(max_align_t) uint8_t v[EV_MAX_SIZE];
  *args = NULL;
  pheme_err e = chain_event_decode(ev, l, v, why, whylen);
  if (e) return e;
  *args = ev_args_json(ev->desc, v);
  if (!*args) {
    snprintf(why, whylen, "no memory for the arguments of '%s'", ev->desc->name);
    return PHEME_SYS_NOMEM;
  }
  return PHEME_OK;
}
