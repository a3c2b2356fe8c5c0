/* The projections of the suite's events (projections.c), as one table of rules: a rule says, for
 * one typed event (chain/events_gen.h) of some contracts, which entity (kind, key) it changes,
 * who owns it, what happens to its amount (set / add / subtract a field), which data fields it
 * sets, adds to or removes, and whether it saves or deletes the entity. A few rules that are not
 * of that shape (a slash split between active and pending stake, a vote's tally, a batch
 * transfer) name a hook. Every change goes through the indexer's unit of work, so the undo
 * journal can roll any of them back. The kinds and fields are listed in
 * docs/internals/indexer.md. */
#ifndef PHEME_CHAIN_PROJECTIONS_H
#define PHEME_CHAIN_PROJECTIONS_H

#include "chain/events.h"

/* 1 when some rule projects event d of contract c. */
int proj_exists(const ev_desc *d, chain_contract c);

/* Applies one decoded log (ev: the event's struct, as its decoder filled it) to every rule of
 * its event and contract. Returns 0 or a storage error. */
pheme_err proj_apply(chain_proj *p, const chain_event *e, const chain_log *l, const void *ev)
    PHEME_MUST_CHECK;

/* Checks the rule table against the generated field tables (every field a rule names exists and
 * has a kind the rule can use). Returns 0, or PHEME_SYS_INTERNAL with the rule logged. */
pheme_err proj_check(void) PHEME_MUST_CHECK;

#endif
