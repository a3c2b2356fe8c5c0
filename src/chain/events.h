/* The events of PHEME's contract suite, as one table: which contract emits it, its Solidity
 * signature (topic0 is its Keccak-256), and the projection it feeds (or, for events the API has
 * no use for, why none: every log is still stored). tests/unit/chain/test_events.c checks that
 * every event of every ABI in contracts/artifacts/ has an entry, so nothing is silently ignored.
 *
 * Each entry names its event's generated struct and decoder (tools/abigen, chain/evdec.h): a
 * contract whose event changes changes the struct, and code reading a field that moved or went
 * away no longer compiles.
 *
 * Lookup is by (contract, topic0): ERC-20 and ERC-721 Transfer share topic0 and differ only in
 * which topics are indexed, so the emitting contract decides which entry decodes a log. */
#ifndef PHEME_CHAIN_EVENTS_H
#define PHEME_CHAIN_EVENTS_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "chain/events_gen.h"
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

#define CC_BIT(c) (1u << (c))

typedef struct chain_event {
  unsigned contracts;    /* CC_BIT()s of the contracts that emit it */
  const ev_desc *desc;   /* the generated struct, decoder and fields (chain/events_gen.h) */
  const char *why_none;  /* NULL: projected (projections.c has rules for it); else why not */
  /* set by chain_events_init: */
  const char *signature; /* desc->signature: "Transfer(address indexed from,…)" */
  abi_sig sig;           /* parsed */
  uint8_t topic[32];
} chain_event;

/* Parses the table's signatures, checks them against the generated topics and the projection
 * rules (every entry projected for every contract it names, or explained), once (thread-safe).
 * Returns 0, or PHEME_SYS_INTERNAL (a bug, logged). */
pheme_err chain_events_init(void) PHEME_MUST_CHECK;
/* The table and its length (after chain_events_init). */
const chain_event *chain_events(int *n);
/* The entry for a log of contract c with topic0, or NULL. */
const chain_event *chain_event_find(chain_contract c, const uint8_t topic0[32]);

/* Decodes a log into its event's struct (out: at least ev->desc->size bytes, EV_MAX_SIZE always
 * suffices): 0, or PHEME_DATA_INVALID with why (topics or data that do not fit the event). The
 * struct points into l->data. */
pheme_err chain_event_decode(const chain_event *ev, const chain_log *l, void *out, char *why,
                             size_t whylen) PHEME_MUST_CHECK;
/* The same, as a JSON array of the arguments in declaration order (abi_decode_log's form): 0 with
 * *args (a new reference), or PHEME_DATA_INVALID with why. */
pheme_err chain_event_args(const chain_event *ev, const chain_log *l, json_t **args, char *why,
                           size_t whylen) PHEME_MUST_CHECK;

#endif
