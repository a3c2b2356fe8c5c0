/* EIP-1559 fee pricing for the transaction manager, from a node's eth_feeHistory answer, and the
 * fee bump of a replacement. Pure functions: no I/O, so they are unit-tested and fuzzed.
 *
 * Fees are wei per gas in 64 bits (18.4 ETH per gas is far beyond any real fee); an answer with a
 * larger quantity is refused, never truncated. */
#ifndef PHEME_CHAIN_FEES_H
#define PHEME_CHAIN_FEES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct {
  int blocks;               /* blocks of history asked for (1..1024; default 10) */
  int tip_percentile;       /* the reward percentile taken as each block's tip (0..100; 50) */
  int base_fee_pct;         /* maxFeePerGas = next base fee × base_fee_pct / 100 + tip (100..1000;
                             * default 200: room for six full blocks of base-fee rises) */
  uint64_t min_tip_wei;     /* floor of the tip (default 1 000 000: 0.001 gwei) */
  uint64_t max_tip_wei;     /* cap of the tip; 0 = none */
  uint64_t max_fee_wei;     /* cap of maxFeePerGas; 0 = none. Never pays more: a transaction that
                             * would need more waits (fees_quote / fees_bump refuse) */
  int bump_pct;             /* a replacement raises tip and max fee by at least this many percent
                             * (10..1000; default 12: nodes ask for +10%) */
} fee_options;

typedef struct {
  uint64_t next_base_fee;   /* the base fee of the next block, as the node predicts it */
  uint64_t tip;             /* maxPriorityFeePerGas */
  uint64_t max_fee;         /* maxFeePerGas */
} fee_quote;

/* Fills *o with the defaults above. */
void fee_options_init(fee_options *o);
/* Returns 0, or PHEME_SYS_CONFIG with err naming the option out of range. */
pheme_err fee_options_check(const fee_options *o, char *err, size_t errlen) PHEME_MUST_CHECK;

/* The params of the eth_feeHistory call these options ask for: ["0xa","latest",[50]]. */
void fees_history_params(const fee_options *o, char *out, size_t n);

/* Prices a transaction from an eth_feeHistory result: the next base fee is the last entry of
 * baseFeePerGas, the tip the median over the blocks of reward[i][0] (blocks without rewards
 * left out), then clamped to [min_tip, max_tip]. Returns 0, PHEME_DATA_INVALID with err for a
 * malformed answer, or PHEME_DATA_STATE when the next base fee plus the tip is above
 * max_fee_wei (maxFeePerGas is otherwise clamped to that cap). */
pheme_err fees_quote(const json_t *history, const fee_options *o, fee_quote *out, char *err,
                     size_t errlen) PHEME_MUST_CHECK;

/* The fees of a replacement of a transaction that carried old: each of tip and max fee raised by
 * at least bump_pct percent (and by at least 1 wei), and to at least today's price (fresh; may be
 * NULL). Returns 0, or PHEME_DATA_STATE with err when the raise would pass max_fee_wei or
 * max_tip_wei (the transaction is then left to wait). */
pheme_err fees_bump(const fee_quote *old, const fee_quote *fresh, const fee_options *o,
                    fee_quote *out, char *err, size_t errlen) PHEME_MUST_CHECK;

#endif
