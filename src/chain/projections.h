/* The projections of the suite's events (projections.c): each turns one decoded log into
 * changes of entities (kind, key) through the indexer's unit of work, so that the undo journal
 * can roll any of them back. The kinds and their fields are listed in docs/internals/indexer.md.
 * All have the chain_apply_fn contract of events.h. */
#ifndef PHEME_CHAIN_PROJECTIONS_H
#define PHEME_CHAIN_PROJECTIONS_H

#include "chain/events.h"

pheme_err proj_badge_expiry(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_badge_revoked(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_badge_transfer(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_badge_transfer_batch(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_badge_type(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_badge_uri(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_claimed(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_delegate(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_endorsement(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_guardians(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_initial_distribution(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_oracle_round(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_oracle_score(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_oracle_validator(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_paused(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_proposal_created(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_proposal_state(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_recovery(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_reward_paid(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_rewards_funded(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_role(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_root_published(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_setting(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_skill_defined(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_skill_progress(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_stake_locked(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_stake_slashed(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_stake_votes(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_staked(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_token_transfer(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_token_votes(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_unstake_requested(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_validator(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_vote_cast(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_vote_weighted(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_voucher(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_wallet_transfer(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);
pheme_err proj_withdrawn(chain_proj *p, const chain_event *ev, const chain_log *l, const json_t *args);

#endif
