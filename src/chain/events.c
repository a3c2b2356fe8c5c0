/* The suite's event table; see events.h. Signatures are written with their parameter names and
 * indexed flags exactly as in contracts/artifacts/ (test_events.c holds the two together). */
#include "chain/events.h"

#include <pthread.h>
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
#define P(fn) proj_##fn, NULL
#define NONE(why) NULL, why

static chain_event table[] = {
    /* access control, pausing, upgrades: every contract of the suite */
    {ROLES, "RoleGranted(bytes32 indexed role,address indexed account,address indexed sender)", P(role)},
    {ROLES, "RoleRevoked(bytes32 indexed role,address indexed account,address indexed sender)", P(role)},
    {ROLES, "RoleAdminChanged(bytes32 indexed role,bytes32 indexed previousAdminRole,bytes32 indexed newAdminRole)",
     NONE("role administration is fixed at deployment; role holders are projected")},
    {PAUSABLE, "Paused(address account)", P(paused)},
    {PAUSABLE, "Unpaused(address account)", P(paused)},
    {UPGRADEABLE, "Upgraded(address indexed implementation)", P(setting)},
    {UPGRADEABLE, "Initialized(uint64 version)", NONE("initialisation of a proxy; its settings come as their own events")},
    {SIGNERS, "EIP712DomainChanged()", NONE("the EIP-712 domain is read from the contract when signing")},

    /* PhemeToken */
    {B(TOKEN), "Transfer(address indexed from,address indexed to,uint256 value)", P(token_transfer)},
    {B(TOKEN), "Approval(address indexed owner,address indexed spender,uint256 value)",
     NONE("allowances are read from the token when needed; no PHEME view shows them")},
    {B(TOKEN), "DelegateChanged(address indexed delegator,address indexed fromDelegate,address indexed toDelegate)", P(delegate)},
    {B(TOKEN), "DelegateVotesChanged(address indexed delegate,uint256 previousVotes,uint256 newVotes)", P(token_votes)},
    {B(TOKEN), "InitialDistribution(address indexed recipient,uint256 amount)", P(initial_distribution)},

    /* PhemeStaking */
    {B(STAKING), "DelegateVotesChanged(address indexed delegate,uint256 previousVotes,uint256 newVotes)", P(stake_votes)},
    {B(STAKING), "Staked(address indexed account,uint256 amount,uint256 newStake)", P(staked)},
    {B(STAKING), "UnstakeRequested(address indexed account,uint256 amount,uint256 readyAt,uint256 newStake)", P(unstake_requested)},
    {B(STAKING), "Withdrawn(address indexed account,uint256 amount)", P(withdrawn)},
    {B(STAKING), "RewardPaid(address indexed account,uint256 amount)", P(reward_paid)},
    {B(STAKING), "StakeLocked(address indexed account,uint256 amount)", P(stake_locked)},
    {B(STAKING), "Slashed(address indexed account,uint256 amount,bool burnt,address recipient)", P(stake_slashed)},
    {B(STAKING), "RewardsFunded(address indexed from,uint256 amount)", P(rewards_funded)},
    {B(STAKING), "RewardStreamStarted(uint256 rate,uint256 periodFinish)", P(setting)},
    {B(STAKING), "CooldownSet(uint256 cooldown)", P(setting)},
    {B(STAKING), "TreasurySet(address treasury)", P(setting)},

    /* RewardDistributor */
    {B(DISTRIBUTOR), "RootPublished(uint256 indexed epoch,bytes32 root,uint256 totalCumulative)", P(root_published)},
    {B(DISTRIBUTOR), "Claimed(address indexed account,uint256 indexed epoch,uint256 amount,uint256 cumulativeAmount)", P(claimed)},
    {B(DISTRIBUTOR), "Swept(address indexed to,uint256 amount)", P(setting)},

    /* PhemeGovernor */
    {B(GOVERNOR), "ProposalCreated(uint256 proposalId,address proposer,address[] targets,uint256[] values,string[] signatures,bytes[] calldatas,uint256 voteStart,uint256 voteEnd,string description)", P(proposal_created)},
    {B(GOVERNOR), "ProposalCanceled(uint256 proposalId)", P(proposal_state)},
    {B(GOVERNOR), "ProposalQueued(uint256 proposalId,uint256 etaSeconds)", P(proposal_state)},
    {B(GOVERNOR), "ProposalExecuted(uint256 proposalId)", P(proposal_state)},
    {B(GOVERNOR), "VoteCast(address indexed voter,uint256 proposalId,uint8 support,uint256 weight,string reason)", P(vote_cast)},
    {B(GOVERNOR), "VoteCastWithParams(address indexed voter,uint256 proposalId,uint8 support,uint256 weight,string reason,bytes params)", P(vote_cast)},
    {B(GOVERNOR), "VoteWeighted(uint256 indexed proposalId,address indexed voter,uint256 rawWeight,uint256 reputation)", P(vote_weighted)},
    {B(GOVERNOR), "ProposalThresholdSet(uint256 oldProposalThreshold,uint256 newProposalThreshold)", P(setting)},
    {B(GOVERNOR), "QuorumNumeratorUpdated(uint256 oldQuorumNumerator,uint256 newQuorumNumerator)", P(setting)},
    {B(GOVERNOR), "TimelockChange(address oldTimelock,address newTimelock)", P(setting)},
    {B(GOVERNOR), "VotingDelaySet(uint256 oldVotingDelay,uint256 newVotingDelay)", P(setting)},
    {B(GOVERNOR), "VotingPeriodSet(uint256 oldVotingPeriod,uint256 newVotingPeriod)", P(setting)},

    /* TimelockController */
    {B(TIMELOCK), "CallScheduled(bytes32 indexed id,uint256 indexed index,address target,uint256 value,bytes data,bytes32 predecessor,uint256 delay)",
     NONE("timelock operations are shown through the proposals that queue them")},
    {B(TIMELOCK), "CallExecuted(bytes32 indexed id,uint256 indexed index,address target,uint256 value,bytes data)",
     NONE("timelock operations are shown through the proposals that queue them")},
    {B(TIMELOCK), "CallSalt(bytes32 indexed id,bytes32 salt)", NONE("timelock operations are shown through the proposals that queue them")},
    {B(TIMELOCK), "Cancelled(bytes32 indexed id)", NONE("timelock operations are shown through the proposals that queue them")},
    {B(TIMELOCK), "MinDelayChange(uint256 oldDuration,uint256 newDuration)", P(setting)},

    /* SkillWallet */
    {B(SKILL_WALLET), "Transfer(address indexed from,address indexed to,uint256 indexed tokenId)", P(wallet_transfer)},
    {B(SKILL_WALLET), "SkillDefined(uint32 indexed skillId,string name)", P(skill_defined)},
    {B(SKILL_WALLET), "SkillProgress(uint256 indexed tokenId,uint32 indexed skillId,uint8 level,uint128 xp)", P(skill_progress)},
    {B(SKILL_WALLET), "Endorsed(uint256 indexed fromTokenId,uint256 indexed toTokenId,uint32 indexed skillId)", P(endorsement)},
    {B(SKILL_WALLET), "EndorsementRevoked(uint256 indexed fromTokenId,uint256 indexed toTokenId,uint32 indexed skillId)", P(endorsement)},
    {B(SKILL_WALLET), "GuardiansSet(uint256 indexed tokenId,address[] guardians,uint8 threshold)", P(guardians)},
    {B(SKILL_WALLET), "RecoveryApproved(uint256 indexed tokenId,address indexed guardian,address indexed newOwner,uint8 approvals)", P(recovery)},
    {B(SKILL_WALLET), "RecoveryReady(uint256 indexed tokenId,address indexed newOwner,uint256 readyAt)", P(recovery)},
    {B(SKILL_WALLET), "RecoveryCancelled(uint256 indexed tokenId)", P(recovery)},
    {B(SKILL_WALLET), "WalletRecovered(uint256 indexed tokenId,address indexed from,address indexed to,bool byGovernance)", P(recovery)},
    {B(SKILL_WALLET), "RecoveryDelaySet(uint256 delay)", P(setting)},
    {B(SKILL_WALLET), "Locked(uint256 tokenId)", NONE("every Skill Wallet is locked (ERC-5192 soulbound) from its mint")},
    {B(SKILL_WALLET), "Unlocked(uint256 tokenId)", NONE("Skill Wallets are never unlocked; the event exists for ERC-5192")},
    {B(SKILL_WALLET), "MetadataUpdate(uint256 _tokenId)", NONE("an ERC-4906 refresh hint for marketplaces; the skills it follows are projected")},
    {B(SKILL_WALLET), "BatchMetadataUpdate(uint256 _fromTokenId,uint256 _toTokenId)", NONE("an ERC-4906 refresh hint for marketplaces")},
    {B(SKILL_WALLET), "Approval(address indexed owner,address indexed approved,uint256 indexed tokenId)", NONE("approvals revert on a soulbound wallet")},
    {B(SKILL_WALLET) | B(BADGES), "ApprovalForAll(address indexed owner,address indexed operator,bool approved)",
     NONE("operator approvals are read from the contract when needed; no PHEME view shows them")},

    /* PhemeBadges */
    {B(BADGES), "BadgeTypeCreated(uint256 indexed id,uint8 rarity,bool soulbound,uint64 maxSupply,uint64 validity,string uri)", P(badge_type)},
    {B(BADGES), "BadgeUriSet(uint256 indexed id,string uri)", P(badge_uri)},
    {B(BADGES), "URI(string value,uint256 indexed id)", NONE("ERC-1155's copy of BadgeTypeCreated / BadgeUriSet, which are projected")},
    {B(BADGES), "TransferSingle(address indexed operator,address indexed from,address indexed to,uint256 id,uint256 value)", P(badge_transfer)},
    {B(BADGES), "TransferBatch(address indexed operator,address indexed from,address indexed to,uint256[] ids,uint256[] values)", P(badge_transfer_batch)},
    {B(BADGES), "BadgeRevoked(address indexed account,uint256 indexed id,uint256 amount,address indexed by,string reason)", P(badge_revoked)},
    {B(BADGES), "BadgeExpiry(address indexed account,uint256 indexed id,uint64 expiresAt)", P(badge_expiry)},
    {B(BADGES), "VoucherRedeemed(address indexed recipient,uint256 indexed id,uint256 amount,uint256 nonce,address indexed issuer)", P(voucher)},

    /* ReputationOracle */
    {B(ORACLE), "RoundSubmitted(uint256 indexed round,bytes32 root,uint256 userCount,uint256 signerCount,uint48 timepoint)", P(oracle_round)},
    {B(ORACLE), "ScoreUpdated(address indexed user,uint256 indexed round,uint8 score)", P(oracle_score)},
    {B(ORACLE), "ValidatorAdded(address indexed validator)", P(oracle_validator)},
    {B(ORACLE), "ValidatorRemoved(address indexed validator)", P(oracle_validator)},
    {B(ORACLE), "ThresholdChanged(uint256 threshold)", P(setting)},

    /* ValidatorRegistry */
    {B(REGISTRY), "ValidatorRegistered(address indexed validator,bytes32[] domains,uint256 stake)", P(validator)},
    {B(REGISTRY), "DomainsUpdated(address indexed validator,bytes32[] domains)", P(validator)},
    {B(REGISTRY), "UnbondingRequested(address indexed validator,uint256 readyAt)", P(validator)},
    {B(REGISTRY), "ValidatorExited(address indexed validator)", P(validator)},
    {B(REGISTRY), "ValidatorSlashed(address indexed validator,uint256 amount,bool burnt,string reason)", P(validator)},
    {B(REGISTRY), "MinStakeSet(uint256 minStake)", P(setting)},
    {B(REGISTRY), "UnbondingDelaySet(uint256 delay)", P(setting)},

    /* the team's vesting wallet */
    {B(VESTING), "ERC20Released(address indexed token,uint256 amount)", NONE("the release is a token Transfer, which moves the balances")},
    {B(VESTING), "EtherReleased(uint256 amount)", NONE("PHEME does not track ether balances")},
    {B(VESTING), "OwnershipTransferred(address indexed previousOwner,address indexed newOwner)", P(setting)},
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pheme_err init_result = PHEME_OK;
static arena table_arena;

static void init_table(void) {
  arena_init(&table_arena, 0);
  for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
    eth_err err;
    chain_event *ev = &table[i];
    if (abi_sig_parse(&table_arena, ev->signature, strlen(ev->signature), &ev->sig, &err)) {
      log_error("event signature '%s' does not parse: %s", ev->signature, err.msg);
      init_result = PHEME_SYS_INTERNAL;
      return;
    }
    abi_sig_topic(ev->topic, &ev->sig);
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
    if ((table[i].contracts & CC_BIT(c)) && memcmp(table[i].topic, topic0, 32) == 0)
      return &table[i];
  return NULL;
}

pheme_err chain_event_decode(const chain_event *ev, const chain_log *l, json_t **args, char *why,
                             size_t whylen) {
  eth_err err;
  *args = NULL;
  if (abi_decode_log(&ev->sig, (const uint8_t(*)[32])l->topics, (size_t)l->ntopics, l->data, l->n,
                     args, &err)) {
    snprintf(why, whylen, "log does not decode as '%s': %s", ev->sig.name, err.msg);
    return PHEME_DATA_INVALID;
  }
  return PHEME_OK;
}
