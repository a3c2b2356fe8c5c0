/* The events of PHEME's contract suite, as one table: which contract emits it, its Solidity
 * signature (topic0 is its Keccak-256), and the projection it feeds (or, for events the API has
 * no use for, why none: every log is still stored). tests/unit/chain/test_events.c checks that
 * every event of every ABI in contracts/artifacts/ has an entry, so nothing is silently ignored.
 *
 * Lookup is by (contract, topic0): ERC-20 and ERC-721 Transfer share topic0 and differ only in
 * which topics are indexed, so the emitting contract decides which entry decodes a log. */
#ifndef PHEME_CHAIN_EVENTS_H
#define PHEME_CHAIN_EVENTS_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "eth/abi.h"

/* The suite's contracts, as named in a deployment manifest's "contracts" object. */
typedef enum {
  CC_TOKEN,
  CC_STAKING,
  CC_DISTRIBUTOR,
  CC_GOVERNOR,
  CC_TIMELOCK,
  CC_SKILL_WALLET,
  CC_BADGES,
  CC_ORACLE,
  CC_REGISTRY,
  CC_VESTING,
  CC__COUNT
} chain_contract;

typedef struct {
  const char *manifest_name; /* "PhemeToken", …, "TeamVesting" */
  const char *artifact;      /* contracts/artifacts/<artifact>.json holds its ABI */
  int proxied;               /* behind an ERC-1967 proxy (the proxy's events are its events) */
} chain_contract_info;

extern const chain_contract_info chain_contracts[CC__COUNT];
/* The contract of a manifest name, or -1. */
int chain_contract_by_name(const char *manifest_name);

/* A log as the indexer hands it to a projection. */
typedef struct {
  uint64_t chain_id;
  int64_t block_number;
  int64_t log_index;
  uint8_t block_hash[32], tx_hash[32];
  uint8_t address[20];
  uint8_t topics[4][32];
  int ntopics;
  const uint8_t *data;
  size_t n;
  chain_contract contract;
} chain_log;

typedef struct chain_unit chain_unit;

/* What a projection writes through: the indexer's unit of work and an arena for the step. */
typedef struct {
  chain_unit *u;
  arena *a;
} chain_proj;

typedef struct chain_event chain_event;

/* Applies one decoded log of event ev (args: the parameters in declaration order, as
 * abi_decode_log gives them) to the projections. Returns 0 or a storage error. */
typedef pheme_err (*chain_apply_fn)(chain_proj *p, const chain_event *ev, const chain_log *l,
                                    const json_t *args);

#define CC_BIT(c) (1u << (c))

struct chain_event {
  unsigned contracts;    /* CC_BIT()s of the contracts that emit it */
  const char *signature; /* "Transfer(address indexed from,address indexed to,uint256 value)" */
  chain_apply_fn apply;  /* NULL: stored only */
  const char *why_none;  /* when apply is NULL: why the API needs no projection of it */
  abi_sig sig;           /* parsed by chain_events_init */
  uint8_t topic[32];
};

/* Parses the table's signatures and computes their topics, once (thread-safe). Returns 0, or
 * PHEME_SYS_INTERNAL (a signature that does not parse is a bug, logged). */
pheme_err chain_events_init(void) PHEME_MUST_CHECK;
/* The table and its length (after chain_events_init). */
const chain_event *chain_events(int *n);
/* The entry for a log of contract c with topic0, or NULL. */
const chain_event *chain_event_find(chain_contract c, const uint8_t topic0[32]);

/* Decodes a log against its entry: 0 with *args (a new reference), or PHEME_DATA_INVALID with
 * why (topics or data that do not fit the signature). */
pheme_err chain_event_decode(const chain_event *ev, const chain_log *l, json_t **args, char *why,
                             size_t whylen) PHEME_MUST_CHECK;

#endif
